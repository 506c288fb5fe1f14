// Package slotalloctest is a conformance suite for slotalloc.Allocator
// implementations, in the manner of testing/slogtest: Run feeds an
// allocator valid, invalid and random requests and checks the contract
// every allocator must keep, whatever its notion of balance.
//
//	func TestConformance(t *testing.T) {
//		slotalloctest.Run(t, func() slotalloc.Allocator { return myAllocator() })
//	}
package slotalloctest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// Run checks that the allocators newA returns keep the Allocator contract:
//   - every valid request gets a plan that slotalloc.Verify accepts (each
//     subtask placed exactly once on an existing slot, at most one subtask
//     of a vertex per slot, slot-sharing groups in separate slots), listing
//     the vertices in the request's order;
//   - the same request gets the same plan (determinism);
//   - the request is not modified;
//   - every invalid request gets an error wrapping
//     slotalloc.ErrInvalidRequest and no placements.
//
// newA is called once per subtest, so an implementation that keeps state
// starts fresh in each; the determinism check asks one allocator twice. Run
// runs subtests, and is safe to call from parallel tests.
func Run(t *testing.T, newA func() slotalloc.Allocator) {
	t.Helper()
	t.Run("valid", func(t *testing.T) {
		for _, c := range validCases() {
			t.Run(c.name, func(t *testing.T) { checkValid(t, newA(), c.req) })
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, c := range invalidCases() {
			t.Run(c.name, func(t *testing.T) { checkInvalid(t, newA(), c.req) })
		}
	})
	t.Run("random", func(t *testing.T) {
		a := newA()
		rng := rand.New(rand.NewPCG(5, 5))
		for i := range 200 {
			req := RandomRequest(rng)
			if i%2 == 1 { // rescale: the allocator's own plan on other TaskManagers
				prev, err := a.Allocate(req)
				if err != nil {
					t.Fatalf("instance %d: %v", i, err)
				}
				req.Previous = prev
				req.TaskManagers = rescaled(rng, req)
			}
			checkValid(t, a, req)
		}
	})
}

type namedRequest struct {
	name string
	req  slotalloc.Request
}

// tms returns TaskManagers tm-0.. with the given slots.
func tms(slots ...int) []slotalloc.TaskManager {
	out := make([]slotalloc.TaskManager, len(slots))
	for i, s := range slots {
		out[i] = slotalloc.TaskManager{ID: slotalloc.TaskManagerID(fmt.Sprintf("tm-%d", i)), Slots: s}
	}
	return out
}

func vx(id string, p int, group string, weights ...float64) slotalloc.Vertex {
	return slotalloc.Vertex{ID: slotalloc.VertexID(id), Parallelism: p, SlotSharingGroup: group, Weights: weights}
}

func validCases() []namedRequest {
	prev := slotalloc.Plan{Placements: []slotalloc.Placement{
		{Vertex: "a", Slots: []slotalloc.Slot{{TaskManager: "tm-0"}, {TaskManager: "gone"}, {TaskManager: "tm-1", Index: 1}}},
		{Vertex: "removed", Slots: []slotalloc.Slot{{TaskManager: "tm-0"}}},
		{Vertex: "b", Slots: []slotalloc.Slot{{TaskManager: "tm-2", Index: 7}}},
	}}
	return []namedRequest{
		{"flink docs: parallelism 6 and 3 on 3x2", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 6, ""), vx("b", 3, "")}, TaskManagers: tms(2, 2, 2)}},
		{"no vertices", slotalloc.Request{TaskManagers: tms(1)}},
		{"one subtask, one slot", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 1, "")}, TaskManagers: tms(1)}},
		{"every slot needed", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 6, ""), vx("b", 6, ""), vx("c", 1, "")}, TaskManagers: tms(3, 3)}},
		{"three groups fill the slots", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 4, "x"), vx("b", 2, "x"), vx("c", 3, "y"), vx("d", 1, "z")}, TaskManagers: tms(2, 3, 3)}},
		{"uneven TaskManagers", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 5, ""), vx("b", 3, ""), vx("c", 1, "")}, TaskManagers: tms(1, 5, 2)}},
		{"weights", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 3, "", 10, 0, 2.5), vx("b", 2, "", 1, 1), vx("c", 1, "", 100)}, TaskManagers: tms(2, 2)}},
		{"previous plan with gone TaskManager, removed vertex, grown and shrunk parallelism", slotalloc.Request{
			Vertices:     []slotalloc.Vertex{vx("a", 2, ""), vx("b", 4, ""), vx("new", 3, "")},
			TaskManagers: tms(2, 2, 2), Previous: prev,
		}},
	}
}

