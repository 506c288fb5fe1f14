package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// runCmd runs the program with args, bounded for liveness.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDemo(t *testing.T) {
	code, out, errOut := runCmd(t, "-interval", "150ms")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	t.Log(out)
	// The first evaluation: 3540 records, 990 of them behind (the group
	// resets to earliest on the two partitions it never committed).
	for _, want := range []string{
		`topic "orders": 12 partitions, 3540 records`,
		"evaluation 1/3",
		"totals: 12 partitions, 990 records behind, max time lag unknown (some partitions unknown), 2 without a commit",
		"? time lag: too few end-offset observations (11)",
		"evaluation 3/3",
		"totals: 12 partitions, 1480 records behind, max time lag ",
		"health: REWIND 1, STOP 1, WARN 1, OK 7, UNKNOWN 2",
		"orders/0 WARN: lag grew at each of 3 commits, now 570",
		"orders/5 REWIND: committed offset moved back from 250 to 40",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// By the third evaluation the time lag is known and positive.
	m := regexp.MustCompile(`1480 records behind, max time lag ([0-9.]+m?s),`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no known max time lag in the last evaluation:\n%s", out)
	}
	if d, err := time.ParseDuration(m[1]); err != nil || d <= 0 {
		t.Errorf("max time lag %q: want a positive duration", m[1])
	}
	if errOut != "" {
		t.Errorf("stderr: %s", errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Setenv("KAFKALAG_TEST_EMPTY", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-group", "g"}, "-group needs -brokers"},
		{[]string{"-tls"}, "-tls needs -brokers"},
		{[]string{"-brokers", "a:9092"}, "-group is required with -brokers"},
		{[]string{"-brokers", " , "}, "names no broker"},
		{[]string{"-brokers", "a:9092", "-group", "g", "-reset", "newest"}, `-reset "newest"`},
		{[]string{"-brokers", "a:9092", "-group", "g", "-tls-cert", "c.pem"}, "-tls-cert and -tls-key go together"},
		{[]string{"-brokers", "a:9092", "-group", "g", "-sasl-user", "u"}, "-sasl-user and -sasl-password-env go together"},
		{[]string{"-brokers", "a:9092", "-group", "g", "-sasl-user", "u", "-sasl-password-env", "KAFKALAG_TEST_EMPTY"}, "KAFKALAG_TEST_EMPTY is unset or empty"},
		{[]string{"-brokers", "a:9092", "-group", "g", "-tls-ca", "/nonexistent/ca.pem"}, "-tls-ca"},
		{[]string{"-interval", "0s"}, "-interval 0s: must be positive"},
		{[]string{"-count", "-1"}, "-count -1"},
		{[]string{"-timeout", "-1s"}, "-timeout -1s"},
		{[]string{"-interval", "soon"}, "invalid value"},
	} {
		code, out, errOut := runCmd(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit 2 and stderr containing %q", tc.args, code, errOut, out, tc.want)
		}
	}
}

func TestHelp(t *testing.T) {
	code, _, errOut := runCmd(t, "-h")
	if code != exitOK || !strings.Contains(errOut, "-sasl-password-env") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestUnreachable(t *testing.T) {
	start := time.Now()
	code, _, errOut := runCmd(t, "-brokers", "127.0.0.1:1", "-group", "g", "-timeout", "1s")
	if code != exitFailure || !strings.Contains(errOut, "evaluation 1") {
		t.Errorf("exit %d, stderr %q; want exit 1", code, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v with -timeout 1s", d)
	}
}

// An interrupt between evaluations ends the run with status 0.
func TestInterruptedBetweenEvaluations(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	var errOut bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"-count", "0", "-interval", "1h"}, &out, &errOut) }()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(out.String(), "evaluation 1 of group") {
		select {
		case <-deadline:
			t.Fatal("no first evaluation")
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("stderr %q", errOut.String())
	}
}

// lockedBuffer is a bytes.Buffer safe to read while the program writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
