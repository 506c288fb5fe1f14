package flinktest

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// JobSpec describes a job to run on the fake cluster.
type JobSpec struct {
	// ID is the job ID. Default: derived from Name and submission order, so
	// runs are reproducible.
	ID flinkapi.JobID
	// Name is the job name. Default: "job-<n>".
	Name string
	// MaxParallelism is the default maxParallelism of the vertices. Default: 128.
	MaxParallelism int
	// Vertices are the job's vertices, sources first. Required.
	Vertices []VertexSpec
	// Checkpointing configures checkpointing; nil means disabled, and the
	// checkpoint endpoints answer as Flink 1.20 and 2.2 answer a streaming
	// job without checkpointing: 200, empty statistics, and a configuration
	// with the interval Long.MAX_VALUE (flinkapi.DisabledCheckpointInterval)
	// and mode at_least_once.
	Checkpointing *CheckpointingSpec
	// Savepoints decides how savepoint and stop operations end.
	Savepoints SavepointBehavior
}

// VertexSpec describes one vertex (a chain of operators run as one task).
type VertexSpec struct {
	// ID is the vertex ID. Default: derived from the job ID and the index.
	ID flinkapi.VertexID
	// Name is the vertex name. Default: "vertex-<i>".
	Name string
	// Parallelism is the initial parallelism. Default: 1.
	Parallelism int
	// MaxParallelism bounds rescaling. Default: the job's MaxParallelism.
	MaxParallelism int
	// SlotSharingGroup names the vertex's slot-sharing group. Default:
	// "default", shared by all vertices as in Flink.
	SlotSharingGroup string
	// Inputs are the edges into the vertex; none for a source.
	Inputs []Input
}

// Input is an edge into a vertex.
type Input struct {
	// From is the upstream vertex.
	From flinkapi.VertexID
	// ShipStrategy is how records cross the edge, e.g. flinkapi.ShipHash
	// for a keyBy. Default: flinkapi.ShipForward when the parallelism is
	// equal, flinkapi.ShipRebalance otherwise (as Flink picks).
	ShipStrategy string
}

// job is the server's state of one job. It is guarded by Server.mu.
type job struct {
	id             flinkapi.JobID
	name           string
	state          flinkapi.JobState
	start, end     time.Time
	timestamps     map[flinkapi.JobState]time.Time
	maxParallelism int
	vertices       []*vertex
	numRestarts    int

	// pending is a state change due at a time (RESTARTING -> RUNNING,
	// CANCELLING -> CANCELED), applied lazily by advance.
	pending *transition

	checkpointing *CheckpointingSpec
	checkpoints   checkpointHistory
	savepoints    SavepointBehavior
	ops           map[flinkapi.TriggerID]*operation
	opOrder       []flinkapi.TriggerID
}

type vertex struct {
	id             flinkapi.VertexID
	name           string
	parallelism    int
	maxParallelism int
	group          string
	inputs         []Input
	bounds         flinkapi.ParallelismBounds
	// next is the parallelism the vertex gets when a pending restart ends.
	next int
}

type transition struct {
	to flinkapi.JobState
	at time.Time
}

// AddJob submits a job; it is RUNNING at once. It returns the job's ID
// and its vertices' IDs in the order of spec.Vertices, those derived for
// the IDs left empty included, or an error wrapping ErrInvalidConfig.
func (s *Server) AddJob(spec JobSpec) (flinkapi.JobID, []flinkapi.VertexID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.newJob(spec)
	if err != nil {
		return "", nil, err
	}
	if _, dup := s.jobs[j.id]; dup {
		return "", nil, fmt.Errorf("%w: job %s already exists", ErrInvalidConfig, j.id)
	}
	s.jobs[j.id] = j
	s.order = append(s.order, j.id)
	ids := make([]flinkapi.VertexID, len(j.vertices))
	for i, v := range j.vertices {
		ids[i] = v.id
	}
	return j.id, ids, nil
}

