package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// runDir is the one run directory under root.
func runDir(t *testing.T, root string) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(root, "run-*"))
	if err != nil || len(dirs) != 1 {
		t.Fatalf("run directories under %s: %v %v, want one", root, dirs, err)
	}
	return dirs[0]
}

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
		if !t.Failed() && os.Getenv("AUTOPILOT_TEST_LOG") == "" {
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
		{"-flink-url", "http://x", "-time-scale", "0"},
		{"-flink-url", "http://x", "-time-scale", "NaN"},
		{"-time-scale", "0.1"},
		{"-flink-url", "http://x", "-tls-cert", "c.pem"},
		{"-flink-url", "http://x", "-kafka-brokers", "k:9092"},
		{"-flink-url", "http://x", "-group", "g"},
		{"-flink-url", "http://x", "-job", "not-an-id"},
		{"-flink-url", "http://x", "-kafka-brokers", "k:9092", "-group", "g", "-topics", "a=t1;a=t2"},
		{"-flink-url", "http://x", "-kafka-brokers", "k:9092", "-group", "g", "-topics", "t1;b=t2"},
		{"-flink-url", "http://x", "-kafka-brokers", "k:9092", "-group", "g", "-kafka-tls"},
		{"-flink-url", "http://x", "-drain-on-exit"}, // a dry run never drains
		{"-out", ""},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr, nil); code != 2 || !strings.Contains(stderr.String(), "autopilot") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-h"}, &stdout, &stderr, nil)
	if code != 0 || !strings.Contains(stdout.String(), "-flink-url") || !strings.Contains(stdout.String(), "Exit codes") || stderr.Len() != 0 {
		t.Errorf("-h: exit %d, stdout %q, stderr %q; want the description and flags on stdout", code, stdout.String(), stderr.String())
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
