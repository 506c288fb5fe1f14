package adaptivetimeout_test

import (
	"context"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/sim"
)

// A hot reader and 20 idle ones on one thread, simulated for 10 s: Beam's
// loop with Beam's fixed 10 ms wait, then with Beam's adaptive wait, then
// this package's loop and policy.
func Example() {
	readers := []sim.Traffic{sim.Hot()}
	for range 20 {
		readers = append(readers, sim.Idle())
	}
	cfg := sim.Config{Readers: readers, Duration: 10 * time.Second}
	for _, c := range []struct {
		name string
		loop adaptivetimeout.Loop
		p    adaptivetimeout.Policy
	}{
		{"Fixed, BeamLoop", adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{}},
		{"BeamAIAD, BeamLoop", adaptivetimeout.BeamLoop{}, adaptivetimeout.BeamAIAD{}},
		{"Default, BatchLoop", adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{}},
	} {
		res, err := sim.Run(context.Background(), cfg, c.loop, c.p)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-19s hot reader: %8.1f records/s\n", c.name, res.Throughput(0))
	}
	// Output:
	// Fixed, BeamLoop     hot reader:      5.0 records/s
	// BeamAIAD, BeamLoop  hot reader:     45.5 records/s
	// Default, BatchLoop  hot reader: 199481.3 records/s
}

// Beam's adaptive wait: 10 ms to start, -1 ms per empty wait, +1 ms per
// wait that found a batch.
func ExampleBeamAIAD() {
	r := adaptivetimeout.BeamAIAD{}.NewReader()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Println(r.Next(now, adaptivetimeout.Outcome{})) // a new reader
	for range 3 {
		start := now
		now = now.Add(10 * time.Millisecond)
		fmt.Println(r.Next(now, adaptivetimeout.Outcome{Start: start, Waited: 10 * time.Millisecond}))
	}
	fmt.Println(r.Next(now, adaptivetimeout.Outcome{Start: now, Records: 500}))
	// Output:
	// 10ms
	// 9ms
	// 8ms
	// 7ms
	// 8ms
}

// Default does not wait on an idle reader, and waits for a batch it knows
// is on its way about as long as the reader's fetches take.
func ExampleDefault() {
	var p adaptivetimeout.Default
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	// A figure the loop could not measure is unknown with a reason, never 0.
	notMeasured := adaptivetimeout.Unknown[time.Duration](adaptivetimeout.NotMeasured)

	idle := p.NewReader()
	idle.Next(now, adaptivetimeout.Outcome{Latency: notMeasured, Backlog: adaptivetimeout.Known[int64](0)})
	fmt.Println("idle:", idle.Next(now.Add(time.Millisecond), adaptivetimeout.Outcome{Start: now, Waited: 0, Latency: notMeasured, Backlog: adaptivetimeout.Known[int64](0)}))

	behind := p.NewReader()
	behind.Next(now, adaptivetimeout.Outcome{Latency: notMeasured, Backlog: adaptivetimeout.Known[int64](1e6)})
	// Its last batch took 30 ms to arrive after it ran out; Kafka holds more.
	last := adaptivetimeout.Outcome{Start: now, Waited: 30 * time.Millisecond, Records: 500,
		Latency: adaptivetimeout.Known(30 * time.Millisecond), Backlog: adaptivetimeout.Known[int64](1e6)}
	fmt.Println("behind:", behind.Next(now.Add(30*time.Millisecond), last), "after a latency of", last.Latency)
	lo, hi := p.Bounds()
	fmt.Println("bounds:", lo, hi)
	// Output:
	// idle: 0s
	// behind: 46ms after a latency of 30ms
	// bounds: 0s 50ms
}

// Clamp bounds another policy's waits.
func ExampleClamp() {
	p, err := adaptivetimeout.Clamp(adaptivetimeout.Fixed{}, 0, 2*time.Millisecond)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.NewReader().Next(time.Now(), adaptivetimeout.Outcome{}))
	// Output: 2ms
}

// Func turns a function into a stateless policy: here, wait 5 ms after a
// wait that found records, else only look.
func ExampleFunc() {
	p := adaptivetimeout.Func(func(_ time.Time, last adaptivetimeout.Outcome) time.Duration {
		if last.Records > 0 {
			return 5 * time.Millisecond
		}
		return 0
	})
	r := p.NewReader()
	fmt.Println(r.Next(time.Now(), adaptivetimeout.Outcome{Records: 3}), r.Next(time.Now(), adaptivetimeout.Outcome{}))
	// Output: 5ms 0s
}
