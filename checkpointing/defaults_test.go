package checkpointing

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// TestConfigDefaults checks every field documented with "Default: X" of
// every configuration type against X, as the zero value's effective
// value: read from what the constructors keep (New... of the zero Config)
// or from behaviour where the defaults are applied inside a function.
func TestConfigDefaults(t *testing.T) {
	bundle, err := NewDefaultBundlePolicy(DefaultBundlePolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := NewDefaultCheckpointPolicy(DefaultCheckpointPolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	adv, err := NewDefaultAdvisor(DefaultAdvisorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	advPolicy, _ := adv.cfg.Policy.(*DefaultCheckpointPolicy)
	opts, err := AnalyzeOptions([]byte(`{"runner":"FlinkRunner","x":1}`), OptionsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	size, err := EstimateSize(Settings{}, SizeInputs{ElementBytes: 1, OptionsBytes: 1, Operators: 1})
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := FixedBundles{}.Choose(BundleWorkload{})
	if err != nil {
		t.Fatal(err)
	}
	eff := Settings{}.Effective()
	tables := map[string][]docdefaults.Row{
		"DefaultBundlePolicyConfig": {
			{Field: "MaxOverheadShare", Doc: "0.05", Got: bundle.cfg.MaxOverheadShare, Want: 0.05},
			{Field: "MaxCheckpointBytes", Doc: "256 KiB", Got: bundle.cfg.MaxCheckpointBytes, Want: int64(256 << 10)},
			{Field: "MaxSize", Doc: "100,000", Got: bundle.cfg.MaxSize, Want: int64(100_000)},
		},
		"DefaultCheckpointPolicyConfig": {
			{Field: "TimeoutHeadroom", Doc: "3", Got: policy.cfg.TimeoutHeadroom, Want: 3.0},
			{Field: "MinTimeout", Doc: "1 min", Got: policy.cfg.MinTimeout, Want: time.Minute},
			{Field: "MinPauseShare", Doc: "0.5", Got: policy.cfg.MinPauseShare, Want: 0.5},
			{Field: "MinInterval", Doc: "1 s", Got: policy.cfg.MinInterval, Want: time.Second},
			{Field: "Granularity", Doc: "1 s", Got: policy.cfg.Granularity, Want: time.Second},
			{Field: "WriteBandwidth", Doc: "50 MB/s and 1 s", Got: policy.cfg.WriteBandwidth, Want: 50e6},
			{Field: "BaseDuration", Doc: "", Got: policy.cfg.BaseDuration, Want: time.Second}, // in WriteBandwidth's "Defaults:"
			{Field: "NearTimeout", Doc: "0.5", Got: policy.cfg.NearTimeout, Want: 0.5},
		},
		"DefaultAdvisorConfig": {
			{Field: "Policy", Doc: "DefaultCheckpointPolicy with its defaults", Got: advPolicy != nil && advPolicy.cfg == policy.cfg, Want: true},
			{Field: "RecoveryObjective", Doc: "1 min", Got: adv.cfg.RecoveryObjective, Want: time.Minute},
			{Field: "RepeatedTimeouts", Doc: "2", Got: adv.cfg.RepeatedTimeouts, Want: 2},
			{Field: "StaleIntervals", Doc: "3", Got: adv.cfg.StaleIntervals, Want: 3},
			{Field: "GrowthThreshold", Doc: "0.25", Got: adv.cfg.GrowthThreshold, Want: 0.25},
			{Field: "MinGrowthPoints", Doc: "5", Got: adv.cfg.MinGrowthPoints, Want: 5},
			{Field: "LongAlignment", Doc: "10 s", Got: adv.cfg.LongAlignment, Want: 10 * time.Second},
			{Field: "LargeInFlight", Doc: "256 KiB", Got: adv.cfg.LargeInFlight, Want: int64(256 << 10)},
			{Field: "LargeOptions", Doc: "64 KiB", Got: adv.cfg.LargeOptions, Want: int64(64 << 10)},
		},
		"OptionsConfig": {
			{Field: "RunnerOptions", Doc: "none", Got: opts.Application, Want: []string{"x"}}, // only Beam's own options are runner options
			{Field: "Copies", Doc: "1", Got: opts.Copies, Want: 1},
		},
		"Settings": {
			{Field: "MaxBundleSize", Doc: "1000", Got: eff.MaxBundleSize, Want: int64(1000)},
			{Field: "MaxBundleTime", Doc: "1 s", Got: eff.MaxBundleTime, Want: time.Second},
			{Field: "FinishBundleBeforeCheckpointing", Doc: "false", Got: eff.FinishBundleBeforeCheckpointing, Want: false},
			{Field: "Interval", Doc: "0, checkpointing off (Beam's -1; the Flink key absent)", Got: eff.Interval, Want: time.Duration(0)},
			{Field: "Timeout", Doc: "10 min, Flink's default (Beam's -1)", Got: eff.Timeout, Want: 10 * time.Minute},
			{Field: "MinPause", Doc: "0 (Beam's -1)", Got: eff.MinPause, Want: time.Duration(0)},
			{Field: "MaxConcurrent", Doc: "1", Got: eff.MaxConcurrent, Want: 1},
			{Field: "Unaligned", Doc: "false", Got: eff.Unaligned, Want: false},
			{Field: "Mode", Doc: "ExactlyOnce", Got: eff.Mode, Want: ExactlyOnce},
		},
		"SizeInputs": {
			{Field: "InFlightElements", Doc: "a full bundle, the settings' MaxBundleSize (the worst case)", Got: size.InFlight, Want: int64(1000)},
			{Field: "SerializersPerOperator", Doc: "1", Got: size.Options, Want: int64(1)},
			{Field: "Pipelines", Doc: "1", Got: size.Pipelines, Want: 1},
		},
		"FixedBundles": {
			{Field: "MaxSize", Doc: "1000", Got: fixed.MaxSize, Want: int64(1000)},
			{Field: "MaxTime", Doc: "1 s", Got: fixed.MaxTime, Want: time.Second},
			{Field: "FinishBundleBeforeCheckpointing", Doc: "false", Got: fixed.FinishBundleBeforeCheckpointing, Want: false},
		},
		"BundleWorkload": {
			{Field: "BundleOverhead", Doc: "0", Got: fixed.TradeOff, Want: mustEvaluate(t, BundleWorkload{BundleOverhead: 0})},
		},
		"Facts": {
			{Field: "InFlightElements", Doc: "a full bundle (Settings.MaxBundleSize)", Got: factsInFlight(t, Facts{ElementBytes: Known[int64](1)}), Want: factsInFlight(t, Facts{ElementBytes: Known[int64](1), InFlightElements: 1000})},
			{Field: "Pipelines", Doc: "1", Got: factsInFlight(t, Facts{ElementBytes: Known[int64](1)}), Want: factsInFlight(t, Facts{ElementBytes: Known[int64](1), Pipelines: 1})},
		},
	}
	for typ, rows := range tables {
		docdefaults.Check(t, ".", typ, rows)
	}
}

// mustEvaluate evaluates Beam's default bundles for w.
func mustEvaluate(t *testing.T, w BundleWorkload) BundleTradeOff {
	t.Helper()
	tr, err := EvaluateBundle(Settings{}, w)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// factsInFlight returns the evidence of the large-in-flight-buffers
// finding for facts f, which the facts' defaults shape.
func factsInFlight(t *testing.T, f Facts) []Evidence {
	t.Helper()
	adv, _ := NewDefaultAdvisor(DefaultAdvisorConfig{LargeInFlight: 1})
	obs := Observation{Settings: Settings{Interval: 10 * time.Second}, Facts: f}
	findings, err := adv.Advise(time.Unix(0, 0), obs)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range findings {
		if fd.Code == CodeLargeInFlightBuffers {
			return fd.Evidence
		}
	}
	t.Fatalf("no %s finding for %+v", CodeLargeInFlightBuffers, f)
	return nil
}
