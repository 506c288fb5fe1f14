package flinkapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// JobState is a job's status as Flink reports it. A name this client does
// not know (a state added by a later Flink, or garbage) decodes as
// JobUnknown, never as a string no constant matches.
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
	// JobUnknown is what a state this client does not know decodes to. It
	// is neither running nor terminal: treat it like a transitional state
	// (wait and look again), never as RUNNING.
	JobUnknown JobState = "UNKNOWN"
)

// knownJobStates are the states Flink defines, the ones decoded as they are.
var knownJobStates = []JobState{JobInitializing, JobCreated, JobRunning, JobFailing, JobFailed,
	JobCancelling, JobCanceled, JobFinished, JobRestarting, JobSuspended, JobReconciling}

// Known reports whether s is one of the states Flink defines (JobUnknown
// and the empty state are not).
func (s JobState) Known() bool { return slices.Contains(knownJobStates, s) }

// UnmarshalJSON decodes a state name, mapping a name that is not one of
// Flink's states to JobUnknown. null leaves s as it is.
func (s *JobState) UnmarshalJSON(b []byte) error {
	name, isNull, err := stateName(b)
	if err != nil || isNull {
		return err
	}
	*s = JobState(name)
	if !s.Known() {
		*s = JobUnknown
	}
	return nil
}

// IsGloballyTerminal reports whether the job can never run again in this
// cluster: FINISHED, CANCELED or FAILED. (SUSPENDED is terminal only for this
// JobManager; another one may resume the job.)
func (s JobState) IsGloballyTerminal() bool {
	return s == JobFinished || s == JobCanceled || s == JobFailed
}

// ExecutionState is the state of a vertex or subtask. A name this client
// does not know decodes as ExecUnknown.
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
	// ExecUnknown is what a state this client does not know decodes to.
	ExecUnknown ExecutionState = "UNKNOWN"
)

var knownExecStates = []ExecutionState{ExecCreated, ExecScheduled, ExecDeploying, ExecRunning, ExecFinished,
	ExecCanceling, ExecCanceled, ExecFailed, ExecReconciling, ExecInitializing}

// Known reports whether s is one of the states Flink defines.
func (s ExecutionState) Known() bool { return slices.Contains(knownExecStates, s) }

// UnmarshalJSON decodes a state name, mapping a name that is not one of
// Flink's states to ExecUnknown. null leaves s as it is.
func (s *ExecutionState) UnmarshalJSON(b []byte) error {
	name, isNull, err := stateName(b)
	if err != nil || isNull {
		return err
	}
	*s = ExecutionState(name)
	if !s.Known() {
		*s = ExecUnknown
	}
	return nil
}

// stateName decodes a JSON string, reporting null.
func stateName(b []byte) (name string, isNull bool, err error) {
	if string(b) == "null" {
		return "", true, nil
	}
	err = json.Unmarshal(b, &name)
	return name, false, err
}

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
// finished (GET /jobs/overview). An entry without a valid jid or without a
// state makes the answer an error wrapping ErrDecode; a state the client
// does not know is JobUnknown.
func (c *Client) JobsOverview(ctx context.Context) ([]JobOverview, error) {
	var out struct {
		Jobs []JobOverview `json:"jobs"`
	}
	const path = "/jobs/overview"
	check := func() error {
		for i, j := range out.Jobs {
			if err := j.ID.Validate(); err != nil {
				return invalidAnswer(http.MethodGet, path, "job %d: %v", i, err)
			}
			if j.State == "" {
				return decodeMissing(http.MethodGet, path, fmt.Sprintf("jobs[%d].state", i))
			}
		}
		return nil
	}
	if err := c.do(ctx, call{method: http.MethodGet, route: routeJobsOverview, path: path, out: &out, check: check}); err != nil {
		return nil, err
	}
	return out.Jobs, nil
}

// JobStatus returns a job's current state (GET /jobs/{jobid}/status), the
// cheapest way to poll one job. A state the client does not know is
// JobUnknown.
func (c *Client) JobStatus(ctx context.Context, job JobID) (JobState, error) {
	if err := job.Validate(); err != nil {
		return "", c.refuse(http.MethodGet, routeJobStatus, err)
	}
	var out struct {
		Status JobState `json:"status"`
	}
	path := jobPath(job) + "/status"
	check := func() error {
		if out.Status == "" {
			return decodeMissing(http.MethodGet, path, "status")
		}
		return nil
	}
	if err := c.do(ctx, call{method: http.MethodGet, route: routeJobStatus, path: path, out: &out, check: check}); err != nil {
		return "", err
	}
	return out.Status, nil
}

// Cancel asks Flink to cancel a job without a savepoint (PATCH
// /jobs/{jobid}?mode=cancel) and returns once Flink accepted the request; the
// job passes through CANCELLING to CANCELED afterwards. A job Flink does not
// know gives an error wrapping ErrNotFound; a job that already reached
// another terminal state gives one wrapping ErrConflict, except for a moment
// after it finished: while the JobManager still cleans the job up, Flink
// acknowledges the cancel and nothing happens (the job stays FINISHED), as
// the real tier sees. A caller tells the two apart by the job's state.
func (c *Client) Cancel(ctx context.Context, job JobID) error {
	if err := job.Validate(); err != nil {
		return c.refuse(http.MethodPatch, routeJob, err)
	}
	return c.do(ctx, call{
		method: http.MethodPatch,
		route:  routeJob,
		path:   jobPath(job),
		query:  url.Values{"mode": {"cancel"}},
		want:   []int{http.StatusAccepted, http.StatusOK},
	})
}

func jobPath(job JobID) string { return "/jobs/" + string(job) }

func vertexPath(job JobID, v VertexID) string { return jobPath(job) + "/vertices/" + string(v) }
