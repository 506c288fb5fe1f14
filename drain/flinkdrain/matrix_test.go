package flinkdrain_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// row is one scenario of the fault matrix: what the JobManager does, and
// what the drain must end with.
type row struct {
	name     string
	behavior flinktest.SavepointBehavior
	faults   map[string]flinktest.Fault // route -> fault, injected before the drain
	setup    func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID
	// on, if set, runs at every transition (to inject a fault at a step).
	on  func(e *env, job flinkapi.JobID, op drain.Operation)
	cfg func(*flinkdrain.Config)
	// crash interrupts the first Drain on entering crashIn (Requested:
	// after a failed attempt); a new Drainer on the same FileStore then
	// resumes it.
	crash   bool
	crashIn drain.State

	want     drain.State
	wantErr  []error
	attempts int               // stop attempts the operation records
	ops      int               // stop operations Flink started during the drain
	cancels  int               // cancel requests the JobManager saw
	job      flinkapi.JobState // the job's final state
	reason   string            // in the final reason, or any step's
	written  bool              // a savepoint written by an attempt whose job ran on
}

// Routes of the four calls a drain makes.
const (
	statusRoute = "GET /jobs/{jobid}/status"
	stopRoute   = "POST /jobs/{jobid}/stop"
	pollRoute   = "GET /jobs/{jobid}/savepoints/{triggerid}"
	cancelRoute = "PATCH /jobs/{jobid}"
)

// transientFaults are the JobManager's (or a proxy's) transient answers.
var transientFaults = []struct {
	name  string
	fault flinktest.Fault
}{
	{"500 internal server error", flinktest.Fault{Status: 500, Message: "Internal server error."}},
	{"408 request timeout", flinktest.Fault{Status: 408}},
	{"429 too many requests", flinktest.Fault{Status: 429}},
	{"502 bad gateway", flinktest.Fault{Status: 502}},
	{"503 unavailable", flinktest.Fault{Status: 503}},
	{"504 gateway timeout", flinktest.Fault{Status: 504}},
	{"connection reset", flinktest.Fault{Drop: true}},
	{"body cut off mid-read", flinktest.Fault{Truncate: true}},
	{"a proxy's HTML page with 200", flinktest.Fault{Body: "<html><body>upstream is restarting</body></html>"}},
}

// faultRows: every transient fault on every step, for longer than
// flinkapi's own retries (5 calls), ends as if it had not happened.
func faultRows() []row {
	var rows []row
	for _, f := range transientFaults {
		for _, step := range []struct{ name, route string }{{"job status", statusRoute}, {"trigger", stopRoute}, {"savepoint poll", pollRoute}} {
			ft := f.fault
			ft.Times = 5
			rows = append(rows, row{name: f.name + " on " + step.name,
				behavior: flinktest.SavepointBehavior{Delay: 5 * time.Second},
				faults:   map[string]flinktest.Fault{step.route: ft},
				want:     drain.Drained, attempts: 1, ops: 1, job: flinkapi.JobFinished})
		}
		ft := f.fault
		ft.Times = 5
		rows = append(rows, row{name: f.name + " on cancel",
			behavior: flinktest.SavepointBehavior{Outcome: flinktest.FailSavepoint},
			faults:   map[string]flinktest.Fault{cancelRoute: ft},
			cfg:      func(c *flinkdrain.Config) { c.MaxAttempts = 2 },
			want:     drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled}, attempts: 2, ops: 2, cancels: 6,
			job: flinkapi.JobCanceled, reason: "2 attempts failed"})
	}
	return rows
}

