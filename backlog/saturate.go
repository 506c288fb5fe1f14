package backlog

import (
	"math"
	"time"
)

// Figures saturate rather than wrap around: a sum, a byte estimate or an
// extrapolated time lag that would pass the largest int64 (about 9.2e18
// records or bytes, about 292 years) is that largest value. Such a figure
// can only come from absurd inputs, and a saturated one still says
// "enormous", which is what a consumer should act on (scale to the
// maximum); an unknown would hide it, a wrapped-around one would read as
// negative.

// satAdd returns a + b for non-negative a and b, saturating at the largest
// int64.
func satAdd[T int64 | time.Duration](a, b T) T {
	if a > T(math.MaxInt64)-b {
		return T(math.MaxInt64)
	}
	return a + b
}

// two63 is 2^63, the first float64 past the largest int64.
const two63 = float64(1 << 63)

// satFloat converts a non-negative float to an integer, saturating at the
// largest int64; NaN and negative values are 0.
func satFloat[T int64 | time.Duration](f float64) T {
	switch {
	case !(f > 0):
		return 0
	case f >= two63:
		return T(math.MaxInt64)
	}
	return T(f)
}
