package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/sim"
)

// skewedCase is a policy on a loop. The first three are the issue's
// pairs, each policy on the loop it was made for; the others change one
// of the two to show what each contributes.
type skewedCase struct {
	name     string
	loop     adaptivetimeout.Loop
	p        adaptivetimeout.Policy
	duration time.Duration
}

func skewedCases() []skewedCase {
	return []skewedCase{
		{"policy=Fixed", adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{}, 60 * time.Second},
		{"policy=BeamAIAD", adaptivetimeout.BeamLoop{}, adaptivetimeout.BeamAIAD{}, 60 * time.Second},
		{"policy=Default", adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{}, 60 * time.Second},
		// Simulating Beam's loop with waits near zero is slow (a pass per
		// hot record): 10 s of virtual time.
		{"policy=Default,loop=Beam", adaptivetimeout.BeamLoop{}, &adaptivetimeout.Default{}, 10 * time.Second},
		{"policy=BeamAIAD,loop=Batch", adaptivetimeout.BatchLoop{}, adaptivetimeout.BeamAIAD{}, 60 * time.Second},
		{"policy=Fixed,loop=Batch", adaptivetimeout.BatchLoop{}, adaptivetimeout.Fixed{}, 60 * time.Second},
	}
}

// BenchmarkSkewedRead simulates one thread reading 1 hot reader with an
// unlimited backlog and 99 idle readers fed at 1 record/s each (Poisson,
// seed 1), with the simulator's defaults (2 ms fetches of up to 500
// records, 5 µs per record emitted, 1 µs per look at a reader). One op is
// one deterministic run. It reports hot_ratio, the hot reader's throughput
// over its throughput read alone (same policy and loop, 10 s), and
// cold_p99_ms, the 99th percentile delay from arrival to delivery of the
// idle readers' records; also both throughputs. The goal: Default reaches
// hot_ratio >= 0.9 with cold_p99_ms no worse than Fixed's; the benchmark
// fails if it does not.
func BenchmarkSkewedRead(b *testing.B) {
	readers := []sim.Traffic{sim.Hot()}
	cold := make([]int, 99)
	for i := range cold {
		readers = append(readers, sim.Poisson(1))
		cold[i] = i + 1
	}
	var fixedP99 float64
	for _, c := range skewedCases() {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			alone, err := sim.Run(ctx, sim.Config{Readers: readers[:1], Duration: 10 * time.Second, Seed: 1}, c.loop, c.p)
			if err != nil {
				b.Fatal(err)
			}
			var res sim.Result
			for b.Loop() {
				if res, err = sim.Run(ctx, sim.Config{Readers: readers, Duration: c.duration, Seed: 1}, c.loop, c.p); err != nil {
					b.Fatal(err)
				}
			}
			ratio := res.Throughput(0) / alone.Throughput(0)
			p99 := float64(sim.Percentile(res.Delays(cold...), 0.99)) / float64(time.Millisecond)
			b.ReportMetric(ratio, "hot_ratio")
			b.ReportMetric(p99, "cold_p99_ms")
			b.ReportMetric(res.Throughput(0), "hot_records/s")
			b.ReportMetric(alone.Throughput(0), "alone_records/s")
			switch c.name {
			case "policy=Fixed":
				fixedP99 = p99
			case "policy=Default":
				if ratio < 0.9 || (fixedP99 > 0 && p99 > fixedP99) {
					b.Errorf("Default misses the goal: hot_ratio %.3f (want >= 0.9), cold_p99_ms %.1f (Fixed %.1f)", ratio, p99, fixedP99)
				}
			}
		})
	}
}