func jobStateRows() []row {
	var rows []row
	for _, st := range []flinkapi.JobState{flinkapi.JobRestarting, flinkapi.JobInitializing, flinkapi.JobCreated, flinkapi.JobReconciling} {
		rows = append(rows, row{name: fmt.Sprintf("job %s for 3 min: waited for, then drained", st),
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				must(t, e.srv.HoldState(job, st, 3*time.Minute))
				return job
			},
			want: drain.Drained, attempts: 1, ops: 1, job: flinkapi.JobFinished})
	}
	return append(rows,
		row{name: "job RESTARTING past the timeout: fallback cancel",
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				must(t, e.srv.HoldState(job, flinkapi.JobRestarting, time.Hour))
				return job
			},
			want: drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled}, cancels: 1, job: flinkapi.JobCanceled,
			reason: "job not RUNNING within 10m0s (it is RESTARTING)"},
		row{name: "job restarts right after the trigger (a rescale): the failed savepoint is tried again",
			on: func(e *env, job flinkapi.JobID, op drain.Operation) {
				if op.State == drain.Stopping && op.Attempts() == 1 {
					_ = e.srv.HoldState(job, flinkapi.JobRestarting, 20*time.Second)
				}
			},
			want: drain.Drained, attempts: 2, ops: 2, job: flinkapi.JobFinished, reason: "Stop with savepoint operation could not be completed"},
	)
}

func savepointRows() []row {
	fail, after, ok := flinktest.FailSavepoint, flinktest.FailAfterSavepoint, flinktest.Succeed
	return []row{
		{name: "happy path", want: drain.Drained, attempts: 1, ops: 1, job: flinkapi.JobFinished},
		{name: "checkpoint expired once: a new trigger, drained",
			behavior: flinktest.SavepointBehavior{Sequence: []flinktest.Outcome{fail, ok}},
			want:     drain.Drained, attempts: 2, ops: 2, job: flinkapi.JobFinished, reason: "Checkpoint expired before completing"},
		{name: "declined twice: drained on the third attempt",
			behavior: flinktest.SavepointBehavior{Sequence: []flinktest.Outcome{fail, fail, ok}, FailureMessage: "Checkpoint was declined (tasks not ready)"},
			want:     drain.Drained, attempts: 3, ops: 3, job: flinkapi.JobFinished, reason: "Checkpoint was declined"},
		{name: "savepoint always fails, attempts spent: cancel with every cause recorded",
			behavior: flinktest.SavepointBehavior{Outcome: fail}, cfg: func(c *flinkdrain.Config) { c.MaxAttempts = 3 },
			want: drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled}, attempts: 3, ops: 3, cancels: 1, job: flinkapi.JobCanceled,
			reason: "3 attempts failed; the last: savepoint failed"},
		{name: "savepoint always fails: attempts until the timeout, then cancel",
			behavior: flinktest.SavepointBehavior{Outcome: fail},
			want:     drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled}, attempts: 22, ops: 22, cancels: 1, job: flinkapi.JobCanceled,
			reason: "no savepoint within 10m0s, after 22 failed attempts"},
		{name: "savepoint always fails, fallback none: failed, job still running",
			behavior: flinktest.SavepointBehavior{Outcome: fail},
			cfg:      func(c *flinkdrain.Config) { c.MaxAttempts = 2; c.Fallback = flinkdrain.FallbackNone },
			want:     drain.Failed, wantErr: []error{flinkdrain.ErrFailed}, attempts: 2, ops: 2, job: flinkapi.JobRunning, reason: "fallback: none"},
		{name: "savepoint written, tasks did not finish, once: drained by the next attempt",
			behavior: flinktest.SavepointBehavior{Sequence: []flinktest.Outcome{after, ok}},
			want:     drain.Drained, attempts: 2, ops: 2, job: flinkapi.JobFinished, written: true, reason: "failed while stopping"},
		{name: "savepoint written, tasks never finish: not drained, cancelled, the savepoint kept",
			behavior: flinktest.SavepointBehavior{Outcome: after}, cfg: func(c *flinkdrain.Config) { c.MaxAttempts = 2 },
			want: drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled, flinkdrain.ErrNotStopped}, attempts: 2, ops: 2, cancels: 1,
			job: flinkapi.JobCanceled, written: true},
		{name: "savepoint written, tasks never finish, fallback none: failed, job runs again",
			behavior: flinktest.SavepointBehavior{Outcome: after},
			cfg:      func(c *flinkdrain.Config) { c.MaxAttempts = 1; c.Fallback = flinkdrain.FallbackNone },
			want:     drain.Failed, wantErr: []error{flinkdrain.ErrFailed, flinkdrain.ErrNotStopped}, attempts: 1, ops: 1,
			job: flinkapi.JobRunning, written: true},
		{name: "stop accepted, savepoint never completes: cancel at the timeout",
			behavior: flinktest.SavepointBehavior{Delay: time.Hour},
			want:     drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled}, attempts: 1, ops: 1, cancels: 1, job: flinkapi.JobCanceled,
			reason: "no savepoint within 10m0s"},
	}
}

