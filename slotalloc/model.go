package slotalloc

// VertexID identifies a job vertex (Flink's JobVertexID, or any unique
// name).
type VertexID string

// TaskManagerID identifies a TaskManager (Flink's ResourceID).
type TaskManagerID string

// Vertex is one job vertex: Parallelism subtasks, numbered 0 to
// Parallelism-1. Values are read, never modified.
type Vertex struct {
	// ID must be unique within a request and not empty.
	ID VertexID
	// Parallelism is the number of subtasks, at least 1.
	Parallelism int
	// SlotSharingGroup names the vertex's slot-sharing group: subtasks of
	// different vertices of one group may share a slot, a slot holds at
	// most one subtask of each vertex, and vertices of different groups
	// never share a slot. Default: "" (Flink's "default" group, the one
	// Beam's Flink runner puts every vertex in).
	SlotSharingGroup string
	// Weights optionally gives each subtask's load in any unit consistent
	// across the request (Kafka partitions read, backlog in records, bytes
	// per second): nil means 1 per subtask; otherwise exactly Parallelism
	// finite, non-negative values. Only Default uses weights.
	Weights []float64
}

// TaskManager is one TaskManager and its slots, numbered 0 to Slots-1.
type TaskManager struct {
	// ID must be unique within a request and not empty.
	ID TaskManagerID
	// Slots is the number of task slots, at least 1.
	Slots int
}

// Request is what an Allocator places. Its slices are read, never
// modified, and never retained by the returned Plan, so one Request may
// be shared by concurrent calls.
type Request struct {
	// Vertices lists the job's vertices; the plan lists them in this order.
	Vertices []Vertex
	// TaskManagers lists the TaskManagers in the order FlinkDefault
	// iterates their free slots.
	TaskManagers []TaskManager
	// Previous is the plan in force, if any; the zero Plan means none. It
	// may name vertices and TaskManagers that no longer exist and cover
	// fewer or more subtasks than the vertices now have: only subtasks
	// present in both count. Default keeps subtasks where they were;
	// FlinkDefault and TaskBalanced ignore it, as Flink does.
	Previous Plan
}

// Slot is one task slot of one TaskManager.
type Slot struct {
	// TaskManager runs the slot.
	TaskManager TaskManagerID
	// Index numbers the slot on its TaskManager, in [0, Slots).
	Index int
}

// Placement places one vertex.
type Placement struct {
	// Vertex is the vertex placed.
	Vertex VertexID
	// Slots[i] runs subtask i; one entry per subtask.
	Slots []Slot
}

// Plan maps every subtask of a request to a slot. It is plain data:
// safe for concurrent reads.
type Plan struct {
	// Placements has one entry per vertex. Plans returned by the
	// allocators in this package list the vertices in the request's order
	// and share no memory with the request.
	Placements []Placement
}

// Placement returns the placement of vertex v, false when the plan has
// none. It scans the plan: index the placements yourself for many lookups.
func (p Plan) Placement(v VertexID) (Placement, bool) {
	for _, pl := range p.Placements {
		if pl.Vertex == v {
			return pl, true
		}
	}
	return Placement{}, false
}

// Validate reports whether the request can be placed, with an error
// wrapping ErrInvalidRequest when it cannot. Every Allocate in this
// package validates its request the same way.
func (r Request) Validate() error {
	_, err := newInstance(r, false)
	return err
}
