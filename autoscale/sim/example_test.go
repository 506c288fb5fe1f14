package sim_test

import (
	"fmt"
	"log"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
)

// Provisioning for the peak against the oracle's lower bound, on the
// standard spike (4x for 10 minutes).
func Example() {
	sc := sim.Scenarios()[2] // spike
	cfg := sc.Config(sim.Config{Seed: 1})
	job, static, err := sim.StaticAtPeak(cfg, sc.Job, sc.Trace)
	if err != nil {
		log.Fatal(err)
	}
	m, err := sim.Run(cfg, job, sc.Trace, static)
	if err != nil {
		log.Fatal(err)
	}
	o, err := sim.Oracle(cfg, sc.Job, sc.Trace)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("static: %.0f slot-hours, %v over the SLO, %d rescales, %d lost\n", m.SlotHours, m.SLOViolation, m.Rescales, m.RecordsLost)
	fmt.Printf("oracle: %.0f slot-hours, %v over the SLO\n", o.SlotHours, o.SLOViolation)
	// Output:
	// static: 244 slot-hours, 0s over the SLO, 0 rescales, 0 lost
	// oracle: 64 slot-hours, 0s over the SLO
}

// Driving a simulation step by step: a vertex too slow for its input is
// busy all the time and backpressures the source; a rescale stops the job
// for 30 s and replays what was read since the last checkpoint.
func ExampleSim() {
	job := sim.Job{
		Name: "clicks",
		Vertices: []sim.Vertex{
			{ID: "source", Name: "Source: clicks", Capacity: 10000, Source: &sim.Source{Partitions: 4}},
			{ID: "count", Name: "Count", Capacity: 1500},
		},
		Edges: []sim.Edge{{From: "source", To: "count", Keyed: true}},
	}
	s, err := sim.New(sim.Config{Noise: -1}.Idealized(), job, sim.Steady{Rate: 500}) // 2,000 records/s, no realism
	if err != nil {
		log.Fatal(err)
	}
	s.Advance(90 * time.Second)
	obs := s.Observe()
	count, _ := obs.Vertex("count")
	src, _ := obs.Vertex("source")
	fmt.Printf("count busy %v, source backpressured %v, lag %.0f s\n", count.Busy, src.Backpressured, src.Source.TimeLag.Or(-1))

	if err := s.Apply(autoscale.Decision{Targets: map[string]int{"count": 2}}); err != nil {
		log.Fatal(err)
	}
	s.Advance(30 * time.Second)
	fmt.Println("running again:", s.Running(), "at", s.Parallelism()["count"])
	s.Advance(10 * time.Minute)
	lag, _ := s.Lag("source")
	m := s.Summary()
	fmt.Printf("lag %v, replayed %d, lost %d\n", lag, m.RecordsReplayed, m.RecordsLost)
	// Output:
	// count busy 1, source backpressured 0.85, lag 22 s
	// running again: true at 2
	// lag 0s, replayed 45000, lost 0
}

// The smallest parallelism that keeps up with the diurnal trace at the
// trough (2 am) and at the peak (2 pm).
func ExampleKeepUp() {
	job, trace := sim.OrdersJob(), sim.Diurnal{Trough: 100}
	for _, at := range []time.Duration{2 * time.Hour, 14 * time.Hour} {
		p, err := sim.KeepUp(job, trace, at)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%v: source %d, parse %d, enrich %d, aggregate %d\n", at, p["source"], p["parse"], p["enrich"], p["aggregate"])
	}
	// Output:
	// 2h0m0s: source 2, parse 2, enrich 5, aggregate 2
	// 14h0m0s: source 6, parse 10, enrich 27, aggregate 8
}
