package adaptivetimeout

import (
	"encoding/json"
	"fmt"
	"time"
)

// Reason says why a figure is unknown. The constants are the reasons this
// package and its Sources produce; a Source may add its own, and a reason
// from another package (a backlog.Reason) converts intact: Reason(r).
type Reason string

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

// Figure is a figure that is either known, or unknown with a reason: the
// module's convention, the same as backlog.Figure's (a type of this
// package's own so that it keeps importing only the standard library).
// The zero Figure is unknown with an empty reason; build figures with
// Known and Unknown. Unknown is never 0 or -1: Value reports ok = false,
// and a policy must not take it for a number. It is a plain value.
type Figure[T int64 | time.Duration] struct {
	v      T
	reason Reason
	known  bool
}

// Known returns a known figure.
func Known[T int64 | time.Duration](v T) Figure[T] { return Figure[T]{v: v, known: true} }

// Unknown returns an unknown figure with its reason.
func Unknown[T int64 | time.Duration](r Reason) Figure[T] { return Figure[T]{reason: r} }

// Value returns the figure and whether it is known.
func (f Figure[T]) Value() (T, bool) { return f.v, f.known }

// Known reports whether the figure is known.
func (f Figure[T]) Known() bool { return f.known }

// Reason returns why the figure is unknown ("" when it is known).
func (f Figure[T]) Reason() Reason {
	if f.known {
		return ""
	}
	return f.reason
}

// String renders "123" (a duration as "1.5ms") or "unknown (reason)".
func (f Figure[T]) String() string {
	switch {
	case f.known:
		return fmt.Sprint(f.v)
	case f.reason == "":
		return "unknown"
	}
	return fmt.Sprintf("unknown (%s)", f.reason)
}

// figureJSON is a Figure on the wire: {"value": n} or {"unknown": "reason"}.
type figureJSON[T int64 | time.Duration] struct {
	Value   *T     `json:"value,omitempty"`
	Unknown Reason `json:"unknown,omitempty"`
}

// MarshalJSON writes {"value": n} (a duration in nanoseconds) or
// {"unknown": "reason"}, as backlog.Figure does.
func (f Figure[T]) MarshalJSON() ([]byte, error) {
	if f.known {
		v := f.v
		return json.Marshal(figureJSON[T]{Value: &v})
	}
	r := f.reason
	if r == "" {
		r = "unknown"
	}
	return json.Marshal(figureJSON[T]{Unknown: r})
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

// positive returns the figure when it is known and above 0.
func (f Figure[T]) positive() (T, bool) { return f.v, f.known && f.v > 0 }
