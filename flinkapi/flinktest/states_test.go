package flinktest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// HoldState shows the job in a state, stops fail meanwhile, and the job
// runs again after the duration; savepoints end in the given sequence; a
// triggerId re-sent after its operation failed is answered 409.
func TestHoldStateSequenceAndConflict(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	srv := flinktest.Start(t, flinktest.Config{Clock: clock})
	job, _, err := srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{Name: "Source"}},
		Savepoints: flinktest.SavepointBehavior{Sequence: []flinktest.Outcome{flinktest.FailSavepoint, flinktest.Succeed},
			FailureMessage: "Checkpoint was declined"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := srv.HoldState(job, flinkapi.JobRunning, time.Minute); !errors.Is(err, flinktest.ErrInvalidConfig) {
		t.Errorf("HoldState RUNNING: %v", err)
	}
	if err := srv.HoldState(job, flinkapi.JobReconciling, time.Minute); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.JobStatus(ctx, job); st != flinkapi.JobReconciling {
		t.Errorf("held job is %s", st)
	}
	tid, err := c.StopWithSavepoint(ctx, job, flinkapi.StopRequest{Drain: true})
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.SavepointStatus(ctx, job, tid)
	if err != nil || op.FailureCause == nil || !strings.Contains(op.FailureCause.StackTrace, "not in state RUNNING but RECONCILING") {
		t.Errorf("stop while RECONCILING: %+v, %v", op, err)
	}
	if _, err := c.StopWithSavepoint(ctx, job, flinkapi.StopRequest{Drain: true, TriggerID: tid}); !errors.Is(err, flinkapi.ErrConflict) {
		t.Errorf("re-sent failed trigger: %v, want 409", err)
	}
	clock.Advance(time.Minute)
	if st, _ := c.JobStatus(ctx, job); st != flinkapi.JobRunning {
		t.Errorf("after the hold the job is %s", st)
	}
	// The sequence's first entry went to the stop above; the next succeeds.
	tid, err = c.StopWithSavepoint(ctx, job, flinkapi.StopRequest{Drain: true})
	if err != nil {
		t.Fatal(err)
	}
	if op, err := c.SavepointStatus(ctx, job, tid); err != nil || op.Location == "" {
		t.Errorf("second stop: %+v, %v", op, err)
	}
	if st, _ := c.JobStatus(ctx, job); st != flinkapi.JobFinished {
		t.Errorf("job is %s after a successful stop", st)
	}
}

// FailureMessage names the cause of a failed savepoint of a running job.
func TestFailureMessage(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{})
	job, _, err := srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{Name: "Source"}},
		Savepoints: flinktest.SavepointBehavior{Outcome: flinktest.FailSavepoint, FailureMessage: "Checkpoint was declined (tasks not ready)"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	tid, err := c.TriggerSavepoint(context.Background(), job, flinkapi.SavepointRequest{})
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.SavepointStatus(context.Background(), job, tid)
	if err != nil || op.FailureCause == nil || !strings.Contains(op.FailureCause.Summary(), "tasks not ready") {
		t.Errorf("failed savepoint: %+v, %v", op, err)
	}
}
