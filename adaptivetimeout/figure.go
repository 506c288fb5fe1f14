package adaptivetimeout

import (
	"time"

	"github.com/flinkscale/flinkscale/figure"
)

// Reason says why a figure is unknown: an alias of figure.Reason, so that
// a reason from another package (a backlog.Reason) is the same type and
// passes intact, without conversion. The constants are the reasons this
// package and its Sources produce; a Source may add its own.
type Reason = figure.Reason

// Reasons a figure is unknown.
const (
	// NoPreviousWait: the reader is new, so nothing was measured yet (the
	// Latency of an Outcome whose Start is zero).
	NoPreviousWait Reason = "no previous wait"
	// NotMeasured: the reader did not run out of records while Kafka held
	// more for it since the previous wait began, so there was no fetch
	// latency to measure (Outcome.Latency).
	NotMeasured Reason = "not measured since the previous wait"
	// NoFetchResponse: no fetch response has reported the partition's high
	// watermark yet (Ready.Backlog, Outcome.Backlog).
	NoFetchResponse Reason = "no fetch response yet"
)

// Figure is a figure that is either known, or unknown with a reason: an
// alias of figure.Figure, the module's one such type (backlog.Figure and
// checkpointing.Figure are the same type), narrowed to counts and
// durations. Build figures with Known and Unknown. Unknown is never 0 or
// -1: Value reports ok = false, and a policy must not take it for a
// number. The zero Figure is unknown with reason figure.NotGiven ("not
// given"), and so is a figure given an empty reason. It is a plain value.
//
// It renders as "123" (a duration as "1.5ms") or "unknown (reason)", and
// on the wire as {"value": n} (a duration in nanoseconds) or
// {"unknown": "reason"}.
type Figure[T int64 | time.Duration] = figure.Figure[T]

// Known returns a known figure.
func Known[T int64 | time.Duration](v T) Figure[T] { return figure.Known(v) }

// Unknown returns an unknown figure with its reason.
func Unknown[T int64 | time.Duration](r Reason) Figure[T] { return figure.Unknown[T](r) }

// positive returns the figure's value and whether it is known and above 0.
func positive[T int64 | time.Duration](f Figure[T]) (T, bool) {
	v, known := f.Value()
	return v, known && v > 0
}
