package slotalloc_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// FuzzAllocate feeds every allocator small requests decoded from the
// fuzzer's bytes (see fuzzRequest): valid ones, and invalid ones with
// empty, duplicate or non-UTF-8 ids, zero, negative or huge slot counts
// and parallelisms (MaxInt, 1<<33, just past the limits), NaN, infinite,
// negative and huge weights, and previous plans naming unknown vertices,
// TaskManagers and slots. Each allocator must either return an error
// wrapping ErrInvalidRequest, as Validate does, or a plan keeping the
// documented invariants (checkInvariants).
func FuzzAllocate(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{2, 1, 4, 2, 4, 2, 1, 3, 0, 0, 2, 3, 1, 0})            // two TMs of 4 slots, two vertices
	f.Add([]byte{1, 1, 250, 1, 1, 1, 0, 0, 0})                         // Slots: MaxInt
	f.Add([]byte{1, 1, 251, 1, 1, 251, 0, 0, 0})                       // Slots and Parallelism 1<<33
	f.Add([]byte{1, 1, 253, 1, 1, 253, 0, 0})                          // just past MaxSlots, MaxParallelism
	f.Add([]byte{2, 1, 250, 2, 250, 1, 1, 1, 0, 0, 0})                 // slots adding past MaxInt
	f.Add([]byte{1, 255, 2, 1, 254, 1, 0, 0, 0})                       // empty and non-UTF-8 ids
	f.Add([]byte{1, 1, 3, 1, 1, 3, 0, 1, 250, 251, 252, 0})            // NaN, Inf, negative weights
	f.Add([]byte{1, 1, 3, 1, 1, 2, 0, 1, 253, 253, 0})                 // weights adding up to +Inf
	f.Add([]byte{3, 1, 2, 2, 2, 3, 2, 2, 1, 3, 1, 0, 2, 3, 3, 0, 0, 2, // two groups, previous plan
		1, 4, 1, 0, 2, 1, 3, 200, 1, 1, 9, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		req := fuzzRequest(data)
		valid := req.Validate()
		if valid != nil && !errors.Is(valid, slotalloc.ErrInvalidRequest) {
			t.Fatalf("Validate: %v does not wrap ErrInvalidRequest", valid)
		}
		for _, a := range allocators() {
			p, err := a.a.Allocate(req)
			if (err == nil) != (valid == nil) {
				t.Fatalf("%s: Allocate error %v, Validate %v", a.name, err, valid)
			}
			if err != nil {
				if !errors.Is(err, slotalloc.ErrInvalidRequest) || len(p.Placements) != 0 {
					t.Fatalf("%s: Allocate = %d placements, %v; want none and ErrInvalidRequest", a.name, len(p.Placements), err)
				}
				continue
			}
			if msg := checkInvariants(req, p); msg != "" {
				t.Fatalf("%s: %s\nrequest: %+v\nplan: %+v", a.name, msg, req, p)
			}
			if err := slotalloc.Verify(req, p); err != nil {
				t.Fatalf("%s: Verify: %v", a.name, err)
			}
			if _, err := slotalloc.Evaluate(req, p); err != nil {
				t.Fatalf("%s: Evaluate: %v", a.name, err)
			}
			if a.name == "Default" && len(req.TaskManagers) > 1 {
				rescaleOnce(t, req, p)
			}
		}
	})
}

// rescaleOnce places req again with its plan p as the previous one and its
// first TaskManager gone, when that is still a valid request.
func rescaleOnce(t *testing.T, req slotalloc.Request, p slotalloc.Plan) {
	req.Previous, req.TaskManagers = p, req.TaskManagers[1:]
	if req.Validate() != nil {
		return
	}
	next, err := (&slotalloc.Default{}).Allocate(req)
	if err != nil {
		t.Fatalf("rescale: %v", err)
	}
	if msg := checkInvariants(req, next); msg != "" {
		t.Fatalf("rescale: %s\nrequest: %+v\nplan: %+v", msg, req, next)
	}
}

