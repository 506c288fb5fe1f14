package checkpointing_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// within reports whether got is within tol (a fraction) of want.
func within(got, want int64, tol float64) bool {
	return math.Abs(float64(got-want)) <= tol*float64(want)
}

// TestSeedProgression reproduces the seed deployment's history from the
// inputs documented in seed_test.go: about 2 MB per pipeline with bundles
// buffered into the checkpoint, 150 KB with bundles finished first, 10 KB
// once application values left PipelineOptions, and 15 MB per checkpoint
// interval for 100 pipelines at the 150 KB stage.
func TestSeedProgression(t *testing.T) {
	opts := seedAnalysis()
	before := seedSettings()
	finished := before
	finished.FinishBundleBeforeCheckpointing = true
	stages := []struct {
		name         string
		s            checkpointing.Settings
		optionsBytes int
		perPipeline  int64 // the seed's reported figure
		perJob       int64 // 0: not checked
	}{
		{"bundles buffered into the checkpoint", before, opts.TotalBytes, 2_000_000, 0},
		{"bundles finished before checkpointing", finished, opts.TotalBytes, 150_000, 15_000_000},
		{"application values trimmed", finished, opts.TrimmedBytes, 10_000, 0},
	}
	for _, st := range stages {
		in := seedSizeInputs(st.optionsBytes)
		in.Pipelines = seedPipelines
		got, err := checkpointing.EstimateSize(st.s, in)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		t.Logf("%s: %s per pipeline (state %s, in flight %s, options %s), %s per checkpoint of %d pipelines",
			st.name, checkpointing.FormatBytes(got.PerPipeline), checkpointing.FormatBytes(got.State),
			checkpointing.FormatBytes(got.InFlight), checkpointing.FormatBytes(got.Options), checkpointing.FormatBytes(got.PerJob), got.Pipelines)
		if !within(got.PerPipeline, st.perPipeline, 0.1) {
			t.Errorf("%s: %d bytes per pipeline, want about %d", st.name, got.PerPipeline, st.perPipeline)
		}
		if st.perJob > 0 && !within(got.PerJob, st.perJob, 0.1) {
			t.Errorf("%s: %d bytes per checkpoint, want about %d", st.name, got.PerJob, st.perJob)
		}
	}
}

