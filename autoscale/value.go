package autoscale

import (
	"math"
	"strconv"
)

// Value is a measured figure that may be missing. A Value built from a
// NaN or infinite number is missing too: no policy may act on it. The zero
// Value is missing.
type Value struct {
	v  float64
	ok bool
}

// Of returns a Value holding x, missing when x is NaN or infinite.
func Of(x float64) Value {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return Value{}
	}
	return Value{v: x, ok: true}
}

// Missing is the missing Value.
var Missing = Value{}

// Get returns the figure and whether it is there.
func (x Value) Get() (float64, bool) { return x.v, x.ok }

// Valid reports whether the figure is there.
func (x Value) Valid() bool { return x.ok }

// Or returns the figure, or def when it is missing.
func (x Value) Or(def float64) float64 {
	if !x.ok {
		return def
	}
	return x.v
}

// String renders the figure, or "missing".
func (x Value) String() string {
	if !x.ok {
		return "missing"
	}
	return strconv.FormatFloat(x.v, 'g', 6, 64)
}
