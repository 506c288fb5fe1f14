package autoscale

import (
	"math"
	"strconv"
)

// Value is a measured figure that may be missing, and then says why, on
// the model of backlog.Figure: an Observer that cannot read a figure
// returns MissingBecause(reason), and the reason reaches the policies'
// explanations intact. A Value built from a NaN or infinite number is
// missing too: no policy may act on it. The zero Value (Missing) is
// missing without a reason.
type Value struct {
	v      float64
	ok     bool
	reason string
}

// Of returns a Value holding x; missing, with the reason "not finite
// (NaN)" (or "(+Inf)", "(-Inf)"), when x is NaN or infinite.
func Of(x float64) Value {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return MissingBecause("not finite (" + strconv.FormatFloat(x, 'g', -1, 64) + ")")
	}
	return Value{v: x, ok: true}
}

// Missing is the missing Value without a reason. Prefer MissingBecause:
// unknown is a value with a reason.
var Missing = Value{}

// MissingBecause returns a missing Value that says why it is missing, for
// example a backlog.Figure's reason ("metric not reported") or the error
// of the call that failed.
func MissingBecause(reason string) Value { return Value{reason: reason} }

// Get returns the figure and whether it is there.
func (x Value) Get() (float64, bool) { return x.v, x.ok }

// Valid reports whether the figure is there.
func (x Value) Valid() bool { return x.ok }

// Reason says why the figure is missing: the reason it was given; "" when
// it is there, or missing without a reason.
func (x Value) Reason() string {
	if x.ok {
		return ""
	}
	return x.reason
}

// NonNegative returns x, or, when x is a negative figure, a missing Value
// with the reason "negative (x)". No figure of an Observation can be
// negative (each is a count, a fraction, a backlog or an age), so a policy
// reads every figure through NonNegative: a negative one counts as missing
// for that reason, the same as a figure missing for it.
func (x Value) NonNegative() Value {
	if x.ok && x.v < 0 {
		return MissingBecause("negative (" + strconv.FormatFloat(x.v, 'g', 6, 64) + ")")
	}
	return x
}

// Or returns the figure, or def when it is missing.
func (x Value) Or(def float64) float64 {
	if !x.ok {
		return def
	}
	return x.v
}

// String renders the figure, or "missing", or "missing (reason)".
func (x Value) String() string {
	switch {
	case x.ok:
		return strconv.FormatFloat(x.v, 'g', 6, 64)
	case x.reason != "":
		return "missing (" + x.reason + ")"
	}
	return "missing"
}
