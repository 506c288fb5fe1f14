package drain_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/drain"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// The whole transition table: every event in every state.
func TestTransitionTable(t *testing.T) {
	const x = drain.State(-1) // illegal
	const tid = "0123456789abcdef0123456789abcdef"
	events := []drain.Event{
		{Kind: drain.Trigger, TriggerID: tid}, {Kind: drain.Accept}, {Kind: drain.Savepoint, Location: "s3://sp"},
		{Kind: drain.Fallback}, {Kind: drain.Cancel}, {Kind: drain.Fail}, {Kind: drain.Retry}, {Kind: drain.Finish},
	}
	R, S, W, F, D, CI, CD, FL := drain.Requested, drain.Stopping, drain.Waiting, drain.Finishing, drain.Drained, drain.Cancelling, drain.Cancelled, drain.Failed
	want := map[drain.State][8]drain.State{
		//    trigger accept savepoint fallback cancel fail retry finish
		R:  {S, x, F, CI, CD, FL, x, x},
		S:  {x, W, F, CI, CD, FL, R, x},
		W:  {x, x, F, CI, CD, FL, R, x},
		F:  {x, x, x, CI, CD, FL, R, D},
		CI: {x, x, F, x, CD, FL, x, x},
		D:  {x, x, x, x, x, x, x, x},
		CD: {x, x, x, x, x, x, x, x},
		FL: {x, x, x, x, x, x, x, x},
	}
	for from, row := range want {
		for i, e := range events {
			op := drain.Operation{Job: "j", State: from}
			if from == drain.Finishing {
				op.Location = "s3://sp"
			}
			got, err := drain.Apply(op, t0, e)
			if row[i] == x {
				var te *drain.TransitionError
				if !errors.Is(err, drain.ErrIllegalTransition) || !errors.As(err, &te) || te.From != from || got.State != from {
					t.Errorf("%s + %s: %v (state %s), want an illegal transition", from, e.Kind, err, got.State)
				}
				continue
			}
			if err != nil || got.State != row[i] {
				t.Errorf("%s + %s = %s, %v; want %s", from, e.Kind, got.State, err, row[i])
			}
		}
	}
}

// A savepoint written by an attempt whose job did not finish is kept as
// written, never as the drain's location.
func TestWrittenSavepointIsNotLocation(t *testing.T) {
	op := drain.Operation{Job: "j", State: drain.Finishing, Location: "s3://sp1"}
	op, err := drain.Apply(op, t0, drain.Event{Kind: drain.Retry, Reason: "job RESTARTING"})
	if err != nil || op.State != drain.Requested || op.Location != "" || op.WrittenSavepoint != "s3://sp1" {
		t.Errorf("Finishing + retry = %+v, %v", op, err)
	}
	op = drain.Operation{Job: "j", State: drain.Waiting}
	op, err = drain.Apply(op, t0, drain.Event{Kind: drain.Retry, Location: "s3://sp2"})
	if err != nil || op.Location != "" || op.WrittenSavepoint != "s3://sp2" {
		t.Errorf("Waiting + retry with a written savepoint = %+v, %v", op, err)
	}
	if _, err := drain.Apply(drain.Operation{Job: "j", State: drain.Finishing}, t0, drain.Event{Kind: drain.Finish}); !errors.Is(err, drain.ErrNoSavepoint) {
		t.Errorf("finish without a confirmed savepoint: %v", err)
	}
}

// A drain is never Drained without a savepoint location.
func TestNoSuccessWithoutSavepoint(t *testing.T) {
	for _, from := range []drain.State{drain.Stopping, drain.Waiting, drain.Cancelling} {
		op, err := drain.Apply(drain.Operation{Job: "j", State: from}, t0, drain.Event{Kind: drain.Savepoint})
		if !errors.Is(err, drain.ErrNoSavepoint) || op.State == drain.Drained {
			t.Errorf("%s + savepoint without location: %s, %v", from, op.State, err)
		}
	}
	for _, id := range []string{"", "abc", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdeg"} {
		if _, err := drain.Apply(drain.NewOperation("j", t0), t0, drain.Event{Kind: drain.Trigger, TriggerID: id}); !errors.Is(err, drain.ErrNoTrigger) {
			t.Errorf("trigger %q: %v", id, err)
		}
	}
}

func TestApplyRecordsHistory(t *testing.T) {
	var seen []drain.Step
	m := drain.NewMachine(drain.NewOperation("job", t0), func(op drain.Operation, s drain.Step) {
		if op.State != s.To {
			t.Errorf("hook: operation in %s, step to %s", op.State, s.To)
		}
		seen = append(seen, s)
	})
	steps := []drain.Event{
		{Kind: drain.Trigger, TriggerID: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{Kind: drain.Accept},
		{Kind: drain.Fallback, Reason: "savepoint failed"},
		{Kind: drain.Cancel, Reason: "savepoint failed"},
	}
	for i, e := range steps {
		if err := m.Fire(t0.Add(time.Duration(i)*time.Second), e); err != nil {
			t.Fatal(err)
		}
	}
	op := m.Operation()
	if op.State != drain.Cancelled || op.TriggerID != "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" || op.Reason != "savepoint failed" || op.Location != "" ||
		!op.Updated.Equal(t0.Add(3*time.Second)) || !op.Requested.Equal(t0) || len(op.History) != 4 || len(seen) != 4 {
		t.Errorf("operation = %+v, hook saw %d steps", op, len(seen))
	}
	if err := m.Fire(t0, drain.Event{Kind: drain.Trigger, TriggerID: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}); !errors.Is(err, drain.ErrIllegalTransition) {
		t.Errorf("event after the end: %v", err)
	}
	b, err := json.Marshal(op)
	if err != nil {
		t.Fatal(err)
	}
	var back drain.Operation
	if err := json.Unmarshal(b, &back); err != nil || back.State != op.State || len(back.History) != 4 || back.History[2].Event != drain.Fallback {
		t.Errorf("JSON round trip: %+v, %v (%s)", back, err, b)
	}
}

func TestStateNames(t *testing.T) {
	for s, want := range map[drain.State]string{drain.Requested: "requested", drain.Drained: "drained", drain.Failed: "failed", drain.Finishing: "finishing", 9: "State(9)"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", int(s), s, want)
		}
	}
	var s drain.State
	if err := json.Unmarshal([]byte(`"bogus"`), &s); !errors.Is(err, drain.ErrInvalidRecord) {
		t.Errorf("unknown state name: %v", err)
	}
	if _, err := json.Marshal(drain.State(9)); err == nil {
		t.Error("unknown state marshalled")
	}
}
