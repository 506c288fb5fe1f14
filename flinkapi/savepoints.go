package flinkapi

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// SavepointFormat is the binary format of a savepoint.
type SavepointFormat string

// Savepoint formats. The empty format lets Flink choose (CANONICAL).
const (
	FormatCanonical SavepointFormat = "CANONICAL"
	FormatNative    SavepointFormat = "NATIVE"
)

// SavepointRequest triggers a savepoint.
type SavepointRequest struct {
	// TargetDirectory is where Flink writes the savepoint. Empty means the
	// cluster's state.savepoints.dir.
	TargetDirectory string
	// CancelJob cancels the job once the savepoint completed.
	CancelJob bool
	// Format is the savepoint format; empty lets Flink choose.
	Format SavepointFormat
	// TriggerID names the operation. Empty means a fresh random ID. Sending
	// the same TriggerID again (within Flink's rest.async.store-duration, 5
	// minutes by default) names the same operation instead of starting a
	// second one; the client relies on this to retry the POST safely.
	TriggerID TriggerID
}

// StopRequest stops a job with a savepoint.
type StopRequest struct {
	// TargetDirectory is where Flink writes the savepoint. Empty means the
	// cluster's state.savepoints.dir.
	TargetDirectory string
	// Drain makes sources emit MAX_WATERMARK before the savepoint, so every
	// event-time timer fires and windows flush. Flink recommends draining
	// only when stopping for good: resuming a windowed job from a drained
	// savepoint can give wrong results.
	Drain bool
	// Format is the savepoint format; empty lets Flink choose.
	Format SavepointFormat
	// TriggerID names the operation; see SavepointRequest.TriggerID.
	TriggerID TriggerID
}

type savepointBody struct {
	TargetDirectory string          `json:"target-directory,omitempty"`
	CancelJob       bool            `json:"cancel-job"`
	FormatType      SavepointFormat `json:"formatType,omitempty"`
	TriggerID       TriggerID       `json:"triggerId"`
}

type stopBody struct {
	TargetDirectory string          `json:"targetDirectory,omitempty"`
	Drain           bool            `json:"drain"`
	FormatType      SavepointFormat `json:"formatType,omitempty"`
	TriggerID       TriggerID       `json:"triggerId"`
}

// TriggerSavepoint starts a savepoint (POST /jobs/{jobid}/savepoints) and
// returns the trigger ID to poll with SavepointStatus or WaitOperation.
func (c *Client) TriggerSavepoint(ctx context.Context, job JobID, req SavepointRequest) (TriggerID, error) {
	tid, err := triggerID(req.TriggerID)
	if err != nil {
		return "", c.refuse(http.MethodPost, routeSavepoints, err)
	}
	body := savepointBody{req.TargetDirectory, req.CancelJob, req.Format, tid}
	return c.trigger(ctx, job, routeSavepoints, "/savepoints", body, tid)
}

// StopWithSavepoint stops a job with a savepoint, draining it when
// req.Drain is set (POST /jobs/{jobid}/stop), and returns the trigger ID to
// poll with SavepointStatus or WaitOperation.
func (c *Client) StopWithSavepoint(ctx context.Context, job JobID, req StopRequest) (TriggerID, error) {
	tid, err := triggerID(req.TriggerID)
	if err != nil {
		return "", c.refuse(http.MethodPost, routeStop, err)
	}
	body := stopBody{req.TargetDirectory, req.Drain, req.Format, tid}
	return c.trigger(ctx, job, routeStop, "/stop", body, tid)
}

func triggerID(t TriggerID) (TriggerID, error) {
	if t == "" {
		return NewTriggerID(), nil
	}
	return t, t.Validate()
}

func (c *Client) trigger(ctx context.Context, job JobID, route, suffix string, body any, tid TriggerID) (TriggerID, error) {
	if err := job.Validate(); err != nil {
		return "", c.refuse(http.MethodPost, route, err)
	}
	var out struct {
		RequestID TriggerID `json:"request-id"`
	}
	path := jobPath(job) + suffix
	check := func() error {
		if out.RequestID == "" {
			return decodeMissing(http.MethodPost, path, "request-id")
		}
		return nil
	}
	err := c.do(ctx, call{method: http.MethodPost, route: route, path: path, body: body, want: []int{http.StatusAccepted, http.StatusOK}, out: &out, check: check})
	if err != nil {
		return "", err
	}
	if out.RequestID != tid {
		// Flink before 1.15 ignores a client triggerId; the operation is
		// then known by the ID it returned, and a retried POST was not
		// deduplicated.
		c.log.WarnContext(ctx, "flinkapi: JobManager ignored the client trigger ID",
			"path", path, "sent", string(tid), "got", string(out.RequestID))
	}
	return out.RequestID, nil
}

