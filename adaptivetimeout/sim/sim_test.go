package sim_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/sim"
)

const ms = time.Millisecond

func run(t *testing.T, cfg sim.Config, loop adaptivetimeout.Loop, p adaptivetimeout.Policy) sim.Result {
	t.Helper()
	res, err := sim.Run(context.Background(), cfg, loop, p)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// hotAnd returns a hot reader followed by n readers of traffic tr.
func hotAnd(n int, tr sim.Traffic) []sim.Traffic {
	rs := []sim.Traffic{sim.Hot()}
	for range n {
		rs = append(rs, tr)
	}
	return rs
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol*want }

// TestReproduceStarvation is the seed's failure: under Beam's loop, 20
// idle readers at Beam's fixed 10 ms cap a hot reader at 5 records/s,
// whatever its backlog, because a pass costs the idle readers' waits.
func TestReproduceStarvation(t *testing.T) {
	cfg := sim.Config{Readers: hotAnd(20, sim.Idle()), Duration: 20 * time.Second}
	fixed := run(t, cfg, adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{})
	if got := fixed.Throughput(0); !near(got, 5, 0.01) { // 1 record per 20 x 10 ms
		t.Errorf("Fixed: hot reader at %.2f records/s, want 5", got)
	}
	var waited time.Duration
	for _, r := range fixed.Readers[1:] {
		waited += r.Waited
	}
	if waited < 19900*ms { // the thread spends its time waiting on idle readers
		t.Errorf("idle readers waited on for %v of 20 s", waited)
	}
	aiad := run(t, cfg, adaptivetimeout.BeamLoop{}, adaptivetimeout.BeamAIAD{})
	if got := aiad.Throughput(0); got < 40 || got > 50 { // 1 ms waits once decayed: ~1 per 20 ms
		t.Errorf("BeamAIAD: hot reader at %.2f records/s, want 40-50", got)
	}
	alone := run(t, sim.Config{Readers: hotAnd(0, sim.Idle()), Duration: 20 * time.Second}, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{})
	ours := run(t, cfg, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{})
	if ratio := ours.Throughput(0) / alone.Throughput(0); ratio < 0.99 {
		t.Errorf("Default, BatchLoop: hot ratio %.3f, want >= 0.99", ratio)
	}
}

// TestReproduceLatencyCliff: a hot reader alone whose fetches take 30 ms,
// longer than Beam's 10 ms wait: every wait times out while the batch is
// in flight and the pass ends in a 50 ms sleep, so a batch of 500 takes
// 2.5 + 10 + 50 ms instead of 5 ms. With batches of 50 (large records) it
// is the 100-1000 records/s of Beam #21630. Beam's adaptive wait does not
// help (it oscillates around 10 ms); Default waits for the fetch, and
// BatchLoop never sleeps.
func TestReproduceLatencyCliff(t *testing.T) {
	for _, c := range []struct {
		name     string
		loop     adaptivetimeout.Loop
		p        adaptivetimeout.Policy
		latency  time.Duration
		maxBatch int
		want     float64 // records/s, within 1%
	}{
		{"Fixed/5ms", adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{}, 5 * ms, 500, 500 / 0.005},
		{"Fixed/30ms", adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{}, 30 * ms, 500, 500 / 0.0625},
		{"Fixed/30ms/batch50", adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{}, 30 * ms, 50, 50 / 0.06025},
		{"BeamAIAD/30ms", adaptivetimeout.BeamLoop{}, adaptivetimeout.BeamAIAD{}, 30 * ms, 500, 500 / 0.0625},
		{"Default/BeamLoop/30ms", adaptivetimeout.BeamLoop{}, &adaptivetimeout.Default{}, 30 * ms, 500, 500 / 0.030},
		{"Fixed/BatchLoop/30ms", adaptivetimeout.BatchLoop{}, adaptivetimeout.Fixed{}, 30 * ms, 500, 500 / 0.030},
		{"Default/BatchLoop/30ms/batch50", adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{}, 30 * ms, 50, 50 / 0.030},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := run(t, sim.Config{Readers: []sim.Traffic{sim.Hot()}, Duration: 20 * time.Second, Latency: c.latency, MaxBatch: c.maxBatch}, c.loop, c.p)
			if got := res.Throughput(0); !near(got, c.want, 0.01) {
				t.Errorf("%.0f records/s, want %.0f", got, c.want)
			}
		})
	}
}

