package slotalloc

import (
	"cmp"
	"fmt"
	"slices"
)

// Stats describes a plan against its request. It is a plain value.
type Stats struct {
	// Tasks is the number of subtasks; TaskManagers the number of
	// TaskManagers.
	Tasks, TaskManagers int
	// MinTasks and MaxTasks are the fewest and most subtasks on one
	// TaskManager; Spread is MaxTasks - MinTasks.
	MinTasks, MaxTasks, Spread int
	// Imbalance is MaxTasks over the mean subtasks per TaskManager; 1 is
	// perfect, and 0 means no subtasks.
	Imbalance float64
	// WeightImbalance is the largest weight on one TaskManager over the
	// mean weight per TaskManager (weights as in Vertex.Weights); 0 when
	// the total weight is 0.
	WeightImbalance float64
	// Moved counts the subtasks of Request.Previous that now run on
	// another TaskManager, including those whose TaskManager is gone. A
	// subtask changing slot on the same TaskManager does not count: its
	// state and local-recovery files stay on the TaskManager.
	Moved int
	// LowerBoundMaxTasks is ceil(Tasks / TaskManagers): no plan puts fewer
	// subtasks on its busiest TaskManager.
	LowerBoundMaxTasks int
	// LowerBoundMoves is MoveLowerBound of the request: no plan whose
	// task counts differ by at most one moves fewer subtasks.
	LowerBoundMoves int
}

// Evaluate verifies p against req (see Verify) and describes it.
func Evaluate(req Request, p Plan) (Stats, error) {
	in, err := newInstance(req, true)
	if err != nil {
		return Stats{}, err
	}
	tm, _, err := in.resolve(p)
	if err != nil {
		return Stats{}, err
	}
	n := in.tms()
	st := Stats{Tasks: in.tasks(), TaskManagers: n, LowerBoundMoves: in.moveLowerBound()}
	st.LowerBoundMaxTasks = (st.Tasks + n - 1) / n
	count := make([]int, n)
	weight := make([]float64, n)
	total := 0.0
	for s, t := range tm {
		count[t]++
		weight[t] += in.w[s]
		total += in.w[s]
		if pt := in.prev[s]; pt == gonePrev || (pt >= 0 && pt != t) {
			st.Moved++
		}
	}
	st.MinTasks, st.MaxTasks = slices.Min(count), slices.Max(count)
	st.Spread = st.MaxTasks - st.MinTasks
	if st.Tasks > 0 {
		st.Imbalance = float64(st.MaxTasks) * float64(n) / float64(st.Tasks)
	}
	if total > 0 {
		st.WeightImbalance = slices.Max(weight) * float64(n) / total
	}
	return st, nil
}

// MoveLowerBound returns the fewest subtasks any plan for req whose task
// counts per TaskManager differ by at most one must move away from
// req.Previous. With T subtasks on n TaskManagers such a plan puts
// floor(T/n) or ceil(T/n) on each, ceil on exactly T mod n of them. Every
// subtask whose previous TaskManager is gone must move; a surviving
// TaskManager that previously ran k of the subtasks must shed k minus its
// allowance, and the bound gives the T mod n allowances of ceil(T/n) to the
// survivors with the largest k. (Subtasks new to the plan, or of new
// TaskManagers' deficits, need no move: the moved subtasks and new
// subtasks fill them.) Slot-sharing constraints are ignored: when a vertex
// cannot stay where it was for lack of slots, or its parallelism leaves
// few choices, the true minimum can be larger.
func MoveLowerBound(req Request) (int, error) {
	in, err := newInstance(req, true)
	if err != nil {
		return 0, err
	}
	return in.moveLowerBound(), nil
}

func (in *instance) moveLowerBound() int {
	n, total := in.tms(), in.tasks()
	lo, extra := total/n, total%n
	k := make([]int, n)
	bound := 0
	for _, p := range in.prev {
		switch {
		case p == gonePrev:
			bound++
		case p >= 0:
			k[p]++
		}
	}
	slices.SortFunc(k, func(a, b int) int { return cmp.Compare(b, a) })
	for i, c := range k {
		allow := lo
		if i < extra {
			allow++
		}
		bound += max(0, c-allow)
	}
	return bound
}

