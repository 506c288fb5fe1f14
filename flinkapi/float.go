package flinkapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Float is a floating-point figure from Flink. Flink's JSON writer (Jackson)
// sends non-finite doubles as the strings "NaN", "Infinity" and "-Infinity"
// (a source vertex's accumulated-busy-time is "NaN"), so Float accepts a
// JSON number or one of those strings. NaN also stands for "not reported".
// Check Valid before doing arithmetic with it.
type Float float64

// NaN is the Float that means "unknown".
var nanFloat = Float(math.NaN())

// Valid reports whether f is a finite number.
func (f Float) Valid() bool {
	return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0)
}

// UnmarshalJSON accepts a number, null (NaN), or "NaN", "Infinity",
// "-Infinity" as Jackson writes them.
func (f *Float) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = nanFloat
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*f = nanFloat
		case "Infinity":
			*f = Float(math.Inf(1))
		case "-Infinity":
			*f = Float(math.Inf(-1))
		default:
			return fmt.Errorf("flinkapi: %q is not a number", s)
		}
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("flinkapi: %s is not a number", b)
	}
	*f = Float(v)
	return nil
}

// MarshalJSON writes f the way Flink does: a number, or a string for the
// non-finite values.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}
