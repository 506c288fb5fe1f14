package autoscale_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/flinkscale/flinkscale/autoscale"
)

// A Value is there, or missing with the reason it was given; NaN and
// infinities are missing for being not finite; NonNegative makes a
// negative figure missing and says so.
func TestValue(t *testing.T) {
	tests := []struct {
		name   string
		x      autoscale.Value
		valid  bool
		reason string
		str    string
	}{
		{"a figure", autoscale.Of(2.5), true, "", "2.5"},
		{"zero", autoscale.Of(0), true, "", "0"},
		{"negative, as given", autoscale.Of(-1), true, "", "-1"},
		{"NaN", autoscale.Of(math.NaN()), false, "not finite (NaN)", "missing (not finite (NaN))"},
		{"+Inf", autoscale.Of(math.Inf(1)), false, "not finite (+Inf)", "missing (not finite (+Inf))"},
		{"-Inf", autoscale.Of(math.Inf(-1)), false, "not finite (-Inf)", "missing (not finite (-Inf))"},
		{"Missing", autoscale.Missing, false, "", "missing"},
		{"zero Value", autoscale.Value{}, false, "", "missing"},
		{"with a reason", autoscale.MissingBecause("metric not reported"), false, "metric not reported", "missing (metric not reported)"},
		{"NonNegative of a negative", autoscale.Of(-0.5).NonNegative(), false, "negative (-0.5)", "missing (negative (-0.5))"},
		{"NonNegative of a figure", autoscale.Of(3).NonNegative(), true, "", "3"},
		{"NonNegative of a missing one", autoscale.MissingBecause("fetch failed").NonNegative(), false, "fetch failed", "missing (fetch failed)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := tt.x.Get()
			if ok != tt.valid || tt.x.Valid() != tt.valid || tt.x.Reason() != tt.reason || tt.x.String() != tt.str {
				t.Errorf("Get = %v, %t; Valid %t; Reason %q; String %q; want valid %t, reason %q, %q",
					v, ok, tt.x.Valid(), tt.x.Reason(), tt.x.String(), tt.valid, tt.reason, tt.str)
			}
			if want := map[bool]float64{true: v, false: 7}[tt.valid]; tt.x.Or(7) != want {
				t.Errorf("Or(7) = %v, want %v", tt.x.Or(7), want)
			}
		})
	}
}

// Of keeps every finite number and makes the others missing with a
// reason; NonNegative keeps what is not negative and makes the rest
// missing with a reason; neither invents a figure.
func FuzzValue(f *testing.F) {
	for _, x := range []float64{0, -1, 2.5, math.NaN(), math.Inf(1), math.Inf(-1), -math.MaxFloat64, math.Copysign(0, -1)} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		v := autoscale.Of(x)
		finite := !math.IsNaN(x) && !math.IsInf(x, 0)
		if got, ok := v.Get(); ok != finite || (ok && got != x) || (v.Reason() == "") != finite {
			t.Fatalf("Of(%v) = %v (%v, %t), reason %q", x, v, got, ok, v.Reason())
		}
		n := v.NonNegative()
		if got, ok := n.Get(); ok != (finite && x >= 0) || (ok && got != x) || (n.Reason() == "") != ok {
			t.Fatalf("Of(%v).NonNegative() = %v, reason %q", x, n, n.Reason())
		}
	})
}

func ExampleMissingBecause() {
	backlog := autoscale.MissingBecause("metric not reported")
	fmt.Println(backlog, backlog.Valid(), backlog.Reason())
	fmt.Println(autoscale.Of(-3).NonNegative())
	// Output:
	// missing (metric not reported) false metric not reported
	// missing (negative (-3))
}
