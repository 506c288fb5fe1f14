package flinkapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

func TestSavepointAndStop(t *testing.T) {
	tests := []struct {
		name      string
		behavior  flinktest.SavepointBehavior
		trigger   func(c *flinkapi.Client, id flinkapi.JobID) (flinkapi.TriggerID, error)
		wantErr   bool
		wantPath  bool // a failure that still carries a savepoint path
		wantState flinkapi.JobState
	}{
		{"savepoint", flinktest.SavepointBehavior{}, func(c *flinkapi.Client, id flinkapi.JobID) (flinkapi.TriggerID, error) {
			return c.TriggerSavepoint(context.Background(), id, flinkapi.SavepointRequest{TargetDirectory: "s3://bucket/sp"})
		}, false, false, flinkapi.JobRunning},
		{"savepoint and cancel", flinktest.SavepointBehavior{}, func(c *flinkapi.Client, id flinkapi.JobID) (flinkapi.TriggerID, error) {
			return c.TriggerSavepoint(context.Background(), id, flinkapi.SavepointRequest{CancelJob: true, Format: flinkapi.FormatNative})
		}, false, false, flinkapi.JobCanceled},
		{"stop with drain", flinktest.SavepointBehavior{}, stopDrain, false, false, flinkapi.JobFinished},
		{"savepoint fails, job keeps running", flinktest.SavepointBehavior{Outcome: flinktest.FailSavepoint}, stopDrain, true, false, flinkapi.JobRunning},
		{"savepoint written, stopping fails", flinktest.SavepointBehavior{Outcome: flinktest.FailAfterSavepoint}, stopDrain, true, true, flinkapi.JobRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, flinktest.Config{})
			spec := pipeline()
			spec.Savepoints = tt.behavior
			id, _ := e.addJob(t, spec)
			tid, err := tt.trigger(e.c, id)
			if err != nil {
				t.Fatal(err)
			}
			loc, err := e.c.WaitOperation(context.Background(), id, tid)
			var opErr *flinkapi.OperationError
			switch {
			case tt.wantErr && (!errors.Is(err, flinkapi.ErrOperationFailed) || !errors.As(err, &opErr)):
				t.Fatalf("WaitOperation = %q, %v; want an *OperationError", loc, err)
			case tt.wantErr:
				path, ok := opErr.Cause.SavepointPath()
				if ok != tt.wantPath || opErr.Cause.Class == "" || !strings.Contains(err.Error(), "Exception") {
					t.Errorf("failure %v: SavepointPath = %q, %v; want ok=%v, with class and message", err, path, ok, tt.wantPath)
				}
			case err != nil || loc == "":
				t.Fatalf("WaitOperation = %q, %v; want a savepoint location", loc, err)
			}
			if st, _ := e.c.JobStatus(context.Background(), id); st != tt.wantState {
				t.Errorf("job state = %s, want %s", st, tt.wantState)
			}
		})
	}
}

func stopDrain(c *flinkapi.Client, id flinkapi.JobID) (flinkapi.TriggerID, error) {
	return c.StopWithSavepoint(context.Background(), id, flinkapi.StopRequest{Drain: true})
}

// The trigger body carries drain explicitly and a 32-hex triggerId.
func TestStopBodyOnTheWire(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, _ := e.addJob(t, pipeline())
	for _, drain := range []bool{true, false} {
		tid, err := e.c.StopWithSavepoint(context.Background(), id, flinkapi.StopRequest{Drain: drain})
		if err != nil {
			t.Fatal(err)
		}
		reqs := e.srv.Requests()
		var body map[string]any
		if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil {
			t.Fatal(err)
		}
		if body["drain"] != drain || body["triggerId"] != string(tid) || tid.Validate() != nil {
			t.Errorf("stop body = %v, trigger %q; want drain=%v and the returned 32-hex triggerId", body, tid, drain)
		}
	}
}

