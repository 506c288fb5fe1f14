package report

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxStatusLine is the most characters (runes) a line of StatusLines or
// StatusHeader holds: what does not fit is cut, ending in "...".
const MaxStatusLine = 120

// Column widths of a status line.
const (
	timeWidth = 7
	// pipeWidth is one pipeline's columns: in, out, backlog, lag, p.
	pipeWidth = 5 + 1 + 5 + 1 + 7 + 1 + 6 + 1 + 3
	sep       = " | "
	// detailIndent starts a status line's second line.
	detailIndent = "        "
)

// StatusHeader returns the two header lines over the status lines of
// samples with these pipelines, e.g.
//
//	  | hot                            | cold                           |
//	t |  in/s out/s backlog    lag   p |  in/s out/s backlog    lag   p | slots | decision
func StatusHeader(pipelines []string) []string {
	var top, cols strings.Builder
	top.WriteString(strings.Repeat(" ", timeWidth))
	fmt.Fprintf(&cols, "%*s", timeWidth, "t")
	for _, name := range pipelines {
		top.WriteString(sep)
		n := truncate(oneLine(name), pipeWidth)
		top.WriteString(n + strings.Repeat(" ", pipeWidth-utf8.RuneCountInString(n)))
		cols.WriteString(sep)
		fmt.Fprintf(&cols, "%5s %5s %7s %6s %3s", "in/s", "out/s", "backlog", "lag", "p")
	}
	top.WriteString(strings.TrimRight(sep, " "))
	cols.WriteString(sep + "slots" + sep + "decision")
	return []string{truncate(top.String(), MaxStatusLine), truncate(cols.String(), MaxStatusLine)}
}

// StatusLines renders one tick under StatusHeader: one line of figures
// and the decision, e.g.
//
//	16.6s |  2.4k   982    2.1k   1.5s   4 |   122   122       0   1.0s   1 |     5 | rescaled (5 -> 14 slots)
//
// and, unless the decision is a quiet keep, a second, indented line with
// what it changes and why. Numbers are humanised (see Humanize); a figure
// that was not measured prints "?", and a job that is not running shows
// its state in place of its rates. Each line holds at most MaxStatusLine
// runes and no control characters.
func StatusLines(s Sample) []string {
	var b strings.Builder
	fmt.Fprintf(&b, "%*s", timeWidth, FormatDuration(s.Elapsed))
	for _, p := range s.Pipelines {
		b.WriteString(sep)
		b.WriteString(pipelineColumns(p, s.State))
	}
	fmt.Fprintf(&b, "%s%5d%s%s", sep, s.Slots, sep, decisionWord(s))
	lines := []string{truncate(b.String(), MaxStatusLine)}
	if d := detail(s); d != "" {
		lines = append(lines, truncate(detailIndent+d, MaxStatusLine))
	}
	return lines
}

// pipelineColumns renders one pipeline's columns.
func pipelineColumns(p PipelineSample, state string) string {
	in, out := "?", "?"
	if p.RatesKnown {
		in, out = Humanize(p.InRate), Humanize(p.OutRate)
	}
	rates := fmt.Sprintf("%5s %5s", in, out)
	if !p.Running {
		st := strings.ToLower(oneLine(state))
		if st == "" || st == "running" {
			st = "restarting"
		}
		rates = fmt.Sprintf("%-11s", truncate(st, 11))
	}
	backlog, lag := "?", "?"
	if p.BacklogKnown {
		backlog = Humanize(p.Backlog)
	}
	if p.LagKnown {
		lag = FormatDuration(p.Lag)
	}
	return fmt.Sprintf("%s %7s %6s %3d", rates, backlog, lag, p.Parallelism)
}

// decisionWord is the decision column: "keep", "rescaled (5 -> 14
// slots)", "would rescale (5 -> 14 slots)" in a dry run (never
// "rescaled"), or "error".
func decisionWord(s Sample) string {
	slots := ""
	if s.SlotsBefore > 0 || s.SlotsAfter > 0 {
		slots = fmt.Sprintf(" (%d -> %d slots)", s.SlotsBefore, s.SlotsAfter)
	}
	switch {
	case s.Err != "" || s.Decision == DecisionError:
		return "error"
	case s.Decision == DecisionRefused:
		return "refused" + slots
	case s.Rescaled():
		return "rescaled" + slots
	case s.WouldRescale():
		return "would rescale" + slots
	case s.Decision == DecisionScale:
		return "not rescaled" + slots
	}
	return truncate(oneLine(s.Decision), 40)
}

// detail is the second line: the error, or what a scale decision changes
// and why, or a keep's reason unless it is quiet.
func detail(s Sample) string {
	reason := oneLine(s.Reason)
	switch {
	case s.Err != "" || s.Decision == DecisionError:
		if err := oneLine(s.Err); err != "" {
			return err
		}
		return reason
	case s.Decision == DecisionScale || s.Decision == DecisionRefused:
		ch := oneLine(s.Changes)
		if ch != "" && reason != "" {
			return ch + ": " + reason
		}
		return ch + reason
	case s.Quiet:
		return ""
	}
	return reason
}

// oneLine replaces control characters (newlines, tabs) with spaces and
// trims the result.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// truncate cuts s to at most n runes, ending in "..." when it cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 3 {
		return string([]rune(s)[:n])
	}
	return strings.TrimRight(string([]rune(s)[:n-3]), " ") + "..."
}

// Humanize renders x with at most three significant digits and a metric
// suffix: 950 -> "950", 1234 -> "1.2k", 15234 -> "15.2k", 152340 -> "152k",
// 1.3e6 -> "1.3M"; suffixes go up to "T" (tera). Values below 10 that are
// not whole keep one decimal ("2.5"); NaN prints "?" and infinities "inf"
// and "-inf".
func Humanize(x float64) string {
	switch {
	case math.IsNaN(x):
		return "?"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case x < 0:
		if h := Humanize(-x); h != "0" {
			return "-" + h
		}
		return "0"
	}
	if x < 999.5 {
		if x < 9.95 && x != math.Trunc(x) {
			if s := fmt.Sprintf("%.1f", x); s != "0.0" {
				return strings.TrimSuffix(s, ".0")
			}
			return "0"
		}
		return fmt.Sprintf("%.0f", x)
	}
	units := []string{"k", "M", "G", "T"}
	v, i := x/1000, 0
	for v >= 999.5 && i < len(units)-1 {
		v, i = v/1000, i+1
	}
	if v < 99.95 {
		return fmt.Sprintf("%.1f%s", v, units[i])
	}
	return fmt.Sprintf("%.0f%s", v, units[i])
}

// FormatDuration renders a duration compactly for status lines and
// summaries: "0.0s", "3.1s", "59.9s", "4m05s", "2h03m". Negative durations
// print "-" before the magnitude.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + FormatDuration(-d)
	}
	if s := d.Seconds(); s < 59.95 {
		return fmt.Sprintf("%.1fs", s)
	}
	if d < time.Hour-time.Second/2 {
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
