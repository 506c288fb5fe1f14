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
	events := []drain.Event{
		{Kind: drain.Trigger, TriggerID: "t"}, {Kind: drain.Accept}, {Kind: drain.Savepoint, Location: "s3://sp"},
		{Kind: drain.Fallback}, {Kind: drain.Cancel}, {Kind: drain.Fail},
	}
	want := map[drain.State][6]drain.State{
		//                trigger        accept        savepoint     fallback          cancel           fail
		drain.Requested:  {drain.Stopping, x, x, drain.Cancelling, drain.Cancelled, drain.Failed},
		drain.Stopping:   {x, drain.Waiting, drain.Drained, drain.Cancelling, drain.Cancelled, drain.Failed},
		drain.Waiting:    {drain.Stopping, x, drain.Drained, drain.Cancelling, drain.Cancelled, drain.Failed},
		drain.Cancelling: {x, x, drain.Drained, x, drain.Cancelled, drain.Failed},
		drain.Drained:    {x, x, x, x, x, x},
		drain.Cancelled:  {x, x, x, x, x, x},
		drain.Failed:     {x, x, x, x, x, x},
	}
	for from, row := range want {
		for i, e := range events {
			op := drain.Operation{Job: "j", State: from}
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

// A drain is never Drained without a savepoint location.
func TestNoSuccessWithoutSavepoint(t *testing.T) {
	for _, from := range []drain.State{drain.Stopping, drain.Waiting, drain.Cancelling} {
		op, err := drain.Apply(drain.Operation{Job: "j", State: from}, t0, drain.Event{Kind: drain.Savepoint})
		if !errors.Is(err, drain.ErrNoSavepoint) || op.State == drain.Drained {
			t.Errorf("%s + savepoint without location: %s, %v", from, op.State, err)
		}
	}
	if _, err := drain.Apply(drain.NewOperation("j", t0), t0, drain.Event{Kind: drain.Trigger}); !errors.Is(err, drain.ErrNoTrigger) {
		t.Errorf("trigger without ID: %v", err)
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
		{Kind: drain.Trigger, TriggerID: "aaaa"},
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
	if op.State != drain.Cancelled || op.TriggerID != "aaaa" || op.Reason != "savepoint failed" || op.Location != "" ||
		!op.Updated.Equal(t0.Add(3*time.Second)) || !op.Requested.Equal(t0) || len(op.History) != 4 || len(seen) != 4 {
		t.Errorf("operation = %+v, hook saw %d steps", op, len(seen))
	}
	if err := m.Fire(t0, drain.Event{Kind: drain.Trigger, TriggerID: "b"}); !errors.Is(err, drain.ErrIllegalTransition) {
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
	for s, want := range map[drain.State]string{drain.Requested: "requested", drain.Drained: "drained", drain.Failed: "failed", 9: "State(9)"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", int(s), s, want)
		}
	}
	var s drain.State
	if err := json.Unmarshal([]byte(`"bogus"`), &s); err == nil {
		t.Error("unknown state name accepted")
	}
}
