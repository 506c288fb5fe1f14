package slotalloc

import (
	"cmp"
	"math"
	"slices"
)

// shortAugment tries the commonest augmenting path, in O(vertices x
// TaskManagers) at worst: s goes to a full TaskManager t1 with a slot
// for it, and t1 passes a subtask of another vertex to a TaskManager r
// with room. Unless paid, the subtask passed on must be away from its
// previous TaskManager, so the path adds no move; with paid it may add
// one. Vertices are tried in order of weight nearest to s's, so r
// receives about the weight it would have received. false if there is no
// such path.
func (st *state) shortAugment(s int32, paid bool) bool {
	var room, full []int32
	for t := range int32(st.in.tms()) {
		switch {
		case st.hasRoom(t):
			room = append(room, t)
		case st.fits(s, t):
			full = append(full, t)
		}
	}
	if len(room) == 0 || len(full) == 0 {
		return false
	}
	v := st.in.vtx[s]
	order := st.byMeanWeight()
	i, _ := slices.BinarySearchFunc(order, st.in.w[s], func(w int32, x float64) int { return cmp.Compare(st.meanW[w], x) })
	for k := range len(order) {
		j := i + (k+1)/2
		if k%2 == 1 {
			j = i - (k+1)/2
		}
		if j < 0 || j >= len(order) || order[j] == v {
			continue
		}
		if st.passOn(s, order[j], room, full, paid) {
			return true
		}
	}
	return false
}

// passOn completes shortAugment through vertex w if it can; with paid,
// the subtask passed on may be one at home.
func (st *state) passOn(s, w int32, room, full []int32, paid bool) bool {
	g := st.in.vgroup[w]
	r := int32(-1)
	for _, t := range room {
		if st.per[int(t)*st.nv+int(w)] < st.d.cap(int(t), g) {
			r = t
			break
		}
	}
	if r < 0 {
		return false
	}
	for _, t1 := range full {
		if i := int(t1)*st.nv + int(w); st.per[i] > st.home[i] || (paid && st.per[i] > 0) {
			u := st.leaver(w, t1, r)
			st.place(s, t1)
			st.take(r)
			st.place(u, r)
			return true
		}
	}
	return false
}

// byMeanWeight returns the vertices ordered by mean subtask weight,
// computing it on first use.
func (st *state) byMeanWeight() []int32 {
	if st.meanOrder != nil {
		return st.meanOrder
	}
	st.meanW = make([]float64, st.nv)
	st.meanOrder = make([]int32, st.nv)
	for v := range st.nv {
		lo, hi := st.in.off[v], st.in.off[v+1]
		for s := lo; s < hi; s++ {
			st.meanW[v] += st.in.w[s]
		}
		st.meanW[v] /= float64(hi - lo)
		st.meanOrder[v] = int32(v)
	}
	slices.SortStableFunc(st.meanOrder, func(a, b int32) int { return cmp.Compare(st.meanW[a], st.meanW[b]) })
	return st.meanOrder
}

// augment places s, whose vertex has no slot free on any TaskManager with
// room, along an augmenting path of the network that task counts form:
// vertex -> TaskManager (while the TaskManager has a slot for another
// subtask of it), TaskManager -> vertex (a subtask of the vertex there may
// leave), and TaskManager -> grant pool -> granted TaskManager (a grant of
// one above the level passes from one TaskManager to another). The path
// starts at s's vertex and ends at a TaskManager with room; along it each
// TaskManager takes one subtask and gives one up, so only the last one's
// count grows. false when no path exists, which means no plan fits all
// subtasks within the levels and grants: the search is Ford-Fulkerson's,
// exact for the task counts.
//
// It is a 0-1 breadth-first search that counts a step moving a subtask
// from its previous TaskManager as 1 and others as 0, so it finds a path
// adding the fewest moves. It stops at the first TaskManager that can end
// the path reached by a free step from the nearest layer, which is
// optimal; it costs O(vertices x TaskManagers) when it must search the
// whole network.
func (st *state) augment(s int32) bool {
	ps := newPathSearch(st, st.in.vtx[s])
	for {
		u, ok := ps.next()
		if !ok {
			return false
		}
		if end := ps.expand(u); end >= 0 {
			st.realize(s, end, ps.pred, ps.pool)
			return true
		}
	}
}

// pathSearch is augment's 0-1 breadth-first search. Nodes are the
// TaskManagers 0..n-1, the vertices n..n+nv-1 and the grant pool.
type pathSearch struct {
	st         *state
	n, pool    int32
	dist, pred []int32
	done       []bool
	near, far  []int32 // nodes at the current distance, and one more
}

