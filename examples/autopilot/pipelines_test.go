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