func answerRows() []row {
	return []row{
		{name: "transient 404 on the savepoint poll: polled again, never a second stop",
			behavior: flinktest.SavepointBehavior{Delay: 10 * time.Second},
			faults:   map[string]flinktest.Fault{pollRoute: {Status: 404, Times: 4}},
			want:     drain.Drained, attempts: 1, ops: 1, job: flinkapi.JobFinished},
		{name: "trigger forgotten (404 past ForgetAfter) while the job runs: a new attempt",
			behavior: flinktest.SavepointBehavior{Delay: time.Hour},
			faults:   map[string]flinktest.Fault{pollRoute: {Status: 404, Times: -1}},
			on: func(e *env, job flinkapi.JobID, op drain.Operation) {
				if op.State == drain.Requested && op.Attempts() == 1 {
					e.srv.ClearFaults()
					_ = e.srv.SetSavepointBehavior(job, flinktest.SavepointBehavior{})
				}
			},
			want: drain.Drained, attempts: 2, ops: 2, job: flinkapi.JobFinished, reason: "Flink forgot trigger"},
		{name: "stop answer lost, savepoint failed meanwhile: the retried trigger gets 409, its failure is read, a new attempt",
			behavior: flinktest.SavepointBehavior{Sequence: []flinktest.Outcome{flinktest.FailSavepoint, flinktest.Succeed}},
			faults:   map[string]flinktest.Fault{stopRoute: {Truncate: true}},
			want:     drain.Drained, attempts: 2, ops: 2, job: flinkapi.JobFinished, reason: "stop answered 409"},
		{name: "409 on every stop: ends at the deadline",
			faults: map[string]flinktest.Fault{stopRoute: {Status: 409, Times: -1}},
			// Each attempt: 409, then its trigger unknown for ForgetAfter
			// (30 s), then a pause doubling from 2 s to 32 s: 12 in 10 min.
			want: drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled}, attempts: 12, cancels: 1, job: flinkapi.JobCanceled,
			reason: "after 12 failed attempts"},
		{name: "the JobManager answers nothing at all: ends at the deadline, cancel not confirmed",
			faults: map[string]flinktest.Fault{flinktest.AnyRoute: {Drop: true, Times: -1}},
			// Cancel retried for CancelTimeout (1 min): 38 calls of 3
			// attempts each (flinkapi's MaxRetries 2 in this env).
			want: drain.Failed, wantErr: []error{flinkdrain.ErrFailed}, cancels: 114, job: flinkapi.JobRunning,
			reason: "cancel not confirmed within 1m0s"},
		{name: "stop refused for good (400): failed, nothing cancelled",
			faults: map[string]flinktest.Fault{stopRoute: {Status: 400, Message: "Bad request"}},
			want:   drain.Failed, wantErr: []error{flinkdrain.ErrFailed}, attempts: 1, job: flinkapi.JobRunning, reason: "stop refused"},
		{name: "job gone (404 on its status)",
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				return "ffffffffffffffffffffffffffffffff"
			},
			want: drain.Failed, wantErr: []error{flinkdrain.ErrFailed, flinkdrain.ErrJobGone}, reason: "job not found"},
		{name: "job already finished: failed, no stop, nothing cancelled",
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				stopAndWait(t, e, job)
				e.clock.Advance(time.Minute)
				return job
			},
			want: drain.Failed, wantErr: []error{flinkdrain.ErrFailed}, job: flinkapi.JobFinished, reason: "FINISHED without a confirmed savepoint"},
		{name: "job already cancelled by someone else",
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				must(t, e.c.Cancel(context.Background(), job))
				return job
			},
			want: drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled}, job: flinkapi.JobCanceled, reason: "job is CANCELED"},
		{name: "job cancelled by someone else mid-drain",
			behavior: flinktest.SavepointBehavior{Delay: time.Minute},
			on: func(e *env, job flinkapi.JobID, op drain.Operation) {
				if op.State == drain.Waiting {
					_ = e.c.Cancel(context.Background(), job)
				}
			},
			want: drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled}, attempts: 1, ops: 1,
			cancels: 1 /* someone else's */, job: flinkapi.JobCanceled},
	}
}

