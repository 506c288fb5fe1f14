package slotalloc_test

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// seed seeds the property tests' random instances; other seeds:
// go test ./slotalloc -run Property -args -seed=17
var seed = flag.Uint64("seed", 3, "seed of the property tests' random instances")

// oneGroup returns a random one-group request (the Beam shape): n
// TaskManagers with 1..maxSlots slots each (all equal when even), and up
// to 12 vertices whose parallelism fits the slots; weights on about half
// the instances.
func oneGroup(rng *rand.Rand, n, maxSlots int, even bool) slotalloc.Request {
	var req slotalloc.Request
	total, s := 0, 1+rng.IntN(maxSlots)
	for i := range n {
		if !even {
			s = 1 + rng.IntN(maxSlots)
		}
		total += s
		req.TaskManagers = append(req.TaskManagers, slotalloc.TaskManager{ID: slotalloc.TaskManagerID(fmt.Sprintf("tm-%d", i)), Slots: s})
	}
	weighted := rng.IntN(2) == 0
	for i := range 1 + rng.IntN(12) {
		v := slotalloc.Vertex{ID: slotalloc.VertexID(fmt.Sprintf("v%d", i)), Parallelism: 1 + rng.IntN(total)}
		if weighted {
			v.Weights = make([]float64, v.Parallelism)
			for j := range v.Weights {
				v.Weights[j] = float64(rng.IntN(50))
			}
		}
		req.Vertices = append(req.Vertices, v)
	}
	return req
}

func evaluate(t *testing.T, req slotalloc.Request, p slotalloc.Plan) slotalloc.Stats {
	t.Helper()
	s, err := slotalloc.Evaluate(req, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDefaultSpreadProperty: on random one-group instances, whenever some
// plan balances the task counts to within one (balanceFeasible), Default's
// plan does, and every plan of every allocator is valid.
func TestDefaultSpreadProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 2))
	feasible := 0
	for i := range 1000 {
		req := oneGroup(rng, 1+rng.IntN(8), 5, i%2 == 0)
		p, err := (&slotalloc.Default{}).Allocate(req)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		s := evaluate(t, req, p)
		if balanceFeasible(req) {
			feasible++
			if s.Spread > 1 {
				t.Errorf("instance %d: spread %d, want <= 1 (feasible): %+v", i, s.Spread, req)
			}
		}
	}
	if feasible < 500 {
		t.Fatalf("only %d of 1000 instances can be balanced: the generator tests too little", feasible)
	}
}

