package slotalloc_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// tasksPerTaskManager returns the subtasks p places on each of req's
// TaskManagers, in request order.
func tasksPerTaskManager(req slotalloc.Request, p slotalloc.Plan) []int {
	idx := map[slotalloc.TaskManagerID]int{}
	for i, tm := range req.TaskManagers {
		idx[tm.ID] = i
	}
	out := make([]int, len(req.TaskManagers))
	for _, pl := range p.Placements {
		for _, sl := range pl.Slots {
			out[idx[sl.TaskManager]]++
		}
	}
	return out
}

// docsCase is Flink's documented example of unbalanced placement:
// vertices of parallelism 6 and 3 on 3 TaskManagers x 2 slots.
func docsCase() slotalloc.Request {
	return slotalloc.Request{
		Vertices:     []slotalloc.Vertex{{ID: "a", Parallelism: 6}, {ID: "b", Parallelism: 3}},
		TaskManagers: taskManagers(3, 2),
	}
}

// smallPipelines is the seed's case in miniature: 100 pipelines of three
// vertices with parallelism 1 to 4 (750 subtasks) on 8 TaskManagers x 4
// slots.
func smallPipelines() slotalloc.Request {
	var vs []slotalloc.Vertex
	for i := range 100 {
		for _, name := range []string{"source", "map", "sink"} {
			vs = append(vs, slotalloc.Vertex{ID: slotalloc.VertexID(fmt.Sprintf("p%d-%s", i, name)), Parallelism: 1 + i%4})
		}
	}
	return slotalloc.Request{Vertices: vs, TaskManagers: taskManagers(8, 4)}
}

func TestReproductions(t *testing.T) {
	cases := []struct {
		name string
		req  slotalloc.Request
		a    slotalloc.Allocator
		want []int
	}{
		// Flink's docs: some TaskManagers get 4 tasks, others 2.
		{"docs/FlinkDefault", docsCase(), slotalloc.FlinkDefault{}, []int{4, 3, 2}},
		{"docs/TaskBalanced", docsCase(), slotalloc.TaskBalanced{}, []int{3, 3, 3}},
		{"docs/Default", docsCase(), &slotalloc.Default{}, []int{3, 3, 3}},
		// The seed: 4 execution slot-sharing groups fill the first
		// TaskManager's 4 slots and the other 7 stay idle.
		{"pipelines/FlinkDefault", smallPipelines(), slotalloc.FlinkDefault{}, []int{750, 0, 0, 0, 0, 0, 0, 0}},
		// FLIP-370 balances the 4 groups (188, 188, 187, 187 tasks) over the
		// slots the job holds, which the resource manager grants first fit:
		// the first TaskManager's 4 (measured on Flink 2.2.1, see
		// realstack_test.go); the 28 other slots stay idle.
		{"pipelines/TaskBalanced", smallPipelines(), slotalloc.TaskBalanced{}, []int{750, 0, 0, 0, 0, 0, 0, 0}},
		{"pipelines/Default", smallPipelines(), &slotalloc.Default{}, []int{94, 94, 94, 94, 94, 94, 93, 93}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustAllocate(t, c.a, c.req)
			if got := tasksPerTaskManager(c.req, p); !slices.Equal(got, c.want) {
				t.Errorf("tasks per TaskManager %v, want %v", got, c.want)
			}
		})
	}
}

// TestFlinkDefaultSeedShape: on the seed's shape (many pipelines, one
// group, parallelism up to 224 on 64 x 4 slots) Flink's default overloads
// the first TaskManagers and leaves the last ones idle, while Default
// spreads within one subtask.
func TestFlinkDefaultSeedShape(t *testing.T) {
	req := slotalloc.Request{Vertices: seedJob(1, 200, 224), TaskManagers: taskManagers(64, 4)}
	flink := evaluate(t, req, mustAllocate(t, slotalloc.FlinkDefault{}, req))
	counts := tasksPerTaskManager(req, mustAllocate(t, slotalloc.FlinkDefault{}, req))
	if counts[0] < 2*flink.Tasks/64 || counts[63] != 0 || flink.Imbalance < 2 {
		t.Errorf("FlinkDefault: first %d, last %d, imbalance %.2f; want the first overloaded and the last idle", counts[0], counts[63], flink.Imbalance)
	}
	if d := evaluate(t, req, mustAllocate(t, &slotalloc.Default{}, req)); d.Spread > 1 {
		t.Errorf("Default: spread %d", d.Spread)
	}
}

// TestTaskBalancedPhases checks FLIP-370's two phases on a case where the
// cursor carries over: parallelism 3, 2 and 3 over 3 execution groups
// deal 8 tasks as 3, 3, 2, and the groups go to the least loaded of 3
// TaskManagers.
func TestTaskBalancedPhases(t *testing.T) {
	req := slotalloc.Request{
		Vertices:     []slotalloc.Vertex{{ID: "a", Parallelism: 3}, {ID: "b", Parallelism: 2}, {ID: "c", Parallelism: 3}},
		TaskManagers: taskManagers(3, 1),
	}
	p := mustAllocate(t, slotalloc.TaskBalanced{}, req)
	if got := tasksPerTaskManager(req, p); !slices.Equal(got, []int{3, 3, 2}) {
		t.Errorf("tasks per TaskManager %v, want [3 3 2]", got)
	}
	// b's cursor starts after a's 3 subtasks (0 mod 3), c's after b's 2.
	want := map[slotalloc.VertexID][]slotalloc.TaskManagerID{
		"a": {"tm-000", "tm-001", "tm-002"},
		"b": {"tm-000", "tm-001"},
		"c": {"tm-002", "tm-000", "tm-001"},
	}
	for _, pl := range p.Placements {
		for i, sl := range pl.Slots {
			if sl.TaskManager != want[pl.Vertex][i] {
				t.Errorf("%s[%d] on %s, want %s", pl.Vertex, i, sl.TaskManager, want[pl.Vertex][i])
			}
		}
	}
}
