package slotalloc

import (
	"cmp"
	"slices"
)

// poolItem is a run of unplaced subtasks s..s+n-1 of one vertex and one
// weight, and its place in the fill order.
type poolItem struct {
	tight bool    // its vertex has fewer spare slots than TaskManagers
	w     float64 // its weight
	slack int32   // slots of its group beyond its vertex's parallelism
	s, n  int32
}

func comparePool(a, b poolItem) int {
	if a.tight != b.tight {
		if a.tight {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(b.w, a.w); c != 0 {
		return c
	}
	if c := cmp.Compare(a.slack, b.slack); c != 0 {
		return c
	}
	return cmp.Compare(a.s, b.s)
}

// pool returns the unplaced subtasks as runs in fill order: subtasks of
// vertices whose slots are tight first (they have the fewest TaskManagers
// to go to), then heaviest first, then tightest first, then in subtask
// order.
func (st *state) pool() (runs []poolItem) {
	for s, t := range st.tm {
		if t >= 0 {
			continue
		}
		if n := len(runs); n > 0 {
			r := &runs[n-1]
			if int(r.s+r.n) == s && st.in.vtx[s] == st.in.vtx[r.s] && st.in.w[s] == r.w {
				r.n++
				continue
			}
		}
		v := st.in.vtx[s]
		slack := st.d.capSum[st.in.vgroup[v]] - st.in.req.Vertices[v].Parallelism
		runs = append(runs, poolItem{tight: slack < st.in.tms(), w: st.in.w[s], slack: int32(slack), s: int32(s), n: 1})
	}
	slices.SortFunc(runs, comparePool)
	return runs
}

// fill places the pool run by run, dealing each run's subtasks one per
// TaskManager over the most preferred TaskManagers that have room under
// their limit and a slot free for the vertex. For the tight subtasks the
// preferred TaskManager has the fewest subtasks, then the least weight,
// then comes first in the request: each vertex is dealt round-robin. For
// the others, heaviest first, it has the lowest projected weight, its
// weight plus its room times the mean weight of the subtasks still to
// place (that mean refreshed after every TaskManagers-many subtasks; ties
// as before): a TaskManager that could take fewer tight
// subtasks catches up with subtasks of average weight, not the heaviest,
// and with equal weights this is round-robin again. A subtask no such
// TaskManager can take is placed by repair.
func (st *state) fill(runs []poolItem) {
	h := tmHeap{st: st}
	for t := range st.in.tms() {
		if st.hasRoom(int32(t)) {
			h.items = append(h.items, int32(t))
		}
	}
	h.init()
	rest, left := 0.0, 0
	for _, r := range runs {
		if !r.tight {
			rest += r.w * float64(r.n)
			left += int(r.n)
		}
	}
	sincePaced := len(st.weight)
	for _, r := range runs {
		if !r.tight && sincePaced >= len(st.weight) {
			h.paced, h.avg, sincePaced = true, rest/float64(left), 0
			h.init()
		}
		st.deal(&h, r)
		if !r.tight {
			rest -= r.w * float64(r.n)
			left -= int(r.n)
			sincePaced += int(r.n)
		}
	}
}

// deal places run r: in rounds, one subtask on each of the most preferred
// TaskManagers that can take one, the rest by repair when none can.
func (st *state) deal(h *tmHeap, r poolItem) {
	var took, skipped []int32
	for s := r.s; s < r.s+r.n; {
		took, skipped = took[:0], skipped[:0]
		for s < r.s+r.n && len(h.items) > 0 {
			t := h.pop()
			switch {
			case !st.hasRoom(t): // full for good: dropped
			case !st.fits(s, t):
				skipped = append(skipped, t)
			default:
				st.take(t)
				st.place(s, t)
				took = append(took, t)
				s++
			}
		}
		if len(took) == 0 && s < r.s+r.n {
			st.repair(s)
			s++
		}
		for _, t := range append(took, skipped...) {
			h.push(t)
		}
		if len(took) == 0 {
			h.init() // repair may have changed any TaskManager's load
		}
	}
}

// exactRepairCells is the size of the network (TaskManagers x vertices)
// up to which repair runs augment's exact search before a paid short path.
const exactRepairCells = 1 << 16

// repair places s when no TaskManager with room has a slot for its
// vertex, by an augmenting path when one exists: a short one adding no
// move, else the cheapest path augment's exact search finds. On large
// networks (over exactRepairCells) a short path adding one move is tried
// before the exact search, which costs O(vertices x TaskManagers) when no
// free path exists; it may then add one move where a longer free path
// existed. When no path exists, s goes to the least loaded TaskManager
// with a slot for it, above its limit: no plan then balances the task
// counts within the limits.
func (st *state) repair(s int32) {
	if st.shortAugment(s, false) {
		return
	}
	if st.in.tms()*st.nv > exactRepairCells && st.shortAugment(s, true) {
		return
	}
	if st.augment(s) {
		return
	}
	best := int32(-1)
	for t := range int32(st.in.tms()) {
		if st.fits(s, t) && (best < 0 || st.count[t] < st.count[best]) {
			best = t
		}
	}
	st.place(s, best)
}

// tmHeap is a binary min-heap of TaskManagers ordered by fill preference.
type tmHeap struct {
	st    *state
	items []int32
	paced bool    // order by projected weight first
	avg   float64 // mean weight of the subtasks still to place, when paced
}

func (h *tmHeap) less(a, b int32) bool {
	st := h.st
	if h.paced {
		ka := st.weight[a] + float64(st.limit(a)-st.count[a])*h.avg
		kb := st.weight[b] + float64(st.limit(b)-st.count[b])*h.avg
		if ka != kb {
			return ka < kb
		}
	}
	if st.count[a] != st.count[b] {
		return st.count[a] < st.count[b]
	}
	if st.weight[a] != st.weight[b] {
		return st.weight[a] < st.weight[b]
	}
	return a < b
}

func (h *tmHeap) push(t int32) {
	h.items = append(h.items, t)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.items[i], h.items[p]) {
			return
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *tmHeap) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *tmHeap) pop() int32 {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	if last > 0 {
		h.down(0)
	}
	return top
}

func (h *tmHeap) down(i int) {
	n := len(h.items)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && h.less(h.items[c+1], h.items[c]) {
			c++
		}
		if !h.less(h.items[c], h.items[i]) {
			return
		}
		h.items[i], h.items[c] = h.items[c], h.items[i]
		i = c
	}
}