// checkInvariants checks, independently of Verify, what the package
// documents of every plan: the vertices in request order, every subtask
// placed exactly once on an existing slot, no slot over capacity (at most
// one subtask of each vertex) and no slot shared by two slot-sharing
// groups. It returns "" or what is wrong.
func checkInvariants(req slotalloc.Request, p slotalloc.Plan) string {
	slots := make(map[slotalloc.TaskManagerID]int, len(req.TaskManagers))
	for _, tm := range req.TaskManagers {
		slots[tm.ID] = tm.Slots
	}
	if len(p.Placements) != len(req.Vertices) {
		return fmt.Sprintf("%d placements for %d vertices", len(p.Placements), len(req.Vertices))
	}
	group := make(map[slotalloc.Slot]string)
	for v, vx := range req.Vertices {
		pl := p.Placements[v]
		if pl.Vertex != vx.ID || len(pl.Slots) != vx.Parallelism {
			return fmt.Sprintf("placement %d: vertex %q with %d slots, want %q with %d", v, pl.Vertex, len(pl.Slots), vx.ID, vx.Parallelism)
		}
		used := make(map[slotalloc.Slot]bool, len(pl.Slots))
		for i, sl := range pl.Slots {
			n, ok := slots[sl.TaskManager]
			switch {
			case !ok || sl.Index < 0 || sl.Index >= n:
				return fmt.Sprintf("vertex %q subtask %d on slot %+v, which does not exist", vx.ID, i, sl)
			case used[sl]:
				return fmt.Sprintf("vertex %q has two subtasks in slot %+v", vx.ID, sl)
			}
			used[sl] = true
			if g, ok := group[sl]; ok && g != vx.SlotSharingGroup {
				return fmt.Sprintf("slot %+v shared by groups %q and %q", sl, g, vx.SlotSharingGroup)
			}
			group[sl] = vx.SlotSharingGroup
		}
	}
	return ""
}

// fuzzBytes hands out the fuzzer's bytes, then zeros.
type fuzzBytes []byte

func (b *fuzzBytes) next() byte {
	if len(*b) == 0 {
		return 0
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return c
}

// count decodes a slot count or parallelism: mostly 0 to 8, and from 250
// up the values that broke allocators or sit just past a limit.
func (b *fuzzBytes) count() int {
	switch c := b.next(); c {
	case 250:
		return math.MaxInt
	case 251:
		return 1 << 33
	case 252:
		return -1
	case 253:
		return slotalloc.MaxSlots + 1
	case 254:
		return slotalloc.MaxParallelism + 1
	case 255:
		return math.MinInt
	default:
		return int(c % 9)
	}
}

// id decodes an id: prefix-0 to prefix-7 (duplicates likely), "" or
// invalid UTF-8.
func (b *fuzzBytes) id(prefix string) string {
	switch c := b.next(); c {
	case 255:
		return ""
	case 254:
		return "\xff"
	default:
		return fmt.Sprintf("%s-%d", prefix, c%8)
	}
}

// weight decodes a weight: 0 to 249, or a NaN, infinite, negative or huge
// one.
func (b *fuzzBytes) weight() float64 {
	switch c := b.next(); c {
	case 250:
		return math.NaN()
	case 251:
		return math.Inf(1)
	case 252:
		return -1
	case 253:
		return math.MaxFloat64
	case 254:
		return math.SmallestNonzeroFloat64
	default:
		return float64(c)
	}
}

// fuzzRequest decodes up to 5 TaskManagers, up to 6 vertices in up to 3
// slot-sharing groups with optional weights, and a previous plan of up to
// 3 placements.
func fuzzRequest(data []byte) slotalloc.Request {
	b := fuzzBytes(data)
	var req slotalloc.Request
	for range b.next() % 6 {
		req.TaskManagers = append(req.TaskManagers, slotalloc.TaskManager{ID: slotalloc.TaskManagerID(b.id("tm")), Slots: b.count()})
	}
	for range b.next() % 7 {
		vx := slotalloc.Vertex{ID: slotalloc.VertexID(b.id("v")), Parallelism: b.count()}
		vx.SlotSharingGroup = []string{"", "a", "b"}[b.next()%3]
		if flag := b.next(); flag != 0 {
			n := int(flag % 4)
			if vx.Parallelism >= 1 && vx.Parallelism <= 8 {
				n = vx.Parallelism
			}
			vx.Weights = make([]float64, n)
			for i := range vx.Weights {
				vx.Weights[i] = b.weight()
			}
		}
		req.Vertices = append(req.Vertices, vx)
	}
	for range b.next() % 4 {
		pl := slotalloc.Placement{Vertex: slotalloc.VertexID(b.id("v"))}
		for range b.next() % 10 {
			pl.Slots = append(pl.Slots, slotalloc.Slot{TaskManager: slotalloc.TaskManagerID(b.id("tm")), Index: int(int8(b.next()))})
		}
		req.Previous.Placements = append(req.Previous.Placements, pl)
	}
	return req
}