func crashRows() []row {
	var rows []row
	for _, st := range []drain.State{drain.Stopping, drain.Waiting, drain.Finishing} {
		rows = append(rows, row{name: "crash in " + st.String() + ", resumed",
			behavior: flinktest.SavepointBehavior{Delay: time.Minute}, crash: true, crashIn: st,
			want: drain.Drained, attempts: 1, ops: 1, job: flinkapi.JobFinished})
	}
	return append(rows,
		row{name: "crash in requested after a failed attempt, resumed",
			behavior: flinktest.SavepointBehavior{Sequence: []flinktest.Outcome{flinktest.FailSavepoint}}, crash: true, crashIn: drain.Requested,
			want: drain.Drained, attempts: 2, ops: 2, job: flinkapi.JobFinished},
		row{name: "crash in cancelling, resumed: the cancel is sent again",
			behavior: flinktest.SavepointBehavior{Outcome: flinktest.FailSavepoint}, crash: true, crashIn: drain.Cancelling,
			cfg:  func(c *flinkdrain.Config) { c.MaxAttempts = 1 },
			want: drain.Cancelled, wantErr: []error{flinkdrain.ErrCancelled}, attempts: 1, ops: 1, cancels: 1, job: flinkapi.JobCanceled})
}

// The fault matrix: each fault on each step, the job in each state, each
// way a savepoint fails, each definite answer, a crash in each state. The
// package doc lists the outcomes.
func TestFaultMatrix(t *testing.T) {
	var rows []row
	for _, rs := range [][]row{faultRows(), jobStateRows(), savepointRows(), answerRows(), crashRows()} {
		rows = append(rows, rs...)
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) { runRow(t, tt) })
	}
}

func runRow(t *testing.T, tt row) {
	e := newEnv(t)
	job := e.job(t, tt.behavior)
	if tt.setup != nil {
		job = tt.setup(t, e, job)
	}
	for route, f := range tt.faults {
		must(t, e.srv.InjectFault(route, f))
	}
	e.srv.ResetRequests()
	opsBefore, _ := e.srv.Operations(job)
	fs, err := drain.NewFileStore(filepath.Join(t.TempDir(), "drains"))
	must(t, err)
	ctx, crash := context.WithCancel(context.Background())
	defer crash()
	mod := func(c *flinkdrain.Config) {
		c.Store = fs
		c.OnTransition = func(op drain.Operation, s drain.Step) {
			if tt.on != nil {
				tt.on(e, job, op)
			}
			if tt.crash && (tt.crashIn != drain.Requested && s.To == tt.crashIn || tt.crashIn == drain.Requested && s.Event == drain.Retry) {
				crash() // the controller dies here
			}
		}
		if tt.cfg != nil {
			tt.cfg(c)
		}
	}
	op, err := e.drainer(t, mod).Drain(ctx, job)
	if tt.crash != (ctx.Err() != nil) {
		t.Fatalf("crash %v, but the first Drain ended %s, %v", tt.crash, op.State, err)
	}
	if tt.crash {
		if !errors.Is(err, context.Canceled) || op.State.Terminal() {
			t.Fatalf("interrupted drain: %s, %v", op.State, err)
		}
		op, err = e.drainer(t, mod).Drain(context.Background(), job)
	}
	checkRow(t, e, job, tt, op, err, opsBefore)
}

