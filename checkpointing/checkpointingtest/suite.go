package checkpointingtest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// BundleWorkloads are the valid workloads RunBundlePolicy tries.
func BundleWorkloads() []checkpointing.BundleWorkload {
	return []checkpointing.BundleWorkload{
		{ElementCost: 200 * time.Microsecond, Rate: 1000, BundleOverhead: 50 * time.Millisecond, LatencyBudget: 2 * time.Second, ElementBytes: 180},
		{ElementCost: time.Millisecond, Rate: 10, LatencyBudget: 500 * time.Millisecond},
		{Rate: 0, BundleOverhead: 5 * time.Millisecond, LatencyBudget: time.Second},
		{ElementCost: 10 * time.Microsecond, Rate: 200_000, BundleOverhead: 100 * time.Millisecond, LatencyBudget: 10 * time.Second, ElementBytes: 1000},
		{ElementCost: time.Millisecond, Rate: 5000, BundleOverhead: time.Second, LatencyBudget: 100 * time.Millisecond},
	}
}

// RunBundlePolicy checks that p keeps the BundlePolicy contract.
func RunBundlePolicy(t *testing.T, p checkpointing.BundlePolicy) {
	t.Helper()
	for i, w := range BundleWorkloads() {
		plan, err := p.Choose(w)
		if err != nil {
			t.Errorf("workload %d %+v: %v", i, w, err)
			continue
		}
		s := plan.Apply(checkpointing.Settings{})
		if err := s.Validate(); err != nil || plan.MaxSize < 1 || plan.MaxTime < time.Millisecond {
			t.Errorf("workload %d: plan %d / %v gives invalid settings: %v", i, plan.MaxSize, plan.MaxTime, err)
			continue
		}
		if want, err := checkpointing.EvaluateBundle(s, w); err != nil || plan.TradeOff != want {
			t.Errorf("workload %d: trade-off %+v, want EvaluateBundle's %+v (%v)", i, plan.TradeOff, want, err)
		}
		if again, _ := p.Choose(w); !reflect.DeepEqual(again, plan) {
			t.Errorf("workload %d: not deterministic: %+v then %+v", i, plan, again)
		}
	}
	for _, w := range []checkpointing.BundleWorkload{{Rate: -1, LatencyBudget: time.Second}, {ElementCost: -1, LatencyBudget: time.Second}} {
		if _, err := p.Choose(w); !errors.Is(err, checkpointing.ErrInvalidInput) {
			t.Errorf("invalid workload %+v: error %v, want ErrInvalidInput", w, err)
		}
	}
}

// CheckpointWorkloads are the valid workloads RunCheckpointPolicy tries.
func CheckpointWorkloads() []checkpointing.CheckpointWorkload {
	s := time.Second
	return []checkpointing.CheckpointWorkload{
		{Durations: checkpointing.Durations{P50: s, P99: 5 * s, Max: 6 * s, Count: 10}, StateBytes: 100e6, RecoveryObjective: time.Minute},
		{Durations: checkpointing.Durations{P99: 40 * s}, StateBytes: 1e9, RecoveryObjective: time.Minute},
		{StateBytes: 500e6, RecoveryObjective: 5 * time.Minute},
		{RecoveryObjective: 100 * time.Millisecond},
		{Durations: checkpointing.Durations{P99: 52 * s}, RecoveryObjective: 2 * time.Minute,
			Current: checkpointing.Settings{Interval: 10 * s, Timeout: time.Minute}},
	}
}

// RunCheckpointPolicy checks that p keeps the CheckpointPolicy contract.
func RunCheckpointPolicy(t *testing.T, p checkpointing.CheckpointPolicy) {
	t.Helper()
	for i, w := range CheckpointWorkloads() {
		plan, err := p.Choose(w)
		if err != nil {
			t.Errorf("workload %d %+v: %v", i, w, err)
			continue
		}
		s := plan.Apply(checkpointing.Settings{})
		if err := s.Validate(); err != nil || !s.Enabled() {
			t.Errorf("workload %d: plan %+v gives invalid or disabled settings: %v", i, plan, err)
		}
		if plan.Timeout <= plan.Tail {
			t.Errorf("workload %d: timeout %v is not above the tail %v", i, plan.Timeout, plan.Tail)
		}
		if plan.Feasible != (plan.MaxReplay <= w.RecoveryObjective) {
			t.Errorf("workload %d: Feasible %v with replay %v against objective %v", i, plan.Feasible, plan.MaxReplay, w.RecoveryObjective)
		}
		checkFindings(t, "workload", w.Current, plan.Findings)
		if again, _ := p.Choose(w); !reflect.DeepEqual(again, plan) {
			t.Errorf("workload %d: not deterministic", i)
		}
	}
	for _, w := range []checkpointing.CheckpointWorkload{{}, {RecoveryObjective: time.Minute, StateBytes: -1}} {
		if _, err := p.Choose(w); !errors.Is(err, checkpointing.ErrInvalidInput) {
			t.Errorf("invalid workload %+v: error %v, want ErrInvalidInput", w, err)
		}
	}
}
