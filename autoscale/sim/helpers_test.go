package sim_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
)

// quiet is a config without arrival noise or realism, so figures are
// exact.
func quiet() sim.Config { return sim.Config{Noise: -1}.Idealized() }

// chain is a job "source" -> "v1" -> ... -> "vn" with rebalance edges; the
// source reads partitions and has capacity caps[0], vi has caps[i].
func chain(partitions int, caps ...float64) sim.Job {
	j := sim.Job{Name: "chain", Vertices: []sim.Vertex{
		{ID: "source", Name: "Source: in", Capacity: caps[0], Source: &sim.Source{Partitions: partitions}},
	}}
	prev := "source"
	for i, c := range caps[1:] {
		id := fmt.Sprintf("v%d", i+1)
		j.Vertices = append(j.Vertices, sim.Vertex{ID: id, Capacity: c})
		j.Edges = append(j.Edges, sim.Edge{From: prev, To: id})
		prev = id
	}
	return j
}

func newSim(t testing.TB, cfg sim.Config, job sim.Job, tr sim.Trace) *sim.Sim {
	t.Helper()
	s, err := sim.New(cfg, job, tr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func vertex(t testing.TB, obs autoscale.Observation, id string) autoscale.Vertex {
	t.Helper()
	v, ok := obs.Vertex(id)
	if !ok {
		t.Fatalf("no vertex %s in the observation", id)
	}
	return v
}

func value(t testing.TB, what string, x autoscale.Value) float64 {
	t.Helper()
	f, ok := x.Get()
	if !ok {
		t.Fatalf("%s is missing", what)
	}
	return f
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// randomPolicy rescales a random vertex to a random parallelism in
// [1, 8] every decision, seeded: a stress test for the bookkeeping.
func randomPolicy(seed uint64) autoscale.Policy {
	x := seed
	next := func() uint64 {
		x = x*6364136223846793005 + 1442695040888963407
		return x >> 33
	}
	return autoscale.PolicyFunc(func(now time.Time, obs autoscale.Observation) (autoscale.Decision, error) {
		d := autoscale.Keep(now, obs, "random")
		if !obs.Running {
			return d, nil
		}
		v := obs.Vertices[next()%uint64(len(obs.Vertices))]
		d.Targets[v.ID] = 1 + int(next()%8)
		return d, nil
	})
}
