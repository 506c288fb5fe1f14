package checkpointing

import (
	"encoding/json"
	"fmt"
	"time"
)

// Reason says why a figure is unknown. The constants are the reasons this
// package and checkpointing/flinkadvice produce; a caller may add its own,
// and a reason from another package (a backlog.Reason) converts intact:
// Reason(r).
type Reason string

// Reasons a figure is unknown.
const (
	// NotGiven: nobody supplied the figure (the reason of the zero
	// Figure).
	NotGiven Reason = "not given"
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
// known, or unknown with a reason: the module's convention, the same as
// backlog.Figure's, in a type of this package's own so that it keeps
// importing only the standard library. A known 0 (a 0 s barrier
// alignment) is a measurement like any other. The zero Figure is unknown
// (NotGiven); build figures with Known and Unknown. Unknown is never 0:
// Value reports ok = false, and the rules that need an unknown figure stay
// silent rather than take it for 0. It is a plain value.
type Figure[T time.Duration | int64 | bool] struct {
	v      T
	reason Reason
	known  bool
}

// Known returns a known figure.
func Known[T time.Duration | int64 | bool](v T) Figure[T] { return Figure[T]{v: v, known: true} }

// Unknown returns an unknown figure with its reason.
func Unknown[T time.Duration | int64 | bool](r Reason) Figure[T] { return Figure[T]{reason: r} }

// Value returns the figure and whether it is known.
func (f Figure[T]) Value() (T, bool) { return f.v, f.known }

// Known reports whether the figure is known.
func (f Figure[T]) Known() bool { return f.known }

// Reason returns why the figure is unknown: "" when it is known, NotGiven
// for the zero Figure.
func (f Figure[T]) Reason() Reason {
	switch {
	case f.known:
		return ""
	case f.reason == "":
		return NotGiven
	}
	return f.reason
}

// String renders "25s", "180", "true" or "unknown (reason)".
func (f Figure[T]) String() string {
	if f.known {
		return fmt.Sprint(f.v)
	}
	return fmt.Sprintf("unknown (%s)", f.Reason())
}

// figureJSON is a Figure on the wire: {"value": v} or {"unknown": "reason"}.
type figureJSON[T time.Duration | int64 | bool] struct {
	Value   *T     `json:"value,omitempty"`
	Unknown Reason `json:"unknown,omitempty"`
}

// MarshalJSON writes {"value": v} (a duration in nanoseconds) or
// {"unknown": "reason"}, as backlog.Figure does.
func (f Figure[T]) MarshalJSON() ([]byte, error) {
	if f.known {
		v := f.v
		return json.Marshal(figureJSON[T]{Value: &v})
	}
	return json.Marshal(figureJSON[T]{Unknown: f.Reason()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Figure[T]) UnmarshalJSON(b []byte) error {
	var w figureJSON[T]
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Value != nil {
		*f = Known(*w.Value)
		return nil
	}
	*f = Unknown[T](w.Unknown)
	return nil
}

// isTrue reports a fact known to be true.
func isTrue(f Figure[bool]) bool { return f.known && f.v }

// negative reports a known figure below 0 (never true for a bool).
func negative[T time.Duration | int64](f Figure[T]) bool { return f.known && f.v < 0 }

// firstKnown returns the first known figure of fs, or an unknown one with
// the first figure's reason (NotGiven when there is none).
func firstKnown[T time.Duration | int64 | bool](fs ...Figure[T]) Figure[T] {
	for _, f := range fs {
		if f.known {
			return f
		}
	}
	if len(fs) == 0 {
		return Unknown[T](NotGiven)
	}
	return Unknown[T](fs[0].Reason())
}
