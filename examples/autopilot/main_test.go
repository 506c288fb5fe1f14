package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/examples/autopilot/report"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

func readTicks(t *testing.T, dir string) []report.Sample {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "ticks.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []report.Sample
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var s report.Sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func readSummary(t *testing.T, dir string) report.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s report.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// logOnFailure logs the run's output and decisions when the test fails,
// so that a failure seen once on a loaded machine can be understood.
func logOnFailure(t *testing.T, stdout *bytes.Buffer, dir string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		t.Logf("stdout:\n%s", stdout.String())
		if b, err := os.ReadFile(filepath.Join(dir, "decisions.jsonl")); err == nil {
			t.Logf("decisions.jsonl:\n%s", b)
		}
	})
}

func hot(s report.Sample) (report.PipelineSample, bool) {
	for _, p := range s.Pipelines {
		if p.Name == "hot" {
			return p, true
		}
	}
	return report.PipelineSample{}, false
}

// The main job, end to end on embedded Kafka and Flink, on a short run:
// the spike raises the backlog, the controller scales the hot pipeline up,
// the lag comes back below the SLO, the drain confirms a savepoint, and
// every record produced was processed, none lost, none left.
func TestEmbeddedEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo for 20 s")
	}
	const duration = 20 * time.Second
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-duration", duration.String(), "-out", dir}, &stdout, &stderr)
	logOnFailure(t, &stdout, dir)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	ticks := readTicks(t, dir)
	sum := readSummary(t, dir)
	t.Logf("summary: %+v", sum)

	// The backlog rises with the spike: its peak comes after the spike
	// begins, and before that it stays well below the peak. (The trace's
	// phases, not wall-clock windows: how fast the job drains the backlog,
	// and how much a rescale's rewind adds to it, depend on the machine.)
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
	// The controller scales the hot pipeline up.
	scaledUp := false
	for i, s := range ticks {
		if s.Rescaled() && i+1 < len(ticks) {
			before, _ := hot(s)
			for _, later := range ticks[i+1:] {
				if after, ok := hot(later); ok && after.Parallelism > before.Parallelism {
					scaledUp = true
				}
			}
		}
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
}

// Ctrl-C ends the run within a few seconds, with the drain reported.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few seconds")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, cancel)
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"-out", dir}, &stdout, &stderr)
	logOnFailure(t, &stdout, dir)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("took %s after Ctrl-C at 3s", took)
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	sum := readSummary(t, dir)
	if !sum.Interrupted || sum.Drain.State != "drained" || sum.Drain.Savepoint == "" {
		t.Errorf("interrupted %v, drain %+v", sum.Interrupted, sum.Drain)
	}
	if r := sum.Records; r.Lost != 0 || r.InKafka != r.Produced || r.Processed+r.LeftInKafka != r.InKafka {
		t.Errorf("records %+v: processed + left in Kafka should be what Kafka holds, and that what was produced", r)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"extra"},
		{"-duration", "-1s"},
		{"-duration", "soon"},
		{"-apply"},
		{"-job", "0123456789abcdef0123456789abcdef"},
		{"-flink-url", "ftp://x"},
		{"-flink-url", "http://x", "-interval", "0s"},
		{"-flink-url", "http://x", "-tls-cert", "c.pem"},
		{"-flink-url", "http://x", "-kafka-brokers", "k:9092"},
		{"-flink-url", "http://x", "-group", "g"},
		{"-flink-url", "http://x", "-job", "not-an-id"},
		{"-flink-url", "http://x", "-kafka-brokers", "k:9092", "-group", "g", "-topics", "a=t1;a=t2"},
		{"-flink-url", "http://x", "-kafka-brokers", "k:9092", "-group", "g", "-topics", "t1;b=t2"},
		{"-flink-url", "http://x", "-kafka-brokers", "k:9092", "-group", "g", "-kafka-tls"},
		{"-out", ""},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "autopilot") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-flink-url") {
		t.Errorf("-h: exit %d, %q", code, stderr.String())
	}
}

func TestRealUnreachable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(context.Background(), []string{"-flink-url", "http://127.0.0.1:1", "-out", t.TempDir()}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "cannot reach") || time.Since(start) > 20*time.Second {
		t.Errorf("exit %d after %s: %q", code, time.Since(start), stderr.String())
	}
}

func realServer(t *testing.T) (*flinktest.Server, flinkapi.JobID) {
	srv := flinktest.Start(t, flinktest.Config{})
	id, err := srv.AddJob(flinktest.JobSpec{
		Name: "orders",
		Vertices: []flinktest.VertexSpec{
			{ID: "11111111111111111111111111111111", Name: "Source: orders", Parallelism: 2},
			{ID: "22222222222222222222222222222222", Name: "Sink: out", Parallelism: 2, Inputs: []flinktest.Input{{From: "11111111111111111111111111111111"}}},
		},
		Checkpointing: &flinktest.CheckpointingSpec{Interval: time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, id
}

func TestRealUnknownJob(t *testing.T) {
	srv, _ := realServer(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-flink-url", srv.URL, "-job", "ffffffffffffffffffffffffffffffff", "-out", t.TempDir()}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "does not exist") {
		t.Errorf("exit %d: %q", code, stderr.String())
	}
	code = run(context.Background(), []string{"-flink-url", srv.URL, "-topics", "t1", "-kafka-brokers", "127.0.0.1:1", "-group", "g", "-out", t.TempDir()}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "cannot read group") {
		t.Errorf("unreachable Kafka: exit %d: %q", code, stderr.String())
	}
}

// Against a real cluster the autopilot is a dry run by default: it
// decides, prints, and changes nothing, and never drains.
func TestRealDryRun(t *testing.T) {
	srv, id := realServer(t)
	srv.Metrics().SetSubtaskMetric(id, "11111111111111111111111111111111", "busyTimeMsPerSecond", 990, 990)
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	code := run(context.Background(), []string{"-flink-url", srv.URL, "-auth-header", "Bearer secret", "-interval", "200ms", "-duration", "1s", "-out", dir}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := srv.CountRequests("PUT /jobs/{jobid}/resource-requirements"); n != 0 {
		t.Errorf("%d rescales in a dry run", n)
	}
	if n := srv.CountRequests("POST /jobs/{jobid}/stop"); n != 0 {
		t.Errorf("%d stops without -drain-on-exit", n)
	}
	if st, _ := srv.JobState(id); st != flinkapi.JobRunning {
		t.Errorf("job %s after a dry run", st)
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") != "Bearer secret" {
			t.Fatalf("%s %s without the auth header", r.Method, r.Path)
		}
	}
	sum := readSummary(t, dir)
	if sum.Mode != report.ModeReal || sum.Ticks < 3 || sum.Drain.Attempted || sum.Records.Known {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(stdout.String(), "dry run") {
		t.Errorf("output does not say dry run:\n%s", stdout.String())
	}
}
