package checkpointing_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

func TestDurationsOf(t *testing.T) {
	s := time.Second
	got := checkpointing.DurationsOf([]time.Duration{50 * s, 38 * s, 41 * s, 52 * s, 44 * s, 47 * s, 49 * s})
	want := checkpointing.Durations{P50: checkpointing.Known(47 * s), P90: checkpointing.Known(50800 * time.Millisecond), P99: checkpointing.Known(51880 * time.Millisecond), Max: checkpointing.Known(52 * s), Count: 7}
	if got != want {
		t.Errorf("DurationsOf = %+v, want %+v", got, want)
	}
	if got := checkpointing.DurationsOf(nil); got.Known() || got.Tail().Reason() != checkpointing.NoCompletedCheckpoints {
		t.Errorf("DurationsOf(nil) = %+v, want unknown (%s)", got, checkpointing.NoCompletedCheckpoints)
	}
	if got := (checkpointing.Durations{Max: checkpointing.Known(3 * s)}).Tail(); got != checkpointing.Known(3*s) {
		t.Errorf("Tail without p99 = %v, want the max", got)
	}
	if got := (checkpointing.Durations{}).Tail(); got.Known() || got.Reason() != checkpointing.NotGiven {
		t.Errorf("Tail of the zero Durations = %v, want unknown (%s)", got, checkpointing.NotGiven)
	}
	if got := (checkpointing.Durations{P99: checkpointing.Known[time.Duration](0), Max: checkpointing.Known(s)}).Tail(); got != checkpointing.Known[time.Duration](0) {
		t.Errorf("Tail with a p99 of 0 = %v, want a known 0", got)
	}
}

// p99 is a summary of ten checkpoints whose p99 and max are d.
func p99(d time.Duration) checkpointing.Durations {
	return checkpointing.Durations{P50: checkpointing.Known(d / 2), P99: checkpointing.Known(d), Max: checkpointing.Known(d), Count: 10}
}

var checkpointPolicyCases = []struct {
	name      string
	w         checkpointing.CheckpointWorkload
	want      checkpointing.CheckpointPlan // Notes and Findings compared by count
	notes     []string
	findings  []checkpointing.Severity
	newTimout time.Duration
}{
	{"fast checkpoints, 1 min objective",
		checkpointing.CheckpointWorkload{Durations: p99(5 * time.Second), StateBytes: 100e6, RecoveryObjective: time.Minute},
		checkpointing.CheckpointPlan{Interval: 55 * time.Second, Timeout: time.Minute, MinPause: 27 * time.Second, Tail: 5 * time.Second, MaxReplay: time.Minute,
			Feasible: true, BytesPerHour: 6_545_454_545}, nil, nil, 0},
	{"slow checkpoints cannot meet the objective",
		checkpointing.CheckpointWorkload{Durations: p99(40 * time.Second), StateBytes: 1e9, RecoveryObjective: time.Minute},
		checkpointing.CheckpointPlan{Interval: 20 * time.Second, Timeout: 2 * time.Minute, Tail: 40 * time.Second, MaxReplay: 80 * time.Second, BytesPerHour: 90e9},
		[]string{"run back to back", "cannot be met"}, nil, 0},
	{"no durations: estimated from the state size",
		checkpointing.CheckpointWorkload{StateBytes: 500e6, RecoveryObjective: 5 * time.Minute},
		checkpointing.CheckpointPlan{Interval: 289 * time.Second, Timeout: time.Minute, MinPause: 144 * time.Second, Tail: 11 * time.Second, Estimated: true,
			MaxReplay: 300 * time.Second, Feasible: true, BytesPerHour: 6_228_373_702}, nil, nil, 0},
	{"interval rounded down to the second",
		checkpointing.CheckpointWorkload{Durations: p99(1500 * time.Millisecond), RecoveryObjective: 61500 * time.Millisecond},
		checkpointing.CheckpointPlan{Interval: 60 * time.Second, Timeout: time.Minute, MinPause: 30 * time.Second, Tail: 1500 * time.Millisecond,
			MaxReplay: 61500 * time.Millisecond, Feasible: true}, nil, nil, 0},
	{"seed: p99 52 s against a 1 min timeout",
		checkpointing.CheckpointWorkload{Durations: p99(52 * time.Second), RecoveryObjective: 2 * time.Minute,
			Current: checkpointing.Settings{Interval: 10 * time.Second, Timeout: time.Minute}},
		checkpointing.CheckpointPlan{Interval: 68 * time.Second, Timeout: 156 * time.Second, MinPause: 16 * time.Second, Tail: 52 * time.Second, MaxReplay: 120 * time.Second, Feasible: true},
		nil, []checkpointing.Severity{checkpointing.Critical}, 156 * time.Second},
	{"p99 58% of the timeout: a warning",
		checkpointing.CheckpointWorkload{Durations: p99(35 * time.Second), RecoveryObjective: 2 * time.Minute,
			Current: checkpointing.Settings{Interval: 10 * time.Second, Timeout: time.Minute}},
		checkpointing.CheckpointPlan{Interval: 85 * time.Second, Timeout: 105 * time.Second, MinPause: 42 * time.Second, Tail: 35 * time.Second, MaxReplay: 120 * time.Second, Feasible: true},
		nil, []checkpointing.Severity{checkpointing.Warning}, 105 * time.Second},
	{"p99 well within the timeout",
		checkpointing.CheckpointWorkload{Durations: p99(52 * time.Second), RecoveryObjective: 2 * time.Minute,
			Current: checkpointing.Settings{Interval: 10 * time.Second}},
		checkpointing.CheckpointPlan{Interval: 68 * time.Second, Timeout: 156 * time.Second, MinPause: 16 * time.Second, Tail: 52 * time.Second, MaxReplay: 120 * time.Second, Feasible: true},
		nil, nil, 0},
	{"checkpointing off: nothing to flag",
		checkpointing.CheckpointWorkload{Durations: p99(52 * time.Second), RecoveryObjective: 2 * time.Minute, Current: checkpointing.Settings{Timeout: time.Minute}},
		checkpointing.CheckpointPlan{Interval: 68 * time.Second, Timeout: 156 * time.Second, MinPause: 16 * time.Second, Tail: 52 * time.Second, MaxReplay: 120 * time.Second, Feasible: true},
		nil, nil, 0},
}

