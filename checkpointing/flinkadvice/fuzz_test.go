package flinkadvice_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/checkpointing/flinkadvice"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// FuzzObservation converts arbitrary figures, as a JobManager (or a proxy
// in front of it) may report them, into an Observation: either an error
// wrapping checkpointing.ErrInvalidConfig (settings Flink would not run
// with) or an observation the advisor accepts as input, with no negative
// figure, whatever the percentiles (NaN, infinite, huge) and milliseconds.
// A percentile Flink reported (0 included) is known; one it did not (NaN)
// is unknown (NotReported), an impossible one unknown (InvalidValue).
func FuzzObservation(f *testing.F) {
	f.Add(int64(10_000), int64(600_000), int64(0), 1, "EXACTLY_ONCE", int64(900), 120.5, 800.0, 899.9, int64(41_000), int64(195e6))
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64), math.MaxInt, "AT_LEAST_ONCE",
		int64(math.MaxInt64), 1e300, math.Inf(1), 9.3e12, int64(math.MaxInt64), int64(math.MaxInt64))
	f.Add(int64(-1), int64(-1), int64(-1), -1, "", int64(-1), math.NaN(), math.Inf(-1), -5.0, int64(-1), int64(-1))
	f.Add(int64(5), int64(9), int64(0), 0, "SOMETIMES", int64(math.MinInt64), 0.0, 0.0, 0.0, int64(math.MinInt64), int64(0))
	f.Fuzz(func(t *testing.T, interval, timeout, minPause int64, concurrent int, mode string,
		maxMs int64, p50, p90, p99 float64, duration, size int64) {
		conf := flinkapi.CheckpointConfig{Interval: flinkapi.Millis(interval), Timeout: flinkapi.Millis(timeout),
			MinPause: flinkapi.Millis(minPause), MaxConcurrent: concurrent, Mode: flinkapi.CheckpointMode(mode)}
		stats := flinkapi.CheckpointStats{
			Counts: flinkapi.CheckpointCounts{Completed: 1},
			Summary: flinkapi.CheckpointSummary{EndToEndDuration: flinkapi.StatsSummary{Max: maxMs,
				P50: flinkapi.Float(p50), P90: flinkapi.Float(p90), P99: flinkapi.Float(p99)}},
			History: []flinkapi.Checkpoint{{ID: 1, Status: flinkapi.CheckpointCompleted, EndToEndDuration: flinkapi.Millis(duration),
				CheckpointedSize: max(size, 0), StateSize: max(size, 0)}},
		}
		obs, err := flinkadvice.Observation(stats, conf, checkpointing.Settings{}, checkpointing.Facts{})
		if err != nil {
			if !errors.Is(err, checkpointing.ErrInvalidConfig) {
				t.Fatalf("Observation: %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if err := obs.Validate(); err != nil {
			t.Fatalf("Observation %+v does not validate: %v", obs, err)
		}
		for _, c := range []struct {
			in  float64
			got checkpointing.Figure[time.Duration]
		}{{p50, obs.Durations.P50}, {p90, obs.Durations.P90}, {p99, obs.Durations.P99}} {
			d, known := c.got.Value()
			switch {
			case math.IsNaN(c.in):
				if c.got.Reason() != checkpointing.NotReported {
					t.Fatalf("NaN percentile became %v, want unknown (%s)", c.got, checkpointing.NotReported)
				}
			case c.in < 0 || math.IsInf(c.in, 0):
				if c.got.Reason() != checkpointing.InvalidValue {
					t.Fatalf("percentile %v became %v, want unknown (%s)", c.in, c.got, checkpointing.InvalidValue)
				}
			case !known || (c.in == 0 && d != 0):
				t.Fatalf("reported percentile %v became %v, want it known", c.in, c.got)
			}
		}
	})
}
