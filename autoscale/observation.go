package autoscale

import (
	"fmt"
	"slices"
	"time"
)

// Observation is what a policy sees of a job at one time: its graph, its
// parallelism, and its metrics as Flink reports them. Counters are
// accumulated since the job (re)started, so a policy derives rates from two
// observations; gauges are the JobManager's latest (refreshed every
// metrics.fetcher.update-interval, 10 s by default). A figure that is
// missing or not finite is a missing Value, with the reason the Observer
// gave it (MissingBecause): no policy may act on it. No figure here can be
// negative (each is a count, a fraction, a backlog or an age), so a
// negative one counts as missing too (Value.NonNegative).
type Observation struct {
	// Time is when the figures were read.
	Time time.Time
	// Job identifies the job.
	Job string
	// Running is true while the job runs; a policy decides nothing else.
	Running bool
	// State is the job's state as its runtime names it ("RUNNING",
	// "RESTARTING", "FINISHED", ... for Flink), so that a program can say
	// why a job that is not Running is not; "" when the observer does not
	// know it. Policies decide on Running alone.
	State string
	// LastRestart is when the job last switched to RUNNING (Flink's
	// timestamps[RUNNING]): counters restart from zero then.
	LastRestart time.Time
	// Vertices in topological order (sources first).
	Vertices []Vertex
	// Edges between vertices.
	Edges []Edge
	// Resources are the cluster's slots.
	Resources Resources
}

// Vertex is one job vertex (a chain of operators run as one task).
type Vertex struct {
	// ID is the vertex's ID (Flink's 32-hex job vertex ID).
	ID string
	// Name is the vertex's name, the chain of its operators' names
	// ("Source: orders -> Map").
	Name string
	// Parallelism is the current parallelism.
	Parallelism int
	// MaxParallelism is the number of key groups: no vertex runs at more.
	MaxParallelism int
	// SlotSharingGroup names the vertex's slot-sharing group.
	SlotSharingGroup string
	// RecordsIn and RecordsOut are records in and out since LastRestart,
	// summed over subtasks. For a source, RecordsIn counts the records read
	// from Kafka (Flink's numRecordsIn of the source operator).
	RecordsIn, RecordsOut Value
	// Busy is the busiest subtask's busy time as a fraction of wall time
	// (busyTimeMsPerSecond / 1000, MAX over subtasks).
	Busy Value
	// Backpressured is the most backpressured subtask's backpressured time
	// as a fraction (backPressuredTimeMsPerSecond / 1000, MAX).
	Backpressured Value
	// Source is set for vertices reading Kafka.
	Source *Source
}

// Source is what a source vertex knows about the Kafka partitions it
// reads.
type Source struct {
	// Partitions is how many Kafka partitions it reads; 0 when unknown (a
	// source reads at least one, so 0 is never a count read as one).
	Partitions int
	// Backlog is the records waiting in Kafka (pendingRecords, or a
	// backlog.Source's total).
	Backlog Value
	// TimeLag is how old, in seconds, the oldest unread record is.
	TimeLag Value
	// Origin names where the backlog figures came from ("flink",
	// "kafka", "merge(flink,kafka)"), and only that: why a figure is
	// missing is its Value's Reason.
	Origin string
	// Health is the lag health of the partitions, when the observer
	// evaluates it (a backlog.Health); the zero value when it does not.
	Health SourceHealth
}

// SourceHealth is a source's partitions' lag health, counted: bounded
// whatever the partition count.
type SourceHealth struct {
	// Evaluated is how many partitions were evaluated; 0 when health was
	// not evaluated.
	Evaluated int
	// Statuses counts the evaluated partitions per status, by the name
	// backlog.Status prints ("OK", "WARN", "STALL", "STOP", "REWIND",
	// "UNKNOWN").
	Statuses map[string]int
	// Stalled is how many partitions are stuck: STALL, a live consumer
	// committing the same offset again and again while behind (a poison
	// record, a reader stuck on one partition). More parallelism cannot
	// drain them (KEDA's excludePersistentLag rests on the same fact).
	// STOP is not counted: a job whose checkpoints time out under
	// backpressure stops committing on every partition, and more
	// parallelism is what it needs.
	Stalled int
	// StalledBacklog is the records waiting on the stalled partitions.
	StalledBacklog Value
	// MovingTimeLag is the time lag in seconds over the partitions that
	// are not stalled (0 when they are caught up).
	MovingTimeLag Value
}

// Edge is a connection between two vertices.
type Edge struct {
	// From and To are the upstream and downstream vertices' IDs.
	From, To string
	// Keyed is true for a hash (keyBy) edge: the target's parallelism is
	// bounded by its key groups, and sizes align to divisors of them.
	Keyed bool
}

// Resources are the slots the cluster offers.
type Resources struct {
	// TaskManagers and SlotsPerTaskManager describe the cluster; 0 when
	// unknown.
	TaskManagers, SlotsPerTaskManager int
	// SlotsTotal and SlotsAvailable are the cluster's slots; 0 when
	// unknown.
	SlotsTotal, SlotsAvailable int
}

// Vertex returns the vertex with id.
func (o Observation) Vertex(id string) (Vertex, bool) {
	i := slices.IndexFunc(o.Vertices, func(v Vertex) bool { return v.ID == id })
	if i < 0 {
		return Vertex{}, false
	}
	return o.Vertices[i], true
}

// Inputs returns the edges into vertex id.
func (o Observation) Inputs(id string) []Edge {
	var in []Edge
	for _, e := range o.Edges {
		if e.To == id {
			in = append(in, e)
		}
	}
	return in
}

// Outputs returns the edges out of vertex id.
func (o Observation) Outputs(id string) []Edge {
	var out []Edge
	for _, e := range o.Edges {
		if e.From == id {
			out = append(out, e)
		}
	}
	return out
}

// Validate checks the observation's structure (not its metrics, which may
// legitimately be missing): unique vertex IDs, parallelism of at least 1 and
// at most MaxParallelism (when set), edges between known vertices, in
// topological order. Errors wrap ErrInvalidObservation.
func (o Observation) Validate() error {
	pos := make(map[string]int, len(o.Vertices))
	for i, v := range o.Vertices {
		switch {
		case v.ID == "":
			return fmt.Errorf("%w: vertex %d has no ID", ErrInvalidObservation, i)
		case pos[v.ID] > 0:
			return fmt.Errorf("%w: duplicate vertex %s", ErrInvalidObservation, v.ID)
		case v.Parallelism < 1:
			return fmt.Errorf("%w: vertex %s: parallelism %d", ErrInvalidObservation, v.ID, v.Parallelism)
		case v.MaxParallelism > 0 && v.Parallelism > v.MaxParallelism:
			return fmt.Errorf("%w: vertex %s: parallelism %d above max %d", ErrInvalidObservation, v.ID, v.Parallelism, v.MaxParallelism)
		case v.Source != nil && v.Source.Partitions < 0:
			return fmt.Errorf("%w: vertex %s: negative partitions", ErrInvalidObservation, v.ID)
		}
		pos[v.ID] = i + 1
	}
	for _, e := range o.Edges {
		from, to := pos[e.From], pos[e.To]
		switch {
		case from == 0 || to == 0:
			return fmt.Errorf("%w: edge %s -> %s names an unknown vertex", ErrInvalidObservation, e.From, e.To)
		case from >= to:
			return fmt.Errorf("%w: edge %s -> %s is not in topological order", ErrInvalidObservation, e.From, e.To)
		}
	}
	return nil
}