func checkRow(t *testing.T, e *env, job flinkapi.JobID, tt row, op drain.Operation, err error, opsBefore int) {
	t.Helper()
	if op.State != tt.want {
		t.Fatalf("Drain ended %s (%v), want %s; history:\n%s", op.State, err, tt.want, history(op))
	}
	for _, w := range tt.wantErr {
		if !errors.Is(err, w) {
			t.Errorf("error %v does not wrap %v", err, w)
		}
	}
	if len(tt.wantErr) == 0 && err != nil {
		t.Errorf("error %v, want nil", err)
	}
	if got := op.Attempts(); got != tt.attempts {
		t.Errorf("%d attempts, want %d; history:\n%s", got, tt.attempts, history(op))
	}
	if n, _ := e.srv.Operations(job); n-opsBefore != tt.ops {
		t.Errorf("Flink started %d stop operations, want %d", n-opsBefore, tt.ops)
	}
	if n := e.srv.CountRequests(cancelRoute); n != tt.cancels {
		t.Errorf("%d cancel requests, want %d", n, tt.cancels)
	}
	if tt.job != "" {
		if st, _ := e.srv.JobState(job); st != tt.job {
			t.Errorf("job ends %s, want %s", st, tt.job)
		}
	}
	if drained := op.State == drain.Drained; drained != (op.Location != "") || drained && !hasSavepoint(t, e, job, op.Location) {
		t.Errorf("state %s with location %q: drained needs a savepoint the job's history confirms", op.State, op.Location)
	}
	if tt.written != (op.WrittenSavepoint != "") {
		t.Errorf("written savepoint %q, want one: %v", op.WrittenSavepoint, tt.written)
	}
	if tt.reason != "" && !strings.Contains(op.Reason, tt.reason) && !historyHas(op, tt.reason) {
		t.Errorf("no reason mentions %q; history:\n%s", tt.reason, history(op))
	}
	if end := e.clock.Now(); end.After(op.Requested.Add(flinkdrain.DefaultTimeout + flinkdrain.DefaultCancelTimeout)) {
		t.Errorf("drain ended at %v, past its deadlines (requested %v)", end, op.Requested)
	}
	for _, r := range e.srv.Requests() {
		if r.Route == stopRoute && !strings.Contains(string(r.Body), `"drain":true`) {
			t.Errorf("stop sent without drain: %s", r.Body)
		}
	}
}

// hasSavepoint reports whether the job's checkpoint history holds loc.
func hasSavepoint(t *testing.T, e *env, job flinkapi.JobID, loc string) bool {
	stats, err := e.c.Checkpoints(context.Background(), job)
	if err != nil {
		t.Errorf("checkpoints: %v", err)
		return false
	}
	for _, c := range stats.History {
		if c.ExternalPath == loc && c.Status == flinkapi.CheckpointCompleted {
			return true
		}
	}
	return false
}

func history(op drain.Operation) string {
	var b strings.Builder
	for _, s := range op.History {
		fmt.Fprintf(&b, "  %s %s -> %s (%s) %s\n", s.At.Format("15:04:05.000"), s.From, s.To, s.Event, s.Reason)
	}
	return b.String()
}

func historyHas(op drain.Operation, reason string) bool {
	for _, s := range op.History {
		if strings.Contains(s.Reason, reason) {
			return true
		}
	}
	return false
}

// stopAndWait drains job directly through the client, outside any Drainer.
func stopAndWait(t *testing.T, e *env, job flinkapi.JobID) {
	t.Helper()
	ctx := context.Background()
	tid, err := e.c.StopWithSavepoint(ctx, job, flinkapi.StopRequest{Drain: true})
	must(t, err)
	if _, err := e.c.WaitOperation(ctx, job, tid); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const checkpointsRoute = "GET /jobs/{jobid}/checkpoints"
