package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteSummary writes s as a human block of about a dozen lines: rescales,
// time over the lag SLO (also in production time when TimeScale > 1),
// slot-seconds, peak slots, max lag, the record accounting, the placement
// comparison, the checkpoint findings, the drain's outcome with its
// savepoint, and whether the run was interrupted. It returns the first
// write error.
func WriteSummary(w io.Writer, s Summary) error {
	var b bytes.Buffer
	scale := s.TimeScale
	if scale <= 0 {
		scale = 1
	}
	job := ""
	if s.Job != "" {
		job = fmt.Sprintf(" of job %q", s.Job)
	}
	mode := ""
	if s.Mode != "" {
		mode = ", " + s.Mode + " mode"
	}
	wall := ""
	if s.Wall > 0 && (s.Wall-s.Duration > s.Duration/20 || s.Duration-s.Wall > s.Duration/20) {
		wall = fmt.Sprintf(" (%s of wall time on this machine)", secs(s.Wall))
	}
	fmt.Fprintf(&b, "Summary%s%s: ran %s%s%s, %d ticks\n", job, mode, secs(s.Duration), atScale(s.Duration, scale), wall, s.Ticks)
	row := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "  %-14s %s\n", label, fmt.Sprintf(format, args...))
	}
	if s.WouldRescale > 0 {
		row("rescales", "%d; would have rescaled %d times (dry run: nothing was changed)", s.Rescales, s.WouldRescale)
	} else {
		row("rescales", "%d", s.Rescales)
	}
	switch {
	case s.SLO <= 0:
		row("over SLO", "no lag SLO set")
	case !s.LagKnown():
		row("over SLO", "unknown: the lag was never measured%s", because(s.LagUnknownReason))
	default:
		pct := 0.0
		if s.Duration > 0 {
			pct = 100 * s.SLOViolation.Seconds() / s.Duration.Seconds()
		}
		row("over SLO", "%s%s, %.0f%% of the run, with lag above %s%s",
			secs(s.SLOViolation), atScale(s.SLOViolation, scale), pct, secs(s.SLO), atScale(s.SLO, scale))
	}
	row("slot-seconds", "%.1f (peak %d slots)", s.SlotSeconds, s.PeakSlots)
	if s.LagKnown() {
		row("max lag", "%s%s", secs(s.MaxLag), atScale(s.MaxLag, scale))
		if s.LagUnknownTicks > 0 {
			row("lag unknown", "at %d of %d ticks%s: over SLO and max lag count the others", s.LagUnknownTicks, s.Ticks, because(s.LagUnknownReason))
		}
	} else {
		row("max lag", "unknown: the lag was never measured%s", because(s.LagUnknownReason))
	}
	row("records", "%s", recordsText(s.Records, s.Mode))
	writePlacement(&b, s.Placement)
	if len(s.Findings) == 0 {
		row("findings", "none")
	} else {
		row("findings", "%d", len(s.Findings))
		for _, f := range s.Findings {
			fmt.Fprintf(&b, "    - %s\n", oneLine(f))
		}
	}
	row("drain", "%s", drainText(s.Drain))
	if s.Interrupted {
		sig := oneLine(s.Signal)
		if sig == "" {
			sig = "a signal"
		}
		row("interrupted", "yes, by %s", sig)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// because renders a reason as " (reason)", cut to 80 runes, or nothing.
func because(reason string) string {
	if reason = oneLine(reason); reason == "" {
		return ""
	}
	return " (" + truncate(reason, 80) + ")"
}

// secs renders d in seconds with one decimal: "8.0 s".
func secs(d time.Duration) string {
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// atScale renders d in production time, " (≈ 4 min at 30x)", or nothing
// when scale is 1 or less or d is zero.
func atScale(d time.Duration, scale float64) string {
	if scale <= 1 || d <= 0 {
		return ""
	}
	return fmt.Sprintf(" (≈ %s at %sx)", approx(d.Seconds()*scale), strconv.FormatFloat(scale, 'f', -1, 64))
}

// approx renders a number of seconds roughly: "45 s", "4 min", "2.5 h".
func approx(sec float64) string {
	switch {
	case sec < 90:
		return fmt.Sprintf("%.0f s", sec)
	case sec < 90*60:
		return fmt.Sprintf("%.0f min", sec/60)
	default:
		return fmt.Sprintf("%.1f h", sec/3600)
	}
}

// recordsText is the records row.
func recordsText(r Records, mode string) string {
	if !r.Known {
		if mode != "" {
			return "not measured in " + mode + " mode"
		}
		return "not measured"
	}
	s := fmt.Sprintf("produced %s, processed %s, replayed %s, lost %s, left in Kafka %s",
		group(r.Produced), group(r.Processed), group(r.Replayed), group(r.Lost), group(r.LeftInKafka))
	if r.InKafka != r.Produced {
		s += fmt.Sprintf(" (Kafka holds %s)", group(r.InKafka))
	}
	return s
}

// group writes n with thousands separators: 1234567 -> "1,234,567".
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// writePlacement writes the placement comparison table.
func writePlacement(b *bytes.Buffer, ps []Placement) {
	if len(ps) == 0 {
		fmt.Fprintf(b, "  %-14s %s\n", "placement", "not computed")
		return
	}
	fmt.Fprintf(b, "  %-14s %s\n", "placement", "allocators on the final parallelism:")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "    allocator\tTMs\ttasks\tmax/TM\tspread\timbalance\tmoved")
	for _, p := range ps {
		fmt.Fprintf(tw, "    %s\t%d\t%d\t%d\t%d\t%.2f\t%d\n",
			oneLine(p.Allocator), p.TaskManagers, p.Tasks, p.MaxTasks, p.Spread, p.Imbalance, p.Moved)
	}
	_ = tw.Flush() // writes to a bytes.Buffer, which does not fail
}

// drainText is the drain row.
func drainText(d Drain) string {
	if !d.Attempted {
		if d.Reason != "" {
			return "not attempted: " + oneLine(d.Reason)
		}
		return "not attempted"
	}
	state := oneLine(d.State)
	if state == "" {
		state = "attempted"
	}
	took := ""
	if d.Took > 0 {
		took = fmt.Sprintf(" (took %s)", secs(d.Took))
	}
	if d.Savepoint != "" {
		return fmt.Sprintf("%s, savepoint at %s%s", state, oneLine(d.Savepoint), took)
	}
	why := ""
	if d.Reason != "" {
		why = ": " + oneLine(d.Reason)
	}
	return fmt.Sprintf("%s, no savepoint%s%s", state, why, took)
}
