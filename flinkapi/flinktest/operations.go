package flinktest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// Outcome is how a savepoint or stop operation ends.
type Outcome int

const (
	// Succeed: the savepoint is written; a stop then finishes the job
	// (FINISHED), a savepoint with cancel-job cancels it (CANCELED).
	Succeed Outcome = iota
	// FailSavepoint: the savepoint fails and the job keeps running, as when
	// a checkpoint expires before completing.
	FailSavepoint
	// FailAfterSavepoint (stop only): the savepoint is written but the tasks
	// do not finish; the job fails over (RESTARTING, then RUNNING) and the
	// operation fails with a StopWithSavepointStoppingException whose
	// message names the savepoint path.
	FailAfterSavepoint
)

// SavepointBehavior decides how a job's savepoint and stop operations end.
type SavepointBehavior struct {
	// Delay is how long an operation stays IN_PROGRESS. Default: 0 (done at
	// the next request).
	Delay time.Duration
	// Outcome is how operations end. Default: Succeed.
	Outcome Outcome
	// Sequence, if set, is how the job's next operations end, one entry
	// per operation started, in order; Outcome applies once it is used up.
	Sequence []Outcome
	// FailureMessage is the cause of a FailSavepoint. Default: "Checkpoint
	// expired before completing." (the checkpoint timeout passed).
	FailureMessage string
	// Directory is the default savepoint directory. Default:
	// "file:/tmp/flink-savepoints".
	Directory string
}

func (b SavepointBehavior) validate() error {
	if b.Delay < 0 || b.Outcome < Succeed || b.Outcome > FailAfterSavepoint {
		return fmt.Errorf("%w: SavepointBehavior %+v", ErrInvalidConfig, b)
	}
	for _, o := range b.Sequence {
		if o < Succeed || o > FailAfterSavepoint {
			return fmt.Errorf("%w: SavepointBehavior.Sequence has outcome %d", ErrInvalidConfig, o)
		}
	}
	return nil
}

// SetSavepointBehavior changes how a job's next operations end.
func (s *Server) SetSavepointBehavior(id flinkapi.JobID, b SavepointBehavior) error {
	if err := b.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return err
	}
	j.savepoints = b
	return nil
}

// operation is one savepoint or stop operation.
type operation struct {
	id        flinkapi.TriggerID
	stop      bool // stop-with-savepoint, else savepoint
	drain     bool
	cancelJob bool
	directory string
	outcome   Outcome
	due       time.Time
	done      bool
	doneAt    time.Time
	location  string
	failure   *flinkapi.FailureCause
	message   string // the cause of a FailSavepoint
}

// Operations returns how many savepoint and stop operations a job has
// started: with triggerId de-duplication, a retried POST does not add one.
func (s *Server) Operations(id flinkapi.JobID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return 0, err
	}
	return len(j.opOrder), nil
}

func (s *Server) postSavepoint(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	var body struct {
		TargetDirectory string             `json:"target-directory"`
		CancelJob       bool               `json:"cancel-job"`
		TriggerID       flinkapi.TriggerID `json:"triggerId"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	s.startOperation(w, j, now, &operation{id: body.TriggerID, cancelJob: body.CancelJob, directory: body.TargetDirectory})
}

func (s *Server) postStop(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	var body struct {
		TargetDirectory string             `json:"targetDirectory"`
		Drain           bool               `json:"drain"`
		TriggerID       flinkapi.TriggerID `json:"triggerId"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	s.startOperation(w, j, now, &operation{id: body.TriggerID, stop: true, drain: body.Drain, directory: body.TargetDirectory})
}

// startOperation registers op, or answers the existing operation when its
// triggerId is already known (Flink's de-duplication).
func (s *Server) startOperation(w http.ResponseWriter, j *job, now time.Time, op *operation) {
	if op.id == "" {
		op.id = flinkapi.TriggerID(hexID(fmt.Sprintf("%s/op/%d/%d", j.id, len(j.opOrder), now.UnixNano())))
	} else if err := op.id.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, "Request did not match expected format: "+err.Error())
		return
	}
	if prev, dup := j.ops[op.id]; dup && prev.done && prev.failure != nil {
		// Flink refuses to re-trigger a triggerId whose operation failed.
		writeError(w, http.StatusConflict, fmt.Sprintf("Operation with triggerId=%s for job %s already failed.", op.id, j.id))
		return
	}
	if _, dup := j.ops[op.id]; !dup {
		if op.directory == "" {
			op.directory = j.savepoints.Directory
			if op.directory == "" {
				op.directory = "file:/tmp/flink-savepoints"
			}
		}
		op.outcome, op.message = j.savepoints.Outcome, j.savepoints.FailureMessage
		if len(j.savepoints.Sequence) > 0 {
			op.outcome, j.savepoints.Sequence = j.savepoints.Sequence[0], j.savepoints.Sequence[1:]
		}
		if op.message == "" {
			op.message = "Checkpoint expired before completing."
		}
		if !op.stop && op.outcome == FailAfterSavepoint {
			op.outcome = Succeed
		}
		op.due = now.Add(j.savepoints.Delay)
		if j.state != flinkapi.JobRunning {
			op.outcome, op.due = FailSavepoint, now
		}
		j.ops[op.id] = op
		j.opOrder = append(j.opOrder, op.id)
	}
	writeJSON(w, http.StatusAccepted, map[string]flinkapi.TriggerID{"request-id": op.id})
}

