package sim

import (
	"fmt"
	"math"
	"slices"
)

// Job describes the simulated Flink job: its vertices (each a chain of
// operators run as one task) and the edges between them. A Job is a value;
// the simulator copies it.
type Job struct {
	// Name is the job's name, reported as Observation.Job. Default: "job".
	Name string
	// Vertices in topological order, sources first. Required.
	Vertices []Vertex
	// Edges between vertices, each from an earlier vertex to a later one.
	Edges []Edge
}

// Vertex is one job vertex.
type Vertex struct {
	// ID identifies the vertex. Required, unique.
	ID string
	// Name is the vertex's name as Flink shows it ("Source: orders",
	// "Enrich"). Default: ID.
	Name string
	// Capacity is the records per second one subtask takes in when the
	// vertex runs at parallelism 1. Required.
	Capacity float64
	// Selectivity is the records emitted per record taken in, on every
	// output edge. A vertex without outputs (a sink) emits nothing.
	// Default: 1. Zero means default.
	Selectivity float64
	// ScalingExponent makes scaling sub-linear: at parallelism p a subtask
	// takes in Capacity x p^(e-1) records/s, the vertex Capacity x p^e
	// (before skew). In (0, 1]. Default: 1 (linear). Zero means default.
	ScalingExponent float64
	// MaxParallelism is the number of key groups, the highest parallelism.
	// Default: 128 (Flink's default). Zero means default.
	MaxParallelism int
	// Parallelism is the parallelism the job starts at. Default: 1. Zero
	// means default.
	Parallelism int
	// SlotSharingGroup names the vertex's slot-sharing group. Default:
	// "default".
	SlotSharingGroup string
	// Source is set for a vertex reading Kafka; a source has no inputs.
	Source *Source
	// StateBytes is the vertex's state, which every restart restores at
	// Config.Restarts.RestoreRate. Default: 0, stateless.
	StateBytes float64
	// NoBusyTime makes the vertex report no busy time (NaN), as Flink's
	// legacy SourceFunction sources do (Beam's UnboundedSourceWrapper among
	// them): their records are emitted from a thread the task's mailbox
	// does not time. Default: false.
	NoBusyTime bool
	// BusyBias is the relative error of the vertex's reported busy time:
	// -0.3 reports 30% less than the truth (sources whose reader thread
	// waits outside the timed mailbox report too little). Above -1.
	// Default: 0.
	BusyBias float64
	// BusyFloor is busy time the vertex reports whatever it reads: a
	// subtask reports BusyFloor + (1 - BusyFloor) x its true busy time
	// (after BusyBias). Beam's legacy Kafka source (Beam 2.70.0's
	// UnboundedSourceWrapper on Flink 1.19.3) reported 0.24-0.36 while
	// reading nothing and 1 flat out (docs/beam-fidelity.md): 0.3. In
	// [0, 1). Default: 0.
	BusyFloor float64
}

// Source describes the Kafka topic a source vertex reads.
type Source struct {
	// Topic is the topic's name. Default: the vertex's ID.
	Topic string
	// Partitions is the topic's partition count: subtask i reads the
	// partitions k with k mod parallelism = i. Required.
	Partitions int
	// Stuck lists partitions no reader gets past (a poison record the job
	// retries for ever): records arriving there stay in Kafka, and the
	// job, still committing on every checkpoint, commits the same offset
	// for them, which lag health calls STALL (see Sim.Observe). No
	// parallelism helps them, so the run's SLO figures leave them out.
	// Default: none.
	Stuck []int
}

// Edge connects two vertices.
type Edge struct {
	// From and To are the vertex IDs; From comes first in Job.Vertices.
	From, To string
	// Keyed is true for a keyBy (hash) edge: the target's subtasks get the
	// records of their key-group ranges, so a parallelism that does not
	// divide MaxParallelism leaves some subtasks with one key group more.
	// Otherwise records are spread evenly (rebalance).
	Keyed bool
}

