package slotalloc

import (
	"cmp"
	"slices"
)

// dedication says which slot-sharing group each slot serves in Default's
// plans. Every group gets at least its largest parallelism in slots and
// the spare slots in proportion to its task count. The slots are dealt
// column by column (slot 0 of every TaskManager, then slot 1, ...) so
// each group is spread over as many TaskManagers as it can be; a slot
// first keeps the group the previous plan ran in it while that group's
// quota lasts, unless that rules out a balanced plan. With one group
// every slot serves it.
type dedication struct {
	groups int
	group  []int32 // per global slot: its group, -1 if unused
	caps   []int32 // per TaskManager x group: slots of the group on it
	capSum []int   // per group: its slots over all TaskManagers
}

// cap returns the slots group g has on TaskManager t: the most subtasks
// of any one vertex of g that t can run.
func (d *dedication) cap(t int, g int32) int32 { return d.caps[t*d.groups+int(g)] }

func dedicate(in *instance) dedication {
	if in.prevGroup != nil {
		if d := dealSlots(in, true); d.balanceable(in) {
			return d
		}
	}
	return dealSlots(in, false)
}

// dealSlots dedicates the slots, column by column; sticky first gives
// each slot the group it had while that group's quota lasts.
func dealSlots(in *instance, sticky bool) dedication {
	d := dedication{groups: len(in.groups), group: make([]int32, in.slots())}
	d.caps = make([]int32, in.tms()*d.groups)
	d.capSum = quotas(in)
	left := slices.Clone(d.capSum)
	order := columnMajor(in)
	for _, gs := range order {
		d.group[gs] = -1
		if g := prevGroupOf(in, gs); sticky && g >= 0 && left[g] > 0 {
			d.group[gs] = g
			left[g]--
		}
	}
	g := 0
	for _, gs := range order {
		for g < d.groups && left[g] == 0 {
			g++
		}
		if d.group[gs] < 0 && g < d.groups {
			d.group[gs] = int32(g)
			left[g]--
		}
	}
	for gs, g := range d.group {
		if g >= 0 {
			d.caps[slotTM(in, gs)*d.groups+int(g)]++
		}
	}
	return d
}

// balanceable reports whether every TaskManager can run floor(T/n)
// subtasks and enough of them ceil(T/n) under d's slots: a necessary
// condition for a balanced plan, used to reject a sticky dedication that
// would rule one out.
func (d *dedication) balanceable(in *instance) bool {
	n := in.tms()
	lo, extra := in.tasks()/n, in.tasks()%n
	for t := range n {
		c := 0
		for v, vx := range in.req.Vertices {
			c += min(vx.Parallelism, int(d.cap(t, in.vgroup[v])))
		}
		switch {
		case c < lo:
			return false
		case c > lo:
			extra--
		}
	}
	return extra <= 0
}

// prevGroupOf returns the group the previous plan ran in global slot gs,
// -1 if none or unknown.
func prevGroupOf(in *instance, gs int) int32 {
	if in.prevGroup == nil {
		return -1
	}
	return in.prevGroup[gs]
}

// columnMajor returns the global slots column by column: slot 0 of every
// TaskManager in request order, then slot 1, and so on.
func columnMajor(in *instance) []int {
	out := make([]int, 0, in.slots())
	for k := 0; len(out) < in.slots(); k++ {
		for t, tm := range in.req.TaskManagers {
			if k < tm.Slots {
				out = append(out, in.slotOff[t]+k)
			}
		}
	}
	return out
}

// quotas returns the slots of each group: its need plus the spare slots in
// proportion to its tasks (largest remainder, ties to the earlier group).
func quotas(in *instance) []int {
	q := make([]int, len(in.groups))
	spare := in.slots()
	for g, gr := range in.groups {
		q[g] = gr.need
		spare -= gr.need
	}
	total := in.tasks()
	if total == 0 || spare == 0 {
		return q
	}
	rem := make([]int, len(q))
	order := make([]int, len(q))
	given := 0
	for g, gr := range in.groups {
		share := spare * gr.tasks
		q[g] += share / total
		given += share / total
		rem[g], order[g] = share%total, g
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
	for _, g := range order[:spare-given] {
		q[g]++
	}
	return q
}

// assignSlots turns a TaskManager per subtask into a global slot per
// subtask: on each TaskManager the subtasks of a group take the group's
// slots round-robin from a cursor carried from vertex to vertex, so a
// vertex with at most cap subtasks there never has two in one slot and
// the slots' task counts differ by at most one.
func (d *dedication) assignSlots(in *instance, tm []int32) []int32 {
	n := in.tms() * d.groups
	start := make([]int32, n+1)
	for gs, g := range d.group {
		if g >= 0 {
			start[slotTM(in, gs)*d.groups+int(g)+1]++
		}
	}
	for b := range n {
		start[b+1] += start[b]
	}
	list := make([]int32, start[n])
	fill := slices.Clone(start[:n])
	for gs, g := range d.group {
		if g >= 0 {
			b := slotTM(in, gs)*d.groups + int(g)
			list[fill[b]] = int32(gs)
			fill[b]++
		}
	}
	cursor := make([]int32, n)
	gslot := make([]int32, len(tm))
	for s, t := range tm {
		b := int(t)*d.groups + int(in.vgroup[in.vtx[s]])
		k := start[b+1] - start[b]
		gslot[s] = list[start[b]+cursor[b]%k]
		cursor[b]++
	}
	return gslot
}

// slotTM returns the TaskManager of global slot gs.
func slotTM(in *instance, gs int) int {
	t, _ := slices.BinarySearch(in.slotOff, gs+1)
	return t - 1
}