// TestDefaultRescaleProperty: adding or removing one TaskManager keeps the
// spread at most one and moves at most 1.05 x the lower bound plus one
// subtask, on random one-group instances with equal TaskManagers whose
// rescaled request can be balanced. Where slots make the lower bound
// unreachable (a vertex already on every TaskManager with room, say), the
// bound is raised to the true optimum, computed exactly by min-cost flow.
// The bound holds for Default without weight moves (WeightSlack +Inf);
// the default Default may exceed it only when that plan leaves a
// TaskManager above the weight tolerance (balance wins over stickiness).
func TestDefaultRescaleProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 4))
	d := &slotalloc.Default{}
	sticky, err := slotalloc.NewDefault(slotalloc.DefaultConfig{WeightSlack: math.Inf(1)})
	if err != nil {
		t.Fatal(err)
	}
	checked, unreachable, forWeight := 0, 0, 0
	for i := range 1000 {
		req := oneGroup(rng, 2+rng.IntN(10), 4, true)
		prev, err := d.Allocate(req)
		if err != nil {
			t.Fatal(err)
		}
		next := rescaledByOne(req, prev, i%2 == 0, rng)
		if next.Validate() != nil || !balanceFeasible(next) {
			continue
		}
		checked++
		s, ss := evaluate(t, next, mustAllocate(t, d, next)), evaluate(t, next, mustAllocate(t, sticky, next))
		bound := s.LowerBoundMoves
		limit := func() int { return int(1.05*float64(bound)) + 1 }
		if ss.Moved > limit() || s.Moved > limit() {
			if opt := optimalMoves(next); opt > bound {
				unreachable++
				bound = opt
			}
		}
		if ss.Moved > limit() || ss.Spread > 1 || s.Spread > 1 {
			t.Errorf("instance %d: moved %d without weight moves (bound %d), spreads %d and %d\n%+v", i, ss.Moved, bound, ss.Spread, s.Spread, next)
		}
		if s.Moved > limit() {
			forWeight++
			if !overWeightTolerance(next, mustAllocate(t, sticky, next), slotalloc.DefaultWeightSlack) {
				t.Errorf("instance %d: moved %d (bound %d) though the sticky plan is within the weight tolerance", i, s.Moved, bound)
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d rescales checked", checked)
	}
	t.Logf("%d rescales checked; %d needed the exact optimum (slots make the lower bound unreachable); %d moved more for weight", checked, unreachable, forWeight)
}

// rescaledByOne returns req on one TaskManager fewer (a random one) or one
// more, with prev as the previous plan.
func rescaledByOne(req slotalloc.Request, prev slotalloc.Plan, remove bool, rng *rand.Rand) slotalloc.Request {
	next := req
	next.Previous = prev
	next.TaskManagers = append([]slotalloc.TaskManager(nil), req.TaskManagers...)
	if remove {
		drop := rng.IntN(len(next.TaskManagers))
		next.TaskManagers = append(next.TaskManagers[:drop], next.TaskManagers[drop+1:]...)
	} else {
		next.TaskManagers = append(next.TaskManagers, slotalloc.TaskManager{ID: "tm-new", Slots: req.TaskManagers[0].Slots})
	}
	return next
}

func mustAllocate(t *testing.T, a slotalloc.Allocator, req slotalloc.Request) slotalloc.Plan {
	t.Helper()
	p, err := a.Allocate(req)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// overWeightTolerance reports whether some TaskManager of p weighs more
// than its fair share (its subtasks times the mean subtask weight) by more
// than slack times that share plus the largest subtask weight.
func overWeightTolerance(req slotalloc.Request, p slotalloc.Plan, slack float64) bool {
	count := map[slotalloc.TaskManagerID]float64{}
	weight := map[slotalloc.TaskManagerID]float64{}
	total, n, wmax := 0.0, 0.0, 0.0
	for i, pl := range p.Placements {
		for k, sl := range pl.Slots {
			w := 1.0
			if ws := req.Vertices[i].Weights; ws != nil {
				w = ws[k]
			}
			count[sl.TaskManager]++
			weight[sl.TaskManager] += w
			total, n, wmax = total+w, n+1, max(wmax, w)
		}
	}
	for tm, c := range count {
		share := c * total / n
		if weight[tm]-share > slack*share+wmax {
			return true
		}
	}
	return false
}

// TestEveryAllocatorPlacesOnce: every allocator's plans place each subtask
// exactly once, on random instances with several groups and rescales.
func TestEveryAllocatorPlacesOnce(t *testing.T) {
	for _, a := range allocators() {
		rng := rand.New(rand.NewPCG(7, 8))
		for i := range 300 {
			req := oneGroup(rng, 1+rng.IntN(6), 4, false)
			p, err := a.a.Allocate(req)
			if err != nil {
				t.Fatalf("%s: instance %d: %v", a.name, i, err)
			}
			if err := slotalloc.Verify(req, p); err != nil {
				t.Errorf("%s: instance %d: %v", a.name, i, err)
			}
		}
	}
}

type namedAllocator struct {
	name string
	a    slotalloc.Allocator
}

func allocators() []namedAllocator {
	return []namedAllocator{
		{"FlinkDefault", slotalloc.FlinkDefault{}},
		{"TaskBalanced", slotalloc.TaskBalanced{}},
		{"Default", &slotalloc.Default{}},
	}
}