func newPathSearch(st *state, v int32) *pathSearch {
	n := int32(st.in.tms())
	pool := n + int32(st.nv)
	ps := &pathSearch{st: st, n: n, pool: pool, dist: make([]int32, pool+1), pred: make([]int32, pool+1), done: make([]bool, pool+1)}
	for i := range ps.dist {
		ps.dist[i], ps.pred[i] = math.MaxInt32, -1
	}
	ps.dist[n+v] = 0
	ps.near = append(ps.near, n+v)
	return ps
}

// next pops the next node to expand, nearest first.
func (ps *pathSearch) next() (int32, bool) {
	for len(ps.near) > 0 || len(ps.far) > 0 {
		if len(ps.near) == 0 {
			ps.near, ps.far = ps.far, ps.near[:0]
		}
		u := ps.near[len(ps.near)-1]
		ps.near = ps.near[:len(ps.near)-1]
		if !ps.done[u] {
			ps.done[u] = true
			return u, true
		}
	}
	return 0, false
}

func (ps *pathSearch) relax(node, from, cost int32) {
	if d := ps.dist[from] + cost; d < ps.dist[node] && !ps.done[node] {
		ps.dist[node], ps.pred[node] = d, from
		if cost == 0 {
			ps.near = append(ps.near, node)
		} else {
			ps.far = append(ps.far, node)
		}
	}
}

// expand relaxes the steps out of u and returns a TaskManager that ends
// the path, or -1.
func (ps *pathSearch) expand(u int32) int32 {
	st := ps.st
	if u < ps.n {
		if st.accepts(u, ps.pred[u] == ps.pool) {
			return u
		}
		st.expandTaskManager(u, ps.pred[u] == ps.pool, ps.pool, ps.relax)
		return -1
	}
	for t := range ps.n {
		if ps.done[t] || !st.reaches(u, t, ps.n, ps.pool) {
			continue
		}
		if st.accepts(t, u == ps.pool) { // a free step from the nearest layer: optimal
			ps.pred[t] = u
			return t
		}
		ps.relax(t, u, 0)
	}
	return -1
}

// reaches reports whether the search may step from u (a vertex node or the
// grant pool) to TaskManager t: t has a slot free for another subtask of
// the vertex, or holds a grant the pool can take back.
func (st *state) reaches(u, t, n, pool int32) bool {
	if u == pool {
		return st.grant[t]
	}
	w := u - n
	return st.per[int(t)*st.nv+int(w)] < st.d.cap(int(t), st.in.vgroup[w])
}

// accepts reports whether a path may end at t: t has room for the subtask
// it receives, or, reached through the grant pool, fits within its level
// once its grant is gone.
func (st *state) accepts(t int32, viaPool bool) bool {
	if viaPool {
		return st.count[t] <= st.base[t]
	}
	return st.hasRoom(t)
}

// expandTaskManager relaxes the steps out of a full TaskManager t: any of
// its vertices may give a subtask up (free if one is away from its
// previous TaskManager), and, if t received a subtask and may grow, the
// grant pool.
func (st *state) expandTaskManager(t int32, viaPool bool, pool int32, relax func(node, from, cost int32)) {
	n := int32(st.in.tms())
	for w := range int32(st.nv) {
		i := int(t)*st.nv + int(w)
		if st.per[i] == 0 {
			continue
		}
		cost := int32(0)
		if st.per[i] == st.home[i] {
			cost = 1
		}
		relax(n+w, t, cost)
	}
	if !viaPool && !st.grant[t] && st.canGrow[t] {
		relax(pool, t, 0)
	}
}

// realize applies the path ending at TaskManager end.
func (st *state) realize(s, end int32, pred []int32, pool int32) {
	n := int32(st.in.tms())
	var path []int32
	for u := end; u >= 0; u = pred[u] {
		path = append(path, u)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	st.place(s, path[1])
	for i := 1; i+2 < len(path); i += 2 {
		from, via, to := path[i], path[i+1], path[i+2]
		if via == pool {
			st.grant[from], st.grant[to] = true, false
			continue
		}
		st.place(st.leaver(via-n, from, to), to)
	}
	if st.count[end] > st.limit(end) {
		st.grant[end] = true
		st.budget--
	}
}

// leaver unplaces and returns a subtask of vertex w on TaskManager from
// to move to TaskManager to: one returning to its previous TaskManager if
// any, else one away from its previous TaskManager, else any.
func (st *state) leaver(w, from, to int32) int32 {
	best, rank := int32(-1), 3
	for s := st.in.off[w]; s < st.in.off[w+1]; s++ {
		if st.tm[s] != from {
			continue
		}
		r := 2
		switch st.in.prev[s] {
		case to:
			r = 0
		case from:
			r = 2
		default:
			r = 1
		}
		if r < rank {
			best, rank = int32(s), r
		}
	}
	st.unplace(best)
	return best
}
