package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
)

// report is one evaluation to print.
type report struct {
	n, count int // evaluation n of count (0: unbounded)
	snap     backlog.Snapshot
	health   []backlog.PartitionHealth
}

// unknowns counts, per column and reason, the figures printed "?".
type unknowns map[string]int

func (u unknowns) add(column string, r backlog.Reason) string {
	u[fmt.Sprintf("%s: %s", column, r)]++
	return "?"
}

// printReport writes the table, the totals, and what the table's "?" and
// non-OK statuses mean.
func printReport(w io.Writer, r report) {
	of := ""
	if r.count > 0 {
		of = fmt.Sprintf("/%d", r.count)
	}
	fmt.Fprintf(w, "\nevaluation %d%s of group %q at %s\n", r.n, of, r.snap.Group, r.snap.Time.Format("15:04:05.000"))
	status := map[backlog.Key]backlog.PartitionHealth{}
	for _, h := range r.health {
		status[h.Key] = h
	}
	u := unknowns{}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PARTITION\tEND\tCOMMITTED\tRECORDS\tTIME LAG\t HEALTH\t")
	for _, p := range r.snap.Partitions {
		committed := "none"
		if !p.NoCommit {
			committed = count(u, "committed", p.Offsets.Committed)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t %s\t\n", p.Key, count(u, "end", p.Offsets.End), committed,
			count(u, "records", p.Records), duration(u, "time lag", p.TimeLag), status[p.Key].Status)
	}
	t := r.snap.Totals()
	fmt.Fprintf(tw, "total\t\t\t%s\t%s\t %s\t\n", count(u, "total records", t.Records), duration(u, "max time lag", t.TimeLag), worst(r.health))
	_ = tw.Flush()
	printTotals(w, t, r.health)
	printNotes(w, r.snap, u, r.health)
}

func count(u unknowns, column string, f backlog.Figure[int64]) string {
	if v, ok := f.Value(); ok {
		return fmt.Sprint(v)
	}
	return u.add(column, f.Reason())
}

func duration(u unknowns, column string, f backlog.Figure[time.Duration]) string {
	if v, ok := f.Value(); ok {
		return v.Round(time.Millisecond).String()
	}
	return u.add(column, f.Reason())
}

// printTotals writes one line of totals and the health counts.
func printTotals(w io.Writer, t backlog.Totals, health []backlog.PartitionHealth) {
	records := t.Records.String()
	if !t.Records.Known() {
		records = fmt.Sprintf("at least %d (%s)", t.KnownRecords, t.Records)
	}
	timeLag := t.TimeLag.String()
	if v, ok := t.TimeLag.Value(); ok {
		timeLag = v.Round(time.Millisecond).String()
	}
	fmt.Fprintf(w, "totals: %d partitions, %s records behind, max time lag %s", t.Partitions, records, timeLag)
	if t.NoCommit > 0 {
		fmt.Fprintf(w, ", %d without a commit", t.NoCommit)
	}
	fmt.Fprintf(w, "\nhealth: %s\n", healthCounts(health))
}

// healthCounts renders "STOP 1, WARN 1, OK 8", most severe first.
func healthCounts(health []backlog.PartitionHealth) string {
	n := map[backlog.Status]int{}
	for _, h := range health {
		n[h.Status]++
	}
	var parts []string
	for _, s := range slices.Backward(slices.Sorted(maps.Keys(n))) {
		parts = append(parts, fmt.Sprintf("%s %d", s, n[s]))
	}
	if len(parts) == 0 {
		return "no partitions"
	}
	return strings.Join(parts, ", ")
}

// worst is the most severe known status ("UNKNOWN" when none is known).
func worst(health []backlog.PartitionHealth) string {
	w := backlog.StatusUnknown
	for _, h := range health {
		w = max(w, h.Status)
	}
	return "worst " + w.String()
}

// printNotes explains what could not be read and why partitions are not OK.
func printNotes(w io.Writer, snap backlog.Snapshot, u unknowns, health []backlog.PartitionHealth) {
	for _, k := range slices.Sorted(maps.Keys(u)) {
		fmt.Fprintf(w, "  ? %s (%d)\n", k, u[k])
	}
	for _, p := range snap.Partitions {
		if p.Detail != "" {
			fmt.Fprintf(w, "  %s: %s\n", p.Key, p.Detail)
		}
	}
	for _, h := range health {
		if h.Status > backlog.StatusOK {
			fmt.Fprintf(w, "  %s %s: %s\n", h.Key, h.Status, h.Detail)
		}
	}
	for _, e := range snap.Errors {
		fmt.Fprintf(w, "  error: %v\n", e)
	}
	for _, n := range snap.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}
