package flinkapi

import (
	"context"
	"net/http"
	"time"
)

// JobDetails is the answer of GET /jobs/{jobid}: the job's state, its
// vertices with parallelism and accumulated IO counters, and its plan
// (the edges between vertices).
type JobDetails struct {
	ID          JobID       `json:"jid"`
	Name        string      `json:"name"`
	IsStoppable bool        `json:"isStoppable"`
	State       JobState    `json:"state"`
	StartTime   EpochMillis `json:"start-time"`
	EndTime     EpochMillis `json:"end-time"`
	Duration    Millis      `json:"duration"`
	// MaxParallelism is the job-level setting, -1 when the job does not set
	// one; each Vertex carries its effective maxParallelism.
	MaxParallelism int `json:"maxParallelism"`
	// Now is the JobManager's clock when it answered.
	Now EpochMillis `json:"now"`
	// Timestamps holds, per state, the last time the job switched to it.
	// Timestamps[JobRunning] moving forward means the job restarted. The
	// keys are the names Flink sends, also for states the client does not
	// know.
	Timestamps   map[JobState]EpochMillis `json:"timestamps"`
	Vertices     []Vertex                 `json:"vertices"`
	StatusCounts map[ExecutionState]int   `json:"status-counts"`
	Plan         Plan                     `json:"plan"`
}

// LastRunning returns when the job last switched to RUNNING (zero if never):
// the way to detect a restart or rescale.
func (d JobDetails) LastRunning() time.Time { return d.Timestamps[JobRunning].Time() }

// Vertex returns the vertex with the given ID.
func (d JobDetails) Vertex(id VertexID) (Vertex, bool) {
	for _, v := range d.Vertices {
		if v.ID == id {
			return v, true
		}
	}
	return Vertex{}, false
}

// Inputs returns the plan edges that feed vertex id (none for a source).
func (d JobDetails) Inputs(id VertexID) []PlanInput {
	for _, n := range d.Plan.Nodes {
		if n.ID == id {
			return n.Inputs
		}
	}
	return nil
}

// Vertex is one job vertex in JobDetails: a chain of operators run as one
// task with Parallelism subtasks.
type Vertex struct {
	ID   VertexID `json:"id"`
	Name string   `json:"name"`
	// SlotSharingGroupID is the 32-hex ID of the vertex's slot-sharing group
	// (the spec documents an object; Flink sends a string).
	SlotSharingGroupID string `json:"slotSharingGroupId"`
	// SlotSharingGroupName is sent by Flink 2.x only.
	SlotSharingGroupName string                 `json:"slotSharingGroupName,omitempty"`
	MaxParallelism       int                    `json:"maxParallelism"`
	Parallelism          int                    `json:"parallelism"`
	Status               ExecutionState         `json:"status"`
	StartTime            EpochMillis            `json:"start-time"`
	EndTime              EpochMillis            `json:"end-time"`
	Duration             Millis                 `json:"duration"`
	Tasks                map[ExecutionState]int `json:"tasks"`
	Metrics              IOMetrics              `json:"metrics"`
}

// IOMetrics are a vertex's or subtask's accumulated IO counters. The
// *Complete flags are false while some subtask has not reported yet.
type IOMetrics struct {
	ReadBytes            int64 `json:"read-bytes"`
	ReadBytesComplete    bool  `json:"read-bytes-complete"`
	WriteBytes           int64 `json:"write-bytes"`
	WriteBytesComplete   bool  `json:"write-bytes-complete"`
	ReadRecords          int64 `json:"read-records"`
	ReadRecordsComplete  bool  `json:"read-records-complete"`
	WriteRecords         int64 `json:"write-records"`
	WriteRecordsComplete bool  `json:"write-records-complete"`
	// Accumulated times are in milliseconds. AccumulatedBusyTime is NaN
	// (sent as the string "NaN") when Flink cannot measure it, as for
	// legacy sources.
	AccumulatedBackpressuredTime int64 `json:"accumulated-backpressured-time"`
	AccumulatedIdleTime          int64 `json:"accumulated-idle-time"`
	AccumulatedBusyTime          Float `json:"accumulated-busy-time"`
}

