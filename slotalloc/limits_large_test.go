//go:build !race

package slotalloc_test

import (
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// This file is left out of -race builds: at the limits the race detector
// takes half a minute (without it, about 5 s).

// TestRequestAtLimits: the limits are inclusive and generous: a request
// at each of them is placed by every allocator, in about a second at
// most (TaskBalanced once scanned every TaskManager for each execution
// slot-sharing group: minutes for a million TaskManagers).
func TestRequestAtLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("places up to 2 million subtasks")
	}
	cases := []struct {
		name string
		req  slotalloc.Request
	}{
		{"MaxSlots on one TaskManager, MaxParallelism", slotalloc.Request{
			Vertices: vertices(1, slotalloc.MaxParallelism), TaskManagers: taskManagers(1, slotalloc.MaxSlots)}},
		{"MaxSlots TaskManagers of one slot", slotalloc.Request{
			Vertices: vertices(1, slotalloc.MaxParallelism), TaskManagers: taskManagers(slotalloc.MaxSlots, 1)}},
		{"MaxSubtasks", slotalloc.Request{
			Vertices:     vertices(slotalloc.MaxSubtasks/slotalloc.MaxParallelism, slotalloc.MaxParallelism),
			TaskManagers: taskManagers(2048, 16)}},
		{"MaxTaskManagerVertices", slotalloc.Request{
			Vertices: vertices(slotalloc.MaxTaskManagerVertices/4096, 16), TaskManagers: taskManagers(4096, 1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, a := range allocators() {
				if _, err := a.a.Allocate(c.req); err != nil {
					t.Errorf("%s: %v", a.name, err)
				}
			}
		})
	}
}