// TestSkewedGoal is BenchmarkSkewedRead's goal, checked on every test
// run: with 1 hot reader and 99 idle ones receiving 1 record/s each,
// Default on BatchLoop keeps >= 90% of the hot reader's throughput alone,
// and the idle readers' p99 delay is no worse than under Fixed.
func TestSkewedGoal(t *testing.T) {
	cfg := sim.Config{Readers: hotAnd(99, sim.Poisson(1)), Duration: 20 * time.Second, Seed: 1}
	cold := make([]int, 99)
	for i := range cold {
		cold[i] = i + 1
	}
	fixed := run(t, cfg, adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{})
	ours := run(t, cfg, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{})
	alone := run(t, sim.Config{Readers: []sim.Traffic{sim.Hot()}, Duration: 20 * time.Second}, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{})
	if ratio := ours.Throughput(0) / alone.Throughput(0); ratio < 0.9 {
		t.Errorf("hot ratio %.3f, want >= 0.9", ratio)
	}
	p99f, p99o := sim.Percentile(fixed.Delays(cold...), 0.99), sim.Percentile(ours.Delays(cold...), 0.99)
	if p99o > p99f {
		t.Errorf("cold p99 %v, Fixed's %v", p99o, p99f)
	}
	if n := len(ours.Delays(cold...)); n < 99*15 {
		t.Errorf("only %d cold records delivered", n)
	}
}

func TestDeterministic(t *testing.T) {
	cfg := sim.Config{Readers: []sim.Traffic{sim.Hot(), sim.Poisson(50), sim.Bursty(20, 100*ms), sim.Periodic(30 * ms), sim.Idle()}, Duration: 5 * time.Second, Jitter: 3 * ms, Seed: 9}
	a := run(t, cfg, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{})
	b := run(t, cfg, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same config, different results")
	}
	cfg.Seed = 10
	if c := run(t, cfg, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{}); reflect.DeepEqual(a.Readers[1].Delays, c.Readers[1].Delays) {
		t.Fatal("another seed, same arrivals")
	}
}