// complete ends op at now and applies its effect on the job.
func (s *Server) complete(j *job, op *operation, now time.Time) {
	op.done, op.doneAt = true, now
	path := fmt.Sprintf("%s/savepoint-%s-%s", op.directory, string(j.id)[:6], string(op.id)[:12])
	switch {
	case op.outcome == FailSavepoint && op.stop && j.state == flinkapi.JobRestarting:
		// Flink 1.20.5's adaptive scheduler, measured by flinkdrain's real
		// tier: a stop sent while a rescale restarts the job.
		op.failure = exceptionCause("org.apache.flink.util.FlinkException", "Stop with savepoint operation could not be completed.")
	case op.outcome == FailSavepoint && j.state != flinkapi.JobRunning:
		op.failure = exceptionCause("org.apache.flink.runtime.checkpoint.CheckpointException",
			fmt.Sprintf("Job %s is not in state RUNNING but %s instead. Aborting checkpoint.", j.id, j.state))
	case op.outcome == FailSavepoint:
		op.failure = exceptionCause("org.apache.flink.runtime.checkpoint.CheckpointException", op.message)
	case op.outcome == FailAfterSavepoint:
		s.recordSavepoint(j, op, path, now)
		op.failure = exceptionCause("org.apache.flink.runtime.scheduler.stopwithsavepoint.StopWithSavepointStoppingException",
			fmt.Sprintf("A savepoint has been created at: %s, but the corresponding job %s failed during stopping. "+
				"The savepoint is consistent, but might have uncommitted transactions. "+
				"If you want to commit the transaction please restart a job from this savepoint.", path, j.id))
		s.restart(j, now)
	default:
		s.recordSavepoint(j, op, path, now)
		op.location = path
		switch {
		case op.stop:
			j.finish(flinkapi.JobFinished, now)
		case op.cancelJob:
			j.finish(flinkapi.JobCanceled, now)
		}
	}
}

func (s *Server) recordSavepoint(j *job, op *operation, path string, now time.Time) {
	kind := "SAVEPOINT"
	if op.stop {
		kind = "SYNC_SAVEPOINT"
	}
	_ = j.addCheckpoint(flinkapi.Checkpoint{
		Status: flinkapi.CheckpointCompleted, IsSavepoint: true, CheckpointType: kind, SavepointFormat: "CANONICAL",
		TriggerTimestamp: millis(op.due.Add(-j.savepoints.Delay)), LatestAckTimestamp: millis(now),
		EndToEndDuration: ms(j.savepoints.Delay), ExternalPath: path,
	})
}

// failOpen fails the job's operations still in progress, as when the job
// is cancelled under them.
func (s *Server) failOpen(j *job, now time.Time, class, msg string) {
	for _, tid := range j.opOrder {
		if op := j.ops[tid]; op != nil && !op.done {
			op.done, op.doneAt = true, now
			op.failure = exceptionCause(class, msg)
		}
	}
}

// exceptionCause renders a failure the way Flink wraps it in the async
// operation result: a CompletionException around the cause.
func exceptionCause(class, msg string) *flinkapi.FailureCause {
	return &flinkapi.FailureCause{
		Class: "java.util.concurrent.CompletionException",
		StackTrace: fmt.Sprintf("java.util.concurrent.CompletionException: %s: %s\n"+
			"\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable(CompletableFuture.java:332)\n"+
			"Caused by: %s: %s\n", class, msg, class, msg),
		SerializedThrowable: "rO0ABXNyAA==", // opaque Java-serialized bytes; never decoded
	}
}

func (s *Server) getOperation(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	tid := flinkapi.TriggerID(r.PathValue("triggerid"))
	op, ok := j.ops[tid]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("There is no savepoint operation with triggerId=%s for job %s.", tid, j.id))
		return
	}
	writeOperation(w, op)
}

// writeOperation answers an operation's status.
func writeOperation(w http.ResponseWriter, op *operation) {
	type info struct {
		Location     string                 `json:"location,omitempty"`
		FailureCause *flinkapi.FailureCause `json:"failure-cause,omitempty"`
	}
	out := struct {
		Status    map[string]string `json:"status"`
		Operation *info             `json:"operation"` // null while IN_PROGRESS, as Flink writes it
	}{Status: map[string]string{"id": "IN_PROGRESS"}}
	if op.done {
		out.Status["id"] = "COMPLETED"
		out.Operation = &info{Location: op.location, FailureCause: op.failure}
	}
	writeJSON(w, http.StatusOK, out)
}
