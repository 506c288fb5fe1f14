package checkpointing

import (
	"time"

	"github.com/flinkscale/flinkscale/figure"
)

// Reason says why a figure is unknown: an alias of figure.Reason, so that
// a reason from another package (a backlog.Reason) is the same type and
// passes intact, without conversion. The constants are the reasons this
// package and checkpointing/flinkadvice produce; a caller may add its own.
type Reason = figure.Reason

// Reasons a figure is unknown.
const (
	// NotGiven: nobody supplied the figure (the reason of the zero
	// Figure); it is figure.NotGiven.
	NotGiven Reason = figure.NotGiven
	// NoCompletedCheckpoints: no checkpoint has completed, so there is
	// nothing to summarise.
	NoCompletedCheckpoints Reason = "no completed checkpoints"
	// NotReported: Flink did not report the statistic or metric.
	NotReported Reason = "not reported by Flink"
	// InvalidValue: the reported value was NaN, infinite or negative.
	InvalidValue Reason = "invalid value reported"
	// ReadFailed: the request for the figure failed.
	ReadFailed Reason = "read failed"
)

// Figure is a figure (a duration, a size) or a yes/no fact that is either
// known, or unknown with a reason: an alias of figure.Figure, the module's
// one such type (backlog.Figure and adaptivetimeout.Figure are the same
// type), narrowed to durations, counts and facts. A known 0 (a 0 s
// barrier alignment) is a measurement like any other. The zero Figure is
// unknown (NotGiven), and so is a figure given an empty reason; build
// figures with Known and Unknown. Unknown is never 0: Value reports
// ok = false, and the rules that need an unknown figure stay silent
// rather than take it for 0. It is a plain value.
//
// It renders as "25s", "180", "true" or "unknown (reason)", and on the
// wire as {"value": v} (a duration in nanoseconds) or {"unknown": "reason"}.
type Figure[T time.Duration | int64 | bool] = figure.Figure[T]

// Known returns a known figure.
func Known[T time.Duration | int64 | bool](v T) Figure[T] { return figure.Known(v) }

// Unknown returns an unknown figure with its reason.
func Unknown[T time.Duration | int64 | bool](r Reason) Figure[T] { return figure.Unknown[T](r) }

// isTrue reports a fact known to be true.
func isTrue(f Figure[bool]) bool {
	v, known := f.Value()
	return known && v
}

// negative reports a known figure below 0 (never true for a bool).
func negative[T time.Duration | int64](f Figure[T]) bool {
	v, known := f.Value()
	return known && v < 0
}

// firstKnown returns the first known figure of fs, or an unknown one with
// the first figure's reason (NotGiven when there is none).
func firstKnown[T time.Duration | int64 | bool](fs ...Figure[T]) Figure[T] {
	for _, f := range fs {
		if f.Known() {
			return f
		}
	}
	if len(fs) == 0 {
		return Unknown[T](NotGiven)
	}
	return Unknown[T](fs[0].Reason())
}
