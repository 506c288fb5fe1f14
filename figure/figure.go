// Package figure is the module's one way to say "a value, or why there is
// none": a Figure is either known, or unknown with a Reason, and an unknown
// figure is never stood in for by 0 or -1.
//
// backlog.Figure, checkpointing.Figure and adaptivetimeout.Figure are
// aliases of Figure (each narrowed to the kinds of value its package
// reports), and their Reason types are aliases of Reason, so a figure or a
// reason passes from one package to another without conversion and with
// its reason intact. Each of those packages keeps its own reason constants;
// this package declares only NotGiven, the reason of the zero Figure.
//
// The package imports only the standard library.
package figure

import (
	"encoding/json"
	"fmt"
)

// Reason says why a figure is unknown, in words a person can read in a log
// or a report ("partition has no leader"). The packages that produce
// figures declare the reasons they use; a caller may add its own.
type Reason string

// NotGiven is the reason of an unknown figure that was given no reason,
// above all the zero Figure: nobody supplied the figure.
const NotGiven Reason = "not given"

// Figure is a value of type T (a count, a duration, a yes/no fact) that is
// either known, or unknown with a Reason. A known zero is a measurement
// like any other; an unknown figure has no value, and Value reports
// ok = false so that a caller cannot take it for 0.
//
// Build figures with Known and Unknown. The zero Figure is unknown with
// reason NotGiven, as is a figure built with an empty reason: an unknown
// figure always has a reason, and Reason is "" exactly when the figure is
// known. A Figure is a plain value, comparable when T is.
type Figure[T any] struct {
	v      T
	reason Reason
	known  bool
}

// Known returns a known figure of value v.
func Known[T any](v T) Figure[T] { return Figure[T]{v: v, known: true} }

// Unknown returns an unknown figure with reason r (NotGiven when r is "").
func Unknown[T any](r Reason) Figure[T] {
	if r == NotGiven {
		r = "" // one representation, so that Unknown(NotGiven) == Figure{}
	}
	return Figure[T]{reason: r}
}

// Value returns the figure's value and whether it is known. The value of
// an unknown figure is T's zero value and must not be used.
func (f Figure[T]) Value() (v T, ok bool) { return f.v, f.known }

// Known reports whether the figure is known.
func (f Figure[T]) Known() bool { return f.known }

// Reason returns why the figure is unknown: "" when it is known, NotGiven
// when it was given no reason.
func (f Figure[T]) Reason() Reason {
	switch {
	case f.known:
		return ""
	case f.reason == "":
		return NotGiven
	}
	return f.reason
}

// String renders a known figure as fmt.Sprint renders its value ("180",
// "25s", "true") and an unknown one as "unknown (reason)".
func (f Figure[T]) String() string {
	if f.known {
		return fmt.Sprint(f.v)
	}
	return fmt.Sprintf("unknown (%s)", f.Reason())
}

// wire is a Figure in JSON: {"value": v} or {"unknown": "reason"}.
type wire[T any] struct {
	Value   *T     `json:"value,omitempty"`
	Unknown Reason `json:"unknown,omitempty"`
}

// MarshalJSON writes a known figure as {"value": v} (v as encoding/json
// writes a T: a duration in nanoseconds) and an unknown one as
// {"unknown": "reason"}, the reason never empty. It fails only for a value
// encoding/json cannot write (a NaN or infinite float).
func (f Figure[T]) MarshalJSON() ([]byte, error) {
	if f.known {
		v := f.v
		return json.Marshal(wire[T]{Value: &v})
	}
	return json.Marshal(wire[T]{Unknown: f.Reason()})
}

// UnmarshalJSON reads what MarshalJSON writes. An object with a "value"
// is known (whatever else it holds); one without is unknown with its
// "unknown" reason, or NotGiven when that is missing or empty, and so is
// null.
func (f *Figure[T]) UnmarshalJSON(b []byte) error {
	var w wire[T]
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
