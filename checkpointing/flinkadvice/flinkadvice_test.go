package flinkadvice_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/checkpointing/flinkadvice"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

var start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// cp is one checkpoint for flinktest: duration in seconds, size in bytes;
// a zero size is a checkpoint that expired.
type cp struct {
	secs int
	size int64
}

// serve starts a fake JobManager with one job and its checkpoints (oldest
// first) and returns a client for it. A nil spec disables checkpointing.
func serve(t *testing.T, spec *flinktest.CheckpointingSpec, cps []cp) (*flinktest.Server, *flinkapi.Client, flinkapi.JobID) {
	t.Helper()
	srv := flinktest.Start(t, flinktest.Config{Clock: clocktest.New(start.Add(time.Hour))})
	id, _, err := srv.AddJob(flinktest.JobSpec{Name: "clickstream", Checkpointing: spec,
		Vertices: []flinktest.VertexSpec{{Name: "Source: KafkaIO", Parallelism: 4}}})
	if err != nil {
		t.Fatal(err)
	}
	at := start
	for _, c := range cps {
		d := time.Duration(c.secs) * time.Second
		x := flinkapi.Checkpoint{TriggerTimestamp: flinkapi.EpochMillis(at.UnixMilli()), EndToEndDuration: flinkapi.Millis(d.Milliseconds()),
			CheckpointedSize: c.size, StateSize: c.size, LatestAckTimestamp: flinkapi.EpochMillis(at.Add(d).UnixMilli())}
		if c.size == 0 {
			x.Status, x.FailureMessage = flinkapi.CheckpointFailed, "Checkpoint expired before completing."
			x.FailureTimestamp = x.LatestAckTimestamp
		}
		if err := srv.AddCheckpoint(id, x); err != nil {
			t.Fatal(err)
		}
		at = at.Add(d + 50*time.Millisecond)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, id
}

// seedCheckpoints is the seed job's history: 195 MB checkpoints of 38-52 s,
// three of ten expired at the 1 min timeout.
var seedCheckpoints = []cp{{41, 195e6}, {60, 0}, {47, 195e6}, {60, 0}, {38, 195e6}, {52, 195e6}, {60, 0}, {44, 195e6}, {49, 195e6}, {50, 195e6}}

func TestObserve(t *testing.T) {
	_, c, id := serve(t, &flinktest.CheckpointingSpec{Interval: 10 * time.Second, Timeout: time.Minute}, seedCheckpoints)
	beam := checkpointing.Settings{MaxBundleSize: 10_000, MaxBundleTime: 10 * time.Second, Interval: time.Hour, Unaligned: true}
	obs, err := flinkadvice.Observe(context.Background(), c, flinkadvice.Job{ID: id, Beam: beam})
	if err != nil {
		t.Fatal(err)
	}
	want := checkpointing.Settings{MaxBundleSize: 10_000, MaxBundleTime: 10 * time.Second, Interval: 10 * time.Second, Timeout: time.Minute,
		MaxConcurrent: 1, Mode: checkpointing.ExactlyOnce}
	if obs.Settings != want {
		t.Errorf("settings %+v, want %+v (bundles from Beam, checkpoints from Flink)", obs.Settings, want)
	}
	if obs.Completed != 7 || obs.Failed != 3 || len(obs.History) != 10 {
		t.Errorf("counts %d/%d, history %d", obs.Completed, obs.Failed, len(obs.History))
	}
	if !slices.IsSortedFunc(obs.History, func(a, b checkpointing.Checkpoint) int { return int(a.ID - b.ID) }) || !obs.History[0].Trigger.Equal(start) {
		t.Errorf("history not oldest first: %+v", obs.History[0])
	}
	if h := obs.History[1]; h.Outcome != checkpointing.Failed || !h.TimedOut(time.Minute) || h.Duration != time.Minute {
		t.Errorf("expired checkpoint converted to %+v", h)
	}
	wantD := checkpointing.Durations{P50: checkpointing.Known(47 * time.Second), P90: checkpointing.Known(50800 * time.Millisecond), P99: checkpointing.Known(51880 * time.Millisecond), Max: checkpointing.Known(52 * time.Second), Count: 7}
	if obs.Durations != wantD {
		t.Errorf("durations %+v, want %+v", obs.Durations, wantD)
	}
}

// TestAdvise runs the advisor over statistics served by flinktest.
func TestAdvise(t *testing.T) {
	unaligned := &flinktest.CheckpointingSpec{Interval: time.Minute, Unaligned: true}
	cases := []struct {
		name  string
		spec  *flinktest.CheckpointingSpec
		cps   []cp
		job   flinkadvice.Job
		codes []checkpointing.Code
	}{
		{"seed", &flinktest.CheckpointingSpec{Interval: 10 * time.Second, Timeout: time.Minute}, seedCheckpoints,
			flinkadvice.Job{Beam: checkpointing.Settings{MaxBundleSize: 10_000, MaxBundleTime: 10 * time.Second},
				Facts: checkpointing.Facts{Source: checkpointing.SourceLegacy, ElementBytes: checkpointing.Known[int64](180), Pipelines: 100}},
			[]checkpointing.Code{checkpointing.CodeDurationNearTimeout, checkpointing.CodeRepeatedTimeouts, checkpointing.CodeLargeInFlightBuffers}},
		{"disabled", nil, nil, flinkadvice.Job{}, []checkpointing.Code{checkpointing.CodeCheckpointingDisabled}},
		{"healthy", &flinktest.CheckpointingSpec{Interval: 30 * time.Second}, []cp{{2, 10e6}, {2, 10e6}, {3, 10e6}}, flinkadvice.Job{}, nil},
		{"unaligned, legacy source, backpressure", unaligned, []cp{{4, 20e6}, {4, 20e6}},
			flinkadvice.Job{Facts: checkpointing.Facts{Source: checkpointing.SourceLegacy, Backpressured: checkpointing.Known(true)}},
			[]checkpointing.Code{checkpointing.CodeUnalignedLegacySource}},
		{"state growing", &flinktest.CheckpointingSpec{Interval: 30 * time.Second},
			[]cp{{2, 10e6}, {2, 11e6}, {2, 12e6}, {2, 13e6}, {2, 14e6}, {2, 15e6}}, flinkadvice.Job{},
			[]checkpointing.Code{checkpointing.CodeSizeGrowing}},
	}
	adv, err := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		_, c, id := serve(t, tc.spec, tc.cps)
		tc.job.ID = id
		now := start.Add(5 * time.Second) // shortly after the last checkpoint ended
		for _, x := range tc.cps {
			now = now.Add(time.Duration(x.secs)*time.Second + 50*time.Millisecond)
		}
		fs, err := flinkadvice.Advise(context.Background(), c, tc.job, adv, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var codes []checkpointing.Code
		for _, f := range fs {
			codes = append(codes, f.Code)
		}
		if !slices.Equal(codes, tc.codes) {
			t.Errorf("%s: codes %v, want %v", tc.name, codes, tc.codes)
		}
	}
}

func TestObserveErrors(t *testing.T) {
	srv, c, id := serve(t, &flinktest.CheckpointingSpec{}, nil)
	ctx := context.Background()
	if _, err := flinkadvice.Observe(ctx, c, flinkadvice.Job{ID: "00000000000000000000000000000000"}); !errors.Is(err, flinkapi.ErrNotFound) {
		t.Errorf("unknown job: %v", err)
	}
	if _, err := flinkadvice.Observe(ctx, c, flinkadvice.Job{ID: "nope"}); !errors.Is(err, flinkapi.ErrInvalidRequest) {
		t.Errorf("malformed job ID: %v", err)
	}
	if err := srv.InjectFault("GET /jobs/{jobid}/checkpoints", flinktest.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	if _, err := flinkadvice.Observe(ctx, c, flinkadvice.Job{ID: id}); !errors.Is(err, flinkapi.ErrUnavailable) {
		t.Errorf("unavailable: %v", err)
	}
	if _, err := flinkadvice.Observe(ctx, c, flinkadvice.Job{ID: id, Beam: checkpointing.Settings{MaxBundleSize: -1}}); !errors.Is(err, checkpointing.ErrInvalidConfig) {
		t.Errorf("bad Beam settings: %v", err)
	}
}

func TestConversions(t *testing.T) {
	nan := flinkapi.Float(math.NaN())
	none := checkpointing.Unknown[time.Duration](checkpointing.NoCompletedCheckpoints)
	if got, want := flinkadvice.Durations(flinkapi.StatsSummary{P50: nan, P90: nan, P99: nan, P999: nan}, 0), (checkpointing.Durations{P50: none, P90: none, P99: none, Max: none}); got != want {
		t.Errorf("summary of no checkpoints = %+v, want unknown (%s)", got, checkpointing.NoCompletedCheckpoints)
	}
	// Checkpoints that took under a millisecond: Flink reports 0, a known 0;
	// a percentile it did not report (NaN) is unknown, not 0.
	zero := flinkadvice.Durations(flinkapi.StatsSummary{Max: 0, P50: 0, P90: 0, P99: nan}, 4)
	if want := (checkpointing.Durations{P50: checkpointing.Known[time.Duration](0), P90: checkpointing.Known[time.Duration](0),
		P99: checkpointing.Unknown[time.Duration](checkpointing.NotReported), Max: checkpointing.Known[time.Duration](0), Count: 4}); zero != want {
		t.Errorf("Durations = %+v, want %+v", zero, want)
	}
	if tail := zero.Tail(); tail != checkpointing.Known[time.Duration](0) {
		t.Errorf("Tail() = %v, want a known 0 (the max)", tail)
	}
	got := flinkadvice.Durations(flinkapi.StatsSummary{Max: 900, P50: 120.5, P90: 800, P99: 899.9}, 3)
	if want := (checkpointing.Durations{P50: checkpointing.Known(120500 * time.Microsecond), P90: checkpointing.Known(800 * time.Millisecond), P99: checkpointing.Known(899900 * time.Microsecond), Max: checkpointing.Known(900 * time.Millisecond), Count: 3}); got != want {
		t.Errorf("Durations = %+v, want %+v", got, want)
	}
	for status, want := range map[flinkapi.CheckpointStatus]checkpointing.Outcome{
		flinkapi.CheckpointCompleted: checkpointing.Completed, flinkapi.CheckpointFailed: checkpointing.Failed,
		flinkapi.CheckpointInProgress: checkpointing.InProgress, "ODD": 0,
	} {
		if got := flinkadvice.Checkpoint(flinkapi.Checkpoint{Status: status}).Outcome; got != want {
			t.Errorf("%s -> %v, want %v", status, got, want)
		}
	}
	if _, err := flinkadvice.Settings(flinkapi.CheckpointConfig{Mode: "SOMETIMES", Interval: 1000}, checkpointing.Settings{}); !errors.Is(err, checkpointing.ErrInvalidConfig) {
		t.Errorf("odd mode: %v", err)
	}
	off, err := flinkadvice.Settings(flinkapi.CheckpointConfig{Mode: flinkapi.ExactlyOnce, Interval: math.MaxInt64, Timeout: 600_000}, checkpointing.Settings{})
	if err != nil || off.Enabled() || off.Timeout != 10*time.Minute {
		t.Errorf("periodic checkpoints disabled (Long.MAX_VALUE): %+v, %v; want checkpointing off", off, err)
	}
	stats := flinkapi.CheckpointStats{History: []flinkapi.Checkpoint{{ID: 3, Status: flinkapi.CheckpointCompleted}, {ID: 2, IsSavepoint: true}, {ID: 1}}}
	obs, err := flinkadvice.Observation(stats, flinkapi.CheckpointConfig{Mode: flinkapi.ExactlyOnce, Interval: 1000}, checkpointing.Settings{}, checkpointing.Facts{})
	if err != nil || len(obs.History) != 2 || obs.History[0].ID != 1 || obs.History[1].ID != 3 {
		t.Errorf("Observation history %+v, %v: want checkpoints 1 and 3, savepoint left out", obs.History, err)
	}
}

// TestConversionsSaturate: figures Flink reports beyond what a
// time.Duration holds are clamped, never wrapped around to negative
// durations (the advisor rejected the observation: "checkpoint 1 has a
// negative figure").
func TestConversionsSaturate(t *testing.T) {
	longest := time.Duration(math.MaxInt64 / int64(time.Millisecond) * int64(time.Millisecond)) // in whole ms
	summary := flinkapi.StatsSummary{Max: math.MaxInt64, P50: 1e300, P90: flinkapi.Float(math.Inf(1)), P99: 9.3e12}
	got := flinkadvice.Durations(summary, 2)
	if want := (checkpointing.Durations{P50: checkpointing.Known[time.Duration](math.MaxInt64), P90: checkpointing.Unknown[time.Duration](checkpointing.InvalidValue),
		P99: checkpointing.Known[time.Duration](math.MaxInt64), Max: checkpointing.Known(longest), Count: 2}); got != want {
		t.Errorf("Durations = %+v, want %+v", got, want)
	}
	if got := flinkadvice.Checkpoint(flinkapi.Checkpoint{EndToEndDuration: math.MaxInt64}).Duration; got != longest {
		t.Errorf("Checkpoint duration = %v, want %v", got, longest)
	}
	stats := flinkapi.CheckpointStats{Summary: flinkapi.CheckpointSummary{EndToEndDuration: summary},
		History: []flinkapi.Checkpoint{{ID: 1, Status: flinkapi.CheckpointCompleted, EndToEndDuration: math.MaxInt64}}}
	obs, err := flinkadvice.Observation(stats, flinkapi.CheckpointConfig{Mode: flinkapi.ExactlyOnce, Interval: 1000, Timeout: 600_000}, checkpointing.Settings{}, checkpointing.Facts{})
	if err != nil {
		t.Fatal(err)
	}
	if err := obs.Validate(); err != nil {
		t.Errorf("Observation: %v", err)
	}
}
