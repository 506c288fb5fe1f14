package checkpointing_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// kafkaEnrich is a typical bundling operator: 0.2 ms per element, 50 ms per
// bundle to flush a batch, 180-byte output elements, 1000 elements/s.
var kafkaEnrich = checkpointing.BundleWorkload{
	ElementCost: 200 * time.Microsecond, Rate: 1000, BundleOverhead: 50 * time.Millisecond, ElementBytes: checkpointing.Known[int64](180),
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func TestEvaluateBundle(t *testing.T) {
	w := kafkaEnrich
	slow := w
	slow.Rate = 10
	idle := w
	idle.Rate = 0
	unsized := w
	unsized.ElementBytes = checkpointing.Figure[int64]{}
	seed := checkpointing.Settings{MaxBundleSize: 10_000, MaxBundleTime: 10 * time.Second}
	seedFinish := seed
	seedFinish.FinishBundleBeforeCheckpointing = true
	cases := []struct {
		name string
		s    checkpointing.Settings
		w    checkpointing.BundleWorkload
		want checkpointing.BundleTradeOff
	}{
		{"Beam defaults", checkpointing.Settings{}, w, checkpointing.BundleTradeOff{
			Elements: 1000, ClosedBySize: true, Open: time.Second, OverheadShare: 0.2, Utilization: 0.25,
			AddedLatency: 1050 * time.Millisecond, CheckpointBytes: checkpointing.Known[int64](180_000)}},
		{"seed bundles", seed, w, checkpointing.BundleTradeOff{
			Elements: 10_000, ClosedBySize: true, Open: 10 * time.Second, OverheadShare: 0.05 / 2.05, Utilization: 0.205,
			AddedLatency: 10050 * time.Millisecond, CheckpointBytes: checkpointing.Known[int64](1_800_000)}},
		{"seed bundles finished before checkpointing", seedFinish, w, checkpointing.BundleTradeOff{
			Elements: 10_000, ClosedBySize: true, Open: 10 * time.Second, OverheadShare: 0.05 / 2.05, Utilization: 0.205,
			AddedLatency: 10050 * time.Millisecond, BarrierDelay: 2050 * time.Millisecond, CheckpointBytes: checkpointing.Known[int64](0)}},
		{"element size not given", checkpointing.Settings{}, unsized, checkpointing.BundleTradeOff{
			Elements: 1000, ClosedBySize: true, Open: time.Second, OverheadShare: 0.2, Utilization: 0.25,
			AddedLatency: 1050 * time.Millisecond, CheckpointBytes: checkpointing.Unknown[int64](checkpointing.NotGiven)}},
		{"slow input closes bundles on time", checkpointing.Settings{}, slow, checkpointing.BundleTradeOff{
			Elements: 10, Open: time.Second, OverheadShare: 0.05 / 0.052, Utilization: 0.052,
			AddedLatency: 1050 * time.Millisecond, CheckpointBytes: checkpointing.Known[int64](1800)}},
		{"idle", checkpointing.Settings{}, idle, checkpointing.BundleTradeOff{
			Elements: 1, Open: time.Second, OverheadShare: 0.05 / 0.0502, AddedLatency: 1050 * time.Millisecond, CheckpointBytes: checkpointing.Known[int64](180)}},
	}
	for _, tc := range cases {
		got, err := checkpointing.EvaluateBundle(tc.s, tc.w)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !near(got.Elements, tc.want.Elements) || got.ClosedBySize != tc.want.ClosedBySize || got.Open != tc.want.Open ||
			!near(got.OverheadShare, tc.want.OverheadShare) || !near(got.Utilization, tc.want.Utilization) ||
			got.AddedLatency != tc.want.AddedLatency || got.BarrierDelay != tc.want.BarrierDelay || got.CheckpointBytes != tc.want.CheckpointBytes {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestEvaluateBundleErrors(t *testing.T) {
	cases := []struct {
		name string
		s    checkpointing.Settings
		w    checkpointing.BundleWorkload
		want error
	}{
		{"negative rate", checkpointing.Settings{}, checkpointing.BundleWorkload{Rate: -1}, checkpointing.ErrInvalidInput},
		{"NaN rate", checkpointing.Settings{}, checkpointing.BundleWorkload{Rate: math.NaN()}, checkpointing.ErrInvalidInput},
		{"negative cost", checkpointing.Settings{}, checkpointing.BundleWorkload{ElementCost: -1}, checkpointing.ErrInvalidInput},
		{"negative size", checkpointing.Settings{}, checkpointing.BundleWorkload{ElementBytes: checkpointing.Known[int64](-1)}, checkpointing.ErrInvalidInput},
		{"bad settings", checkpointing.Settings{MaxBundleSize: -5}, kafkaEnrich, checkpointing.ErrInvalidConfig},
	}
	for _, tc := range cases {
		if _, err := checkpointing.EvaluateBundle(tc.s, tc.w); !errors.Is(err, tc.want) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// with is kafkaEnrich with a 2 s latency budget, edited.
func with(edit func(*checkpointing.BundleWorkload)) checkpointing.BundleWorkload {
	w := kafkaEnrich
	w.LatencyBudget = 2 * time.Second
	edit(&w)
	return w
}

var bundlePolicyCases = []struct {
	name    string
	w       checkpointing.BundleWorkload
	size    int64
	maxTime time.Duration
	finish  bool
	notes   []string // substrings, in order
}{
	{"low rate: bundles close on time above the overhead target", with(func(*checkpointing.BundleWorkload) {}),
		5000, 1950 * time.Millisecond, true, []string{"finished before checkpointing: 351 KB", "close on time with 1950 elements: overhead 11.4%"}},
	{"high rate: bundles close on size within the target", with(func(w *checkpointing.BundleWorkload) { w.Rate = 4000 }),
		5000, 1950 * time.Millisecond, true, []string{"finished before checkpointing: 900 KB"}},
	{"element size not given: not finished, and the plan says why", with(func(w *checkpointing.BundleWorkload) { w.ElementBytes = checkpointing.Figure[int64]{} }),
		5000, 1950 * time.Millisecond, false, []string{"the element size is unknown (not given): what a checkpoint buffers cannot be bounded", "close on time with 1950 elements"}},
	{"small elements stay buffered", with(func(w *checkpointing.BundleWorkload) { w.Rate, w.ElementBytes = 4000, checkpointing.Known[int64](20) }),
		5000, 1950 * time.Millisecond, false, nil},
	{"no per-bundle overhead: bundles of one", with(func(w *checkpointing.BundleWorkload) { w.BundleOverhead = 0 }),
		1, 2 * time.Second, false, nil},
	{"free elements: the largest bundles", with(func(w *checkpointing.BundleWorkload) {
		w.ElementCost, w.ElementBytes = 0, checkpointing.Known[int64](0)
	}),
		100_000, 1950 * time.Millisecond, false, []string{"overhead 100.0%"}},
	{"overloaded", with(func(w *checkpointing.BundleWorkload) { w.Rate, w.ElementBytes = 10_000, checkpointing.Known[int64](0) }),
		5000, 1950 * time.Millisecond, false, []string{"utilization 2.10"}},
	{"budget below the overhead", with(func(w *checkpointing.BundleWorkload) {
		w.LatencyBudget, w.ElementBytes = 40*time.Millisecond, checkpointing.Known[int64](0)
	}),
		5000, time.Millisecond, false, []string{"does not cover the per-bundle overhead", "close on time", "cannot keep up"}},
}

func TestDefaultBundlePolicy(t *testing.T) {
	cases := bundlePolicyCases
	p, err := checkpointing.NewDefaultBundlePolicy(checkpointing.DefaultBundlePolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		plan, err := p.Choose(tc.w)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if plan.MaxSize != tc.size || plan.MaxTime != tc.maxTime || plan.FinishBundleBeforeCheckpointing != tc.finish {
			t.Errorf("%s: plan %d / %v / finish %v, want %d / %v / %v", tc.name, plan.MaxSize, plan.MaxTime, plan.FinishBundleBeforeCheckpointing, tc.size, tc.maxTime, tc.finish)
		}
		if len(plan.Notes) != len(tc.notes) {
			t.Errorf("%s: notes %q, want %d", tc.name, plan.Notes, len(tc.notes))
			continue
		}
		for i, n := range tc.notes {
			if !strings.Contains(plan.Notes[i], n) {
				t.Errorf("%s: note %q does not contain %q", tc.name, plan.Notes[i], n)
			}
		}
		if s := plan.Apply(checkpointing.Settings{}); s.Validate() != nil {
			t.Errorf("%s: plan applies to invalid settings %+v", tc.name, s)
		}
	}
}

func TestDefaultBundlePolicyErrors(t *testing.T) {
	for _, cfg := range []checkpointing.DefaultBundlePolicyConfig{
		{MaxOverheadShare: 1}, {MaxOverheadShare: -0.1}, {MaxOverheadShare: math.NaN()}, {MaxCheckpointBytes: -1}, {MaxSize: -1},
	} {
		if _, err := checkpointing.NewDefaultBundlePolicy(cfg); !errors.Is(err, checkpointing.ErrInvalidConfig) {
			t.Errorf("NewDefaultBundlePolicy(%+v) error = %v", cfg, err)
		}
	}
	p, _ := checkpointing.NewDefaultBundlePolicy(checkpointing.DefaultBundlePolicyConfig{})
	for _, w := range []checkpointing.BundleWorkload{kafkaEnrich, {Rate: -1, LatencyBudget: time.Second}} {
		if _, err := p.Choose(w); !errors.Is(err, checkpointing.ErrInvalidInput) {
			t.Errorf("Choose(%+v) error = %v, want ErrInvalidInput", w, err)
		}
	}
}

func TestBundlePresets(t *testing.T) {
	cases := []struct {
		name    string
		p       checkpointing.BundlePolicy
		size    int64
		maxTime time.Duration
		finish  bool
	}{
		{"Beam defaults", checkpointing.BeamDefaultBundles(), 1000, time.Second, false},
		{"zero FixedBundles", checkpointing.FixedBundles{}, 1000, time.Second, false},
		{"seed", checkpointing.SeedBundles(), 10_000, 10 * time.Second, false},
		{"seed, finished", checkpointing.FixedBundles{MaxSize: 10_000, MaxTime: 10 * time.Second, FinishBundleBeforeCheckpointing: true}, 10_000, 10 * time.Second, true},
	}
	for _, tc := range cases {
		plan, err := tc.p.Choose(kafkaEnrich)
		if err != nil || plan.MaxSize != tc.size || plan.MaxTime != tc.maxTime || plan.FinishBundleBeforeCheckpointing != tc.finish {
			t.Errorf("%s: %+v, %v", tc.name, plan, err)
		}
		if want, _ := checkpointing.EvaluateBundle(plan.Apply(checkpointing.Settings{}), kafkaEnrich); plan.TradeOff != want {
			t.Errorf("%s: trade-off %+v, want %+v", tc.name, plan.TradeOff, want)
		}
	}
	if _, err := (checkpointing.FixedBundles{MaxSize: -1}).Choose(kafkaEnrich); !errors.Is(err, checkpointing.ErrInvalidConfig) {
		t.Errorf("negative fixed size: %v", err)
	}
}
