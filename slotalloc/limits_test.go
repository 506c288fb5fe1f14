package slotalloc_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// TestRequestBeyondLimits: a request beyond a documented limit is an
// error wrapping ErrInvalidRequest from every entry point, never a panic
// ("makeslice: len out of range" for Slots: MaxInt) or an allocation in
// proportion to a stated count (Slots: 1 << 33 asked for tens of GB).
func TestRequestBeyondLimits(t *testing.T) {
	one := []slotalloc.Vertex{{ID: "a", Parallelism: 1}}
	tm := func(slots int) []slotalloc.TaskManager { return []slotalloc.TaskManager{{ID: "tm", Slots: slots}} }
	cases := []struct {
		name string
		req  slotalloc.Request
	}{
		{"Slots MaxInt", slotalloc.Request{Vertices: one, TaskManagers: tm(math.MaxInt)}},
		{"Slots 1<<33", slotalloc.Request{Vertices: one, TaskManagers: tm(1 << 33)}},
		{"Slots MaxSlots+1", slotalloc.Request{Vertices: one, TaskManagers: tm(slotalloc.MaxSlots + 1)}},
		{"slots wrap around int to 1 when added", slotalloc.Request{Vertices: one, TaskManagers: []slotalloc.TaskManager{
			{ID: "a", Slots: math.MaxInt}, {ID: "b", Slots: math.MaxInt}, {ID: "c", Slots: 3}}}},
		{"slots together beyond MaxSlots", slotalloc.Request{Vertices: one, TaskManagers: taskManagers(4, slotalloc.MaxSlots/4+1)}},
		{"Parallelism MaxInt", slotalloc.Request{Vertices: vertices(1, math.MaxInt), TaskManagers: tm(math.MaxInt)}},
		{"Parallelism 1<<33", slotalloc.Request{Vertices: vertices(1, 1<<33), TaskManagers: tm(1 << 33)}},
		{"Parallelism MaxParallelism+1", slotalloc.Request{Vertices: vertices(1, slotalloc.MaxParallelism+1), TaskManagers: tm(slotalloc.MaxSlots)}},
		{"subtasks beyond MaxSubtasks", slotalloc.Request{
			Vertices:     vertices(slotalloc.MaxSubtasks/slotalloc.MaxParallelism+1, slotalloc.MaxParallelism),
			TaskManagers: tm(slotalloc.MaxParallelism)}},
		{"TaskManagers x vertices beyond the limit", slotalloc.Request{
			Vertices:     vertices(slotalloc.MaxTaskManagerVertices/4096+1, 1),
			TaskManagers: taskManagers(4096, 1)}},
		{"vertex id too long", slotalloc.Request{
			Vertices:     []slotalloc.Vertex{{ID: slotalloc.VertexID(strings.Repeat("v", slotalloc.MaxIDLength+1)), Parallelism: 1}},
			TaskManagers: tm(1)}},
		{"TaskManager id too long", slotalloc.Request{Vertices: one,
			TaskManagers: []slotalloc.TaskManager{{ID: slotalloc.TaskManagerID(strings.Repeat("t", slotalloc.MaxIDLength+1)), Slots: 1}}}},
		{"slot-sharing group too long", slotalloc.Request{
			Vertices:     []slotalloc.Vertex{{ID: "a", Parallelism: 1, SlotSharingGroup: strings.Repeat("g", slotalloc.MaxIDLength+1)}},
			TaskManagers: tm(1)}},
		{"vertex id not UTF-8", slotalloc.Request{Vertices: []slotalloc.Vertex{{ID: "\xff", Parallelism: 1}}, TaskManagers: tm(1)}},
		{"TaskManager id not UTF-8", slotalloc.Request{Vertices: one, TaskManagers: []slotalloc.TaskManager{{ID: "\xc3", Slots: 1}}}},
		{"weights add up to infinity", slotalloc.Request{
			Vertices:     []slotalloc.Vertex{{ID: "a", Parallelism: 2, Weights: []float64{math.MaxFloat64, math.MaxFloat64}}},
			TaskManagers: tm(2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, a := range allocators() {
				p, err := a.a.Allocate(c.req)
				if !errors.Is(err, slotalloc.ErrInvalidRequest) || len(p.Placements) != 0 {
					t.Errorf("%s: Allocate = %d placements, %v; want an error wrapping ErrInvalidRequest", a.name, len(p.Placements), err)
				}
			}
			checks := map[string]error{"Validate": c.req.Validate(), "Verify": slotalloc.Verify(c.req, slotalloc.Plan{})}
			_, checks["Evaluate"] = slotalloc.Evaluate(c.req, slotalloc.Plan{})
			_, checks["MoveLowerBound"] = slotalloc.MoveLowerBound(c.req)
			for name, err := range checks {
				if !errors.Is(err, slotalloc.ErrInvalidRequest) {
					t.Errorf("%s: %v, want an error wrapping ErrInvalidRequest", name, err)
				}
			}
		})
	}
}

// vertices returns n vertices v-0.. of parallelism p in the default
// slot-sharing group.
func vertices(n, p int) []slotalloc.Vertex {
	vs := make([]slotalloc.Vertex, n)
	for i := range vs {
		vs[i] = slotalloc.Vertex{ID: slotalloc.VertexID(fmt.Sprintf("v-%d", i)), Parallelism: p}
	}
	return vs
}
