package slotalloc

import (
	"fmt"
	"math"
)

// Previous-placement markers in instance.prev.
const (
	noPrev   = -1 // the subtask had no place in the previous plan
	gonePrev = -2 // its previous TaskManager is not in the request
)

// group is one slot-sharing group of a request.
type group struct {
	name  string
	need  int // slots it needs at least: its largest parallelism
	tasks int
}

// instance is a validated request flattened into slices: subtasks are
// numbered globally, vertex by vertex (off), and slots globally,
// TaskManager by TaskManager (slotOff). It allocates O(subtasks + slots)
// and no per-subtask maps.
type instance struct {
	req     Request
	tmIdx   map[TaskManagerID]int
	slotOff []int // per TaskManager: first global slot; last = total slots
	groups  []group
	vgroup  []int32   // per vertex: its group
	off     []int     // per vertex: first subtask; last = total subtasks
	vtx     []int32   // per subtask: its vertex
	w       []float64 // per subtask: its weight
	uniform bool      // every weight is the same
	prev    []int32   // per subtask: previous TaskManager, noPrev or gonePrev
	// prevGroup is per global slot the group the previous plan ran in it,
	// -1 if none (withPrev only).
	prevGroup []int32
}

// newInstance validates req and flattens it; withPrev also maps the
// previous plan onto the request's subtasks and TaskManagers.
func newInstance(req Request, withPrev bool) (*instance, error) {
	in := &instance{req: req}
	if err := checkSize(req); err != nil {
		return nil, err
	}
	if err := in.indexTaskManagers(); err != nil {
		return nil, err
	}
	if err := in.indexVertices(); err != nil {
		return nil, err
	}
	prevIdx, err := indexPrevious(req.Previous)
	if err != nil {
		return nil, err
	}
	in.flatten()
	if err := checkTotalWeight(in.w); err != nil {
		return nil, err
	}
	if withPrev {
		in.mapPrevious(prevIdx)
	}
	return in, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...)
}

func (in *instance) indexTaskManagers() error {
	tms := in.req.TaskManagers
	if len(tms) == 0 {
		return invalid("no TaskManagers")
	}
	in.tmIdx = make(map[TaskManagerID]int, len(tms))
	in.slotOff = make([]int, len(tms)+1)
	for t, tm := range tms {
		if p := idProblem(string(tm.ID), false); p != "" {
			return invalid("TaskManager %d has %s", t, p)
		}
		if tm.Slots < 1 {
			return invalid("TaskManager %q has %d slots", tm.ID, tm.Slots)
		}
		if tm.Slots > MaxSlots-in.slotOff[t] {
			return invalid("TaskManagers up to %q have more than %d slots (limit MaxSlots)", tm.ID, MaxSlots)
		}
		if _, dup := in.tmIdx[tm.ID]; dup {
			return invalid("duplicate TaskManager id %q", tm.ID)
		}
		in.tmIdx[tm.ID] = t
		in.slotOff[t+1] = in.slotOff[t] + tm.Slots
	}
	return nil
}

func (in *instance) indexVertices() error {
	vs := in.req.Vertices
	seen := make(map[VertexID]struct{}, len(vs))
	gidx := make(map[string]int)
	in.vgroup = make([]int32, len(vs))
	in.off = make([]int, len(vs)+1)
	for v, vx := range vs {
		if err := checkVertex(v, vx, seen); err != nil {
			return err
		}
		if vx.Parallelism > MaxSubtasks-in.off[v] {
			return invalid("vertices up to %q have more than %d subtasks (limit MaxSubtasks)", vx.ID, MaxSubtasks)
		}
		g, ok := gidx[vx.SlotSharingGroup]
		if !ok {
			g = len(in.groups)
			gidx[vx.SlotSharingGroup] = g
			in.groups = append(in.groups, group{name: vx.SlotSharingGroup})
		}
		in.vgroup[v] = int32(g)
		gr := &in.groups[g]
		gr.need = max(gr.need, vx.Parallelism)
		gr.tasks += vx.Parallelism
		in.off[v+1] = in.off[v] + vx.Parallelism
	}
	need := 0
	for _, g := range in.groups {
		need += g.need
	}
	if slots := in.slotOff[len(in.slotOff)-1]; need > slots {
		return invalid("slot-sharing groups need %d slots (the largest parallelism of each), TaskManagers offer %d", need, slots)
	}
	return nil
}

