package checkpointing

import (
	"math"
	"slices"
	"time"
)

// Durations summarises the end-to-end durations of recent completed
// checkpoints, as Flink's checkpoint statistics do. Each figure is known or
// unknown with a reason; a known 0 (checkpoints that took under a
// millisecond) is a duration like any other. The zero Durations knows
// nothing (NotGiven).
type Durations struct {
	P50, P90, P99, Max Figure[time.Duration]
	// Count is how many checkpoints the summary covers.
	Count int
}

// DurationsOf summarises samples with linear interpolation between closest
// ranks, to the microsecond. No samples give unknown figures
// (NoCompletedCheckpoints).
func DurationsOf(samples []time.Duration) Durations {
	if len(samples) == 0 {
		none := Unknown[time.Duration](NoCompletedCheckpoints)
		return Durations{P50: none, P90: none, P99: none, Max: none}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	q := func(p float64) time.Duration {
		pos := p * float64(len(s)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(s)-1)
		return (s[lo] + time.Duration((pos-float64(lo))*float64(s[hi]-s[lo]))).Round(time.Microsecond)
	}
	return Durations{P50: Known(q(0.5)), P90: Known(q(0.9)), P99: Known(q(0.99)), Max: Known(s[len(s)-1]), Count: len(s)}
}

// Known reports whether any figure is known.
func (d Durations) Known() bool { return d.Tail().Known() }

// Tail returns the best-known tail duration: P99, else Max, P90, P50;
// unknown, with P99's reason, when none is known.
func (d Durations) Tail() Figure[time.Duration] { return firstKnown(d.P99, d.Max, d.P90, d.P50) }

// validate reports negative figures.
func (d Durations) validate() error {
	if negative(d.P50) || negative(d.P90) || negative(d.P99) || negative(d.Max) || d.Count < 0 {
		return invalidInput("durations: negative figure")
	}
	return nil
}

// floorTo rounds d down to a multiple of step.
func floorTo(d, step time.Duration) time.Duration {
	if step <= 0 {
		return d
	}
	return d / step * step
}

// ceilTo rounds d up to a multiple of step.
func ceilTo(d, step time.Duration) time.Duration {
	if step <= 0 || d%step == 0 {
		return d
	}
	if d > math.MaxInt64-step { // the next step does not fit: saturate
		return math.MaxInt64
	}
	return (d/step + 1) * step
}