// Plan is the job's logical plan: one node per vertex, with its inputs.
type Plan struct {
	JID   JobID      `json:"jid"`
	Name  string     `json:"name"`
	Type  string     `json:"type"`
	Nodes []PlanNode `json:"nodes"`
}

// PlanNode is a vertex in the plan.
type PlanNode struct {
	ID               VertexID    `json:"id"`
	Parallelism      int         `json:"parallelism"`
	Operator         string      `json:"operator"`
	OperatorStrategy string      `json:"operator_strategy"`
	Description      string      `json:"description"`
	Inputs           []PlanInput `json:"inputs,omitempty"`
}

// Ship strategies seen on plan edges.
const (
	ShipForward   = "FORWARD"
	ShipHash      = "HASH"
	ShipRebalance = "REBALANCE"
	ShipRescale   = "RESCALE"
	ShipBroadcast = "BROADCAST"
	ShipGlobal    = "GLOBAL"
)

// PlanInput is an edge into a plan node.
type PlanInput struct {
	Num          int      `json:"num"`
	ID           VertexID `json:"id"`
	ShipStrategy string   `json:"ship_strategy"`
	Exchange     string   `json:"exchange,omitempty"`
}

// IsKeyed reports whether the edge partitions records by key (keyBy), which
// ties the target's useful parallelism to its maxParallelism (key groups).
func (in PlanInput) IsKeyed() bool { return in.ShipStrategy == ShipHash }

// JobDetails returns a job's details (GET /jobs/{jobid}). An answer that
// cannot be the job's (another jid, a vertex listed twice or with a
// parallelism below 1) is an error wrapping ErrInvalidAnswer and ErrDecode;
// a state the client does not know is JobUnknown (ExecUnknown for a
// vertex).
func (c *Client) JobDetails(ctx context.Context, job JobID) (JobDetails, error) {
	if err := job.Validate(); err != nil {
		return JobDetails{}, c.refuse(http.MethodGet, routeJob, err)
	}
	var out JobDetails
	path := jobPath(job)
	check := func() error { return checkJobDetails(path, job, &out) }
	if err := c.do(ctx, call{method: http.MethodGet, route: routeJob, path: path, out: &out, check: check}); err != nil {
		return JobDetails{}, err
	}
	return out, nil
}

// VertexDetails is the answer of GET /jobs/{jobid}/vertices/{vertexid}.
type VertexDetails struct {
	ID             VertexID    `json:"id"`
	Name           string      `json:"name"`
	Parallelism    int         `json:"parallelism"`
	MaxParallelism int         `json:"maxParallelism"`
	Now            EpochMillis `json:"now"`
	Subtasks       []Subtask   `json:"subtasks"`
}

// Subtask is one parallel instance of a vertex, with where it runs.
type Subtask struct {
	Subtask       int            `json:"subtask"`
	Status        ExecutionState `json:"status"`
	Attempt       int            `json:"attempt"`
	Endpoint      string         `json:"endpoint"`
	TaskManagerID string         `json:"taskmanager-id"`
	StartTime     EpochMillis    `json:"start-time"`
	EndTime       EpochMillis    `json:"end-time"`
	Duration      Millis         `json:"duration"`
	Metrics       IOMetrics      `json:"metrics"`
}

// VertexDetails returns a vertex's subtasks and where they run (GET
// /jobs/{jobid}/vertices/{vertexid}). An answer that cannot be the
// vertex's (another id, a parallelism below 1, a subtask numbered outside
// it or listed twice) is an error wrapping ErrInvalidAnswer and ErrDecode.
func (c *Client) VertexDetails(ctx context.Context, job JobID, vertex VertexID) (VertexDetails, error) {
	if err := validateJobVertex(job, vertex); err != nil {
		return VertexDetails{}, c.refuse(http.MethodGet, routeVertex, err)
	}
	var out VertexDetails
	path := vertexPath(job, vertex)
	check := func() error { return checkVertexDetails(path, vertex, &out) }
	if err := c.do(ctx, call{method: http.MethodGet, route: routeVertex, path: path, out: &out, check: check}); err != nil {
		return VertexDetails{}, err
	}
	return out, nil
}

func validateJobVertex(job JobID, vertex VertexID) error {
	if err := job.Validate(); err != nil {
		return err
	}
	return vertex.Validate()
}
