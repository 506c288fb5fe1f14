package slotalloc

import (
	"container/heap"
	"slices"
)

// FlinkDefault models the placement of Flink's adaptive scheduler
// (SlotSharingSlotAllocator) without task balancing: in each slot-sharing
// group, execution slot-sharing group i holds subtask i of every vertex
// with parallelism above i, and the groups, slot-sharing group by group,
// take the free slots in iteration order, modelled as the request's
// TaskManager order, then slot index. Low-index groups hold the most
// subtasks and land on the first TaskManagers: vertices of parallelism 6
// and 3 on 3 TaskManagers x 2 slots put 4 subtasks on the first and 2 on
// the last, and a job of many small pipelines overloads the first
// TaskManagers and leaves the last ones idle.
//
// It uses the fewest slots (the largest parallelism of each group),
// ignores weights and Request.Previous, as Flink does, and is
// deterministic. The zero value is ready; safe for concurrent use.
//
// Against Flink 1.20.5 (docs/slotalloc-placement.md): the slots in use per
// TaskManager are exact up to relabelling (the resource manager grants a
// job's slots first fit, TaskManager after TaskManager, in an order of its
// own), and so is every execution slot-sharing group (its subtasks share a
// TaskManager). Which group gets which of those slots is not: the adaptive
// scheduler pairs them in the slot pool's hash order, a new draw per
// deployment. The subtasks per TaskManager are therefore exact only where
// the pairing cannot change them (groups of equal size); otherwise the
// real counts are one of the pairings, and FlinkDefault's, the heaviest
// groups together on the first TaskManager, is the extreme one: with one
// slot-sharing group its largest count bounds the real largest from above
// and its smallest the real smallest from below.
type FlinkDefault struct{}

// Allocate implements Allocator.
func (FlinkDefault) Allocate(req Request) (Plan, error) {
	in, err := newInstance(req, false)
	if err != nil {
		return Plan{}, err
	}
	next := 0 // the free slots in iteration order, group after group
	essg := in.essgSlots(func(int, int) int { next++; return next - 1 })
	gslot := make([]int32, in.tasks())
	for v := range in.req.Vertices {
		g := in.vgroup[v]
		for s := in.off[v]; s < in.off[v+1]; s++ {
			gslot[s] = essg[g][s-in.off[v]]
		}
	}
	return in.plan(gslot), nil
}

// essgSlots returns, per slot-sharing group, one entry per execution
// slot-sharing group, initialised by f(group, index) called in order.
func (in *instance) essgSlots(f func(g, i int) int) [][]int32 {
	out := make([][]int32, len(in.groups))
	for g, gr := range in.groups {
		out[g] = make([]int32, gr.need)
		for i := range out[g] {
			out[g][i] = int32(f(g, i))
		}
	}
	return out
}

// TaskBalanced models Flink's task-balanced placement (FLIP-370,
// taskmanager.load-balance.mode: TASKS; Flink 2.x: Flink 1.20 has only
// NONE and SLOTS). Phase 1 deals the subtasks of each slot-sharing group
// round-robin over its execution slot-sharing groups (as many as its
// largest parallelism) from a cursor that carries over from vertex to
// vertex, so their task counts differ by at most one. Phase 2 takes the
// execution slot-sharing groups of all slot-sharing groups by task count,
// largest first, and gives each a free slot on the TaskManager with the
// fewest tasks so far (ties: request order; the slot: lowest free index).
//
// Phase 2 chooses only among the slots the job holds, and the resource
// manager hands those out first fit, in TASKS mode as without balancing:
// it fills one TaskManager's slots before it takes the next one's. So
// TaskBalanced, like FlinkDefault, uses the first TaskManagers of the
// request, as many slots as the groups' largest parallelisms add up to: a
// job that needs fewer slots than the cluster has is balanced over those
// TaskManagers only, and the others stay idle (measured on Flink 2.2.1:
// a job needing 2 of 4 TaskManagers x 2 slots ran all 16 subtasks on one
// TaskManager; see docs/slotalloc-placement.md). It ignores weights and
// Request.Previous, as Flink does, and is deterministic. The zero value is
// ready; safe for concurrent use.
type TaskBalanced struct{}

