package checkpointingtest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// BundleWorkloads are the valid workloads RunBundlePolicy tries.
func BundleWorkloads() []checkpointing.BundleWorkload {
	return []checkpointing.BundleWorkload{
		{ElementCost: 200 * time.Microsecond, Rate: 1000, BundleOverhead: 50 * time.Millisecond, LatencyBudget: 2 * time.Second, ElementBytes: checkpointing.Known[int64](180)},
		{ElementCost: time.Millisecond, Rate: 10, LatencyBudget: 500 * time.Millisecond},
		{Rate: 0, BundleOverhead: 5 * time.Millisecond, LatencyBudget: time.Second},
		{ElementCost: 10 * time.Microsecond, Rate: 200_000, BundleOverhead: 100 * time.Millisecond, LatencyBudget: 10 * time.Second, ElementBytes: checkpointing.Known[int64](1000)},
		{ElementCost: time.Millisecond, Rate: 5000, BundleOverhead: time.Second, LatencyBudget: 100 * time.Millisecond},
	}
}

// RunBundlePolicy checks that the policies newP returns keep the
// BundlePolicy contract. It runs a subtest per workload and one for the
// invalid workloads, each with a policy of its own from newP.
func RunBundlePolicy(t *testing.T, newP func() checkpointing.BundlePolicy) {
	t.Helper()
	for i, w := range BundleWorkloads() {
		t.Run(fmt.Sprintf("workload %d", i), func(t *testing.T) {
			p := newP()
			plan, err := p.Choose(w)
			if err != nil {
				t.Fatalf("%+v: %v", w, err)
			}
			s := plan.Apply(checkpointing.Settings{})
			if err := s.Validate(); err != nil || plan.MaxSize < 1 || plan.MaxTime < time.Millisecond {
				t.Fatalf("plan %d / %v gives invalid settings: %v", plan.MaxSize, plan.MaxTime, err)
			}
			if want, err := checkpointing.EvaluateBundle(s, w); err != nil || plan.TradeOff != want {
				t.Errorf("trade-off %+v, want EvaluateBundle's %+v (%v)", plan.TradeOff, want, err)
			}
			if again, _ := p.Choose(w); !reflect.DeepEqual(again, plan) {
				t.Errorf("not deterministic: %+v then %+v", plan, again)
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		p := newP()
		for _, w := range []checkpointing.BundleWorkload{{Rate: -1, LatencyBudget: time.Second}, {ElementCost: -1, LatencyBudget: time.Second}} {
			if _, err := p.Choose(w); !errors.Is(err, checkpointing.ErrInvalidInput) {
				t.Errorf("invalid workload %+v: error %v, want ErrInvalidInput", w, err)
			}
		}
	})
}

// CheckpointWorkloads are the valid workloads RunCheckpointPolicy tries.
func CheckpointWorkloads() []checkpointing.CheckpointWorkload {
	s := time.Second
	return []checkpointing.CheckpointWorkload{
		{Durations: checkpointing.Durations{P50: checkpointing.Known(s), P99: checkpointing.Known(5 * s), Max: checkpointing.Known(6 * s), Count: 10},
			StateBytes: 100e6, RecoveryObjective: time.Minute},
		{Durations: checkpointing.Durations{P99: checkpointing.Known(40 * s)}, StateBytes: 1e9, RecoveryObjective: time.Minute},
		{StateBytes: 500e6, RecoveryObjective: 5 * time.Minute},
		{RecoveryObjective: 100 * time.Millisecond},
		{Durations: checkpointing.Durations{P99: checkpointing.Known(52 * s)}, RecoveryObjective: 2 * time.Minute,
			Current: checkpointing.Settings{Interval: 10 * s, Timeout: time.Minute}},
		// Checkpoints of under a millisecond: a known 0, not an unknown.
		{Durations: checkpointing.DurationsOf([]time.Duration{0, 0, 0}), StateBytes: 1e3, RecoveryObjective: time.Minute},
		// No checkpoint completed yet: unknown with a reason.
		{Durations: checkpointing.DurationsOf(nil), StateBytes: 1e6, RecoveryObjective: time.Minute},
	}
}

// RunCheckpointPolicy checks that the policies newP returns keep the
// CheckpointPolicy contract. It runs a subtest per workload and one for
// the invalid workloads, each with a policy of its own from newP.
func RunCheckpointPolicy(t *testing.T, newP func() checkpointing.CheckpointPolicy) {
	t.Helper()
	for i, w := range CheckpointWorkloads() {
		t.Run(fmt.Sprintf("workload %d", i), func(t *testing.T) {
			p := newP()
			plan, err := p.Choose(w)
			if err != nil {
				t.Fatalf("%+v: %v", w, err)
			}
			s := plan.Apply(checkpointing.Settings{})
			if err := s.Validate(); err != nil || !s.Enabled() {
				t.Errorf("plan %+v gives invalid or disabled settings: %v", plan, err)
			}
			if plan.Timeout <= plan.Tail {
				t.Errorf("timeout %v is not above the tail %v", plan.Timeout, plan.Tail)
			}
			if plan.Feasible != (plan.MaxReplay <= w.RecoveryObjective) {
				t.Errorf("Feasible %v with replay %v against objective %v", plan.Feasible, plan.MaxReplay, w.RecoveryObjective)
			}
			checkFindings(t, "workload", w.Current, plan.Findings)
			if again, _ := p.Choose(w); !reflect.DeepEqual(again, plan) {
				t.Errorf("not deterministic")
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		p := newP()
		for _, w := range []checkpointing.CheckpointWorkload{{}, {RecoveryObjective: time.Minute, StateBytes: -1}} {
			if _, err := p.Choose(w); !errors.Is(err, checkpointing.ErrInvalidInput) {
				t.Errorf("invalid workload %+v: error %v, want ErrInvalidInput", w, err)
			}
		}
	})
}