func TestDefaultCheckpointPolicy(t *testing.T) {
	cases := checkpointPolicyCases
	p, err := checkpointing.NewDefaultCheckpointPolicy(checkpointing.DefaultCheckpointPolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		got, err := p.Choose(tc.w)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		notes, findings := got.Notes, got.Findings
		got.Notes, got.Findings = nil, nil
		if got.Interval != tc.want.Interval || got.Timeout != tc.want.Timeout || got.MinPause != tc.want.MinPause || got.Tail != tc.want.Tail ||
			got.Estimated != tc.want.Estimated || got.MaxReplay != tc.want.MaxReplay || got.Feasible != tc.want.Feasible ||
			math.Abs(float64(got.BytesPerHour-tc.want.BytesPerHour)) > 1 {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
		if len(notes) != len(tc.notes) {
			t.Errorf("%s: notes %q, want %q", tc.name, notes, tc.notes)
		}
		for i := range min(len(notes), len(tc.notes)) {
			if !strings.Contains(notes[i], tc.notes[i]) {
				t.Errorf("%s: note %q does not contain %q", tc.name, notes[i], tc.notes[i])
			}
		}
		if len(findings) != len(tc.findings) {
			t.Errorf("%s: findings %v, want severities %v", tc.name, findings, tc.findings)
			continue
		}
		for i, f := range findings {
			if f.Code != checkpointing.CodeDurationNearTimeout || f.Severity != tc.findings[i] || f.Change.Apply(tc.w.Current).Timeout != tc.newTimout {
				t.Errorf("%s: finding %v", tc.name, f)
			}
		}
		if s := got.Apply(checkpointing.Settings{}); s.Validate() != nil {
			t.Errorf("%s: the plan gives invalid settings: %v", tc.name, s.Validate())
		}
	}
}

func TestDefaultCheckpointPolicyErrors(t *testing.T) {
	for _, cfg := range []checkpointing.DefaultCheckpointPolicyConfig{
		{TimeoutHeadroom: 0.5}, {TimeoutHeadroom: 1}, {TimeoutHeadroom: math.Inf(1)}, {MinPauseShare: 1}, {NearTimeout: 1}, {NearTimeout: -1},
		{WriteBandwidth: -1}, {MinTimeout: -1}, {Granularity: -1}, {MinInterval: time.Millisecond},
	} {
		if _, err := checkpointing.NewDefaultCheckpointPolicy(cfg); !errors.Is(err, checkpointing.ErrInvalidConfig) {
			t.Errorf("NewDefaultCheckpointPolicy(%+v) error = %v", cfg, err)
		}
	}
	p, _ := checkpointing.NewDefaultCheckpointPolicy(checkpointing.DefaultCheckpointPolicyConfig{})
	for _, w := range []checkpointing.CheckpointWorkload{
		{}, {RecoveryObjective: time.Minute, StateBytes: -1}, {RecoveryObjective: time.Minute, Durations: checkpointing.Durations{P99: checkpointing.Known[time.Duration](-1)}},
	} {
		if _, err := p.Choose(w); !errors.Is(err, checkpointing.ErrInvalidInput) {
			t.Errorf("Choose(%+v) error = %v, want ErrInvalidInput", w, err)
		}
	}
}

func TestTimeoutFlagWithoutHeadroom(t *testing.T) {
	p, err := checkpointing.NewDefaultCheckpointPolicy(checkpointing.DefaultCheckpointPolicyConfig{TimeoutHeadroom: 1.1, MinTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := p.Choose(checkpointing.CheckpointWorkload{Durations: p99(40 * time.Second), RecoveryObjective: 2 * time.Minute,
		Current: checkpointing.Settings{Interval: 10 * time.Second, Timeout: time.Minute}})
	if err != nil || len(plan.Findings) != 1 {
		t.Fatalf("%+v, %v", plan, err)
	}
	if f := plan.Findings[0]; !f.Change.IsZero() || !strings.Contains(f.Action, "find out why") {
		t.Errorf("a proposed timeout below the current one must not be a change: %v", f)
	}
}
