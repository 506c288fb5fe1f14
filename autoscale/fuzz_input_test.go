package autoscale_test

import (
	"fmt"
	"math"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

// The fuzz targets' input: bytes read as a job, a policy configuration
// and a sequence of steps. A plausible closed-loop workload produces the
// figures, and the bytes corrupt some of them.

// input reads the fuzzer's bytes; past their end it reads zeros.
type input struct{ b []byte }

func (in *input) byte() int {
	if len(in.b) == 0 {
		return 0
	}
	x := in.b[0]
	in.b = in.b[1:]
	return int(x)
}

func (in *input) done() bool { return len(in.b) == 0 }

// pick returns one of xs.
func pick[T any](in *input, xs ...T) T { return xs[in.byte()%len(xs)] }

// fuzzJob reads a job of up to four vertices: a chain, two sources
// joined, or two pipelines in their own slot-sharing groups.
func fuzzJob(in *input, start time.Time) autoscale.Observation {
	obs := autoscale.Observation{Time: start, Job: "job", Running: true, LastRestart: start,
		Resources: autoscale.Resources{SlotsPerTaskManager: pick(in, 0, 1, 4)}}
	maxP := pick(in, 128, 0, 16)
	vertex := func(id, group string, source bool) {
		v := autoscale.Vertex{ID: id, Parallelism: 1 + in.byte()%8, MaxParallelism: maxP, SlotSharingGroup: group}
		if source && in.byte()%4 != 0 { // else a source that reads no Kafka
			v.Source = &autoscale.Source{Partitions: pick(in, 0, 1, 4, 8, 32), Origin: "kafka"}
		}
		obs.Vertices = append(obs.Vertices, v)
	}
	edge := func(from, to string) {
		obs.Edges = append(obs.Edges, autoscale.Edge{From: from, To: to, Keyed: in.byte()%2 == 0})
	}
	switch in.byte() % 3 {
	case 0: // a chain of 1 to 3 vertices
		n := 1 + in.byte()%3
		for i := range n {
			vertex(fmt.Sprintf("v%d", i), "default", i == 0)
			if i > 0 {
				edge(fmt.Sprintf("v%d", i-1), fmt.Sprintf("v%d", i))
			}
		}
	case 1: // two sources into a join, then a sink
		vertex("a", "default", true)
		vertex("b", "default", true)
		vertex("join", "default", false)
		vertex("sink", "default", false)
		edge("a", "join")
		edge("b", "join")
		edge("join", "sink")
	default: // two pipelines
		vertex("a", "one", true)
		vertex("a2", "one", false)
		vertex("b", "two", true)
		edge("a", "a2")
	}
	return obs
}

// world is the closed loop behind the figures: records arrive at every
// source at arrival per second, and one subtask of a vertex takes in at
// most capacity[id] per second; every vertex passes on what it gets.
type world struct {
	tr       *autoscaletest.Trace
	par      map[string]int
	arrival  float64
	capacity map[string]float64
	sources  []string
}

func newWorld(job autoscale.Observation) *world {
	w := &world{tr: autoscaletest.NewTrace(job), par: map[string]int{}, capacity: map[string]float64{}}
	for _, v := range job.Vertices {
		w.par[v.ID], w.capacity[v.ID] = v.Parallelism, 1000
		if len(job.Inputs(v.ID)) == 0 {
			w.sources = append(w.sources, v.ID)
		}
	}
	return w
}

// rates are the figures of the next step: the job moves what its slowest
// vertex allows (all it can while a backlog waits).
func (w *world) rates(job autoscale.Observation) map[string]autoscaletest.Rates {
	limit := math.Inf(1)
	for _, v := range job.Vertices {
		limit = min(limit, float64(w.par[v.ID])*w.capacity[v.ID])
	}
	through := min(w.arrival, limit)
	for _, s := range w.sources {
		if w.tr.Backlog(s) > 0 {
			through = limit
		}
	}
	out := map[string]autoscaletest.Rates{}
	for _, v := range job.Vertices {
		busy := through / (float64(w.par[v.ID]) * w.capacity[v.ID])
		r := autoscaletest.Rates{In: through, Out: through, Busy: busy, Backpressured: max(0, 1-busy) / 2}
		if len(job.Inputs(v.ID)) == 0 {
			r.BacklogGrowth = w.arrival - through
		}
		out[v.ID] = r
	}
	return out
}

// restart restarts the job at targets (nil: a failover at the same
// parallelism).
func (w *world) restart(targets map[string]int) {
	w.tr.Restart(targets)
	for id, p := range targets {
		w.par[id] = p
	}
}

// corrupt replaces one figure of one vertex of obs with a bad or extreme
// value, read from in.
func corrupt(in *input, obs *autoscale.Observation) {
	v := &obs.Vertices[in.byte()%len(obs.Vertices)]
	figures := []*autoscale.Value{&v.RecordsIn, &v.RecordsOut, &v.Busy, &v.Backpressured}
	if v.Source != nil {
		figures = append(figures, &v.Source.Backlog, &v.Source.TimeLag)
	}
	f := figures[in.byte()%len(figures)]
	was := f.Or(0)
	*f = autoscale.Of(pick(in,
		math.NaN(), math.Inf(1), math.Inf(-1), // not finite: missing by construction
		-1, -was-1e-9, -math.MaxFloat64, -1e-300, // negative
		1e300, math.MaxFloat64, was*1e6, 0, math.Copysign(0, -1), // huge, zero
	))
	if in.byte()%4 == 0 {
		*f = pick(in, autoscale.Missing, autoscale.MissingBecause("fetch failed: connection refused"))
	}
}

// positivesOnly returns obs with every negative figure made missing, for
// the reason Value.NonNegative gives.
func positivesOnly(obs autoscale.Observation) autoscale.Observation {
	obs = autoscaletest.Clone(obs)
	fix := func(x *autoscale.Value) { *x = x.NonNegative() }
	for i := range obs.Vertices {
		v := &obs.Vertices[i]
		fix(&v.RecordsIn)
		fix(&v.RecordsOut)
		fix(&v.Busy)
		fix(&v.Backpressured)
		if v.Source != nil {
			fix(&v.Source.Backlog)
			fix(&v.Source.TimeLag)
		}
	}
	return obs
}

// blank returns obs with every figure missing.
func blank(obs autoscale.Observation) autoscale.Observation {
	obs = autoscaletest.Clone(obs)
	for i := range obs.Vertices {
		v := &obs.Vertices[i]
		v.RecordsIn, v.RecordsOut, v.Busy, v.Backpressured = autoscale.Missing, autoscale.Missing, autoscale.Missing, autoscale.Missing
		if v.Source != nil {
			v.Source.Backlog, v.Source.TimeLag = autoscale.Missing, autoscale.Missing
		}
	}
	return obs
}

// bad reports whether a figure is missing or negative: no policy may act
// on it.
func bad(x autoscale.Value) bool {
	f, ok := x.Get()
	return !ok || f < 0
}
