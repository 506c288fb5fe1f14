package report

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxStatusLine is the most characters (runes) StatusLine returns: the
// decision's reason is cut to fit, and a line with too many pipelines to
// fit is cut too, ending in "...".
const MaxStatusLine = 200

// maxNameWidth caps the column of pipeline names in a status line.
const maxNameWidth = 12

// StatusLine renders one tick on one line of fixed-width columns, e.g.
//
//	t=  12.0s  hot  in 2.9k/s out 1.2k/s backlog 15.2k (lag  3.1s) p=4  | cold in  160/s out  160/s backlog     0 (lag  0.0s) p=1  | slots 5 | scale: hot Source 4->10 (cannot keep up)
//
// Numbers are humanised (see Humanize); a figure that was not measured
// prints "?", and a pipeline that is not running shows "restarting" in place
// of its rates. The line holds at most MaxStatusLine runes and no control
// characters.
func StatusLine(s Sample) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t=%6.1fs ", s.Elapsed.Seconds())
	width := 0
	for _, p := range s.Pipelines {
		width = max(width, min(utf8.RuneCountInString(p.Name), maxNameWidth))
	}
	for i, p := range s.Pipelines {
		if i > 0 {
			b.WriteString(" |")
		}
		b.WriteString(" ")
		b.WriteString(pipelineColumns(p, width))
	}
	fmt.Fprintf(&b, " | slots %d", s.Slots)
	line := b.String()
	if d := decisionText(s); d != "" {
		line += " | " + d
	}
	return truncate(line, MaxStatusLine)
}

// pipelineColumns renders one pipeline's columns, its name padded to width.
func pipelineColumns(p PipelineSample, width int) string {
	name := truncate(oneLine(p.Name), width)
	name += strings.Repeat(" ", max(0, width-utf8.RuneCountInString(name)))
	rates := fmt.Sprintf("in %5s/s out %5s/s", Humanize(p.InRate), Humanize(p.OutRate))
	if !p.Running {
		rates = fmt.Sprintf("%-*s", len(rates), "restarting")
	}
	backlog, lag := "?", "?"
	if p.BacklogKnown {
		backlog = Humanize(p.Backlog)
	}
	if p.LagKnown {
		lag = FormatDuration(p.Lag)
	}
	return fmt.Sprintf("%s %s backlog %5s (lag %6s) p=%-2d", name, rates, backlog, lag, p.Parallelism)
}

// decisionText is the decision column: "keep: reason", "scale: reason",
// "scale (not applied): reason" or "error: err".
func decisionText(s Sample) string {
	d, reason := oneLine(s.Decision), oneLine(s.Reason)
	if s.Err != "" || d == DecisionError {
		msg := oneLine(s.Err)
		switch {
		case msg == "":
			msg = reason
		case reason != "":
			msg += "; " + reason
		}
		return strings.TrimSuffix("error: "+msg, ": ")
	}
	if d == "" && reason == "" {
		return ""
	}
	if d == DecisionScale && !s.Applied {
		d += " (not applied)"
	}
	if reason == "" {
		return d
	}
	if d == "" {
		return reason
	}
	return d + ": " + reason
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
