package sim

import (
	"fmt"
	"time"
)

// OrdersJob is the default 10-vertex job: a topic of 48 partitions read,
// parsed and filtered, archived, enriched by an asynchronous lookup (its
// own slot-sharing group, sub-linear), then aggregated per customer and
// ranked per product (keyed), screened for fraud, and written to two more
// sinks. Capacities are records/s per subtask at parallelism 1:
//
//	vertex              capacity  exponent  selectivity  input
//	Source: orders        4,500     1         1          48 partitions
//	Parse                 2,500     1         1          rebalance
//	Filter                20,000    1         0.8        rebalance
//	Sink: archive         5,000     1         -          rebalance from Filter
//	Enrich                1,000     0.9       1          rebalance from Filter (group "enrich")
//	Aggregate by customer 3,000     0.95      0.1        keyed from Enrich
//	TopN by product       5,000     1         0.01       keyed from Enrich
//	Detect fraud          6,000     1         0.002      rebalance from Enrich
//	Sink: aggregates      1,500     1         -          from Aggregate and TopN
//	Sink: alerts          1,000     1         -          from Detect
//
// Every vertex has 128 key groups and starts at parallelism 1. At 100
// records/s per partition (the diurnal trough) it needs 7 slots; at 500
// (the diurnal peak) 37.
func OrdersJob() Job {
	src := Vertex{ID: "source", Name: "Source: orders", Capacity: 4500, Source: &Source{Topic: "orders", Partitions: 48}}
	v := func(id, name string, capacity, exp, sel float64) Vertex {
		return Vertex{ID: id, Name: name, Capacity: capacity, ScalingExponent: exp, Selectivity: sel}
	}
	enrich := v("enrich", "Enrich", 1000, 0.9, 1)
	enrich.SlotSharingGroup = "enrich"
	return Job{
		Name: "orders",
		Vertices: []Vertex{
			src,
			v("parse", "Parse", 2500, 1, 1),
			v("filter", "Filter", 20000, 1, 0.8),
			v("archive", "Sink: archive", 5000, 1, 1),
			enrich,
			v("aggregate", "Aggregate by customer", 3000, 0.95, 0.1),
			v("topn", "TopN by product", 5000, 1, 0.01),
			v("detect", "Detect fraud", 6000, 1, 0.002),
			v("sink-aggregates", "Sink: aggregates", 1500, 1, 1),
			v("sink-alerts", "Sink: alerts", 1000, 1, 1),
		},
		Edges: []Edge{
			{From: "source", To: "parse"},
			{From: "parse", To: "filter"},
			{From: "filter", To: "archive"},
			{From: "filter", To: "enrich"},
			{From: "enrich", To: "aggregate", Keyed: true},
			{From: "enrich", To: "topn", Keyed: true},
			{From: "enrich", To: "detect"},
			{From: "aggregate", To: "sink-aggregates"},
			{From: "topn", To: "sink-aggregates"},
			{From: "detect", To: "sink-alerts"},
		},
	}
}

// PipelinesJob is one job running n independent pipelines (as Beam's Flink
// runner builds a job of many pipelines), each in its own slot-sharing
// group "pipeline-i", so that the job's slots follow each pipeline's
// needs. Pipeline i (from 0) is "Source: events-i" (16 partitions, 4,000
// records/s per subtask) -> "Transform i" (keyed, 800 x (1 + i/4)
// records/s per subtask, exponent 0.95, selectivity 0.5) -> "Sink i"
// (4,000 records/s per subtask).
func PipelinesJob(n int) Job {
	j := Job{Name: fmt.Sprintf("pipelines-%d", n)}
	for i := range n {
		src, tr, sink := fmt.Sprintf("source-%d", i), fmt.Sprintf("transform-%d", i), fmt.Sprintf("sink-%d", i)
		group := fmt.Sprintf("pipeline-%d", i)
		j.Vertices = append(j.Vertices,
			Vertex{ID: src, Name: fmt.Sprintf("Source: events-%d", i), Capacity: 4000, SlotSharingGroup: group,
				Source: &Source{Topic: fmt.Sprintf("events-%d", i), Partitions: 16}},
			Vertex{ID: tr, Name: fmt.Sprintf("Transform %d", i), Capacity: 800 * (1 + float64(i)/4),
				ScalingExponent: 0.95, Selectivity: 0.5, SlotSharingGroup: group},
			Vertex{ID: sink, Name: fmt.Sprintf("Sink %d", i), Capacity: 4000, SlotSharingGroup: group},
		)
		j.Edges = append(j.Edges, Edge{From: src, To: tr, Keyed: true}, Edge{From: tr, To: sink})
	}
	return j
}

// Scenario is a workload: a job, the trace feeding it, how long to
// simulate it and, for a robustness scenario, the realism and faults it
// adds to the config and the vertex that bounds it when nothing keeps up.
type Scenario struct {
	// Name is the scenario's name: for a standard one its trace's,
	// "steady", "diurnal", "spike", "bursty", "multi-pipeline"; for a
	// robustness one its family's (Robustness).
	Name string
	// Job starts at the parallelism that keeps up at the start (KeepUp at
	// 0).
	Job Job
	// Trace feeds the job's sources.
	Trace Trace
	// Duration is how long the scenario is simulated.
	Duration time.Duration
	// Setup, when set, adds the scenario's realism and faults to a config
	// (Config calls it).
	Setup func(*Config)
	// Bottleneck is, for a scenario whose load no parallelism can serve
	// (Oracle's Unmet is not 0), the vertex that bounds it: the one an
	// honest policy names when it says it cannot keep up. "" otherwise.
	Bottleneck string
	// About says in a sentence what the scenario tests.
	About string
}

// Config returns base with the scenario's Duration and Setup applied.
func (sc Scenario) Config(base Config) Config {
	base.Duration = sc.Duration
	if sc.Setup != nil {
		sc.Setup(&base)
	}
	return base
}

// Scenarios returns the standard scenarios (rates are records/s per
// partition):
//
//	name            job              trace                                                  duration
//	steady          OrdersJob        Steady 300                                             6 h
//	diurnal         OrdersJob        Diurnal trough 100, peak 5x at 14:00                   24 h
//	spike           OrdersJob        Spike base 200, 4x for 10 min at 2 h                   4 h
//	bursty          OrdersJob        Bursty base 200, seed 1: hourly slots, p 0.5,
//	                                 2-15 min, 2-4x                                         12 h
//	multi-pipeline  PipelinesJob(4)  MultiPipeline trough 200, peak 5x, peaks 6 h apart     24 h
func Scenarios() []Scenario {
	out := []Scenario{
		{Name: "steady", Job: OrdersJob(), Trace: Steady{Rate: 300}, Duration: 6 * time.Hour},
		{Name: "diurnal", Job: OrdersJob(), Trace: Diurnal{Trough: 100}, Duration: 24 * time.Hour},
		{Name: "spike", Job: OrdersJob(), Trace: Spike{Base: 200}, Duration: 4 * time.Hour},
		{Name: "bursty", Job: OrdersJob(), Trace: Bursty{Base: 200, Seed: 1}, Duration: 12 * time.Hour},
		{Name: "multi-pipeline", Job: PipelinesJob(4), Trace: MultiPipeline{Diurnal: Diurnal{Trough: 200}}, Duration: 24 * time.Hour},
	}
	for i := range out {
		if p, err := KeepUp(out[i].Job, out[i].Trace, 0); err == nil {
			out[i].Job = out[i].Job.WithParallelism(p)
		}
	}
	return out
}
