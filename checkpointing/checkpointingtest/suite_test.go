package checkpointingtest_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/checkpointing/checkpointingtest"
)

func TestBundlePolicies(t *testing.T) {
	def, err := checkpointing.NewDefaultBundlePolicy(checkpointing.DefaultBundlePolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tight, err := checkpointing.NewDefaultBundlePolicy(checkpointing.DefaultBundlePolicyConfig{MaxOverheadShare: 0.01, MaxCheckpointBytes: 1, MaxSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	finished := checkpointing.SeedBundles()
	finished.FinishBundleBeforeCheckpointing = true
	for name, p := range map[string]checkpointing.BundlePolicy{
		"default": def, "tight": tight, "beam": checkpointing.BeamDefaultBundles(), "seed": checkpointing.SeedBundles(),
		"seed finished": finished, "fixed zero": checkpointing.FixedBundles{},
		"func": checkpointing.BundlePolicyFunc(def.Choose),
	} {
		t.Run(name, func(t *testing.T) {
			checkpointingtest.RunBundlePolicy(t, func() checkpointing.BundlePolicy { return p })
		})
	}
}

func TestCheckpointPolicies(t *testing.T) {
	def, err := checkpointing.NewDefaultCheckpointPolicy(checkpointing.DefaultCheckpointPolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	custom, err := checkpointing.NewDefaultCheckpointPolicy(checkpointing.DefaultCheckpointPolicyConfig{
		TimeoutHeadroom: 1.5, MinTimeout: time.Second, MinPauseShare: 0.1, MinInterval: 100 * time.Millisecond,
		Granularity: 100 * time.Millisecond, WriteBandwidth: 1e6, BaseDuration: 10 * time.Millisecond, NearTimeout: 0.9,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]checkpointing.CheckpointPolicy{"default": def, "custom": custom} {
		t.Run(name, func(t *testing.T) {
			checkpointingtest.RunCheckpointPolicy(t, func() checkpointing.CheckpointPolicy { return p })
		})
	}
}

func TestAdvisors(t *testing.T) {
	def, err := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	sensitive, err := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{
		RepeatedTimeouts: 1, StaleIntervals: 1, GrowthThreshold: 0.01, MinGrowthPoints: 2, LongAlignment: time.Second,
		LargeInFlight: 1, LargeOptions: 1, RecoveryObjective: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]checkpointing.Advisor{"default": def, "sensitive": sensitive, "func": checkpointing.AdvisorFunc(def.Advise)} {
		t.Run(name, func(t *testing.T) { checkpointingtest.RunAdvisor(t, func() checkpointing.Advisor { return a }) })
	}
}
