package slotalloc_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// seedJob is the seed's shape: one job of many independent pipelines
// (source, transform, sink), all in one slot-sharing group as Beam's Flink
// runner makes it. Each pipeline's parallelism is drawn from 1..maxPar and
// its topic's partitions from 1..256; the source runs min(parallelism,
// partitions) subtasks, as a Kafka source with more readers than
// partitions would idle. A subtask's weight is its share of the
// pipeline's partitions (its records per second, if every partition
// carries the same rate): a source subtask reads floor or ceil of
// partitions / source parallelism, and the other subtasks each process
// partitions / parallelism.
func seedJob(seed uint64, pipelines, maxPar int) []slotalloc.Vertex {
	rng := rand.New(rand.NewPCG(seed, 1))
	vs := make([]slotalloc.Vertex, 0, 3*pipelines)
	for i := range pipelines {
		p := 1 + rng.IntN(maxPar)
		parts := 1 + rng.IntN(256)
		src := min(p, parts)
		sw := make([]float64, src)
		for j := range sw {
			sw[j] = float64(parts / src)
			if j < parts%src {
				sw[j]++
			}
		}
		vs = append(vs, slotalloc.Vertex{ID: slotalloc.VertexID(fmt.Sprintf("p%04d-source", i)), Parallelism: src, Weights: sw})
		for _, name := range []string{"transform", "sink"} {
			w := make([]float64, p)
			for j := range w {
				w[j] = float64(parts) / float64(p)
			}
			vs = append(vs, slotalloc.Vertex{ID: slotalloc.VertexID(fmt.Sprintf("p%04d-%s", i, name)), Parallelism: p, Weights: w})
		}
	}
	return vs
}

// taskManagers returns n TaskManagers tm-000.. with slots slots each.
func taskManagers(n, slots int) []slotalloc.TaskManager {
	tms := make([]slotalloc.TaskManager, n)
	for i := range tms {
		tms[i] = slotalloc.TaskManager{ID: slotalloc.TaskManagerID(fmt.Sprintf("tm-%03d", i)), Slots: slots}
	}
	return tms
}

// shape is a request for Default, optionally after a first request whose
// plan becomes its Previous.
type shape struct {
	name       string
	first      *slotalloc.Request // nil: a fresh placement
	req        slotalloc.Request
	boundMoves bool // moves must stay within 1.05 x the lower bound + 1
}

// request returns sh.req, with Previous set to a's plan of sh.first.
func (sh shape) request(tb testing.TB, a slotalloc.Allocator) slotalloc.Request {
	tb.Helper()
	req := sh.req
	if sh.first != nil {
		p, err := a.Allocate(*sh.first)
		if err != nil {
			tb.Fatal(err)
		}
		req.Previous = p
	}
	return req
}

// shapes returns the seed's shape with the given number of pipelines and
// its harder variants: unequal TaskManagers (2 to 6 slots), three
// slot-sharing groups, and weights changed since the previous plan (drawn
// at random, or 100 on every eighth subtask and 1 elsewhere).
func shapes(pipelines int) []shape {
	seed := seedJob(1, pipelines, 224)
	req := func(vs []slotalloc.Vertex, tms []slotalloc.TaskManager) *slotalloc.Request {
		return &slotalloc.Request{Vertices: vs, TaskManagers: tms}
	}
	var uneven []slotalloc.TaskManager
	for i := range 65 {
		uneven = append(uneven, slotalloc.TaskManager{ID: slotalloc.TaskManagerID(fmt.Sprintf("u-%02d", i)), Slots: 2 + i%5})
	}
	groups := seedJob(2, pipelines, 80)
	for i := range groups {
		groups[i].SlotSharingGroup = []string{"a", "b", "c"}[i%3]
	}
	rng := rand.New(rand.NewPCG(3, 3))
	random, skewed := reweighted(seed, func(int) float64 { return float64(rng.IntN(1000)) }), reweighted(seed, func(i int) float64 {
		if i%8 == 0 {
			return 100
		}
		return 1
	})
	return []shape{
		{"seed/fresh", nil, *req(seed, taskManagers(64, 4)), false},
		{"seed/to-56", req(seed, taskManagers(64, 4)), *req(seed, taskManagers(56, 4)), true},
		{"seed/to-72", req(seed, taskManagers(64, 4)), *req(seed, taskManagers(72, 4)), true},
		{"uneven/fresh", nil, *req(seed, uneven), false},
		{"uneven/remove-one", req(seed, uneven), *req(seed, uneven[1:]), false},
		{"groups/fresh", nil, *req(groups, taskManagers(64, 4)), false},
		{"groups/to-72", req(groups, taskManagers(64, 4)), *req(groups, taskManagers(72, 4)), false},
		{"reweighted/random", req(seed, taskManagers(64, 4)), *req(random, taskManagers(64, 4)), false},
		{"reweighted/skewed", req(seed, taskManagers(64, 4)), *req(skewed, taskManagers(64, 4)), false},
	}
}

// reweighted returns vs with subtask i of each vertex weighing w(i).
func reweighted(vs []slotalloc.Vertex, w func(i int) float64) []slotalloc.Vertex {
	out := append([]slotalloc.Vertex(nil), vs...)
	for k := range out {
		out[k].Weights = make([]float64, out[k].Parallelism)
		for i := range out[k].Weights {
			out[k].Weights[i] = w(i)
		}
	}
	return out
}
