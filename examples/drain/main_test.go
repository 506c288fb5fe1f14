package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
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

// wantOutput checks the exit status and that out holds every want and none
// of the notWant.
func wantOutput(t *testing.T, code, wantCode int, out, errOut string, want, notWant []string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("exit %d, want %d", code, wantCode)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	for _, w := range notWant {
		if strings.Contains(out, w) {
			t.Errorf("output has %q", w)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

func TestDemo(t *testing.T) {
	code, out, errOut := runCmd(t, "-savepoint-delay", "200ms")
	wantOutput(t, code, exitOK, out, errOut, []string{
		"requested  -> stopping",
		"stopping   -> waiting",
		"waiting    -> finishing  savepoint file:/tmp/flink-savepoints/savepoint-",
		"finishing  -> drained",
		"drained: job ",
		"\nsavepoint: file:/tmp/flink-savepoints/savepoint-",
		"job state: FINISHED",
	}, []string{"cancel"})
}

func TestDemoFail(t *testing.T) {
	code, out, errOut := runCmd(t, "-fail", "-savepoint-delay", "100ms")
	wantOutput(t, code, exitCancelled, out, errOut, []string{
		"waiting    -> requested  (savepoint failed: ",
		"requested  -> cancelling (3 attempts failed; the last: savepoint failed: ",
		"cancelling -> cancelled",
		"cancelled: job ",
		"no savepoint was confirmed",
		"job state: CANCELED",
	}, []string{"drained:", "\nsavepoint:"})
}

func TestDemoFailFallbackNone(t *testing.T) {
	code, out, errOut := runCmd(t, "-fail", "-savepoint-delay", "100ms", "-fallback", "none")
	wantOutput(t, code, exitFailure, out, errOut, []string{
		"requested  -> failed     (3 attempts failed; ",
		"failed: job ",
		"no savepoint was confirmed",
		"job state: RUNNING",
	}, []string{"drained:", "cancelling", "\nsavepoint:"})
}

// A drain recorded in -store is reported from the record, without calling
// Flink (the second demo's fresh server holds a job of the same ID).
func TestDemoStore(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCmd(t, "-savepoint-delay", "50ms", "-store", dir)
	wantOutput(t, code, exitOK, out, errOut, []string{"record: " + dir + "/", "\nsavepoint: "}, nil)
	loc := out[strings.Index(out, "\nsavepoint: "):]
	loc = loc[:strings.Index(loc[1:], "\n")+1]

	code, out, errOut = runCmd(t, "-savepoint-delay", "50ms", "-store", dir)
	wantOutput(t, code, exitOK, out, errOut, []string{"already ended; delete the file", loc}, []string{"->"})
}

func TestUsageErrors(t *testing.T) {
	t.Setenv("DRAIN_TEST_EMPTY", "")
	const job = "7a7c3291accebd10b6be8d4f8c8d8dfc"
	url := []string{"-flink-url", "http://127.0.0.1:1"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-job", job}, "-job needs -flink-url"},
		{[]string{"-yes"}, "-yes needs -flink-url"},
		{[]string{"-auth-header", "Bearer x"}, "-auth-header needs -flink-url"},
		{url, "-job is required with -flink-url"},
		{append(url, "-job", "nope"), "-job:"},
		{append(url, "-job", job, "-fail"), "-fail is for the embedded demo"},
		{append(url, "-job", job, "-savepoint-delay", "1s"), "-savepoint-delay is for the embedded demo"},
		{append(url, "-job", job, "-fallback", "retry"), `-fallback "retry"`},
		{append(url, "-job", job, "-tls-key", "k.pem"), "-tls-cert and -tls-key go together"},
		{append(url, "-job", job, "-auth-header", "x", "-auth-header-env", "V"), "exclusive"},
		{append(url, "-job", job, "-auth-header-env", "DRAIN_TEST_EMPTY"), "DRAIN_TEST_EMPTY is unset or empty"},
		{[]string{"-flink-url", "ftp://x", "-job", job}, "scheme"},
		{[]string{"-timeout", "0s"}, "-timeout 0s: must be positive"},
		{[]string{"-savepoint-delay", "-1s"}, "-savepoint-delay -1s"},
	} {
		code, out, errOut := runCmd(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit 2 and stderr containing %q", tc.args, code, errOut, out, tc.want)
		}
	}
}

func TestHelp(t *testing.T) {
	code, _, errOut := runCmd(t, "-h")
	if code != exitOK || !strings.Contains(errOut, "-auth-header-env") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestUnreachable(t *testing.T) {
	for _, yes := range []bool{false, true} {
		args := []string{"-flink-url", "http://127.0.0.1:1", "-job", "7a7c3291accebd10b6be8d4f8c8d8dfc", "-timeout", "1s"}
		if yes {
			args = append(args, "-yes")
		}
		start := time.Now()
		code, out, errOut := runCmd(t, args...)
		if code != exitFailure || !strings.Contains(errOut, "cannot read job") || strings.Contains(out, "->") {
			t.Errorf("yes=%v: exit %d, stderr %q, stdout %q; want exit 1", yes, code, errOut, out)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("yes=%v: took %v with -timeout 1s", yes, d)
		}
	}
}

// realJob starts a fake JobManager with one running job.
func realJob(t *testing.T) (*flinktest.Server, flinkapi.JobID) {
	t.Helper()
	srv := flinktest.Start(t, flinktest.Config{})
	job, _, err := srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{Name: "Source"}, {Name: "Sink"}}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, job
}

func jobState(t *testing.T, srv *flinktest.Server, job flinkapi.JobID) flinkapi.JobState {
	t.Helper()
	st, err := srv.JobState(job)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRealDryRunStopsNothing(t *testing.T) {
	srv, job := realJob(t)
	code, out, errOut := runCmd(t, "-flink-url", srv.URL, "-job", string(job), "-target-dir", "s3://b/sp")
	wantOutput(t, code, exitOK, out, errOut, []string{"is RUNNING", "dry run: would stop", "s3://b/sp", "run again with -yes"}, []string{"->"})
	if st := jobState(t, srv, job); st != flinkapi.JobRunning {
		t.Errorf("job %s after a dry run", st)
	}
	if n, _ := srv.Operations(job); n != 0 {
		t.Errorf("%d operations started by a dry run", n)
	}
}

func TestRealDrain(t *testing.T) {
	srv, job := realJob(t)
	t.Setenv("DRAIN_TEST_AUTH", "Bearer s3cret")
	code, out, errOut := runCmd(t, "-flink-url", srv.URL, "-job", string(job), "-yes", "-auth-header-env", "DRAIN_TEST_AUTH")
	wantOutput(t, code, exitOK, out, errOut, []string{"finishing  -> drained", "\nsavepoint: file:/tmp/flink-savepoints/", "job state: FINISHED"}, []string{"s3cret"})
	if st := jobState(t, srv, job); st != flinkapi.JobFinished {
		t.Errorf("job %s after the drain", st)
	}
	for _, r := range srv.Requests() {
		if got := r.Header.Get("Authorization"); got != "Bearer s3cret" {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, got)
		}
	}

	// Draining it again: the job is already terminal.
	code, out, errOut = runCmd(t, "-flink-url", srv.URL, "-job", string(job), "-yes")
	if code != exitFailure || !strings.Contains(errOut, "already FINISHED: nothing to drain") || strings.Contains(out, "->") {
		t.Errorf("second drain: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
}

func TestRealJobNotFound(t *testing.T) {
	srv, _ := realJob(t)
	const missing = "00000000000000000000000000000001"
	for _, yes := range []bool{false, true} {
		args := []string{"-flink-url", srv.URL, "-job", missing}
		if yes {
			args = append(args, "-yes")
		}
		code, out, errOut := runCmd(t, args...)
		if code != exitFailure || !strings.Contains(errOut, "job "+missing+" not found at "+srv.URL) || out != "" {
			t.Errorf("yes=%v: exit %d, stderr %q, stdout %q; want exit 1", yes, code, errOut, out)
		}
	}
}

// Interrupted mid-drain, the command says where the drain stands and how to
// resume it, and exits 1.
func TestDemoInterrupted(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	var errOut bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"-savepoint-delay", "1h", "-store", dir}, &out, &errOut) }()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(out.String(), "-> waiting") {
		select {
		case <-deadline:
			t.Fatalf("drain not waiting:\n%s", out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if code := <-done; code != exitFailure {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"stopped in state waiting", "may still complete the stop with trigger", "run again with -store " + dir} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
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
