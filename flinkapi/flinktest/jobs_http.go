package flinktest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

var allJobStates = []flinkapi.JobState{
	flinkapi.JobInitializing, flinkapi.JobCreated, flinkapi.JobRunning, flinkapi.JobFailing,
	flinkapi.JobFailed, flinkapi.JobCancelling, flinkapi.JobCanceled, flinkapi.JobFinished,
	flinkapi.JobRestarting, flinkapi.JobSuspended, flinkapi.JobReconciling,
}

var allExecStates = []flinkapi.ExecutionState{
	flinkapi.ExecCreated, flinkapi.ExecScheduled, flinkapi.ExecDeploying, flinkapi.ExecRunning,
	flinkapi.ExecFinished, flinkapi.ExecCanceling, flinkapi.ExecCanceled, flinkapi.ExecFailed,
	flinkapi.ExecReconciling, flinkapi.ExecInitializing,
}

func millis(t time.Time) flinkapi.EpochMillis {
	if t.IsZero() {
		return -1
	}
	return flinkapi.EpochMillis(t.UnixMilli())
}

// durationMillis is Flink's duration: end (or now) minus start.
func durationMillis(start, end, now time.Time) flinkapi.Millis {
	if end.IsZero() {
		end = now
	}
	return flinkapi.Millis(end.Sub(start).Milliseconds())
}

// execState is the state the job's vertices and subtasks show.
func (j *job) execState() flinkapi.ExecutionState {
	switch j.state {
	case flinkapi.JobRunning:
		return flinkapi.ExecRunning
	case flinkapi.JobFinished:
		return flinkapi.ExecFinished
	case flinkapi.JobCanceled:
		return flinkapi.ExecCanceled
	case flinkapi.JobFailed:
		return flinkapi.ExecFailed
	case flinkapi.JobCancelling:
		return flinkapi.ExecCanceling
	default:
		return flinkapi.ExecScheduled
	}
}