// WithParallelism returns a copy of j whose vertices start at the given
// parallelism; vertices not named keep theirs.
func (j Job) WithParallelism(p map[string]int) Job {
	out := j
	out.Vertices = slices.Clone(j.Vertices)
	for i := range out.Vertices {
		if n, ok := p[out.Vertices[i].ID]; ok {
			out.Vertices[i].Parallelism = n
		}
	}
	out.Edges = slices.Clone(j.Edges)
	return out
}

// Parallelism returns each vertex's starting parallelism (defaults
// applied).
func (j Job) Parallelism() map[string]int {
	out := make(map[string]int, len(j.Vertices))
	for _, v := range j.Vertices {
		out[v.ID] = max(v.Parallelism, 1)
	}
	return out
}

// Validate reports whether the job can be simulated. Errors wrap
// ErrInvalidConfig.
func (j Job) Validate() error {
	_, err := compile(j)
	return err
}

// topology is a validated job with defaults applied and edges as indexes.
type topology struct {
	name     string
	vertices []Vertex // defaults applied, Source copied
	edges    []Edge
	ins      [][]int // upstream vertex indexes per vertex
	outs     [][]int // downstream vertex indexes per vertex
	keyed    []bool  // some input edge is keyed
	sources  []int   // indexes of source vertices
	index    map[string]int
	group    []int // slot-sharing group number per vertex
	groupMax []int // scratch for slots
}

func compile(j Job) (*topology, error) {
	if len(j.Vertices) == 0 {
		return nil, fmt.Errorf("%w: job has no vertices", ErrInvalidConfig)
	}
	t := &topology{name: j.Name, index: map[string]int{}, edges: slices.Clone(j.Edges)}
	if t.name == "" {
		t.name = "job"
	}
	var groups []string
	for i, v := range j.Vertices {
		v, err := vertexDefaults(v)
		if err != nil {
			return nil, err
		}
		if _, dup := t.index[v.ID]; dup {
			return nil, fmt.Errorf("%w: duplicate vertex %q", ErrInvalidConfig, v.ID)
		}
		t.index[v.ID] = i
		t.vertices = append(t.vertices, v)
		g := slices.Index(groups, v.SlotSharingGroup)
		if g < 0 {
			g, groups = len(groups), append(groups, v.SlotSharingGroup)
		}
		t.group = append(t.group, g)
		if v.Source != nil {
			t.sources = append(t.sources, i)
		}
	}
	t.groupMax = make([]int, len(groups))
	n := len(t.vertices)
	t.ins, t.outs, t.keyed = make([][]int, n), make([][]int, n), make([]bool, n)
	if err := t.link(); err != nil {
		return nil, err
	}
	for i, v := range t.vertices {
		if (v.Source == nil) == (len(t.ins[i]) == 0) {
			return nil, fmt.Errorf("%w: vertex %q: a vertex has inputs unless it is a source", ErrInvalidConfig, v.ID)
		}
	}
	return t, nil
}

func (t *topology) link() error {
	seen := map[[2]int]bool{}
	for _, e := range t.edges {
		from, okF := t.index[e.From]
		to, okT := t.index[e.To]
		switch {
		case !okF || !okT:
			return fmt.Errorf("%w: edge %s -> %s names an unknown vertex", ErrInvalidConfig, e.From, e.To)
		case from >= to:
			return fmt.Errorf("%w: edge %s -> %s is not in topological order", ErrInvalidConfig, e.From, e.To)
		case seen[[2]int{from, to}]:
			return fmt.Errorf("%w: duplicate edge %s -> %s", ErrInvalidConfig, e.From, e.To)
		}
		seen[[2]int{from, to}] = true
		t.ins[to] = append(t.ins[to], from)
		t.outs[from] = append(t.outs[from], to)
		t.keyed[to] = t.keyed[to] || e.Keyed
	}
	return nil
}

func vertexDefaults(v Vertex) (Vertex, error) {
	if v.Name == "" {
		v.Name = v.ID
	}
	if v.Selectivity == 0 {
		v.Selectivity = 1
	}
	if v.ScalingExponent == 0 {
		v.ScalingExponent = 1
	}
	if v.MaxParallelism == 0 {
		v.MaxParallelism = 128
	}
	if v.Parallelism == 0 {
		v.Parallelism = 1
	}
	if v.SlotSharingGroup == "" {
		v.SlotSharingGroup = "default"
	}
	if v.Source != nil {
		s := *v.Source
		if s.Topic == "" {
			s.Topic = v.ID
		}
		v.Source = &s
	}
	return v, checkVertex(v)
}

