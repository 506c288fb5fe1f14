package flinkapi_test

import (
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// Millis never wraps around to a negative duration.
func TestMillisDuration(t *testing.T) {
	for _, tt := range []struct {
		in   flinkapi.Millis
		want time.Duration
	}{
		{-1, 0},
		{0, 0},
		{1500, 1500 * time.Millisecond},
		{flinkapi.Millis(math.MaxInt64 / int64(time.Millisecond)), time.Duration(math.MaxInt64/int64(time.Millisecond)) * time.Millisecond},
		{flinkapi.Millis(math.MaxInt64/int64(time.Millisecond) + 1), math.MaxInt64},
		{math.MaxInt64, math.MaxInt64},
	} {
		if got := tt.in.Duration(); got != tt.want {
			t.Errorf("Millis(%d).Duration() = %v, want %v", tt.in, got, tt.want)
		}
	}
}