func (s *Server) newJob(spec JobSpec) (*job, error) {
	if len(spec.Vertices) == 0 {
		return nil, fmt.Errorf("%w: job %q has no vertices", ErrInvalidConfig, spec.Name)
	}
	if spec.Name == "" {
		spec.Name = fmt.Sprintf("job-%d", len(s.order)+1)
	}
	if spec.ID == "" {
		spec.ID = flinkapi.JobID(hexID(fmt.Sprintf("job/%d/%s", len(s.order), spec.Name)))
	}
	if err := spec.ID.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if spec.MaxParallelism == 0 {
		spec.MaxParallelism = 128
	}
	if err := spec.Savepoints.validate(); err != nil {
		return nil, err
	}
	if spec.Checkpointing != nil {
		cp, err := spec.Checkpointing.withDefaults()
		if err != nil {
			return nil, err
		}
		spec.Checkpointing = &cp
	}
	now := s.cfg.Clock.Now()
	j := &job{
		id: spec.ID, name: spec.Name, state: flinkapi.JobRunning, start: now,
		timestamps:     map[flinkapi.JobState]time.Time{flinkapi.JobInitializing: now, flinkapi.JobCreated: now, flinkapi.JobRunning: now},
		maxParallelism: spec.MaxParallelism,
		checkpointing:  spec.Checkpointing,
		savepoints:     spec.Savepoints,
		ops:            map[flinkapi.TriggerID]*operation{},
	}
	vs, err := newVertices(j.id, spec)
	if err != nil {
		return nil, err
	}
	j.vertices = vs
	return j, nil
}

func newVertices(id flinkapi.JobID, spec JobSpec) ([]*vertex, error) {
	seen := map[flinkapi.VertexID]*vertex{}
	out := make([]*vertex, 0, len(spec.Vertices))
	for i, vs := range spec.Vertices {
		v := &vertex{id: vs.ID, name: vs.Name, parallelism: vs.Parallelism, maxParallelism: vs.MaxParallelism, group: vs.SlotSharingGroup}
		if v.id == "" {
			v.id = flinkapi.VertexID(hexID(fmt.Sprintf("%s/vertex/%d", id, i)))
		}
		if v.name == "" {
			v.name = fmt.Sprintf("vertex-%d", i)
		}
		if v.parallelism == 0 {
			v.parallelism = 1
		}
		if v.maxParallelism == 0 {
			v.maxParallelism = spec.MaxParallelism
		}
		if v.group == "" {
			v.group = "default"
		}
		if err := v.id.Validate(); err != nil {
			return nil, fmt.Errorf("%w: vertex %d: %w", ErrInvalidConfig, i, err)
		}
		if v.parallelism < 1 || v.parallelism > v.maxParallelism {
			return nil, fmt.Errorf("%w: vertex %s: parallelism %d outside [1, %d]", ErrInvalidConfig, v.id, v.parallelism, v.maxParallelism)
		}
		if seen[v.id] != nil {
			return nil, fmt.Errorf("%w: duplicate vertex %s", ErrInvalidConfig, v.id)
		}
		for _, in := range vs.Inputs {
			up := seen[in.From]
			if up == nil {
				return nil, fmt.Errorf("%w: vertex %s: input %s is not an earlier vertex", ErrInvalidConfig, v.id, in.From)
			}
			if in.ShipStrategy == "" {
				in.ShipStrategy = flinkapi.ShipRebalance
				if up.parallelism == v.parallelism {
					in.ShipStrategy = flinkapi.ShipForward
				}
			}
			v.inputs = append(v.inputs, in)
		}
		v.bounds = flinkapi.ParallelismBounds{LowerBound: 1, UpperBound: v.parallelism}
		v.next = v.parallelism
		seen[v.id] = v
		out = append(out, v)
	}
	return out, nil
}

// hexID derives a stable 32-hex ID from a string (FNV-128a).
func hexID(s string) string {
	h := fnv.New128a()
	_, _ = h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

// job returns the job with the given ID, its lazy transitions applied.
// s.mu must be held.
func (s *Server) job(id flinkapi.JobID) (*job, error) {
	j, ok := s.jobs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownJob, id)
	}
	s.advance(j, s.cfg.Clock.Now())
	return j, nil
}

// JobState returns a job's current state.
func (s *Server) JobState(id flinkapi.JobID) (flinkapi.JobState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return "", err
	}
	return j.state, nil
}