func TestEstimateSize(t *testing.T) {
	in := checkpointing.SizeInputs{StateBytes: 1000, ElementBytes: 100, OptionsBytes: 500, Operators: 3}
	finish := checkpointing.Settings{FinishBundleBeforeCheckpointing: true}
	cases := []struct {
		name string
		s    checkpointing.Settings
		in   func(*checkpointing.SizeInputs)
		want checkpointing.SizeEstimate
	}{
		{"defaults: a full Beam bundle in flight, one serializer, one pipeline", checkpointing.Settings{}, func(*checkpointing.SizeInputs) {},
			checkpointing.SizeEstimate{State: 1000, InFlight: 100_000, Options: 1500, PerPipeline: 102_500, PerJob: 102_500, Pipelines: 1}},
		{"bundles finished first", finish, func(*checkpointing.SizeInputs) {},
			checkpointing.SizeEstimate{State: 1000, Options: 1500, PerPipeline: 2500, PerJob: 2500, Pipelines: 1}},
		{"partial bundle, two serializers, ten pipelines", checkpointing.Settings{}, func(in *checkpointing.SizeInputs) {
			in.InFlightElements, in.SerializersPerOperator, in.Pipelines = 10, 2, 10
		}, checkpointing.SizeEstimate{State: 1000, InFlight: 1000, Options: 3000, PerPipeline: 5000, PerJob: 50_000, Pipelines: 10}},
		{"no operators write serializers", checkpointing.Settings{MaxBundleSize: 1}, func(in *checkpointing.SizeInputs) { in.Operators = 0 },
			checkpointing.SizeEstimate{State: 1000, InFlight: 100, PerPipeline: 1100, PerJob: 1100, Pipelines: 1}},
	}
	for _, tc := range cases {
		x := in
		tc.in(&x)
		got, err := checkpointing.EstimateSize(tc.s, x)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := checkpointing.EstimateSize(checkpointing.Settings{}, checkpointing.SizeInputs{StateBytes: -1}); !errors.Is(err, checkpointing.ErrInvalidInput) {
		t.Errorf("negative state: %v", err)
	}
	if _, err := checkpointing.EstimateSize(checkpointing.Settings{Timeout: 1}, in); !errors.Is(err, checkpointing.ErrInvalidConfig) {
		t.Errorf("bad settings: %v", err)
	}
	e := checkpointing.SizeEstimate{PerJob: 15_000_000}
	if got := e.PerHour(10 * time.Second); got != 5_400_000_000 {
		t.Errorf("PerHour(10s) = %d", got)
	}
	if got := e.PerHour(0); got != 0 {
		t.Errorf("PerHour(0) = %d", got)
	}
}

// TestSizeFiguresSaturate: figures too large for an int64 saturate at
// math.MaxInt64; they used to wrap around to negative bytes.
func TestSizeFiguresSaturate(t *testing.T) {
	const maxBytes = math.MaxInt64
	cases := []struct {
		name string
		in   checkpointing.SizeInputs
		want checkpointing.SizeEstimate
	}{
		{"state plus in-flight", checkpointing.SizeInputs{StateBytes: maxBytes, ElementBytes: 1, InFlightElements: 1},
			checkpointing.SizeEstimate{State: maxBytes, InFlight: 1, PerPipeline: maxBytes, PerJob: maxBytes, Pipelines: 1}},
		{"in-flight product", checkpointing.SizeInputs{ElementBytes: 1 << 40, InFlightElements: 1 << 40},
			checkpointing.SizeEstimate{InFlight: maxBytes, PerPipeline: maxBytes, PerJob: maxBytes, Pipelines: 1}},
		{"options copies", checkpointing.SizeInputs{OptionsBytes: 1 << 40, Operators: 1 << 20, SerializersPerOperator: 1 << 20, InFlightElements: 1},
			checkpointing.SizeEstimate{Options: maxBytes, PerPipeline: maxBytes, PerJob: maxBytes, Pipelines: 1}},
		{"pipelines", checkpointing.SizeInputs{StateBytes: 1 << 40, InFlightElements: 1, Pipelines: 1 << 30},
			checkpointing.SizeEstimate{State: 1 << 40, PerPipeline: 1 << 40, PerJob: maxBytes, Pipelines: 1 << 30}},
	}
	for _, tc := range cases {
		got, err := checkpointing.EstimateSize(checkpointing.Settings{}, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if got := (checkpointing.SizeEstimate{PerJob: maxBytes}).PerHour(time.Millisecond); got != maxBytes {
		t.Errorf("PerHour of the largest estimate every 1 ms = %d, want %d", got, int64(maxBytes))
	}
	p, _ := checkpointing.NewDefaultCheckpointPolicy(checkpointing.DefaultCheckpointPolicyConfig{})
	plan, err := p.Choose(checkpointing.CheckpointWorkload{StateBytes: maxBytes, RecoveryObjective: time.Minute,
		Durations: checkpointing.Durations{P99: checkpointing.Known(time.Second)}})
	if err != nil || plan.BytesPerHour != maxBytes {
		t.Errorf("Choose: BytesPerHour %d, %v; want %d", plan.BytesPerHour, err, int64(maxBytes))
	}
}

// Absurd checkpoint durations and state sizes give plans whose durations
// saturate: a timeout at least the tail, never negative, never wrapped.
func TestPlanDurationsSaturate(t *testing.T) {
	p, _ := checkpointing.NewDefaultCheckpointPolicy(checkpointing.DefaultCheckpointPolicyConfig{})
	for _, w := range []checkpointing.CheckpointWorkload{
		{Durations: checkpointing.Durations{P99: checkpointing.Known(146 * 365 * 24 * time.Hour)}, RecoveryObjective: time.Minute},
		{Durations: checkpointing.Durations{P99: checkpointing.Known[time.Duration](math.MaxInt64)}, RecoveryObjective: time.Minute},
		{StateBytes: math.MaxInt64, RecoveryObjective: time.Minute},
		{Durations: checkpointing.Durations{P99: checkpointing.Known(time.Hour)}, RecoveryObjective: math.MaxInt64},
	} {
		plan, err := p.Choose(w)
		if err != nil {
			t.Errorf("%+v: %v", w, err)
			continue
		}
		if plan.Tail <= 0 || plan.Timeout < plan.Tail || plan.Interval <= 0 || plan.MinPause < 0 || plan.MaxReplay < plan.Tail {
			t.Errorf("%+v: plan %+v; want positive durations, a timeout at least the tail", w, plan)
		}
	}
}