// TestTraffic checks each profile delivers what it generates, and that no
// record is delivered faster than a fetch can bring it.
func TestTraffic(t *testing.T) {
	for _, c := range []struct {
		name     string
		tr       sim.Traffic
		min, max int64
	}{
		{"idle", sim.Idle(), 0, 0},
		{"backlog", sim.Traffic{Backlog: 1234}, 1234, 1234},
		{"periodic", sim.Periodic(10 * ms), 999, 1000},
		{"poisson", sim.Poisson(100), 900, 1100},
		{"bursty", sim.Bursty(50, 100*ms), 4000, 6000},
		{"backlog and periodic", sim.Traffic{Backlog: 100, Every: 100 * ms, Burst: 2}, 298, 300},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := run(t, sim.Config{Readers: []sim.Traffic{c.tr}, Duration: 10 * time.Second, Latency: 4 * ms, Seed: 3}, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{})
			r := res.Readers[0]
			if r.Delivered < c.min || r.Delivered > c.max {
				t.Errorf("delivered %d, want %d-%d", r.Delivered, c.min, c.max)
			}
			for _, d := range r.Delays {
				if d < 2*ms {
					t.Fatalf("a record delivered %v after it arrived, faster than half a fetch", d)
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []sim.Config{
		{},
		{Readers: []sim.Traffic{{Backlog: -2}}},
		{Readers: []sim.Traffic{{Every: -1}}},
		{Readers: []sim.Traffic{sim.Hot()}, Latency: -1},
		{Readers: []sim.Traffic{sim.Hot()}, RecordCost: -1},
		{Readers: []sim.Traffic{{Every: ms, Burst: sim.MaxBurst + 1}}},
		{Readers: []sim.Traffic{{Every: ms, Burst: math.MaxInt}}}, // exhausted memory
	} {
		if _, err := sim.Run(context.Background(), c, adaptivetimeout.BatchLoop{}, adaptivetimeout.NoWait{}); !errors.Is(err, sim.ErrInvalidConfig) || !errors.Is(err, adaptivetimeout.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sim.Run(ctx, sim.Config{Readers: []sim.Traffic{sim.Hot()}}, adaptivetimeout.BatchLoop{}, adaptivetimeout.NoWait{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if p := sim.Poisson(0); p != sim.Idle() {
		t.Errorf("Poisson(0) = %+v", p)
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for q, want := range map[float64]time.Duration{0: 1, 0.5: 5, 0.9: 9, 0.99: 10, 1: 10} {
		if got := sim.Percentile(ds, q); got != want {
			t.Errorf("Percentile(%v) = %v, want %v", q, got, want)
		}
	}
	if sim.Percentile(nil, 0.5) != 0 {
		t.Error("empty")
	}
}

// TestHugeDurationsEnd: durations that overflow virtual time (a loop's
// pause, a policy's wait, a fetch's latency, a record's cost, the gap
// between arrivals) saturate, so the run ends at its Duration with the
// time spent where it went. They used to wrap virtual time around: the run
// crept on in visit costs (a million passes for a second), or generated
// arrivals until memory ran out.
func TestHugeDurationsEnd(t *testing.T) {
	huge := time.Duration(math.MaxInt64)
	end := sim.DefaultDuration - ms // the time spent in the long call, at least
	cases := []struct {
		name  string
		cfg   sim.Config
		loop  adaptivetimeout.Loop
		p     adaptivetimeout.Policy
		check func(sim.Result) bool
	}{
		{"BeamLoop sleep", sim.Config{Readers: []sim.Traffic{sim.Idle()}}, adaptivetimeout.BeamLoop{Sleep: huge}, adaptivetimeout.NoWait{},
			func(r sim.Result) bool { return r.Slept >= end }},
		{"BatchLoop idle wait", sim.Config{Readers: []sim.Traffic{sim.Idle()}}, adaptivetimeout.BatchLoop{IdleWait: huge}, adaptivetimeout.NoWait{},
			func(r sim.Result) bool { return r.Idle >= end }},
		{"policy wait", sim.Config{Readers: []sim.Traffic{sim.Idle()}}, adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{Wait: huge},
			func(r sim.Result) bool {
				return r.Readers[0].Waited >= end && r.Readers[0].Waited <= sim.DefaultDuration
			}},
		{"record cost", sim.Config{Readers: []sim.Traffic{sim.Hot()}, RecordCost: huge}, adaptivetimeout.BeamLoop{}, adaptivetimeout.BeamAIAD{},
			func(r sim.Result) bool { return r.Readers[0].Delivered == 0 }},
		{"periodic arrivals", sim.Config{Readers: []sim.Traffic{sim.Periodic(huge)}}, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{}, nil},
		{"random arrivals", sim.Config{Readers: []sim.Traffic{sim.Bursty(3, huge/2)}}, adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{}, nil},
		{"latency and jitter", sim.Config{Readers: []sim.Traffic{sim.Hot(), sim.Poisson(100)}, Latency: huge / 2, Jitter: huge},
			adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			res, err := sim.Run(ctx, c.cfg, c.loop, c.p)
			if err != nil || res.Duration != sim.DefaultDuration || (c.check != nil && !c.check(res)) {
				t.Errorf("Run = %v after %v (slept %v, idle %v, readers %+v), want the end at %v",
					err, res.Duration, res.Slept, res.Idle, res.Readers, sim.DefaultDuration)
			}
		})
	}
}
