package slotalloc_test

import (
	"errors"
	"math"
	"testing"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/slotalloc"
)

func TestNewDefault(t *testing.T) {
	cases := []struct {
		name  string
		slack float64
		ok    bool
	}{
		{"zero means default", 0, true},
		{"explicit", 0.2, true},
		{"never move for weight", math.Inf(1), true},
		{"negative", -0.1, false},
		{"NaN", math.NaN(), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := slotalloc.NewDefault(slotalloc.DefaultConfig{WeightSlack: c.slack})
			if c.ok != (err == nil) || c.ok != (d != nil) {
				t.Fatalf("NewDefault: %v, %v", d, err)
			}
			if !c.ok && (!errors.Is(err, slotalloc.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig)) {
				t.Fatalf("error %v does not wrap slotalloc.ErrInvalidConfig and flinkscale.ErrInvalidConfig", err)
			}
		})
	}
}

// TestDefaultRescale runs Default on a plan of its own after a change and
// checks the subtasks moved against the lower bound and the spread.
func TestDefaultRescale(t *testing.T) {
	base := slotalloc.Request{
		Vertices: []slotalloc.Vertex{
			{ID: "source", Parallelism: 6}, {ID: "map", Parallelism: 9}, {ID: "sink", Parallelism: 9},
			{ID: "side", Parallelism: 3, SlotSharingGroup: "side"},
		},
		TaskManagers: taskManagers(4, 4),
	}
	grown := base
	grown.Vertices = append([]slotalloc.Vertex(nil), base.Vertices...)
	grown.Vertices[1].Parallelism = 12
	cases := []struct {
		name      string
		change    func(slotalloc.Request) slotalloc.Request
		wantMoved int // -1: the lower bound
	}{
		{"unchanged: nothing moves", func(r slotalloc.Request) slotalloc.Request { return r }, 0},
		{"one TaskManager added", func(r slotalloc.Request) slotalloc.Request { r.TaskManagers = taskManagers(5, 4); return r }, -1},
		{"one TaskManager removed", func(r slotalloc.Request) slotalloc.Request { r.TaskManagers = taskManagers(3, 4); return r }, -1},
		{"parallelism raised", func(r slotalloc.Request) slotalloc.Request { r.Vertices = grown.Vertices; return r }, -1},
		{"all TaskManagers replaced", func(r slotalloc.Request) slotalloc.Request {
			r.TaskManagers = []slotalloc.TaskManager{{ID: "new-a", Slots: 8}, {ID: "new-b", Slots: 8}}
			return r
		}, 27},
	}
	d := &slotalloc.Default{}
	prev := mustAllocate(t, d, base)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := c.change(base)
			req.Previous = prev
			s := evaluate(t, req, mustAllocate(t, d, req))
			want := c.wantMoved
			if want < 0 {
				want = s.LowerBoundMoves
			}
			if s.Moved != want || s.Spread > 1 {
				t.Errorf("moved %d, want %d (lower bound %d); spread %d", s.Moved, want, s.LowerBoundMoves, s.Spread)
			}
		})
	}
}

// TestDefaultWeights: one heavy subtask shares its TaskManager with the
// lightest ones, and counts stay balanced.
func TestDefaultWeights(t *testing.T) {
	req := slotalloc.Request{
		Vertices: []slotalloc.Vertex{
			{ID: "hot", Parallelism: 2, Weights: []float64{90, 10}},
			{ID: "warm", Parallelism: 2, Weights: []float64{30, 30}},
			{ID: "cold", Parallelism: 2, Weights: []float64{0, 0}},
		},
		TaskManagers: taskManagers(2, 2),
	}
	p := mustAllocate(t, &slotalloc.Default{}, req)
	s := evaluate(t, req, p)
	// Best: {90, 0, 0} and {10, 30, 30}: 90 and 70 on a mean of 80.
	if s.Spread != 0 || s.WeightImbalance > 90.0/80+1e-9 {
		t.Errorf("spread %d, weight imbalance %.3f; want 0 and 90/80: %v", s.Spread, s.WeightImbalance, p)
	}
}

// TestDefaultWeightSlack: when the weights change under a plan, Default
// leaves it alone while every TaskManager is within the tolerance, moves
// subtasks once one is not, and never with WeightSlack +Inf.
func TestDefaultWeightSlack(t *testing.T) {
	vs := []slotalloc.Vertex{{ID: "a", Parallelism: 8}, {ID: "b", Parallelism: 8}}
	req := slotalloc.Request{Vertices: vs, TaskManagers: taskManagers(4, 2)}
	prev := mustAllocate(t, &slotalloc.Default{}, req)
	withWeights := func(heavy float64) slotalloc.Request { // heavy: the subtasks on tm-000
		r := req
		r.Previous = prev
		r.Vertices = []slotalloc.Vertex{vs[0], vs[1]}
		for i, pl := range prev.Placements {
			r.Vertices[i].Weights = make([]float64, len(pl.Slots))
			for k, sl := range pl.Slots {
				r.Vertices[i].Weights[k] = 1
				if sl.TaskManager == "tm-000" {
					r.Vertices[i].Weights[k] = heavy
				}
			}
		}
		return r
	}
	never, err := slotalloc.NewDefault(slotalloc.DefaultConfig{WeightSlack: math.Inf(1)})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		a         slotalloc.Allocator
		heavy     float64
		wantMoved bool
	}{
		// tm-000 weighs 6 for a share of 4.5: over by 1.5, within 5% + 1.5.
		{"within tolerance", &slotalloc.Default{}, 1.5, false},
		// tm-000 weighs 80 for a share of 23: over by 57, beyond 5% + 20.
		{"beyond tolerance", &slotalloc.Default{}, 20, true},
		{"beyond tolerance, never for weight", never, 20, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := withWeights(c.heavy)
			before := evaluate(t, r, prev)
			s := evaluate(t, r, mustAllocate(t, c.a, r))
			if (s.Moved > 0) != c.wantMoved || s.Spread != 0 {
				t.Errorf("moved %d, spread %d; want moves %v", s.Moved, s.Spread, c.wantMoved)
			}
			if c.wantMoved && s.WeightImbalance >= before.WeightImbalance {
				t.Errorf("weight imbalance %.3f, was %.3f", s.WeightImbalance, before.WeightImbalance)
			}
		})
	}
}

// TestDefaultShapes: the shapes of BenchmarkDefaultShapes, smaller, stay
// valid and balanced within one subtask, and rescales of the seed's shape
// move within 1.05 x the lower bound plus one.
func TestDefaultShapes(t *testing.T) {
	d := &slotalloc.Default{}
	for _, sh := range shapes(150) {
		t.Run(sh.name, func(t *testing.T) {
			req := sh.request(t, d)
			s := evaluate(t, req, mustAllocate(t, d, req))
			if s.Spread > 1 || (sh.boundMoves && float64(s.Moved) > 1.05*float64(s.LowerBoundMoves)+1) {
				t.Errorf("spread %d, moved %d, lower bound %d", s.Spread, s.Moved, s.LowerBoundMoves)
			}
		})
	}
}
