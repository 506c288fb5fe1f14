package autoscale

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Helpers shared by the policies (Default, OperatorCompatible): how they
// read an Observation's figures and render them in their reasons.

// nan returns the figure, or NaN when it is missing or negative
// (Value.NonNegative). Both policies read figures only through it.
func nan(x Value) float64 {
	if f, ok := x.NonNegative().Get(); ok {
		return f
	}
	return math.NaN()
}

// because renders why a figure nan reads as NaN is missing (its reason,
// or "negative (x)") as a parenthetical, " (reason)", or "" when it gives
// no reason or is there.
func because(x Value) string {
	if why := x.NonNegative().Reason(); why != "" {
		return " (" + why + ")"
	}
	return ""
}

// named renders a missing figure's name with why it is missing, when it
// says: "backlog (metric not reported)".
func named(name string, x Value) string { return name + because(x) }

// num renders a figure for a reason: "missing" for NaN, "unbounded" for
// +Inf, whole numbers with thousands separators from 100 up, else three
// significant digits.
func num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "missing"
	case math.IsInf(x, 1):
		return "unbounded"
	case math.IsInf(x, -1):
		return "-unbounded"
	case math.Abs(x) < 100:
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	digits := strconv.FormatFloat(math.Abs(math.Round(x)), 'f', 0, 64)
	var b strings.Builder
	if x < 0 {
		b.WriteByte('-')
	}
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// hms renders a time of day for a reason.
func hms(t time.Time) string { return t.UTC().Format("15:04:05") }

// keyedInput reports whether a keyBy edge enters vertex id.
func keyedInput(obs Observation, id string) bool {
	for _, e := range obs.Inputs(id) {
		if e.Keyed {
			return true
		}
	}
	return false
}

// missingFigures says which of the figures a policy needs of a vertex
// are missing now (records in, busy time and, for a source, backlog), and
// why when their Values say; "" when none is.
func missingFigures(v Vertex) string {
	var miss []string
	if math.IsNaN(nan(v.RecordsIn)) {
		miss = append(miss, named("records in", v.RecordsIn))
	}
	if math.IsNaN(nan(v.Busy)) {
		miss = append(miss, named("busy time", v.Busy))
	}
	if v.Source != nil && math.IsNaN(nan(v.Source.Backlog)) {
		miss = append(miss, named("backlog", v.Source.Backlog))
	}
	if len(miss) == 0 {
		return ""
	}
	return fmt.Sprintf("its %s %s missing", joinAnd(miss), map[bool]string{true: "is", false: "are"}[len(miss) == 1])
}

// joinAnd joins words as a list in a sentence.
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