func checkVertex(v Vertex) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: vertex %q: %s", ErrInvalidConfig, v.ID, fmt.Sprintf(format, args...))
	}
	switch {
	case v.ID == "":
		return fmt.Errorf("%w: a vertex has no ID", ErrInvalidConfig)
	case !(v.Capacity > 0) || math.IsInf(v.Capacity, 0):
		return bad("capacity %g is not a positive number", v.Capacity)
	case !(v.Selectivity > 0) || math.IsInf(v.Selectivity, 0):
		return bad("selectivity %g is not a positive number", v.Selectivity)
	case !(v.ScalingExponent > 0 && v.ScalingExponent <= 1):
		return bad("scaling exponent %g outside (0, 1]", v.ScalingExponent)
	case v.MaxParallelism < 1 || v.MaxParallelism > 32768:
		return bad("max parallelism %d outside [1, 32768]", v.MaxParallelism)
	case v.Parallelism < 1 || v.Parallelism > v.MaxParallelism:
		return bad("parallelism %d outside [1, %d]", v.Parallelism, v.MaxParallelism)
	case v.Source != nil && v.Source.Partitions < 1:
		return bad("source with %d partitions", v.Source.Partitions)
	case v.Source != nil && !validStuck(v.Source.Stuck, v.Source.Partitions):
		return bad("stuck partitions %v: each must be one of the %d partitions, once", v.Source.Stuck, v.Source.Partitions)
	case !(v.StateBytes >= 0) || math.IsInf(v.StateBytes, 0):
		return bad("state %g bytes is not a non-negative number", v.StateBytes)
	case !(v.BusyBias > -1) || math.IsInf(v.BusyBias, 0):
		return bad("busy bias %g is not a number above -1", v.BusyBias)
	case !(v.BusyFloor >= 0 && v.BusyFloor < 1):
		return bad("busy floor %g is not in [0, 1)", v.BusyFloor)
	}
	return nil
}

// perSubtask is a subtask's capacity in records/s at parallelism p.
func perSubtask(v Vertex, p int) float64 {
	if v.ScalingExponent == 1 {
		return v.Capacity
	}
	return v.Capacity * math.Pow(float64(p), v.ScalingExponent-1)
}

// keyGroupShares returns each subtask's share of a keyed vertex's input:
// Flink's key-group ranges (KeyGroupRangeAssignment) over maxPar groups.
func keyGroupShares(maxPar, p int, into []float64) []float64 {
	into = into[:0]
	for i := range p {
		start := (i*maxPar + p - 1) / p
		end := ((i+1)*maxPar - 1) / p
		into = append(into, float64(end-start+1)/float64(maxPar))
	}
	return into
}

// slots returns the slots the parallelism p needs: per slot-sharing group
// the largest parallelism, summed.
func (t *topology) slots(p []int) int {
	clear(t.groupMax)
	for i, g := range t.group {
		t.groupMax[g] = max(t.groupMax[g], p[i])
	}
	n := 0
	for _, m := range t.groupMax {
		n += m
	}
	return n
}

// checkDeploys checks that every deploy names known vertices.
func (t *topology) checkDeploys(ds []Deploy) error {
	for i, d := range ds {
		for id := range d.Cost {
			if _, ok := t.index[id]; !ok {
				return fmt.Errorf("%w: Deploys[%d] names an unknown vertex %q", ErrInvalidConfig, i, id)
			}
		}
	}
	return nil
}

// applyCost multiplies the per-record cost of the vertices named.
func (t *topology) applyCost(cost map[string]float64) {
	for id, f := range cost {
		t.vertices[t.index[id]].Capacity /= f
	}
}

// validStuck reports whether every stuck partition exists, once.
func validStuck(stuck []int, partitions int) bool {
	seen := map[int]bool{}
	for _, k := range stuck {
		if k < 0 || k >= partitions || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}
