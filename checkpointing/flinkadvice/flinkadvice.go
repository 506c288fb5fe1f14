package flinkadvice

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// Flink is the part of the Flink REST client this package uses;
// *flinkapi.Client satisfies it.
type Flink interface {
	Checkpoints(ctx context.Context, job flinkapi.JobID) (flinkapi.CheckpointStats, error)
	CheckpointConfig(ctx context.Context, job flinkapi.JobID) (flinkapi.CheckpointConfig, error)
}

var _ Flink = (*flinkapi.Client)(nil)

// Job names a job and what Flink cannot tell about it.
type Job struct {
	// ID is the Flink job. Required.
	ID flinkapi.JobID
	// Beam holds the Beam options the job was submitted with; its bundle
	// fields are kept and its checkpoint fields replaced by Flink's
	// configuration. Zero means Beam's defaults.
	Beam checkpointing.Settings
	// Facts are passed to the advisor as they are.
	Facts checkpointing.Facts
}

// Observe reads a job's checkpoint configuration and statistics (two REST
// calls) and converts them. When c also implements TaskMetrics, it
// measures the Facts the caller left unknown (alignment time, source
// backpressure) from Flink's task metrics, one call per vertex more. A job
// without checkpointing gives an Observation with Interval 0 after one
// call. Flink errors are returned
// wrapped, so errors.Is matches flinkapi's sentinels.
func Observe(ctx context.Context, c Flink, job Job) (checkpointing.Observation, error) {
	if err := job.ID.Validate(); err != nil {
		return checkpointing.Observation{}, err
	}
	conf, err := c.CheckpointConfig(ctx, job.ID)
	if errors.Is(err, flinkapi.ErrCheckpointingDisabled) {
		s := job.Beam
		s.Interval = 0
		return checkpointing.Observation{Settings: s, Facts: job.Facts}, nil
	}
	if err != nil {
		return checkpointing.Observation{}, fmt.Errorf("flinkadvice: checkpoint config of job %s: %w", job.ID, err)
	}
	stats, err := c.Checkpoints(ctx, job.ID)
	if err != nil {
		return checkpointing.Observation{}, fmt.Errorf("flinkadvice: checkpoint statistics of job %s: %w", job.ID, err)
	}
	facts := job.Facts
	if m, ok := c.(TaskMetrics); ok {
		facts = measureFacts(ctx, m, job.ID, facts)
	}
	return Observation(stats, conf, job.Beam, facts)
}

// Advise observes the job and asks the advisor, at time now.
func Advise(ctx context.Context, c Flink, job Job, a checkpointing.Advisor, now time.Time) ([]checkpointing.Finding, error) {
	obs, err := Observe(ctx, c, job)
	if err != nil {
		return nil, err
	}
	return a.Advise(now, obs)
}

// Observation converts Flink's statistics and configuration, with the Beam
// options in beam and the facts, into an Observation. The history becomes
// oldest first.
func Observation(stats flinkapi.CheckpointStats, conf flinkapi.CheckpointConfig, beam checkpointing.Settings, facts checkpointing.Facts) (checkpointing.Observation, error) {
	s, err := Settings(conf, beam)
	if err != nil {
		return checkpointing.Observation{}, err
	}
	obs := checkpointing.Observation{
		Settings:  s,
		Completed: stats.Counts.Completed, Failed: stats.Counts.Failed, InProgress: stats.Counts.InProgress,
		Durations: Durations(stats.Summary.EndToEndDuration, stats.Counts.Completed),
		Facts:     facts,
	}
	for _, c := range stats.History {
		if !c.IsSavepoint {
			obs.History = append(obs.History, Checkpoint(c))
		}
	}
	slices.Reverse(obs.History)
	return obs, nil
}