// OperationStatus is the state of an asynchronous operation.
type OperationStatus string

// Operation states.
const (
	OperationInProgress OperationStatus = "IN_PROGRESS"
	OperationCompleted  OperationStatus = "COMPLETED"
)

// Operation is the state of a savepoint or stop operation.
type Operation struct {
	Status OperationStatus
	// Location is the savepoint path once the operation completed
	// successfully.
	Location string
	// FailureCause is set once the operation completed with a failure.
	FailureCause *FailureCause
}

// SavepointStatus returns the state of a savepoint or stop operation (GET
// /jobs/{jobid}/savepoints/{triggerid}). An unknown or expired trigger ID
// gives an error wrapping ErrNotFound.
func (c *Client) SavepointStatus(ctx context.Context, job JobID, trigger TriggerID) (Operation, error) {
	if err := job.Validate(); err != nil {
		return Operation{}, c.refuse(http.MethodGet, routeSavepointStatus, err)
	}
	if err := trigger.Validate(); err != nil {
		return Operation{}, c.refuse(http.MethodGet, routeSavepointStatus, err)
	}
	var out struct {
		Status struct {
			ID OperationStatus `json:"id"`
		} `json:"status"`
		Operation *struct {
			Location     string        `json:"location"`
			FailureCause *FailureCause `json:"failure-cause"`
		} `json:"operation"`
	}
	path := jobPath(job) + "/savepoints/" + string(trigger)
	var op Operation
	check := func() error {
		op.Status = out.Status.ID
		switch op.Status {
		case OperationInProgress:
		case OperationCompleted:
			if out.Operation == nil {
				return decodeMissing(http.MethodGet, path, "operation")
			}
			op.Location = out.Operation.Location
			if fc := out.Operation.FailureCause; fc != nil {
				// A failure's text ends up in *OperationError's: no header
				// value in it.
				op.FailureCause = &FailureCause{Class: c.redact.string(fc.Class),
					StackTrace: c.redact.string(fc.StackTrace), SerializedThrowable: fc.SerializedThrowable}
			}
		default:
			return fmt.Errorf("%w: GET %s: unknown operation status %q", ErrDecode, path, op.Status)
		}
		return nil
	}
	if err := c.do(ctx, call{method: http.MethodGet, route: routeSavepointStatus, path: path, out: &out, check: check}); err != nil {
		return Operation{}, err
	}
	return op, nil
}

// Polling bounds of WaitOperation, as in Flink's own REST client.
const (
	waitFirst = 10 * time.Millisecond
	waitCap   = 2 * time.Second
)

// WaitOperation polls a savepoint or stop operation until it completes,
// waiting 10ms, then twice as long each time up to 2s between polls. It
// returns the savepoint location, or an *OperationError (wrapping
// ErrOperationFailed) with Flink's failure cause, or ctx's error when ctx
// ends first. An operation that completes without a location and without a
// failure cause is an error: success is never reported without a savepoint.
// A trigger ID Flink no longer knows (its result expired after
// rest.async.store-duration, 5 minutes by default, or was lost in a
// JobManager failover) gives an error wrapping ErrNotFound: the outcome is
// then unknown, not failed.
func (c *Client) WaitOperation(ctx context.Context, job JobID, trigger TriggerID) (string, error) {
	wait := waitFirst
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("flinkapi: wait for operation %s on job %s: %w", trigger, job, ctx.Err())
		case <-timer.C:
		}
		op, err := c.SavepointStatus(ctx, job, trigger)
		if err != nil {
			return "", err
		}
		if op.Status == OperationCompleted {
			switch {
			case op.FailureCause != nil:
				return "", &OperationError{JobID: job, TriggerID: trigger, Cause: *op.FailureCause}
			case op.Location == "":
				return "", fmt.Errorf("%w: operation %s on job %s completed without a savepoint location", ErrDecode, trigger, job)
			}
			return op.Location, nil
		}
		timer.Reset(wait)
		wait = min(2*wait, waitCap)
	}
}