// Verify returns nil when p places every subtask of req exactly once on
// an existing slot, with at most one subtask of each vertex per slot and
// no slot shared by two slot-sharing groups; otherwise an error wrapping
// ErrInvalidPlan, or ErrInvalidRequest when req itself is invalid. The
// placements may come in any order.
func Verify(req Request, p Plan) error {
	in, err := newInstance(req, false)
	if err != nil {
		return err
	}
	_, _, err = in.resolve(p)
	return err
}

func invalidPlan(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidPlan}, args...)...)
}

// resolve verifies p and returns the TaskManager and global slot of every
// subtask.
func (in *instance) resolve(p Plan) (tm, gslot []int32, err error) {
	tm, gslot = make([]int32, in.tasks()), make([]int32, in.tasks())
	if len(p.Placements) != len(in.req.Vertices) {
		return nil, nil, invalidPlan("%d placements for %d vertices", len(p.Placements), len(in.req.Vertices))
	}
	vIdx := make(map[VertexID]int, len(in.req.Vertices))
	for v, vx := range in.req.Vertices {
		vIdx[vx.ID] = v
	}
	done := make([]bool, len(in.req.Vertices))
	for _, pl := range p.Placements {
		v, ok := vIdx[pl.Vertex]
		switch {
		case !ok:
			return nil, nil, invalidPlan("unknown vertex %q", pl.Vertex)
		case done[v]:
			return nil, nil, invalidPlan("vertex %q placed twice", pl.Vertex)
		case len(pl.Slots) != in.req.Vertices[v].Parallelism:
			return nil, nil, invalidPlan("vertex %q: %d slots for parallelism %d", pl.Vertex, len(pl.Slots), in.req.Vertices[v].Parallelism)
		}
		done[v] = true
		if err := in.resolveVertex(v, pl.Slots, tm, gslot); err != nil {
			return nil, nil, err
		}
	}
	return tm, gslot, in.checkSharing(gslot)
}

func (in *instance) resolveVertex(v int, slots []Slot, tm, gslot []int32) error {
	for i, sl := range slots {
		t, ok := in.tmIdx[sl.TaskManager]
		if !ok {
			return invalidPlan("vertex %q subtask %d on unknown TaskManager %q", in.req.Vertices[v].ID, i, sl.TaskManager)
		}
		if sl.Index < 0 || sl.Index >= in.req.TaskManagers[t].Slots {
			return invalidPlan("vertex %q subtask %d on slot %d of TaskManager %q, which has %d", in.req.Vertices[v].ID, i, sl.Index, sl.TaskManager, in.req.TaskManagers[t].Slots)
		}
		tm[in.off[v]+i] = int32(t)
		gslot[in.off[v]+i] = int32(in.slotOff[t] + sl.Index)
	}
	return nil
}

// checkSharing checks that no slot holds two subtasks of one vertex or
// subtasks of two slot-sharing groups.
func (in *instance) checkSharing(gslot []int32) error {
	lastV := make([]int32, in.slots())
	grp := make([]int32, in.slots())
	for i := range lastV {
		lastV[i], grp[i] = -1, -1
	}
	for s, gs := range gslot {
		v, g := in.vtx[s], in.vgroup[in.vtx[s]]
		if lastV[gs] == v {
			return invalidPlan("vertex %q has two subtasks in slot %d of TaskManager %q", in.req.Vertices[v].ID, int(gs)-in.slotOff[slotTM(in, int(gs))], in.req.TaskManagers[slotTM(in, int(gs))].ID)
		}
		if grp[gs] >= 0 && grp[gs] != g {
			return invalidPlan("slot-sharing groups %q and %q share slot %d of TaskManager %q", in.groups[grp[gs]].name, in.groups[g].name, int(gs)-in.slotOff[slotTM(in, int(gs))], in.req.TaskManagers[slotTM(in, int(gs))].ID)
		}
		lastV[gs], grp[gs] = v, g
	}
	return nil
}
