package slotalloc_test

import (
	"errors"
	"math"
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
)

func on(tm string, slot int) slotalloc.Slot {
	return slotalloc.Slot{TaskManager: slotalloc.TaskManagerID(tm), Index: slot}
}

func TestEvaluate(t *testing.T) {
	req := slotalloc.Request{
		Vertices: []slotalloc.Vertex{
			{ID: "a", Parallelism: 3, Weights: []float64{4, 2, 2}},
			{ID: "b", Parallelism: 1},
		},
		TaskManagers: []slotalloc.TaskManager{{ID: "x", Slots: 2}, {ID: "y", Slots: 2}},
		Previous: slotalloc.Plan{Placements: []slotalloc.Placement{
			{Vertex: "a", Slots: []slotalloc.Slot{on("x", 0), on("gone", 0), on("y", 0)}},
			{Vertex: "b", Slots: []slotalloc.Slot{on("x", 1)}},
		}},
	}
	plan := slotalloc.Plan{Placements: []slotalloc.Placement{
		{Vertex: "a", Slots: []slotalloc.Slot{on("x", 0), on("x", 1), on("y", 0)}},
		{Vertex: "b", Slots: []slotalloc.Slot{on("y", 1)}},
	}}
	got, err := slotalloc.Evaluate(req, plan)
	if err != nil {
		t.Fatal(err)
	}
	want := slotalloc.Stats{
		Tasks: 4, TaskManagers: 2, MinTasks: 2, MaxTasks: 2, Spread: 0, Imbalance: 1,
		WeightImbalance: 6.0 / 4.5, // x: 4+2, y: 2+1 of 9
		Moved:           2,         // a[1] from a gone TaskManager, b from x to y
		// Lower bounds: 2 per TaskManager; a[1] must move, x and y keep
		// their 2 and 1.
		LowerBoundMaxTasks: 2, LowerBoundMoves: 1,
	}
	if math.Abs(got.WeightImbalance-want.WeightImbalance) < 1e-12 {
		got.WeightImbalance = want.WeightImbalance
	}
	if got != want {
		t.Errorf("Evaluate:\n got %+v\nwant %+v", got, want)
	}
}

func TestMoveLowerBound(t *testing.T) {
	prev := func(tms ...string) slotalloc.Plan { // one vertex "v", subtask i on tms[i]
		var slots []slotalloc.Slot
		for _, tm := range tms {
			slots = append(slots, on(tm, 0))
		}
		return slotalloc.Plan{Placements: []slotalloc.Placement{{Vertex: "v", Slots: slots}}}
	}
	tms := func(ids ...string) []slotalloc.TaskManager {
		var out []slotalloc.TaskManager
		for _, id := range ids {
			out = append(out, slotalloc.TaskManager{ID: slotalloc.TaskManagerID(id), Slots: 6})
		}
		return out
	}
	cases := []struct {
		name string
		p    int
		tms  []slotalloc.TaskManager
		prev slotalloc.Plan
		want int
	}{
		{"no previous plan", 6, tms("a", "b"), slotalloc.Plan{}, 0},
		{"balanced already", 6, tms("a", "b"), prev("a", "b", "a", "b", "a", "b"), 0},
		{"TaskManager added: 2 of each 3 stay", 6, tms("a", "b", "c"), prev("a", "b", "a", "b", "a", "b"), 2},
		{"TaskManager removed: its 2 move", 6, tms("a", "b"), prev("a", "b", "c", "a", "b", "c"), 2},
		{"odd: the ceil goes to the fuller one", 5, tms("a", "b"), prev("a", "a", "a", "a", "b"), 1},
		{"new subtasks fill deficits without moves", 6, tms("a", "b"), prev("a", "a", "a"), 0},
		{"subtasks dropped by a lower parallelism", 2, tms("a", "b"), prev("a", "a", "a", "a"), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := slotalloc.Request{Vertices: []slotalloc.Vertex{{ID: "v", Parallelism: c.p}}, TaskManagers: c.tms, Previous: c.prev}
			got, err := slotalloc.MoveLowerBound(req)
			if err != nil || got != c.want {
				t.Errorf("MoveLowerBound = %d, %v; want %d", got, err, c.want)
			}
			// Default reaches it on these instances.
			if s := evaluate(t, req, mustAllocate(t, &slotalloc.Default{}, req)); s.Moved != c.want {
				t.Errorf("Default moved %d", s.Moved)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	req := slotalloc.Request{
		Vertices:     []slotalloc.Vertex{{ID: "a", Parallelism: 2}, {ID: "b", Parallelism: 1, SlotSharingGroup: "other"}},
		TaskManagers: []slotalloc.TaskManager{{ID: "x", Slots: 2}, {ID: "y", Slots: 1}},
	}
	plan := func(a0, a1, b0 slotalloc.Slot) slotalloc.Plan {
		return slotalloc.Plan{Placements: []slotalloc.Placement{
			{Vertex: "b", Slots: []slotalloc.Slot{b0}}, // any order
			{Vertex: "a", Slots: []slotalloc.Slot{a0, a1}},
		}}
	}
	good := plan(on("x", 0), on("y", 0), on("x", 1))
	cases := []struct {
		name string
		req  slotalloc.Request
		p    slotalloc.Plan
		want error
	}{
		{"valid", req, good, nil},
		{"two subtasks of a vertex in a slot", req, plan(on("x", 0), on("x", 0), on("x", 1)), slotalloc.ErrInvalidPlan},
		{"two groups in a slot", req, plan(on("x", 0), on("y", 0), on("x", 0)), slotalloc.ErrInvalidPlan},
		{"unknown TaskManager", req, plan(on("x", 0), on("z", 0), on("x", 1)), slotalloc.ErrInvalidPlan},
		{"slot out of range", req, plan(on("x", 0), on("y", 1), on("x", 1)), slotalloc.ErrInvalidPlan},
		{"negative slot", req, plan(on("x", -1), on("y", 0), on("x", 1)), slotalloc.ErrInvalidPlan},
		{"subtask missing", req, slotalloc.Plan{Placements: []slotalloc.Placement{{Vertex: "a", Slots: []slotalloc.Slot{on("x", 0)}}, good.Placements[0]}}, slotalloc.ErrInvalidPlan},
		{"vertex missing", req, slotalloc.Plan{Placements: good.Placements[1:]}, slotalloc.ErrInvalidPlan},
		{"vertex twice", req, slotalloc.Plan{Placements: []slotalloc.Placement{good.Placements[1], good.Placements[1]}}, slotalloc.ErrInvalidPlan},
		{"unknown vertex", req, slotalloc.Plan{Placements: []slotalloc.Placement{good.Placements[1], {Vertex: "c", Slots: []slotalloc.Slot{on("x", 1)}}}}, slotalloc.ErrInvalidPlan},
		{"invalid request", slotalloc.Request{Vertices: req.Vertices}, good, slotalloc.ErrInvalidRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := slotalloc.Verify(c.req, c.p)
			if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
				t.Errorf("Verify: %v, want %v", err, c.want)
			}
			if _, err2 := slotalloc.Evaluate(c.req, c.p); (err == nil) != (err2 == nil) {
				t.Errorf("Evaluate disagrees with Verify: %v vs %v", err2, err)
			}
		})
	}
}