// A stop whose first POST is lost (connection dropped) is retried with the
// same triggerId, and the JobManager starts one savepoint, not two.
func TestRetriedStopStartsOneSavepoint(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, _ := e.addJob(t, pipeline())
	route := "POST /jobs/{jobid}/stop"
	if err := e.srv.InjectFault(route, flinktest.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	tid, err := e.c.StopWithSavepoint(context.Background(), id, flinkapi.StopRequest{Drain: true})
	if err != nil {
		t.Fatal(err)
	}
	// The same request again, as a controller restarted after a crash would
	// send it, names the same operation.
	again, err := e.c.StopWithSavepoint(context.Background(), id, flinkapi.StopRequest{Drain: true, TriggerID: tid})
	if err != nil || again != tid {
		t.Fatalf("re-sent stop = %q, %v; want %q", again, err, tid)
	}
	if n := e.srv.CountRequests(route); n != 3 {
		t.Errorf("%d stop requests reached the server, want 3 (503, retry, re-send)", n)
	}
	if n, _ := e.srv.Operations(id); n != 1 {
		t.Errorf("%d operations started, want 1", n)
	}
	var ids []string
	for _, r := range e.srv.Requests() {
		if r.Route == route {
			var b struct{ TriggerID string }
			_ = json.Unmarshal(r.Body, &b)
			ids = append(ids, b.TriggerID)
		}
	}
	if len(ids) != 3 || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("trigger IDs sent: %v; want the same one three times", ids)
	}
}

func TestRetriedPostAfterDroppedConnection(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, _ := e.addJob(t, pipeline())
	route := "POST /jobs/{jobid}/savepoints"
	if err := e.srv.InjectFault(route, flinktest.Fault{Drop: true}); err != nil {
		t.Fatal(err)
	}
	tid, err := e.c.TriggerSavepoint(context.Background(), id, flinkapi.SavepointRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := e.srv.Operations(id); n != 1 || e.srv.CountRequests(route) != 2 {
		t.Errorf("%d operations after %d POSTs; want 1 after 2", n, e.srv.CountRequests(route))
	}
	if _, err := e.c.WaitOperation(context.Background(), id, tid); err != nil {
		t.Error(err)
	}
}

func TestWaitOperationInProgressThenDone(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	spec := pipeline()
	spec.Savepoints = flinktest.SavepointBehavior{Delay: 30 * time.Second}
	id, _ := e.addJob(t, spec)
	ctx := context.Background()
	tid, err := e.c.TriggerSavepoint(ctx, id, flinkapi.SavepointRequest{})
	if err != nil {
		t.Fatal(err)
	}
	op, err := e.c.SavepointStatus(ctx, id, tid)
	if err != nil || op.Status != flinkapi.OperationInProgress {
		t.Fatalf("status = %+v, %v; want IN_PROGRESS", op, err)
	}
	// WaitOperation returns when ctx ends while the operation is running.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := e.c.WaitOperation(short, id, tid); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitOperation with a short ctx = %v, want DeadlineExceeded", err)
	}
	e.clock.Advance(30 * time.Second)
	loc, err := e.c.WaitOperation(ctx, id, tid)
	if err != nil || !strings.HasPrefix(loc, "file:/tmp/flink-savepoints/") {
		t.Errorf("WaitOperation = %q, %v", loc, err)
	}
	st, err := e.c.Checkpoints(ctx, id)
	if err != nil || st.Latest.Savepoint == nil || st.Latest.Savepoint.ExternalPath != loc {
		t.Errorf("latest savepoint in stats = %+v, %v; want %q", st.Latest.Savepoint, err, loc)
	}
}

func TestTriggerIDValidation(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, _ := e.addJob(t, pipeline())
	_, err := e.c.TriggerSavepoint(context.Background(), id, flinkapi.SavepointRequest{TriggerID: "not-hex"})
	if !errors.Is(err, flinkapi.ErrInvalidRequest) {
		t.Errorf("bad trigger ID: %v, want ErrInvalidRequest", err)
	}
	a, b := flinkapi.NewTriggerID(), flinkapi.NewTriggerID()
	if a == b || a.Validate() != nil || b.Validate() != nil {
		t.Errorf("NewTriggerID gave %q and %q; want two distinct valid IDs", a, b)
	}
}
