package checkpointing

import (
	"math"
	"time"
)

// Byte figures saturate at math.MaxInt64 instead of wrapping around to a
// negative figure; the helpers take non-negative operands.

// saturatingMul returns a x b, math.MaxInt64 when that overflows.
func saturatingMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// saturatingAdd returns a + b, math.MaxInt64 when that overflows.
func saturatingAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// saturatingInt64 converts a non-negative float to int64, math.MaxInt64
// when it is too large (or NaN): Go leaves that conversion to the
// platform, which on amd64 gives math.MinInt64.
func saturatingInt64(f float64) int64 {
	if !(f < math.MaxInt64) { // 2^63: the first float64 above every int64
		return math.MaxInt64
	}
	return int64(f)
}

// Durations saturate the same way: a checkpoint that takes longer than a
// time.Duration holds (about 292 years) is "forever", never negative.

// addDuration returns a + b for non-negative operands, the largest
// duration when that overflows.
func addDuration(a, b time.Duration) time.Duration {
	return time.Duration(saturatingAdd(int64(a), int64(b)))
}

// floatDuration converts a non-negative float number of nanoseconds, the
// largest duration when it is too large (or NaN).
func floatDuration(f float64) time.Duration {
	return time.Duration(saturatingInt64(f))
}
