package slotalloc_test

import "github.com/flinkscale/flinkscale/slotalloc"

// balanceFeasible reports whether a one-group request has a plan whose
// task counts per TaskManager differ by at most one: a flow from vertices
// (parallelism each) to TaskManagers (at most min(parallelism, slots) of
// a vertex each) to the sink with floor(T/n)..ceil(T/n) per TaskManager,
// solved as a circulation with lower bounds. Slots within a TaskManager
// never add a constraint (see slotalloc's dedication), so this is exact.
func balanceFeasible(req slotalloc.Request) bool {
	nv, nt := len(req.Vertices), len(req.TaskManagers)
	total := 0
	for _, v := range req.Vertices {
		total += v.Parallelism
	}
	lo, hi := total/nt, (total+nt-1)/nt
	// nodes: 0 source, 1..nv vertices, then TaskManagers, sink, S*, T*.
	src, sink := 0, 1+nv+nt
	ss, tt := sink+1, sink+2
	g := newFlow(sink + 3)
	excess := make([]int, sink+3)
	for i, v := range req.Vertices {
		excess[1+i] += v.Parallelism // source -> vertex carries exactly p
		excess[src] -= v.Parallelism
		for j, tm := range req.TaskManagers {
			g.add(1+i, 1+nv+j, min(v.Parallelism, tm.Slots))
		}
	}
	for j := range req.TaskManagers {
		g.add(1+nv+j, sink, hi-lo)
		excess[sink] += lo
		excess[1+nv+j] -= lo
	}
	g.add(sink, src, total)
	want := 0
	for node, e := range excess {
		if e > 0 {
			g.add(ss, node, e)
			want += e
		} else if e < 0 {
			g.add(node, tt, -e)
		}
	}
	return g.maxFlow(ss, tt) == want
}

// flow is a small Edmonds-Karp max-flow.
type flow struct {
	n   int
	cap [][]int
}

func newFlow(n int) *flow {
	f := &flow{n: n, cap: make([][]int, n)}
	for i := range f.cap {
		f.cap[i] = make([]int, n)
	}
	return f
}

func (f *flow) add(u, v, c int) { f.cap[u][v] += c }

func (f *flow) maxFlow(s, t int) int {
	total := 0
	for {
		parent := make([]int, f.n)
		for i := range parent {
			parent[i] = -1
		}
		parent[s] = s
		queue := []int{s}
		for len(queue) > 0 && parent[t] < 0 {
			u := queue[0]
			queue = queue[1:]
			for v := range f.n {
				if parent[v] < 0 && f.cap[u][v] > 0 {
					parent[v] = u
					queue = append(queue, v)
				}
			}
		}
		if parent[t] < 0 {
			return total
		}
		push := int(^uint(0) >> 1)
		for v := t; v != s; v = parent[v] {
			push = min(push, f.cap[parent[v]][v])
		}
		for v := t; v != s; v = parent[v] {
			f.cap[parent[v]][v] -= push
			f.cap[v][parent[v]] += push
		}
		total += push
	}
}

// optimalMoves returns the fewest moves of any balanced plan (task counts
// within one) for a one-group request, -1 if there is none: a min-cost
// flow from vertices to TaskManagers where each subtask kept on its
// previous TaskManager earns 1 and every TaskManager must take at least
// floor(T/n) (enforced by a large reward on those units).
func optimalMoves(req slotalloc.Request) int {
	nv, nt := len(req.Vertices), len(req.TaskManagers)
	tmIdx := map[slotalloc.TaskManagerID]int{}
	for j, tm := range req.TaskManagers {
		tmIdx[tm.ID] = j
	}
	prev := make([][]int, nv)
	placed, total := 0, 0
	for i, v := range req.Vertices {
		total += v.Parallelism
		prev[i] = make([]int, nt)
		if pl, ok := req.Previous.Placement(v.ID); ok {
			for k := range min(len(pl.Slots), v.Parallelism) {
				placed++
				if j, ok := tmIdx[pl.Slots[k].TaskManager]; ok {
					prev[i][j]++
				}
			}
		}
	}
	lo := total / nt
	const big = 1 << 20
	src, sink := 0, 1+nv+nt
	g := &costFlow{n: sink + 1}
	for i, v := range req.Vertices {
		g.add(src, 1+i, v.Parallelism, 0)
		for j, tm := range req.TaskManagers {
			c := min(v.Parallelism, tm.Slots)
			keep := min(prev[i][j], c)
			g.add(1+i, 1+nv+j, keep, -1)
			g.add(1+i, 1+nv+j, c-keep, 0)
		}
	}
	for j := range req.TaskManagers {
		g.add(1+nv+j, sink, lo, -big)
		if total%nt != 0 {
			g.add(1+nv+j, sink, 1, 0)
		}
	}
	f, cost := g.run(src, sink)
	if f != total || cost > -big*lo*nt+big/2 {
		return -1
	}
	kept := -(cost + big*lo*nt)
	return placed - kept
}

// costFlow is a small successive-shortest-path min-cost flow.
type costFlow struct {
	n     int
	edges []costEdge
	adj   [][]int
}

type costEdge struct{ to, cap, cost int }

func (g *costFlow) add(u, v, c, cost int) {
	if g.adj == nil {
		g.adj = make([][]int, g.n)
	}
	g.adj[u] = append(g.adj[u], len(g.edges))
	g.edges = append(g.edges, costEdge{v, c, cost})
	g.adj[v] = append(g.adj[v], len(g.edges))
	g.edges = append(g.edges, costEdge{u, 0, -cost})
}

func (g *costFlow) run(s, t int) (flow, cost int) {
	const inf = int(^uint(0) >> 2)
	for {
		dist := make([]int, g.n)
		via := make([]int, g.n)
		for i := range dist {
			dist[i], via[i] = inf, -1
		}
		dist[s] = 0
		for changed := true; changed; { // Bellman-Ford: costs may be negative
			changed = false
			for u := range g.n {
				for _, e := range g.adj[u] {
					if ed := g.edges[e]; ed.cap > 0 && dist[u] < inf && dist[u]+ed.cost < dist[ed.to] {
						dist[ed.to], via[ed.to], changed = dist[u]+ed.cost, e, true
					}
				}
			}
		}
		if dist[t] == inf {
			return flow, cost
		}
		push := inf
		for v := t; v != s; v = g.edges[via[v]^1].to {
			push = min(push, g.edges[via[v]].cap)
		}
		for v := t; v != s; v = g.edges[via[v]^1].to {
			g.edges[via[v]].cap -= push
			g.edges[via[v]^1].cap += push
		}
		flow += push
		cost += push * dist[t]
	}
}