func invalidCases() []namedRequest {
	one := []slotalloc.Vertex{vx("a", 1, "")}
	return []namedRequest{
		{"no TaskManagers", slotalloc.Request{Vertices: one}},
		{"zero slots", slotalloc.Request{Vertices: one, TaskManagers: tms(2, 0)}},
		{"negative slots", slotalloc.Request{Vertices: one, TaskManagers: tms(-1)}},
		{"duplicate TaskManager", slotalloc.Request{Vertices: one, TaskManagers: append(tms(1), tms(1)...)}},
		{"empty TaskManager id", slotalloc.Request{Vertices: one, TaskManagers: []slotalloc.TaskManager{{Slots: 1}}}},
		{"duplicate vertex", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 1, ""), vx("a", 1, "")}, TaskManagers: tms(2)}},
		{"empty vertex id", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("", 1, "")}, TaskManagers: tms(1)}},
		{"zero parallelism", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 0, "")}, TaskManagers: tms(1)}},
		{"group larger than the slots", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 7, "")}, TaskManagers: tms(3, 3)}},
		{"groups together larger than the slots", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 4, "x"), vx("b", 3, "y")}, TaskManagers: tms(3, 3)}},
		{"negative weight", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 2, "", 1, -1)}, TaskManagers: tms(2)}},
		{"NaN weight", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 1, "", math.NaN())}, TaskManagers: tms(1)}},
		{"infinite weight", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 1, "", math.Inf(1))}, TaskManagers: tms(1)}},
		{"weights not one per subtask", slotalloc.Request{Vertices: []slotalloc.Vertex{vx("a", 2, "", 1)}, TaskManagers: tms(2)}},
		{"previous plan places a vertex twice", slotalloc.Request{Vertices: one, TaskManagers: tms(1), Previous: slotalloc.Plan{Placements: []slotalloc.Placement{{Vertex: "a"}, {Vertex: "a"}}}}},
	}
}

func checkValid(t *testing.T, a slotalloc.Allocator, req slotalloc.Request) {
	t.Helper()
	before := deepCopy(req)
	p, err := a.Allocate(req)
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	if !reflect.DeepEqual(req, before) {
		t.Fatalf("Allocate modified the request")
	}
	if err := slotalloc.Verify(req, p); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	for i, pl := range p.Placements {
		if pl.Vertex != req.Vertices[i].ID {
			t.Fatalf("placement %d is for vertex %q, want %q (request order)", i, pl.Vertex, req.Vertices[i].ID)
		}
	}
	again, err := a.Allocate(req)
	if err != nil || !reflect.DeepEqual(p, again) {
		t.Fatalf("not deterministic: second Allocate differs (err %v)", err)
	}
}

func checkInvalid(t *testing.T, a slotalloc.Allocator, req slotalloc.Request) {
	t.Helper()
	p, err := a.Allocate(req)
	if !errors.Is(err, slotalloc.ErrInvalidRequest) {
		t.Fatalf("Allocate: error %v, want one wrapping ErrInvalidRequest", err)
	}
	if len(p.Placements) != 0 {
		t.Fatalf("Allocate returned %d placements with its error", len(p.Placements))
	}
	if !errors.Is(req.Validate(), slotalloc.ErrInvalidRequest) {
		t.Fatalf("Validate accepts a request Allocate rejects")
	}
}

func deepCopy(r slotalloc.Request) slotalloc.Request {
	c := r
	c.TaskManagers = append([]slotalloc.TaskManager(nil), r.TaskManagers...)
	c.Vertices = append([]slotalloc.Vertex(nil), r.Vertices...)
	for i := range c.Vertices {
		c.Vertices[i].Weights = append([]float64(nil), r.Vertices[i].Weights...)
		if r.Vertices[i].Weights == nil {
			c.Vertices[i].Weights = nil
		}
	}
	c.Previous.Placements = append([]slotalloc.Placement(nil), r.Previous.Placements...)
	for i := range c.Previous.Placements {
		c.Previous.Placements[i].Slots = append([]slotalloc.Slot(nil), r.Previous.Placements[i].Slots...)
	}
	return c
}
