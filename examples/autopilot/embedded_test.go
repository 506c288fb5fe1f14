package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// The main job, end to end on embedded Kafka and Flink, on a short run:
// the spike raises the backlog, the controller scales the hot pipeline up
// (and never before the spike, in steady traffic), the lag comes back
// below the SLO and stays there through the scale-down, the drain
// confirms a savepoint, and every record produced was processed, none
// lost, none left.
func TestEmbeddedEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo for 20 s")
	}
	const duration = 20 * time.Second
	root := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-duration", duration.String(), "-out", root}, &stdout, &stderr, nil)
	dir := runDir(t, root)
	logOnFailure(t, &stdout, dir)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	ticks := readTicks(t, dir)
	sum := readSummary(t, dir)
	t.Logf("summary: %+v", sum)

	// The backlog rises with the spike: its peak comes after the spike
	// begins, and before that it stays well below the peak.
	spikeFrom, _ := trace{d: duration}.spike()
	var peak, before float64
	var peakAt time.Duration
	for _, s := range ticks {
		p, ok := hot(s)
		switch {
		case !ok || !p.BacklogKnown:
		case s.Elapsed < spikeFrom:
			before = max(before, p.Backlog)
		case p.Backlog > peak:
			peak, peakAt = p.Backlog, s.Elapsed
		}
	}
	if peak < 1000 || before >= peak/2 {
		t.Errorf("hot backlog peaked at %.0f records at %s, %.0f before the spike began at %s; want a rise with the spike",
			peak, peakAt, before, spikeFrom)
	}
	// The controller scales the hot pipeline up, and not before the spike;
	// after a scale-down, the lag stays within the SLO.
	scaledUp, down := false, false
	for i, s := range ticks {
		if s.WouldRescale() {
			t.Errorf("a dry-run decision in the embedded run: %+v", s)
		}
		if !s.Rescaled() || i+1 >= len(ticks) {
			if p, ok := hot(s); down && ok && p.LagKnown && p.Lag > sum.SLO {
				t.Errorf("at %s, after a scale-down, hot lags %s, over the %s SLO", s.Elapsed, p.Lag, sum.SLO)
			}
			continue
		}
		if s.Elapsed < spikeFrom {
			t.Errorf("rescaled at %s, before the spike began at %s: %s %s", s.Elapsed, spikeFrom, s.Changes, s.Reason)
		}
		b, _ := hot(s)
		a, _ := hot(ticks[i+1])
		scaledUp = scaledUp || a.Parallelism > b.Parallelism
		down = a.Parallelism < b.Parallelism
	}
	if !scaledUp || sum.Rescales < 1 {
		t.Errorf("no scale-up of the hot pipeline (%d rescales)", sum.Rescales)
	}
	// The lag recovers below the SLO before the end: the run goes on
	// after -duration until the job has caught up, unless it stops making
	// progress (then a finding says so).
	for _, f := range sum.Findings {
		if strings.HasPrefix(f, "catch-up:") {
			t.Errorf("%s", f)
		}
	}
	last := ticks[len(ticks)-1]
	for _, p := range last.Pipelines {
		if !p.LagKnown || p.Lag > sum.SLO {
			t.Errorf("at the end %s's lag is %s (known %v), SLO %s", p.Name, p.Lag, p.LagKnown, sum.SLO)
		}
	}
	// The drain confirms a savepoint.
	if sum.Drain.State != "drained" || sum.Drain.Savepoint == "" {
		t.Errorf("drain %+v", sum.Drain)
	}
	if !strings.Contains(stdout.String(), "savepoint "+sum.Drain.Savepoint) {
		t.Errorf("the savepoint location is not printed")
	}
	// Nothing is lost, nothing is left: Kafka holds what was produced,
	// and all of it was processed.
	r := sum.Records
	if !r.Known || r.Produced == 0 || r.InKafka != r.Produced || r.Processed != r.Produced || r.Lost != 0 || r.LeftInKafka != 0 {
		t.Errorf("records %+v: want produced == in Kafka == processed, 0 lost, 0 left", r)
	}
	for _, f := range []string{"chart.svg", "decisions.jsonl", "summary.json", "ticks.jsonl"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// Status lines (and their detail lines) fit 120 columns.
	for _, l := range strings.Split(stdout.String(), "\n") {
		status := strings.Contains(l, " | ") || strings.HasPrefix(l, "        ") && !strings.HasPrefix(l, "         ")
		if n := utf8.RuneCountInString(l); status && n > report.MaxStatusLine {
			t.Errorf("a status line of %d runes: %q", n, l)
		}
	}
}

// Two runs sharing -out do not interfere: each writes to a directory of
// its own, drains its own job (a fresh ID each run), and reports its own
// drain, not the other's.
func TestRunsDoNotInterfere(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo twice for a few seconds")
	}
	root := t.TempDir()
	var wg sync.WaitGroup
	var outs [2]bytes.Buffer
	var codes [2]int
	for i := range 2 {
		wg.Go(func() {
			var stderr bytes.Buffer
			codes[i] = run(context.Background(), []string{"-duration", "4s", "-out", root}, &outs[i], &stderr, nil)
			if codes[i] != 0 {
				t.Errorf("run %d: exit %d: %s", i, codes[i], stderr.String())
			}
		})
	}
	wg.Wait()
	dirs, _ := filepath.Glob(filepath.Join(root, "run-*"))
	if len(dirs) != 2 {
		t.Fatalf("run directories %v, want 2", dirs)
	}
	savepoints := map[string]bool{}
	for i, dir := range dirs {
		sum := readSummary(t, dir)
		if sum.Drain.State != "drained" || savepoints[sum.Drain.Savepoint] {
			t.Errorf("run %d: drain %+v (savepoints seen: %v)", i, sum.Drain, savepoints)
		}
		savepoints[sum.Drain.Savepoint] = true
	}
	for i := range outs {
		if !strings.Contains(outs[i].String(), "drain: requested -> stopping") {
			t.Errorf("run %d did not drain its own job:\n%s", i, outs[i].String())
		}
	}
}

// Ctrl-C ends the run within a few seconds, with the drain reported, and
// the summary names the signal.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few seconds")
	}
	root := t.TempDir()
	sigs := make(chan os.Signal, 1)
	time.AfterFunc(3*time.Second, func() { sigs <- os.Interrupt })
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(context.Background(), []string{"-out", root}, &stdout, &stderr, sigs)
	dir := runDir(t, root)
	logOnFailure(t, &stdout, dir)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %s after Ctrl-C at 3s", took)
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	sum := readSummary(t, dir)
	if !sum.Interrupted || sum.Signal != "interrupt (Ctrl-C)" || sum.Drain.State != "drained" || sum.Drain.Savepoint == "" {
		t.Errorf("interrupted %v by %q, drain %+v", sum.Interrupted, sum.Signal, sum.Drain)
	}
	if !strings.Contains(stderr.String(), "interrupt (Ctrl-C): ending the run") {
		t.Errorf("stderr %q does not name the interrupt", stderr.String())
	}
	if r := sum.Records; r.Lost != 0 || r.InKafka != r.Produced || r.Processed+r.LeftInKafka != r.InKafka {
		t.Errorf("records %+v: processed + left in Kafka should be what Kafka holds, and that what was produced", r)
	}
}
