package flinkapi

import (
	"context"
	"net/http"
	"net/url"
)

// JobState is a job's status as Flink reports it.
type JobState string

// Job states (org.apache.flink.api.common.JobStatus).
const (
	JobInitializing JobState = "INITIALIZING"
	JobCreated      JobState = "CREATED"
	JobRunning      JobState = "RUNNING"
	JobFailing      JobState = "FAILING"
	JobFailed       JobState = "FAILED"
	JobCancelling   JobState = "CANCELLING"
	JobCanceled     JobState = "CANCELED"
	JobFinished     JobState = "FINISHED"
	JobRestarting   JobState = "RESTARTING"
	JobSuspended    JobState = "SUSPENDED"
	JobReconciling  JobState = "RECONCILING"
)

// IsGloballyTerminal reports whether the job can never run again in this
// cluster: FINISHED, CANCELED or FAILED. (SUSPENDED is terminal only for this
// JobManager; another one may resume the job.)
func (s JobState) IsGloballyTerminal() bool {
	return s == JobFinished || s == JobCanceled || s == JobFailed
}

// ExecutionState is the state of a vertex or subtask.
type ExecutionState string

// Execution states (org.apache.flink.runtime.execution.ExecutionState).
const (
	ExecCreated      ExecutionState = "CREATED"
	ExecScheduled    ExecutionState = "SCHEDULED"
	ExecDeploying    ExecutionState = "DEPLOYING"
	ExecRunning      ExecutionState = "RUNNING"
	ExecFinished     ExecutionState = "FINISHED"
	ExecCanceling    ExecutionState = "CANCELING"
	ExecCanceled     ExecutionState = "CANCELED"
	ExecFailed       ExecutionState = "FAILED"
	ExecReconciling  ExecutionState = "RECONCILING"
	ExecInitializing ExecutionState = "INITIALIZING"
)

// JobOverview is one entry of GET /jobs/overview.
type JobOverview struct {
	ID               JobID       `json:"jid"`
	Name             string      `json:"name"`
	State            JobState    `json:"state"`
	StartTime        EpochMillis `json:"start-time"`
	EndTime          EpochMillis `json:"end-time"`
	Duration         Millis      `json:"duration"`
	LastModification EpochMillis `json:"last-modification"`
	// Tasks counts the job's tasks per execution state, keyed by the
	// lower-case state name plus "total" ("running", "finished", ...).
	Tasks map[string]int `json:"tasks"`
}

// JobsOverview returns every job the JobManager knows, running or recently
// finished (GET /jobs/overview).
func (c *Client) JobsOverview(ctx context.Context) ([]JobOverview, error) {
	var out struct {
		Jobs []JobOverview `json:"jobs"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, path: "/jobs/overview", out: &out}); err != nil {
		return nil, err
	}
	return out.Jobs, nil
}

// JobStatus returns a job's current state (GET /jobs/{jobid}/status), the
// cheapest way to poll one job.
func (c *Client) JobStatus(ctx context.Context, job JobID) (JobState, error) {
	if err := job.Validate(); err != nil {
		return "", err
	}
	var out struct {
		Status JobState `json:"status"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, path: jobPath(job) + "/status", out: &out}); err != nil {
		return "", err
	}
	if out.Status == "" {
		return "", decodeMissing("GET", jobPath(job)+"/status", "status")
	}
	return out.Status, nil
}

// Cancel asks Flink to cancel a job without a savepoint (PATCH
// /jobs/{jobid}?mode=cancel) and returns once Flink accepted the request; the
// job passes through CANCELLING to CANCELED afterwards. A job Flink does not
// know gives an error wrapping ErrNotFound; a job that already reached
// another terminal state gives one wrapping ErrConflict.
func (c *Client) Cancel(ctx context.Context, job JobID) error {
	if err := job.Validate(); err != nil {
		return err
	}
	return c.do(ctx, call{
		method: http.MethodPatch,
		path:   jobPath(job),
		query:  url.Values{"mode": {"cancel"}},
		want:   []int{http.StatusAccepted, http.StatusOK},
	})
}

func jobPath(job JobID) string { return "/jobs/" + string(job) }

func vertexPath(job JobID, v VertexID) string { return jobPath(job) + "/vertices/" + string(v) }