func (s *Server) getJobsOverview(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock.Now()
	out := struct {
		Jobs []flinkapi.JobOverview `json:"jobs"`
	}{Jobs: []flinkapi.JobOverview{}}
	for _, id := range s.order {
		j := s.jobs[id]
		s.advance(j, now)
		tasks := map[string]int{"total": 0}
		for _, st := range allExecStates {
			tasks[strings.ToLower(string(st))] = 0
		}
		for _, v := range j.vertices {
			tasks["total"] += v.parallelism
			tasks[strings.ToLower(string(j.execState()))] += v.parallelism
		}
		out.Jobs = append(out.Jobs, flinkapi.JobOverview{
			ID: j.id, Name: j.name, State: j.state, StartTime: millis(j.start), EndTime: millis(j.end),
			Duration: durationMillis(j.start, j.end, now), LastModification: millis(j.lastModification()), Tasks: tasks,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (j *job) lastModification() time.Time {
	var last time.Time
	for _, t := range j.timestamps {
		if t.After(last) {
			last = t
		}
	}
	return last
}

func (s *Server) getJobStatus(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	writeJSON(w, http.StatusOK, map[string]flinkapi.JobState{"status": j.state})
}

func (s *Server) getJobDetails(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	d := flinkapi.JobDetails{
		ID: j.id, Name: j.name, IsStoppable: false, State: j.state,
		StartTime: millis(j.start), EndTime: millis(j.end), Duration: durationMillis(j.start, j.end, now),
		MaxParallelism: -1, Now: millis(now),
		Timestamps:   map[flinkapi.JobState]flinkapi.EpochMillis{},
		StatusCounts: map[flinkapi.ExecutionState]int{},
		Plan:         flinkapi.Plan{JID: j.id, Name: j.name, Type: "STREAMING", Nodes: []flinkapi.PlanNode{}},
		Vertices:     []flinkapi.Vertex{},
	}
	for _, st := range allJobStates {
		d.Timestamps[st] = flinkapi.EpochMillis(j.timestamps[st].UnixMilli())
		if j.timestamps[st].IsZero() {
			d.Timestamps[st] = 0
		}
	}
	for _, st := range allExecStates {
		d.StatusCounts[st] = 0
	}
	for _, v := range j.vertices {
		d.StatusCounts[j.execState()]++
		d.Vertices = append(d.Vertices, s.renderVertex(j, v, now))
		d.Plan.Nodes = append(d.Plan.Nodes, renderPlanNode(v))
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) renderVertex(j *job, v *vertex, now time.Time) flinkapi.Vertex {
	tasks := map[flinkapi.ExecutionState]int{}
	for _, st := range allExecStates {
		tasks[st] = 0
	}
	tasks[j.execState()] = v.parallelism
	io := s.metrics.VertexMetrics(j.id, v.id, v.parallelism, now).IO
	return flinkapi.Vertex{
		ID: v.id, Name: v.name, SlotSharingGroupID: hexID("group/" + v.group),
		MaxParallelism: v.maxParallelism, Parallelism: v.parallelism, Status: j.execState(),
		StartTime: millis(j.timestamps[flinkapi.JobRunning]), EndTime: millis(j.end),
		Duration: durationMillis(j.timestamps[flinkapi.JobRunning], j.end, now), Tasks: tasks, Metrics: io,
	}
}

func renderPlanNode(v *vertex) flinkapi.PlanNode {
	n := flinkapi.PlanNode{ID: v.id, Parallelism: v.parallelism, Operator: "", OperatorStrategy: "", Description: v.name}
	for i, in := range v.inputs {
		n.Inputs = append(n.Inputs, flinkapi.PlanInput{Num: i, ID: in.From, ShipStrategy: in.ShipStrategy, Exchange: "pipelined_bounded"})
	}
	return n
}

// patchJob serves PATCH /jobs/{jobid}?mode=cancel. Cancelling a CANCELED
// job is accepted again; a job that FINISHED or FAILED answers 409. Real
// Flink acknowledges such a cancel (and does nothing) for a moment after
// the job finished, while its JobManager runner is cleaned up; the fake
// answers 409 at once, as Flink does afterwards.
func (s *Server) patchJob(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	if mode := r.URL.Query().Get("mode"); mode != "" && !strings.EqualFold(mode, "cancel") {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(badParams+"unsupported termination mode %q", mode))
		return
	}
	switch j.state {
	case flinkapi.JobCanceled, flinkapi.JobCancelling:
	case flinkapi.JobFinished, flinkapi.JobFailed:
		writeError(w, http.StatusConflict, fmt.Sprintf("Job cancellation failed because the job has already reached another terminal state (%s).", j.state))
		return
	default:
		j.state = flinkapi.JobCancelling
		j.timestamps[flinkapi.JobCancelling] = now
		j.pending = &transition{to: flinkapi.JobCanceled, at: now.Add(s.cfg.CancelDelay)}
		s.failOpen(j, now, "org.apache.flink.runtime.checkpoint.CheckpointException", "Job was cancelled.")
	}
	writeJSON(w, http.StatusAccepted, struct{}{})
}

func (s *Server) getVertexDetails(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	v := j.vertex(flinkapi.VertexID(r.PathValue("vertexid")))
	if v == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("JobVertex %s not found", r.PathValue("vertexid")))
		return
	}
	place := s.placement(now)
	d := flinkapi.VertexDetails{ID: v.id, Name: v.name, Parallelism: v.parallelism, MaxParallelism: v.maxParallelism, Now: millis(now), Subtasks: []flinkapi.Subtask{}}
	for i := 0; i < v.parallelism; i++ {
		tm := place.taskManager(j.id, v.group, i)
		d.Subtasks = append(d.Subtasks, flinkapi.Subtask{
			Subtask: i, Status: j.execState(), Attempt: j.numRestarts, Endpoint: s.tmEndpoint(tm), TaskManagerID: s.tmID(tm),
			StartTime: millis(j.timestamps[flinkapi.JobRunning]), EndTime: millis(j.end),
			Duration: durationMillis(j.timestamps[flinkapi.JobRunning], j.end, now),
		})
	}
	// Flink also writes the deprecated start_time, a copy of start-time.
	type subtask struct {
		flinkapi.Subtask
		LegacyStartTime flinkapi.EpochMillis `json:"start_time"`
	}
	out := struct {
		flinkapi.VertexDetails
		Subtasks []subtask `json:"subtasks"`
	}{VertexDetails: d, Subtasks: make([]subtask, len(d.Subtasks))}
	for i, st := range d.Subtasks {
		out.Subtasks[i] = subtask{st, st.StartTime}
	}
	writeJSON(w, http.StatusOK, out)
}

// vertex returns the job's vertex with id, or nil.
func (j *job) vertex(id flinkapi.VertexID) *vertex {
	for _, v := range j.vertices {
		if v.id == id {
			return v
		}
	}
	return nil
}