// Settings returns beam with its checkpoint fields taken from Flink's
// configuration: interval, timeout, minimum pause, concurrency, unaligned
// and mode. The interval Flink reports when periodic checkpoints are
// disabled (Long.MAX_VALUE) becomes 0, checkpointing off. Settings Flink
// reports that are not valid give an error wrapping
// checkpointing.ErrInvalidConfig.
func Settings(conf flinkapi.CheckpointConfig, beam checkpointing.Settings) (checkpointing.Settings, error) {
	s := beam
	s.Interval = duration(conf.Interval)
	if conf.Interval >= periodicDisabled {
		s.Interval = 0
	}
	s.Timeout = duration(conf.Timeout)
	s.MinPause = duration(conf.MinPause)
	s.MaxConcurrent = max(conf.MaxConcurrent, 0)
	s.Unaligned = conf.UnalignedCheckpoints
	s.Mode = checkpointing.Mode(conf.Mode)
	if err := s.Validate(); err != nil {
		return checkpointing.Settings{}, fmt.Errorf("flinkadvice: settings reported by Flink: %w", err)
	}
	return s, nil
}

// periodicDisabled is the interval Flink reports for a streaming job whose
// periodic checkpoints are disabled: Long.MAX_VALUE milliseconds (the web
// UI shows "Periodic checkpoints disabled"). Any interval too long for a
// time.Duration is taken as that.
const periodicDisabled = flinkapi.Millis(math.MaxInt64 / int64(time.Millisecond))

// duration converts Flink's milliseconds, clamping what a time.Duration
// cannot hold; negative (unknown) values give 0.
func duration(m flinkapi.Millis) time.Duration {
	return min(m, periodicDisabled).Duration()
}

// Durations converts Flink's end-to-end duration summary (milliseconds)
// for count completed checkpoints. With none completed every figure is
// unknown (checkpointing.NoCompletedCheckpoints: Flink then reports NaN
// percentiles and a 0 maximum). Otherwise a figure Flink reported is known,
// 0 included; a NaN percentile is unknown (checkpointing.NotReported), a
// negative or infinite one unknown (checkpointing.InvalidValue). Figures
// too long for a time.Duration are clamped, as in Settings.
func Durations(s flinkapi.StatsSummary, count int64) checkpointing.Durations {
	if count <= 0 {
		none := checkpointing.Unknown[time.Duration](checkpointing.NoCompletedCheckpoints)
		return checkpointing.Durations{P50: none, P90: none, P99: none, Max: none}
	}
	ms := func(f flinkapi.Float) checkpointing.Figure[time.Duration] {
		switch {
		case math.IsNaN(float64(f)):
			return checkpointing.Unknown[time.Duration](checkpointing.NotReported)
		case !f.Valid() || f < 0:
			return checkpointing.Unknown[time.Duration](checkpointing.InvalidValue)
		}
		return checkpointing.Known(saturating(float64(f) * float64(time.Millisecond)).Round(time.Microsecond))
	}
	longest := checkpointing.Unknown[time.Duration](checkpointing.InvalidValue)
	if s.Max >= 0 {
		longest = checkpointing.Known(duration(flinkapi.Millis(s.Max)))
	}
	return checkpointing.Durations{P50: ms(s.P50), P90: ms(s.P90), P99: ms(s.P99), Max: longest, Count: int(count)}
}

// saturating converts nanoseconds to a Duration: 0 for NaN and negative
// figures, the longest Duration for those beyond it (a float64 conversion
// out of range is left to the platform: math.MinInt64 on amd64).
func saturating(ns float64) time.Duration {
	switch {
	case !(ns > 0):
		return 0
	case ns >= math.MaxInt64:
		return math.MaxInt64
	}
	return time.Duration(ns)
}

// Checkpoint converts one checkpoint of Flink's history.
func Checkpoint(c flinkapi.Checkpoint) checkpointing.Checkpoint {
	out := checkpointing.Checkpoint{
		ID: c.ID, Trigger: c.TriggerTimestamp.Time(), Duration: duration(c.EndToEndDuration),
		CheckpointedBytes: c.CheckpointedSize, StateBytes: c.StateSize, PersistedBytes: c.PersistedData,
		Failure: c.FailureMessage,
	}
	switch c.Status {
	case flinkapi.CheckpointCompleted:
		out.Outcome = checkpointing.Completed
	case flinkapi.CheckpointFailed:
		out.Outcome = checkpointing.Failed
	case flinkapi.CheckpointInProgress:
		out.Outcome = checkpointing.InProgress
	}
	return out
}
