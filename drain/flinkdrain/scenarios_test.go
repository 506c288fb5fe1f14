package flinkdrain_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
	"github.com/google/go-cmp/cmp"
)

// Every failure scenario of the issue, with its outcome.
func TestDrainScenarios(t *testing.T) {
	tests := []struct {
		name       string
		behavior   flinktest.SavepointBehavior
		setup      func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID
		fallback   flinkdrain.Fallback
		wantStates []drain.State
		wantErr    error
		wantJob    flinkapi.JobState
		wantReason string
	}{
		{name: "happy path: drained with the savepoint",
			wantStates: []drain.State{drain.Requested, drain.Stopping, drain.Waiting, drain.Drained},
			wantJob:    flinkapi.JobFinished},
		{name: "savepoint fails, job keeps running: cancel fallback",
			behavior:   flinktest.SavepointBehavior{Outcome: flinktest.FailSavepoint},
			wantStates: []drain.State{drain.Requested, drain.Stopping, drain.Waiting, drain.Cancelling, drain.Cancelled},
			wantErr:    flinkdrain.ErrCancelled, wantJob: flinkapi.JobCanceled, wantReason: "savepoint failed: java.util.concurrent.CompletionException"},
		{name: "savepoint fails, fallback none: failed, job still running",
			behavior: flinktest.SavepointBehavior{Outcome: flinktest.FailSavepoint}, fallback: flinkdrain.FallbackNone,
			wantStates: []drain.State{drain.Requested, drain.Stopping, drain.Waiting, drain.Failed},
			wantErr:    flinkdrain.ErrFailed, wantJob: flinkapi.JobRunning, wantReason: "fallback: none"},
		{name: "savepoint written but tasks do not finish: drained with that path",
			behavior:   flinktest.SavepointBehavior{Outcome: flinktest.FailAfterSavepoint},
			wantStates: []drain.State{drain.Requested, drain.Stopping, drain.Waiting, drain.Drained},
			wantJob:    flinkapi.JobRunning, wantReason: "then the job failed while stopping"},
		{name: "stop hangs: timeout, then cancel",
			behavior:   flinktest.SavepointBehavior{Delay: time.Hour},
			wantStates: []drain.State{drain.Requested, drain.Stopping, drain.Waiting, drain.Cancelling, drain.Cancelled},
			wantErr:    flinkdrain.ErrCancelled, wantJob: flinkapi.JobCanceled, wantReason: "no savepoint within 10m0s"},
		{name: "JobManager answers 503 for a while mid-drain",
			behavior: flinktest.SavepointBehavior{Delay: 30 * time.Second},
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				must(t, e.srv.InjectFault(statusRoute, flinktest.Fault{Status: 503, Times: 20}))
				return job
			},
			wantStates: []drain.State{drain.Requested, drain.Stopping, drain.Waiting, drain.Drained},
			wantJob:    flinkapi.JobFinished},
		{name: "JobManager unavailable for the whole drain: cancel",
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				must(t, e.srv.InjectFault(stopRoute, flinktest.Fault{Status: 503, Times: -1}))
				return job
			},
			wantStates: []drain.State{drain.Requested, drain.Stopping, drain.Cancelling, drain.Cancelled},
			wantErr:    flinkdrain.ErrCancelled, wantJob: flinkapi.JobCanceled, wantReason: "stop not accepted within 10m0s"},
		{name: "job already gone",
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				return "ffffffffffffffffffffffffffffffff"
			},
			wantStates: []drain.State{drain.Requested, drain.Failed},
			wantErr:    flinkdrain.ErrJobGone, wantReason: "job not found"},
		{name: "job already finished: failed, no stop sent, nothing cancelled",
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				stopAndWait(t, e, job)
				e.clock.Advance(time.Minute)
				return job
			},
			wantStates: []drain.State{drain.Requested, drain.Failed},
			wantErr:    flinkdrain.ErrFailed, wantJob: flinkapi.JobFinished, wantReason: "FINISHED without a confirmed savepoint"},
		{name: "job already cancelled by someone else",
			setup: func(t *testing.T, e *env, job flinkapi.JobID) flinkapi.JobID {
				must(t, e.c.Cancel(context.Background(), job))
				return job
			},
			wantStates: []drain.State{drain.Requested, drain.Cancelled},
			wantErr:    flinkdrain.ErrCancelled, wantJob: flinkapi.JobCanceled, wantReason: "job is CANCELED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			job := e.job(t, tt.behavior)
			if tt.setup != nil {
				job = tt.setup(t, e, job)
			}
			e.srv.ResetRequests()
			op, err := e.drainer(t, func(c *flinkdrain.Config) { c.Fallback = tt.fallback }).Drain(context.Background(), job)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Drain = %v, want %v (operation %+v)", err, tt.wantErr, op)
			}
			if diff := cmp.Diff(tt.wantStates, states(op)); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			if (op.State == drain.Drained) != (op.Location != "") {
				t.Errorf("state %s with location %q: success needs a savepoint", op.State, op.Location)
			}
			if tt.wantReason != "" && !strings.Contains(op.Reason, tt.wantReason) {
				t.Errorf("reason %q lacks %q", op.Reason, tt.wantReason)
			}
			if tt.wantJob != "" {
				if st, _ := e.srv.JobState(job); st != tt.wantJob {
					t.Errorf("job ends %s, want %s", st, tt.wantJob)
				}
			}
			if n := e.srv.CountRequests(stopRoute); n > 0 && !strings.Contains(string(e.srv.Requests()[1].Body), `"drain":true`) {
				t.Errorf("stop sent without drain: %s", e.srv.Requests()[1].Body)
			}
		})
	}
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
