package sim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/sim"
)

// The latency cliff: one hot reader under Beam's loop and Beam's 10 ms
// wait, its fetches taking 5 ms, then 30 ms; then Default on the same loop.
func ExampleRun() {
	for _, c := range []struct {
		p       adaptivetimeout.Policy
		latency time.Duration
	}{
		{adaptivetimeout.Fixed{}, 5 * time.Millisecond},
		{adaptivetimeout.Fixed{}, 30 * time.Millisecond},
		{&adaptivetimeout.Default{}, 30 * time.Millisecond},
	} {
		cfg := sim.Config{Readers: []sim.Traffic{sim.Hot()}, Duration: 10 * time.Second, Latency: c.latency}
		res, err := sim.Run(context.Background(), cfg, adaptivetimeout.BeamLoop{}, c.p)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%T, fetches of %v: %.0f records/s, %v asleep\n", c.p, c.latency, res.Throughput(0), res.Slept.Round(time.Second))
	}
	// Output:
	// adaptivetimeout.Fixed, fetches of 5ms: 99950 records/s, 0s asleep
	// adaptivetimeout.Fixed, fetches of 30ms: 7994 records/s, 8s asleep
	// *adaptivetimeout.Default, fetches of 30ms: 16550 records/s, 0s asleep
}

// Readers of every traffic profile, and the delays of their records.
func ExampleResult_Delays() {
	cfg := sim.Config{
		Readers:  []sim.Traffic{sim.Poisson(20), sim.Periodic(50 * time.Millisecond), sim.Bursty(10, time.Second)},
		Duration: 60 * time.Second,
		Seed:     7,
	}
	res, err := sim.Run(context.Background(), cfg, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ds := res.Delays(0, 1, 2)
	fmt.Printf("%d records, p50 %v, p99 %v\n", len(ds), sim.Percentile(ds, 0.5).Round(time.Microsecond), sim.Percentile(ds, 0.99).Round(time.Microsecond))
	// Output:
	// 2957 records, p50 1.007ms, p99 1.858ms
}
