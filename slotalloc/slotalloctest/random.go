package slotalloctest

import (
	"fmt"
	"math/rand/v2"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// RandomRequest returns a small valid request drawn from rng: 1 to 8
// TaskManagers of 1 to 4 slots, 1 to 3 slot-sharing groups, up to 10
// vertices whose parallelisms fit their group's share of the slots, and
// weights on about half of the vertices. No previous plan.
func RandomRequest(rng *rand.Rand) slotalloc.Request {
	var req slotalloc.Request
	total := 0
	for i := range 1 + rng.IntN(8) {
		s := 1 + rng.IntN(4)
		total += s
		req.TaskManagers = append(req.TaskManagers, slotalloc.TaskManager{ID: slotalloc.TaskManagerID(fmt.Sprintf("tm-%d", i)), Slots: s})
	}
	groups := min(1+rng.IntN(3), total)
	left := total
	for g := range groups {
		need := 1 + rng.IntN(max(1, left-(groups-g-1)))
		if g == groups-1 {
			need = 1 + rng.IntN(left)
		}
		left -= need
		for range 1 + rng.IntN(4) {
			v := slotalloc.Vertex{
				ID:               slotalloc.VertexID(fmt.Sprintf("v%d", len(req.Vertices))),
				Parallelism:      1 + rng.IntN(need),
				SlotSharingGroup: fmt.Sprintf("g%d", g),
			}
			if rng.IntN(2) == 0 {
				v.Weights = make([]float64, v.Parallelism)
				for i := range v.Weights {
					v.Weights[i] = float64(rng.IntN(100))
				}
			}
			req.Vertices = append(req.Vertices, v)
		}
		if left == 0 {
			break
		}
	}
	return req
}

// rescaled returns req's TaskManagers with one removed or one added,
// keeping enough slots for req's groups.
func rescaled(rng *rand.Rand, req slotalloc.Request) []slotalloc.TaskManager {
	tms := append([]slotalloc.TaskManager(nil), req.TaskManagers...)
	if len(tms) > 1 && rng.IntN(2) == 0 {
		i := rng.IntN(len(tms))
		shrunk := append(append([]slotalloc.TaskManager(nil), tms[:i]...), tms[i+1:]...)
		if (slotalloc.Request{Vertices: req.Vertices, TaskManagers: shrunk}).Validate() == nil {
			return shrunk
		}
	}
	return append(tms, slotalloc.TaskManager{ID: "tm-new", Slots: 1 + rng.IntN(4)})
}
