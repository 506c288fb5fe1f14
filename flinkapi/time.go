package flinkapi

import (
	"math"
	"time"
)

// EpochMillis is a point in time as Flink sends it: milliseconds since the
// Unix epoch, with -1 (or 0) meaning "not yet" (for example the end time of
// a running job).
type EpochMillis int64

// Time returns the instant, or the zero time.Time when the value is not set.
func (m EpochMillis) Time() time.Time {
	if m <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m))
}

// IsSet reports whether the value names an instant.
func (m EpochMillis) IsSet() bool { return m > 0 }

// Millis is a duration as Flink sends it: milliseconds, -1 meaning unknown.
type Millis int64

// Duration returns the duration; unknown (negative) values give 0, and a
// value beyond what a time.Duration holds (about 292 years) saturates at
// the largest one instead of wrapping around to a negative duration.
func (m Millis) Duration() time.Duration {
	switch {
	case m <= 0:
		return 0
	case int64(m) > int64(math.MaxInt64/time.Millisecond):
		return math.MaxInt64
	}
	return time.Duration(m) * time.Millisecond
}
