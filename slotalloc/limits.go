package slotalloc

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Limits of a Request. Allocate (all three allocators), Verify, Evaluate,
// MoveLowerBound and Request.Validate check them first and reject a
// request beyond any of them with an error wrapping ErrInvalidRequest,
// before allocating memory in proportion to a number the request merely
// states (a TaskManager's slot count, a vertex's parallelism). At any one
// of the limits each allocator took at most about 1.2 s and 250 MB
// (TestRequestAtLimits).
const (
	// MaxParallelism is the largest Vertex.Parallelism: 32,768, Flink's
	// own upper bound on any vertex's (max) parallelism
	// (KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM, 1 << 15).
	MaxParallelism = 1 << 15
	// MaxSlots is the most slots of one request, its TaskManagers'
	// Slots together (and so of one TaskManager, and the most
	// TaskManagers): 1,048,576, 4,096 times the seed's 64 TaskManagers
	// x 4 slots. Flink sets no limit of its own.
	MaxSlots = 1 << 20
	// MaxSubtasks is the most subtasks of one request, its vertices'
	// Parallelism together: 2,097,152, 7 times the seed's 301,501
	// (placed by Default in under a second and about 100 MB).
	MaxSubtasks = 1 << 21
	// MaxTaskManagerVertices is the most TaskManagers times vertices of
	// one request, for which Default keeps counters: 8,388,608 (the
	// seed's 64 x 3,000 is 192,000; 2,000 TaskManagers x 4,000 vertices
	// fit).
	MaxTaskManagerVertices = 1 << 23
	// MaxIDLength is the longest VertexID, TaskManagerID and
	// SlotSharingGroup, in bytes: 65,536. Flink's JobVertexID is 32
	// characters and a Kubernetes pod name at most 253; the names of
	// long chains of Beam transforms run to a few thousand. An id must
	// also be valid UTF-8, as every id Flink's REST API (JSON) reports is.
	MaxIDLength = 1 << 16
)

// idProblem says what is wrong with id, "" if nothing: empty (unless
// emptyOK, for slot-sharing groups), longer than MaxIDLength or not valid
// UTF-8.
func idProblem(id string, emptyOK bool) string {
	switch {
	case id == "" && !emptyOK:
		return "an empty id"
	case len(id) > MaxIDLength:
		return fmt.Sprintf("an id of %d bytes (limit MaxIDLength = %d)", len(id), MaxIDLength)
	case !utf8.ValidString(id):
		return fmt.Sprintf("an id that is not valid UTF-8: %q", id)
	}
	return ""
}

// checkSize returns an error wrapping ErrInvalidRequest when the request
// has more TaskManagers times vertices than MaxTaskManagerVertices.
func checkSize(req Request) error {
	n, v := len(req.TaskManagers), len(req.Vertices)
	if n > 0 && v > MaxTaskManagerVertices/n {
		return invalid("%d TaskManagers x %d vertices (limit MaxTaskManagerVertices = %d)", n, v, MaxTaskManagerVertices)
	}
	return nil
}

// checkTotalWeight returns an error wrapping ErrInvalidRequest when the
// weights, each finite, add up to more than a float64 holds: the fair
// shares Default balances to would be infinite.
func checkTotalWeight(w []float64) error {
	total := 0.0
	for _, x := range w {
		total += x
	}
	if math.IsInf(total, 0) {
		return invalid("the weights add up to more than %g", math.MaxFloat64)
	}
	return nil
}
