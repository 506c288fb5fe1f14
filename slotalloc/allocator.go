package slotalloc

import (
	"errors"
	"fmt"

	"github.com/flinkscale/flinkscale"
)

// Allocator decides where every subtask of a job runs. Implementations in
// this package are FlinkDefault, TaskBalanced and Default, all safe for
// concurrent use; package slotalloctest checks any implementation's
// contract.
type Allocator interface {
	// Allocate returns a plan placing every subtask of req on a slot of
	// req's TaskManagers, or an error wrapping ErrInvalidRequest.
	Allocate(req Request) (Plan, error)
}

// AllocatorFunc adapts a function to Allocator. It is safe for concurrent
// use if the function is.
type AllocatorFunc func(req Request) (Plan, error)

// Allocate calls f(req).
func (f AllocatorFunc) Allocate(req Request) (Plan, error) { return f(req) }

var (
	_ Allocator = AllocatorFunc(nil)
	_ Allocator = FlinkDefault{}
	_ Allocator = TaskBalanced{}
	_ Allocator = (*Default)(nil)
)

// ErrInvalidRequest is wrapped by every error about a request that cannot
// be placed: no TaskManagers, a TaskManager without slots, duplicate ids,
// slot-sharing groups needing more slots than the TaskManagers offer,
// negative or non-finite weights, or a request beyond the limits
// (MaxSlots, MaxParallelism, MaxSubtasks, MaxTaskManagerVertices,
// MaxIDLength).
var ErrInvalidRequest = errors.New("slotalloc: invalid request")

// ErrInvalidConfig is wrapped by every error about a bad DefaultConfig. It
// wraps flinkscale.ErrInvalidConfig, so errors.Is holds for both.
var ErrInvalidConfig = fmt.Errorf("slotalloc: %w", flinkscale.ErrInvalidConfig)

// ErrInvalidPlan is wrapped by every error Verify and Evaluate return about
// a plan that does not place the request: a subtask missing or placed
// twice, an unknown TaskManager or slot, two subtasks of one vertex in a
// slot, or two slot-sharing groups in a slot.
var ErrInvalidPlan = errors.New("slotalloc: invalid plan")