func checkVertex(v int, vx Vertex, seen map[VertexID]struct{}) error {
	if p := idProblem(string(vx.ID), false); p != "" {
		return invalid("vertex %d has %s", v, p)
	}
	if p := idProblem(vx.SlotSharingGroup, true); p != "" {
		return invalid("vertex %q's slot-sharing group has %s", vx.ID, p)
	}
	if _, dup := seen[vx.ID]; dup {
		return invalid("duplicate vertex id %q", vx.ID)
	}
	seen[vx.ID] = struct{}{}
	if vx.Parallelism < 1 || vx.Parallelism > MaxParallelism {
		return invalid("vertex %q has parallelism %d (want 1 to MaxParallelism = %d)", vx.ID, vx.Parallelism, MaxParallelism)
	}
	if len(vx.Weights) != 0 && len(vx.Weights) != vx.Parallelism {
		return invalid("vertex %q has %d weights for parallelism %d", vx.ID, len(vx.Weights), vx.Parallelism)
	}
	for i, w := range vx.Weights {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return invalid("vertex %q subtask %d has weight %v (want finite, non-negative)", vx.ID, i, w)
		}
	}
	return nil
}

// flatten fills vtx, w and uniform.
func (in *instance) flatten() {
	n := in.off[len(in.off)-1]
	in.vtx = make([]int32, n)
	in.w = make([]float64, n)
	in.uniform = true
	for v, vx := range in.req.Vertices {
		base := in.off[v]
		for i := range vx.Parallelism {
			s := base + i
			in.vtx[s] = int32(v)
			in.w[s] = 1
			if vx.Weights != nil {
				in.w[s] = vx.Weights[i]
			}
			if in.w[s] != in.w[0] {
				in.uniform = false
			}
		}
	}
}

// indexPrevious maps the previous plan's vertices to their placements.
func indexPrevious(p Plan) (map[VertexID]int, error) {
	idx := make(map[VertexID]int, len(p.Placements))
	for i, pl := range p.Placements {
		if _, dup := idx[pl.Vertex]; dup {
			return nil, invalid("previous plan places vertex %q twice", pl.Vertex)
		}
		idx[pl.Vertex] = i
	}
	return idx, nil
}

// mapPrevious fills prev, each subtask's previous TaskManager or a
// marker, and prevGroup.
func (in *instance) mapPrevious(prevIdx map[VertexID]int) {
	in.prev = make([]int32, len(in.vtx))
	for s := range in.prev {
		in.prev[s] = noPrev
	}
	in.prevGroup = make([]int32, in.slots())
	for gs := range in.prevGroup {
		in.prevGroup[gs] = -1
	}
	var lastID TaskManagerID
	lastT := int32(gonePrev)
	for v, vx := range in.req.Vertices {
		i, ok := prevIdx[vx.ID]
		if !ok {
			continue
		}
		slots := in.req.Previous.Placements[i].Slots
		for j := range min(len(slots), vx.Parallelism) {
			if id := slots[j].TaskManager; id != lastID || lastT == gonePrev {
				lastID, lastT = id, gonePrev
				if t, ok := in.tmIdx[id]; ok {
					lastT = int32(t)
				}
			}
			in.prev[in.off[v]+j] = lastT
			if k := slots[j].Index; lastT >= 0 && k >= 0 && k < in.req.TaskManagers[lastT].Slots {
				in.prevGroup[in.slotOff[lastT]+k] = in.vgroup[v]
			}
		}
	}
}

// tasks returns the number of subtasks.
func (in *instance) tasks() int { return len(in.vtx) }

// tms returns the number of TaskManagers.
func (in *instance) tms() int { return len(in.req.TaskManagers) }

// slots returns the total number of slots.
func (in *instance) slots() int { return in.slotOff[len(in.slotOff)-1] }

// plan turns a global slot per subtask into a Plan.
func (in *instance) plan(gslot []int32) Plan {
	tmOf := make([]int32, in.slots())
	for t := range in.tms() {
		for gs := in.slotOff[t]; gs < in.slotOff[t+1]; gs++ {
			tmOf[gs] = int32(t)
		}
	}
	slots := make([]Slot, len(gslot))
	for s, gs := range gslot {
		t := tmOf[gs]
		slots[s] = Slot{TaskManager: in.req.TaskManagers[t].ID, Index: int(gs) - in.slotOff[t]}
	}
	p := Plan{Placements: make([]Placement, len(in.req.Vertices))}
	for v, vx := range in.req.Vertices {
		lo, hi := in.off[v], in.off[v+1]
		p.Placements[v] = Placement{Vertex: vx.ID, Slots: slots[lo:hi:hi]}
	}
	return p
}
