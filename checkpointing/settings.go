package checkpointing

import (
	"strconv"
	"time"
)

// Mode is Flink's checkpointing guarantee (Beam's checkpointingMode, Flink's
// execution.checkpointing.mode).
type Mode string

// Checkpointing guarantees.
const (
	ExactlyOnce Mode = "EXACTLY_ONCE"
	AtLeastOnce Mode = "AT_LEAST_ONCE"
)

// Beam's documented streaming defaults for the Flink runner, and Flink's
// limits. Beam writes -1 for "off" (checkpointingInterval) and for "Flink's
// default" (checkpointTimeoutMillis, minPauseBetweenCheckpoints).
const (
	// DefaultMaxBundleSize is Beam's maxBundleSize: 1000 elements.
	DefaultMaxBundleSize = 1000
	// DefaultMaxBundleTime is Beam's maxBundleTimeMills: 1000 ms.
	DefaultMaxBundleTime = time.Second
	// DefaultTimeout is Flink's checkpoint timeout (Beam's -1): 10 min.
	DefaultTimeout = 10 * time.Minute
	// DefaultMaxConcurrent is Beam's numConcurrentCheckpoints: 1.
	DefaultMaxConcurrent = 1
	// MinCheckpointTime is Flink's lower bound for a checkpoint interval and
	// timeout: 10 ms.
	MinCheckpointTime = 10 * time.Millisecond
)

// Settings are the Beam Flink-runner options and Flink checkpointing keys
// this package reasons about. The zero Settings is Beam's streaming
// defaults; Effective spells them out. Settings is a value type and safe to
// copy and share.
//
// Durations have millisecond precision, as both Beam and Flink take them;
// Validate rejects finer values.
type Settings struct {
	// MaxBundleSize is Beam's maxBundleSize: the most elements in one bundle.
	// Default: 1000. Zero means default.
	MaxBundleSize int64
	// MaxBundleTime is Beam's maxBundleTimeMills: the longest a bundle stays
	// open. Default: 1 s. Zero means default.
	MaxBundleTime time.Duration
	// FinishBundleBeforeCheckpointing is Beam's option of that name: finish
	// the open bundle when a barrier arrives, so its output is emitted
	// instead of buffered into the checkpoint. It delays the barrier by up
	// to one bundle's processing time. Default: false.
	FinishBundleBeforeCheckpointing bool
	// Interval is Beam's checkpointingInterval and Flink's
	// execution.checkpointing.interval. Default: 0, checkpointing off (Beam's
	// -1; the Flink key absent).
	Interval time.Duration
	// Timeout is Beam's checkpointTimeoutMillis and Flink's
	// execution.checkpointing.timeout. Default: 10 min, Flink's default
	// (Beam's -1). Zero means default.
	Timeout time.Duration
	// MinPause is Beam's minPauseBetweenCheckpoints and Flink's
	// execution.checkpointing.min-pause: the least time between the end of
	// one checkpoint and the start of the next. Default: 0 (Beam's -1).
	MinPause time.Duration
	// MaxConcurrent is Beam's numConcurrentCheckpoints and Flink's
	// execution.checkpointing.max-concurrent-checkpoints. Default: 1. Zero
	// means default.
	MaxConcurrent int
	// Unaligned is Beam's unalignedCheckpointEnabled and Flink's
	// execution.checkpointing.unaligned.enabled (execution.checkpointing.unaligned
	// before Flink 1.20). Default: false.
	Unaligned bool
	// Mode is Beam's checkpointingMode and Flink's
	// execution.checkpointing.mode. Default: ExactlyOnce. Zero means default.
	Mode Mode
}

// BeamDefaults returns Beam's streaming defaults with every value spelled
// out: Settings{}.Effective().
func BeamDefaults() Settings { return Settings{}.Effective() }

// Effective returns s with every zero "default" field replaced by its
// default value. Interval and MinPause stay zero (off, none).
func (s Settings) Effective() Settings {
	if s.MaxBundleSize == 0 {
		s.MaxBundleSize = DefaultMaxBundleSize
	}
	if s.MaxBundleTime == 0 {
		s.MaxBundleTime = DefaultMaxBundleTime
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if s.MaxConcurrent == 0 {
		s.MaxConcurrent = DefaultMaxConcurrent
	}
	if s.Mode == "" {
		s.Mode = ExactlyOnce
	}
	return s
}

// Enabled reports whether checkpointing is on (Interval above zero).
func (s Settings) Enabled() bool { return s.Interval > 0 }

// Validate reports the first invalid setting as a *SettingError wrapping
// ErrInvalidConfig: negative values, durations finer than a millisecond, an
// interval or timeout below Flink's 10 ms, an unknown mode, or unaligned
// checkpoints with AT_LEAST_ONCE (Flink silently turns them off).
func (s Settings) Validate() error {
	checks := []struct {
		bad    bool
		field  Field
		reason string
	}{
		{s.MaxBundleSize < 0, FieldMaxBundleSize, "must not be negative"},
		{!wholeMillis(s.MaxBundleTime, false), FieldMaxBundleTime, "must be whole milliseconds, not negative"},
		{!wholeMillis(s.Interval, true), FieldInterval, "must be 0 (off) or whole milliseconds of at least 10 ms"},
		{!wholeMillis(s.Timeout, true), FieldTimeout, "must be 0 (default) or whole milliseconds of at least 10 ms"},
		{!wholeMillis(s.MinPause, false), FieldMinPause, "must be whole milliseconds, not negative"},
		{s.MaxConcurrent < 0, FieldMaxConcurrent, "must not be negative"},
		{s.Mode != "" && s.Mode != ExactlyOnce && s.Mode != AtLeastOnce, FieldMode, "must be EXACTLY_ONCE or AT_LEAST_ONCE"},
		{s.Unaligned && s.Mode == AtLeastOnce, FieldUnaligned, "unaligned checkpoints need EXACTLY_ONCE; Flink would turn them off"},
	}
	for _, c := range checks {
		if c.bad {
			return &SettingError{Name: c.field.BeamOption(), Value: c.field.rawValue(s), Reason: c.reason}
		}
	}
	return nil
}

// wholeMillis reports whether d is a non-negative whole number of
// milliseconds and, when atLeastMin, either zero or at least
// MinCheckpointTime.
func wholeMillis(d time.Duration, atLeastMin bool) bool {
	if d < 0 || d%time.Millisecond != 0 {
		return false
	}
	return !atLeastMin || d == 0 || d >= MinCheckpointTime
}

// millis renders a duration as Beam's milliseconds.
func millis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