// Parallelism returns each vertex's current parallelism.
func (s *Server) Parallelism(id flinkapi.JobID) (map[flinkapi.VertexID]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return nil, err
	}
	out := make(map[flinkapi.VertexID]int, len(j.vertices))
	for _, v := range j.vertices {
		out[v.id] = v.parallelism
	}
	return out, nil
}

// Fail makes a running job fail over as after a task failure: it turns
// RESTARTING and, after Config.RestartDelay, RUNNING again with a new
// timestamps[RUNNING] and one more numRestarts.
func (s *Server) Fail(id flinkapi.JobID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return err
	}
	if j.state.IsGloballyTerminal() {
		return fmt.Errorf("%w: job %s is %s", ErrInvalidConfig, id, j.state)
	}
	s.restart(j, s.cfg.Clock.Now())
	return nil
}

// HoldState shows a live job in state for d of the server's clock, then
// RUNNING again (vertices take their next parallelism then), as Flink shows
// a job right after a rescale or a failover (RESTARTING), a JobManager
// leader change (INITIALIZING, CREATED, RECONCILING) or a lost leadership
// (SUSPENDED). Savepoints and stops triggered meanwhile fail as Flink fails
// them ("not in state RUNNING"). state must be a non-terminal state other
// than RUNNING.
func (s *Server) HoldState(id flinkapi.JobID, state flinkapi.JobState, d time.Duration) error {
	switch state {
	case flinkapi.JobInitializing, flinkapi.JobCreated, flinkapi.JobRestarting, flinkapi.JobReconciling,
		flinkapi.JobSuspended, flinkapi.JobFailing, flinkapi.JobCancelling:
	default:
		return fmt.Errorf("%w: HoldState %s: want a non-terminal state other than RUNNING", ErrInvalidConfig, state)
	}
	if d <= 0 {
		return fmt.Errorf("%w: HoldState for %v", ErrInvalidConfig, d)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return err
	}
	if j.state.IsGloballyTerminal() {
		return fmt.Errorf("%w: job %s is %s", ErrInvalidConfig, id, j.state)
	}
	now := s.cfg.Clock.Now()
	j.state = state
	j.timestamps[state] = now
	j.pending = &transition{to: flinkapi.JobRunning, at: now.Add(d)}
	return nil
}

// restart puts j through RESTARTING; vertices take their next parallelism
// when it is RUNNING again.
func (s *Server) restart(j *job, now time.Time) {
	j.state = flinkapi.JobRestarting
	j.timestamps[flinkapi.JobRestarting] = now
	j.numRestarts++
	j.pending = &transition{to: flinkapi.JobRunning, at: now.Add(s.cfg.RestartDelay)}
}

// finish ends j in a terminal state.
func (j *job) finish(state flinkapi.JobState, now time.Time) {
	j.state = state
	j.timestamps[state] = now
	j.end = now
	j.pending = nil
}

// advance applies what became due by now: completed operations first, then
// a pending state change.
func (s *Server) advance(j *job, now time.Time) {
	for _, tid := range j.opOrder {
		if op := j.ops[tid]; op != nil && !op.done && !now.Before(op.due) {
			s.complete(j, op, op.due) // it ended when it was due, seen or not
		}
	}
	for tid, op := range j.ops { // Flink forgets results after rest.async.store-duration
		if op.done && now.Sub(op.doneAt) > s.cfg.AsyncStoreDuration {
			delete(j.ops, tid)
		}
	}
	if p := j.pending; p != nil && !now.Before(p.at) {
		j.pending = nil
		switch p.to {
		case flinkapi.JobRunning:
			for _, v := range j.vertices {
				v.parallelism = v.next
			}
			if j.state == flinkapi.JobRestarting {
				// Flink's adaptive scheduler restarts into a new execution
				// graph, whose timestamps do not hold RESTARTING.
				delete(j.timestamps, flinkapi.JobRestarting)
			}
			j.state = flinkapi.JobRunning
			j.timestamps[flinkapi.JobRunning] = p.at
		default:
			j.finish(p.to, p.at)
		}
	}
}
