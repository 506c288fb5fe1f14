package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// The status line's pipelines are Default's (autoscale.Pipeline): a
// pipeline spread over two slot-sharing groups is one, with the slots of
// both; each is named after its source; a missing figure keeps its reason.
func TestPipelines(t *testing.T) {
	src := func(backlog, lag autoscale.Value) *autoscale.Source {
		return &autoscale.Source{Backlog: backlog, TimeLag: lag}
	}
	t0 := time.Unix(0, 0)
	obs := func(at time.Duration, read float64) autoscale.Observation {
		return autoscale.Observation{Time: t0.Add(at), Running: true, Vertices: []autoscale.Vertex{
			{ID: "a1", Name: "Source: orders", Parallelism: 2, SlotSharingGroup: "g1", RecordsIn: autoscale.Of(read),
				Source: src(autoscale.Of(100), autoscale.Of(1.5))},
			{ID: "a2", Name: "Sink: orders", Parallelism: 3, SlotSharingGroup: "g2", RecordsIn: autoscale.Of(read / 2)},
			{ID: "b1", Name: "Source: clicks", Parallelism: 4, SlotSharingGroup: "g3",
				Source: src(autoscale.MissingBecause("metric not reported"), autoscale.Of(0))},
		}, Edges: []autoscale.Edge{{From: "a1", To: "a2"}}}
	}
	prev, cur := obs(0, 1000), obs(10*time.Second, 3000)
	s := &session{rates: counterRates}
	got, slots := s.pipelines(cur, &prev)
	want := []report.PipelineSample{
		{Name: "orders", Running: true, InRate: 200, OutRate: 100, RatesKnown: true,
			Backlog: 100, BacklogKnown: true, Lag: 1500 * time.Millisecond, LagKnown: true, Parallelism: 5},
		{Name: "clicks", Running: true, BacklogReason: "metric not reported", LagKnown: true, Parallelism: 4},
	}
	if diff := cmp.Diff(want, got); diff != "" || slots != 9 {
		t.Errorf("slots %d (want 9); pipelines (-want +got):\n%s", slots, diff)
	}
}

// A counter total that went down between two observations (real Flink
// right after an in-place rescale, or a failover) gives no rate: unknown,
// never a negative one.
func TestCounterRatesNeverNegative(t *testing.T) {
	t0 := time.Unix(0, 0)
	p := autoscale.Pipeline{Sources: []string{"s"}, Vertices: []string{"s", "k"}}
	obs := func(at time.Duration, in, out float64) autoscale.Observation {
		return autoscale.Observation{Time: t0.Add(at), Running: true, Vertices: []autoscale.Vertex{
			{ID: "s", RecordsIn: autoscale.Of(in)}, {ID: "k", RecordsIn: autoscale.Of(out)},
		}, Edges: []autoscale.Edge{{From: "s", To: "k"}}}
	}
	for _, c := range []struct {
		name            string
		prev, cur       autoscale.Observation
		wantIn, wantOut float64
		ok              bool
	}{
		{"both totals grew", obs(0, 100, 50), obs(10*time.Second, 300, 250), 20, 20, true},
		{"the source's total went down", obs(0, 100, 50), obs(10*time.Second, 40, 250), 0, 0, false},
		{"the sink's total went down", obs(0, 100, 50), obs(10*time.Second, 300, 10), 0, 0, false},
	} {
		in, out, ok := counterRates("", p, c.cur, &c.prev)
		if ok != c.ok || in != c.wantIn || out != c.wantOut {
			t.Errorf("%s: in %v out %v ok %v; want %v %v %v", c.name, in, out, ok, c.wantIn, c.wantOut, c.ok)
		}
	}
}
