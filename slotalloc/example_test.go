package slotalloc_test

import (
	"fmt"
	"strings"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// printPlan prints each TaskManager's subtasks as vertex[index]/slot.
func printPlan(req slotalloc.Request, p slotalloc.Plan) {
	on := map[slotalloc.TaskManagerID][]string{}
	for _, pl := range p.Placements {
		for i, sl := range pl.Slots {
			on[sl.TaskManager] = append(on[sl.TaskManager], fmt.Sprintf("%s[%d]/%d", pl.Vertex, i, sl.Index))
		}
	}
	for _, tm := range req.TaskManagers {
		fmt.Printf("%s: %s\n", tm.ID, strings.Join(on[tm.ID], " "))
	}
}

// Flink's documented case: vertices of parallelism 6 and 3 on 3
// TaskManagers of 2 slots. Flink's default puts 4 subtasks on the first
// TaskManager and 2 on the last.
func ExampleFlinkDefault() {
	req := slotalloc.Request{
		Vertices: []slotalloc.Vertex{{ID: "a", Parallelism: 6}, {ID: "b", Parallelism: 3}},
		TaskManagers: []slotalloc.TaskManager{
			{ID: "tm-1", Slots: 2}, {ID: "tm-2", Slots: 2}, {ID: "tm-3", Slots: 2},
		},
	}
	p, _ := slotalloc.FlinkDefault{}.Allocate(req)
	printPlan(req, p)
	// Output:
	// tm-1: a[0]/0 a[1]/1 b[0]/0 b[1]/1
	// tm-2: a[2]/0 a[3]/1 b[2]/0
	// tm-3: a[4]/0 a[5]/1
}

// Default on the same case: 3 subtasks per TaskManager.
func ExampleDefault() {
	req := slotalloc.Request{
		Vertices: []slotalloc.Vertex{{ID: "a", Parallelism: 6}, {ID: "b", Parallelism: 3}},
		TaskManagers: []slotalloc.TaskManager{
			{ID: "tm-1", Slots: 2}, {ID: "tm-2", Slots: 2}, {ID: "tm-3", Slots: 2},
		},
	}
	p, err := (&slotalloc.Default{}).Allocate(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	printPlan(req, p)
	// Output:
	// tm-1: a[0]/0 a[3]/1 b[0]/0
	// tm-2: a[1]/0 a[4]/1 b[1]/0
	// tm-3: a[2]/0 a[5]/1 b[2]/0
}

// Two pipelines whose sources have uneven backlogs: the weights are each
// source subtask's backlog in thousands of records. Default balances the
// subtasks and, among balanced plans, the backlog: 10 on each
// TaskManager.
func ExampleDefault_weights() {
	req := slotalloc.Request{
		Vertices: []slotalloc.Vertex{
			{ID: "orders", Parallelism: 2, Weights: []float64{8, 2}},
			{ID: "orders-sink", Parallelism: 2, Weights: []float64{0, 0}},
			{ID: "clicks", Parallelism: 2, Weights: []float64{5, 5}},
			{ID: "clicks-sink", Parallelism: 2, Weights: []float64{0, 0}},
		},
		TaskManagers: []slotalloc.TaskManager{{ID: "tm-1", Slots: 2}, {ID: "tm-2", Slots: 2}},
	}
	p, _ := (&slotalloc.Default{}).Allocate(req)
	printPlan(req, p)
	s, _ := slotalloc.Evaluate(req, p)
	fmt.Printf("spread %d, weight imbalance %.2f\n", s.Spread, s.WeightImbalance)
	// Output:
	// tm-1: orders-sink[1]/0 clicks[0]/1 clicks[1]/0 clicks-sink[1]/1
	// tm-2: orders[0]/0 orders[1]/1 orders-sink[0]/0 clicks-sink[0]/1
	// spread 0, weight imbalance 1.00
}

// A rescale: a fourth TaskManager joins. Default moves as few subtasks as
// balance needs (Stats.LowerBoundMoves); TaskBalanced, like Flink, keeps
// to the slots the job's 8 execution slot-sharing groups are granted (the
// first two TaskManagers', first fit), so the new TaskManager stays idle.
func ExampleEvaluate() {
	req := slotalloc.Request{
		Vertices: []slotalloc.Vertex{{ID: "source", Parallelism: 8}, {ID: "sink", Parallelism: 8}},
		TaskManagers: []slotalloc.TaskManager{
			{ID: "tm-1", Slots: 4}, {ID: "tm-2", Slots: 4}, {ID: "tm-3", Slots: 4},
		},
	}
	for _, a := range []slotalloc.Allocator{&slotalloc.Default{}, slotalloc.TaskBalanced{}} {
		before, _ := a.Allocate(req)
		grown := req
		grown.TaskManagers = append(grown.TaskManagers[:3:3], slotalloc.TaskManager{ID: "tm-4", Slots: 4})
		grown.Previous = before
		after, _ := a.Allocate(grown)
		s, _ := slotalloc.Evaluate(grown, after)
		fmt.Printf("%T: %d to %d subtasks per TaskManager, %d moved (at least %d)\n", a, s.MinTasks, s.MaxTasks, s.Moved, s.LowerBoundMoves)
	}
	// Output:
	// *slotalloc.Default: 4 to 4 subtasks per TaskManager, 4 moved (at least 4)
	// slotalloc.TaskBalanced: 0 to 8 subtasks per TaskManager, 0 moved (at least 8)
}

// AllocatorFunc adapts a function: here a guard that refuses plans more
// than one subtask apart.
func ExampleAllocatorFunc() {
	inner := &slotalloc.Default{}
	guarded := slotalloc.AllocatorFunc(func(req slotalloc.Request) (slotalloc.Plan, error) {
		p, err := inner.Allocate(req)
		if err != nil {
			return p, err
		}
		if s, err := slotalloc.Evaluate(req, p); err != nil || s.Spread > 1 {
			return slotalloc.Plan{}, fmt.Errorf("unbalanced plan (%v)", err)
		}
		return p, nil
	})
	_, err := guarded.Allocate(slotalloc.Request{Vertices: []slotalloc.Vertex{{ID: "a", Parallelism: 3}}})
	fmt.Println(err)
	// Output:
	// slotalloc: invalid request: no TaskManagers
}