// Allocate implements Allocator.
func (TaskBalanced) Allocate(req Request) (Plan, error) {
	in, err := newInstance(req, false)
	if err != nil {
		return Plan{}, err
	}
	essg, load := in.dealRoundRobin()
	slotOf := in.balanceGroups(load)
	gslot := make([]int32, in.tasks())
	for s, e := range essg {
		gslot[s] = slotOf[in.vgroup[in.vtx[s]]][e]
	}
	return in.plan(gslot), nil
}

// dealRoundRobin is phase 1: the execution slot-sharing group of every
// subtask, and the task count of every execution slot-sharing group.
func (in *instance) dealRoundRobin() (essg []int32, load [][]int32) {
	essg = make([]int32, in.tasks())
	load = in.essgSlots(func(int, int) int { return 0 })
	cursor := make([]int, len(in.groups))
	for v, vx := range in.req.Vertices {
		g := in.vgroup[v]
		n := in.groups[g].need
		for i := range vx.Parallelism {
			e := (cursor[g] + i) % n
			essg[in.off[v]+i] = int32(e)
			load[g][e]++
		}
		cursor[g] = (cursor[g] + vx.Parallelism) % n
	}
	return essg, load
}

// balanceGroups is phase 2: a global slot for every execution slot-sharing
// group, largest first, on the TaskManager with the fewest tasks (ties:
// request order) among those with a granted slot still free, found in a
// heap so a cluster of many TaskManagers costs O(log n) per group, not
// O(n).
func (in *instance) balanceGroups(load [][]int32) [][]int32 {
	type essgRef struct{ g, i, load int32 }
	var all []essgRef
	for g := range load {
		for i, l := range load[g] {
			all = append(all, essgRef{int32(g), int32(i), l})
		}
	}
	slices.SortStableFunc(all, func(a, b essgRef) int { return int(b.load - a.load) })
	granted := in.grantedSlots()
	used := make([]int, in.tms())
	h := &taskHeap{tasks: make([]int, in.tms())}
	for t, n := range granted {
		if n > 0 {
			h.items = append(h.items, int32(t)) // all at 0 tasks in request order: a heap
		}
	}
	slotOf := in.essgSlots(func(int, int) int { return 0 })
	for _, e := range all {
		best := h.items[0] // the groups need exactly the granted slots
		slotOf[e.g][e.i] = int32(in.slotOff[best] + used[best])
		used[best]++
		h.tasks[best] += int(e.load)
		if used[best] == granted[best] {
			heap.Pop(h)
		} else {
			heap.Fix(h, 0)
		}
	}
	return slotOf
}

// grantedSlots returns, per TaskManager, the slots Flink's resource
// manager gives a job that needs one slot per execution slot-sharing
// group: first fit, TaskManager after TaskManager in request order (its
// default matching strategy, AnyMatchingResourceMatchingStrategy, which
// TASKS mode keeps).
func (in *instance) grantedSlots() []int {
	need := 0
	for _, g := range in.groups {
		need += g.need
	}
	out := make([]int, in.tms())
	for t := range out {
		out[t] = min(in.req.TaskManagers[t].Slots, need)
		need -= out[t]
	}
	return out
}

// taskHeap holds the TaskManagers with a free slot, fewest tasks first,
// then in request order.
type taskHeap struct {
	items []int32
	tasks []int // per TaskManager: tasks placed so far
}

func (h *taskHeap) Len() int { return len(h.items) }

func (h *taskHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if h.tasks[a] != h.tasks[b] {
		return h.tasks[a] < h.tasks[b]
	}
	return a < b
}

func (h *taskHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }

func (h *taskHeap) Push(x any) { h.items = append(h.items, x.(int32)) }

func (h *taskHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}
