package sim_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
)

// rescaleAt applies targets at 90 s into a quiet run of chain(4, 10000,
// 10000, 10000) fed 100 records/s per partition, and returns the summary
// after 10 min.
func rescaleAt(t *testing.T, cfg sim.Config, job sim.Job, targets map[string]int) sim.Summary {
	t.Helper()
	s := newSim(t, cfg, job, sim.Steady{Rate: 100})
	s.Advance(90 * time.Second)
	if err := s.Apply(autoscale.Decision{Targets: targets}); err != nil {
		t.Fatal(err)
	}
	s.Advance(10 * time.Minute)
	return s.Summary()
}

// A restart's downtime grows with the vertices it changes and with the
// state the job restores; jitter spreads it.
func TestDowntimeGrowsWithChangesAndState(t *testing.T) {
	cfg := quiet()
	cfg.Restarts = sim.Restarts{PerChangedVertex: 2 * time.Second, RestoreRate: 1e6, Jitter: -1, WarmUp: -1}
	job := chain(4, 10000, 10000, 10000)
	one := rescaleAt(t, cfg, job, map[string]int{"v1": 2})
	three := rescaleAt(t, cfg, job, map[string]int{"source": 2, "v1": 2, "v2": 2})
	job.Vertices[2].StateBytes = 60e6 // a minute at 1 MB/s
	stateful := rescaleAt(t, cfg, job, map[string]int{"v1": 2})
	if one.Downtime != 32*time.Second || three.Downtime != 36*time.Second || stateful.Downtime != 92*time.Second {
		t.Errorf("downtimes %v, %v, %v; want 32 s, 36 s, 92 s", one.Downtime, three.Downtime, stateful.Downtime)
	}
	cfg.Restarts.Jitter = 0.5
	seen := map[time.Duration]bool{}
	for seed := range uint64(8) {
		cfg.Seed = seed
		d := rescaleAt(t, cfg, chain(4, 10000, 10000, 10000), map[string]int{"v1": 2}).Downtime
		if d < 16*time.Second || d > 48*time.Second {
			t.Errorf("seed %d: jittered downtime %v outside 30 s +- 50%% + 2 s", seed, d)
		}
		seen[d] = true
	}
	if len(seen) < 4 {
		t.Errorf("jitter gave only %d distinct downtimes over 8 seeds", len(seen))
	}
}

// After a restart the job reads at WarmUpFrom of its capacity, rising to
// full over WarmUp, and its busy time says so.
func TestWarmUp(t *testing.T) {
	cfg := quiet()
	cfg.Restarts = sim.Restarts{PerChangedVertex: -1, RestoreRate: -1, Jitter: -1, WarmUp: time.Minute, WarmUpFrom: 0.5}
	// A backlog: 4 partitions x 1000 records/s against a source of 1000
	// records/s per subtask at parallelism 2.
	s := newSim(t, cfg, chain(4, 1000, 100000), sim.Steady{Rate: 1000})
	s.Advance(time.Minute)
	if err := s.Apply(autoscale.Decision{Targets: map[string]int{"source": 4}}); err != nil {
		t.Fatal(err)
	}
	s.Advance(30 * time.Second) // running again
	read := func(d time.Duration) float64 {
		before := s.Summary().RecordsRead
		s.Advance(d)
		return float64(s.Summary().RecordsRead-before) / d.Seconds()
	}
	first, later := read(10*time.Second), 0.0
	s.Advance(time.Minute)
	later = read(10 * time.Second)
	// Over the first 10 s the warmth averages 0.5 + 0.5 x 5/60.
	if !near(first, 4000*(0.5+0.5*5.0/60), 60) || !near(later, 4000, 10) {
		t.Errorf("read %.0f records/s in the first 10 s, %.0f later; want about %.0f and 4000", first, later, 4000*(0.5+0.5*5.0/60))
	}
}

// Busy time carries the vertex's bias and the config's noise; a vertex
// without busy time reports NaN, which an Observation holds as missing.
func TestBusyNoiseBiasAndNaN(t *testing.T) {
	job := chain(4, 10000, 1000, 1000)
	job.Vertices[1].BusyBias = -0.5
	job.Vertices[0].NoBusyTime = true
	cfg := quiet()
	cfg.Metrics.BusyNoise = 0.05
	s := newSim(t, cfg, job, sim.Steady{Rate: 100}) // 400 records/s: v1 and v2 busy 0.4
	var v1, v2 []float64
	for range 60 {
		s.Advance(10 * time.Second)
		obs := s.Observe()
		v1 = append(v1, value(t, "v1 busy", vertex(t, obs, "v1").Busy))
		v2 = append(v2, value(t, "v2 busy", vertex(t, obs, "v2").Busy))
		if b := vertex(t, obs, "source").Busy; b.Valid() || !strings.Contains(b.Reason(), "NaN") {
			t.Fatalf("source busy %v; want missing as NaN", b)
		}
	}
	mv1, _, _ := meanStd(v1[1:])
	m2, _, sd2 := meanStd(v2[1:])
	if !near(mv1, 0.2, 0.02) || !near(m2, 0.4, 0.02) || !(sd2 > 0.02 && sd2 < 0.08) {
		t.Errorf("v1 busy mean %.3f (want 0.2, biased), v2 mean %.3f sd %.3f (want 0.4, about 0.05)", mv1, m2, sd2)
	}
}

// A busy floor (Beam's legacy source) reports floor + (1 - floor) x the
// true busy time: 0.3 while idle, 0.3 + 0.7 x 0.4 at 40%.
func TestBusyFloor(t *testing.T) {
	job := chain(4, 10000, 1000, 1000)
	job.Vertices[1].BusyFloor = 0.3
	job.Vertices[2].BusyFloor = 0.3
	s := newSim(t, quiet(), job, sim.Steady{Rate: 100}) // 400 records/s: v1 and v2 truly 0.4 busy
	s.Advance(time.Minute)
	obs := s.Observe()
	if b := value(t, "v1 busy", vertex(t, obs, "v1").Busy); !near(b, 0.3+0.7*0.4, 0.01) {
		t.Errorf("v1 busy %.3f at 40%% with a 0.3 floor, want %.3f", b, 0.3+0.7*0.4)
	}
	for _, f := range []float64{-0.1, 1, math.NaN()} {
		bad := chain(4, 10000, 1000)
		bad.Vertices[1].BusyFloor = f
		if _, err := sim.New(sim.Config{}, bad, sim.Steady{Rate: 1}); !errors.Is(err, sim.ErrInvalidConfig) {
			t.Errorf("BusyFloor %v: %v, want ErrInvalidConfig", f, err)
		}
	}
}

func meanStd(xs []float64) (mean, _, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, 0, math.Sqrt(sd / float64(len(xs)))
}

// A refresh that misses a vertex leaves its figures as they were (the
// counters stop while busy time stays); a frozen cache keeps every Flink
// figure while Kafka's lag moves on; a gap loses one metric until the next
// refresh.
func TestStaleFrozenAndGaps(t *testing.T) {
	cfg := quiet()
	cfg.Metrics.StaleRefresh = 1
	s := newSim(t, cfg, chain(4, 10000, 1000), sim.Steady{Rate: 100})
	s.Advance(10 * time.Second)
	first := s.Observe()
	s.Advance(time.Minute)
	later := s.Observe()
	if in0, in1 := value(t, "in", vertex(t, first, "v1").RecordsIn), value(t, "in", vertex(t, later, "v1").RecordsIn); in0 != in1 || !vertex(t, later, "v1").Busy.Valid() {
		t.Errorf("stale refreshes: records in %v then %v; want unchanged, busy still reported", in0, in1)
	}

	cfg = quiet()
	cfg.Metrics.FreezeEvery, cfg.Metrics.FreezeFor = time.Hour, 50*time.Minute
	s = newSim(t, cfg, chain(4, 200, 1000), sim.Steady{Rate: 100}) // a growing backlog
	changes, lagMoves := 0, 0
	var prevIn, prevLag float64
	for range 60 {
		s.Advance(time.Minute)
		obs := s.Observe()
		in, lag := vertex(t, obs, "v1").RecordsIn.Or(-1), value(t, "lag", vertex(t, obs, "source").Source.TimeLag)
		if in != prevIn {
			changes++
		}
		if lag != prevLag {
			lagMoves++
		}
		prevIn, prevLag = in, lag
	}
	if changes > 11 || lagMoves < 59 {
		t.Errorf("freezing 50 min of the hour: the counter changed %d times in 60 min, the lag %d times", changes, lagMoves)
	}

	cfg = quiet()
	cfg.Metrics.Gaps = 1
	s = newSim(t, cfg, chain(4, 10000, 1000), sim.Steady{Rate: 100})
	lost := 0
	for range 20 {
		s.Advance(10 * time.Second)
		for _, v := range s.Observe().Vertices {
			n := 0
			for _, x := range []autoscale.Value{v.Busy, v.Backpressured, v.RecordsIn} {
				if !x.Valid() && strings.Contains(x.Reason(), "not reported") {
					n++
				}
			}
			if v.Source != nil && !v.Source.Backlog.Valid() {
				n++
			}
			if n != 1 {
				t.Fatalf("vertex %s lost %d metrics; want 1 at each refresh", v.ID, n)
			}
			lost++
		}
	}
	if lost != 40 {
		t.Errorf("%d losses", lost)
	}
}

// Kafka's lag through committed offsets runs up to a checkpoint interval
// behind the source's position; failed checkpoints make a restart replay
// more.
func TestCommittedLagAndCheckpointFailures(t *testing.T) {
	cfg := quiet()
	cfg.Metrics.CommittedLag = true
	s := newSim(t, cfg, chain(4, 10000, 10000), sim.Steady{Rate: 100})
	s.Advance(90 * time.Second) // 30 s after the checkpoint at 60 s
	obs := s.Observe()
	lag, _ := s.Lag("source")
	if got := value(t, "lag", vertex(t, obs, "source").Source.TimeLag); !near(got, 30, 1.5) || lag > 2*time.Second {
		t.Errorf("committed lag %v s, the source's own %v; want about 30 s and 0", got, lag)
	}

	cfg = quiet()
	cfg.CheckpointFailure = 1
	m := rescaleAt(t, cfg, chain(4, 10000, 10000, 10000), map[string]int{"v1": 2})
	if m.Checkpoints != 0 || m.CheckpointsFailed == 0 || m.RecordsReplayed != 400*90 || m.RecordsLost != 0 {
		t.Errorf("every checkpoint failing: %d done, %d failed, %d replayed (want all 90 s: %d), %d lost",
			m.Checkpoints, m.CheckpointsFailed, m.RecordsReplayed, 400*90, m.RecordsLost)
	}
}

// A scale-up that needs slots the job does not hold waits for them with
// the job running as it was, and pays for them from the request.
func TestSlotArrival(t *testing.T) {
	cfg := quiet()
	cfg.Restarts.SlotArrival = 2 * time.Minute
	s := newSim(t, cfg, chain(4, 10000, 10000), sim.Steady{Rate: 100})
	s.Advance(time.Minute)
	if err := s.Apply(autoscale.Decision{Targets: map[string]int{"v1": 3}}); err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Minute)
	if !s.Running() || s.Parallelism()["v1"] != 1 || s.Summary().Rescales != 0 {
		t.Errorf("a minute into the wait: running %v at %d, %d rescales; want running at 1", s.Running(), s.Parallelism()["v1"], s.Summary().Rescales)
	}
	s.Advance(time.Minute + time.Second)
	if s.Running() || s.Parallelism()["v1"] != 3 || s.Summary().Rescales != 1 {
		t.Errorf("the slots arrived: running %v at %d, %d rescales; want restarting at 3", s.Running(), s.Parallelism()["v1"], s.Summary().Rescales)
	}
	// 1 slot for a minute, then 3 from the request.
	s.Advance(2*time.Hour - s.Elapsed())
	if m := s.Summary(); !near(m.SlotHours, 1.0/60+3*(2-1.0/60), 1e-6) {
		t.Errorf("slot-hours %v", m.SlotHours)
	}
}

// A deploy restarts the job from a savepoint with new per-record costs,
// and may give it a new ID; Oracle sizes for the new costs.
func TestDeploy(t *testing.T) {
	cfg := quiet()
	cfg.Duration = time.Hour
	cfg.Deploys = []sim.Deploy{{At: 30 * time.Minute, Cost: map[string]float64{"v1": 2}, NewJobID: true}}
	job := chain(4, 10000, 1000).WithParallelism(map[string]int{"v1": 1})
	s := newSim(t, cfg, job, sim.Steady{Rate: 150}) // 600 records/s: v1 keeps up until it halves
	s.Advance(29 * time.Minute)
	if obs := s.Observe(); obs.Job != "chain" {
		t.Errorf("job %q before the deploy", obs.Job)
	}
	s.Advance(10 * time.Minute)
	obs := s.Observe()
	if obs.Job != "chain#1" || s.Summary().Deploys != 1 || s.Summary().Rescales != 0 {
		t.Errorf("after the deploy: job %q, %+v", obs.Job, s.Summary())
	}
	if lag, _ := s.Lag("source"); lag < 3*time.Minute {
		t.Errorf("v1 at half its capacity: lag %v", lag)
	}
	o, err := sim.Oracle(cfg, job, sim.Steady{Rate: 150})
	if err != nil || o.Rescales != 1 || o.Deploys != 1 {
		t.Errorf("oracle %+v, %v; want one change (v1 1 -> 2) at the deploy", o, err)
	}
}

// Wander keeps the mean rate, swings it from minute to minute, and Oracle
// sizes for the same draws as the simulation.
func TestWander(t *testing.T) {
	cfg := sim.Config{Noise: -1, Seed: 4, Duration: 6 * time.Hour, Wander: sim.Wander{Std: 0.2, Correlation: 2 * time.Minute}}.Idealized()
	cfg.Wander = sim.Wander{Std: 0.2, Correlation: 2 * time.Minute}
	job := chain(4, 10000, 100000)
	s := newSim(t, cfg, job, sim.Steady{Rate: 100})
	var perMinute []float64
	last := int64(0)
	for range 360 {
		s.Advance(time.Minute)
		a := s.Summary().RecordsArrived
		perMinute = append(perMinute, float64(a-last)/60)
		last = a
	}
	mean, _, _ := meanStd(perMinute)
	var swing float64
	for i := 1; i < len(perMinute); i++ {
		swing += math.Abs(perMinute[i]/perMinute[i-1] - 1)
	}
	swing /= float64(len(perMinute) - 1)
	if !near(mean, 400, 40) || swing < 0.08 || swing > 0.3 {
		t.Errorf("wander: mean %.0f records/s (want 400), mean minute-to-minute swing %.2f (want 0.08-0.3)", mean, swing)
	}
	o, err := sim.Oracle(cfg, job, sim.Steady{Rate: 100})
	if err != nil || !near(float64(o.RecordsArrived), float64(s.Summary().RecordsArrived), 0.001*float64(o.RecordsArrived)) {
		t.Errorf("oracle arrivals %d, simulated %d, %v", o.RecordsArrived, s.Summary().RecordsArrived, err)
	}
}

// Skewed keeps the total and puts the hot partition's share where asked.
func TestSkewed(t *testing.T) {
	rates := make([]float64, 4)
	sim.Skewed{Trace: sim.Steady{Rate: 100}, HotFactor: 5}.Rates(sim.TraceSource{Partitions: 4}, 0, rates)
	if !near(rates[0], 250, 1e-9) || !near(rates[1], 50, 1e-9) || !near(sum(rates), 400, 1e-9) {
		t.Errorf("hot partition rates %v", rates)
	}
	sim.Skewed{Trace: sim.Steady{Rate: 100}, Zipf: 1}.Rates(sim.TraceSource{Partitions: 4}, 0, rates)
	if !near(rates[0]/rates[3], 4, 1e-9) || !near(sum(rates), 400, 1e-9) {
		t.Errorf("zipf rates %v", rates)
	}
	// A hot partition beyond one subtask: Oracle cannot keep up.
	o, err := sim.Oracle(sim.Config{Duration: time.Minute}, chain(4, 1000, 10000), sim.Skewed{Trace: sim.Steady{Rate: 500}, HotFactor: 10})
	if err != nil || o.Unmet != time.Minute {
		t.Errorf("oracle on a hot partition: %+v, %v", o, err)
	}
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// Flaps count rescales that reverse a vertex's move within 15 minutes;
// MaxRescales3h the busiest 3 hours.
func TestFlapsAndRescalesPer3h(t *testing.T) {
	s := newSim(t, quiet(), chain(4, 10000, 10000), sim.Steady{Rate: 100})
	apply := func(after time.Duration, p int) {
		s.Advance(after)
		if err := s.Apply(autoscale.Decision{Targets: map[string]int{"v1": p}}); err != nil {
			t.Fatal(err)
		}
	}
	apply(time.Minute, 2)    // up
	apply(10*time.Minute, 1) // down 10 min later: a flap
	apply(20*time.Minute, 2) // up 20 min later: not one
	apply(4*time.Hour, 3)    // up
	apply(5*time.Minute, 4)  // up again: not one
	apply(5*time.Minute, 1)  // down 5 min later: a flap
	m := s.Summary()
	if m.Rescales != 6 || m.Flaps != 2 || m.MaxRescales3h != 3 {
		t.Errorf("rescales %d, flaps %d, max in 3 h %d; want 6, 2, 3", m.Rescales, m.Flaps, m.MaxRescales3h)
	}
}

// The oracle's schedule run through the simulator keeps up on the steady
// trace and shows what the computed bound leaves out on the spike (the
// arrival noise and buffers, not restarts: its rescales are free).
func TestSimulatedOracle(t *testing.T) {
	for _, sc := range sim.Scenarios()[:3] {
		cfg := sc.Config(sim.Config{Seed: 1})
		o, err := sim.Oracle(cfg, sc.Job, sc.Trace)
		if err != nil {
			t.Fatal(err)
		}
		so, err := sim.SimulatedOracle(cfg, sc.Job, sc.Trace)
		if err != nil {
			t.Fatal(err)
		}
		if !near(so.SlotHours, o.SlotHours, 1e-6) || so.Rescales != o.Rescales || so.SLOViolation > 0 || so.RecordsLost != 0 {
			t.Errorf("%s: simulated oracle %v; computed %v", sc.Name, so, o)
		}
	}
}

// An aligned checkpoint completes once its barrier has passed the records
// buffered ahead of it (measured on Flink 1.20.5 under backpressure: 5-7 s
// after the trigger at a 2 s interval, docs/rescale-cost.md), and the next
// is triggered no earlier than that. A job keeping up completes one every
// interval; a backpressured one, whose buffers hold 30 s of its
// bottleneck's work, about every 31 s; and a restart goes back to the last
// completed one, so it replays what the source read since that one's
// trigger, more than an interval's reads.
func TestCheckpointWaitsForItsBarrier(t *testing.T) {
	for _, c := range []struct {
		name             string
		rate             float64
		minCkpt, maxCkpt int
		minReplay        int64
	}{
		{"keeping up", 200, 29, 30, 0},        // per partition: 800/s of the sink's 1,000
		{"backpressured", 1000, 8, 10, 11000}, // 4,000/s: the source reads at the sink's 1,000/s
	} {
		cfg := quiet()
		cfg.CheckpointInterval, cfg.BufferTime = 10*time.Second, 30*time.Second
		s := newSim(t, cfg, chain(4, 100000, 1000), sim.Steady{Rate: c.rate})
		s.Advance(5 * time.Minute)
		n := s.Summary().Checkpoints
		s.Failover()
		replay := s.Summary().RecordsReplayed
		t.Logf("%s: %d checkpoints in 5 min, %d records replayed after a failover", c.name, n, replay)
		if n < c.minCkpt || n > c.maxCkpt || replay < c.minReplay {
			t.Errorf("%s: %d checkpoints in 5 min (want %d-%d), %d replayed (want at least %d)", c.name, n, c.minCkpt, c.maxCkpt, replay, c.minReplay)
		}
	}
}

// Records read but not processed count as lag: a fast source ahead of a
// vertex taking in 240 rec/s under 400 arriving, with buffers of a minute
// of that vertex's input (the real stack's tiny records), leaves nothing
// in Kafka for that minute, yet the records wait in the buffer, up to the
// minute the buffer holds; the run's lag and SLO figures show it.
func TestRecordsInFlightCountAsLag(t *testing.T) {
	job := sim.Job{Vertices: []sim.Vertex{
		{ID: "src", Capacity: 100000, MaxParallelism: 8, Source: &sim.Source{Partitions: 8}},
		{ID: "cost", Capacity: 240, MaxParallelism: 8},
	}, Edges: []sim.Edge{{From: "src", To: "cost", Keyed: true}}}
	cfg := sim.Config{Duration: 50 * time.Second, SLO: 10 * time.Second, BufferTime: time.Minute, Noise: -1}
	sum, err := sim.Run(cfg, job, sim.Steady{Rate: 50}, autoscale.Static{})
	if err != nil {
		t.Fatal(err)
	}
	// After 50 s: 160 rec/s more arrived than taken in, 8,000 records
	// buffered, 33 s of the vertex's input; nothing waits in Kafka.
	if sum.Backlog != 0 {
		t.Fatalf("backlog %d: the source should have read everything into the buffer", sum.Backlog)
	}
	if sum.MaxLag < 25*time.Second || sum.MaxLag > 40*time.Second || sum.SLOViolation < 20*time.Second {
		t.Errorf("max lag %v, over the SLO %v: want about 33 s and most of the run, the buffered records' wait", sum.MaxLag, sum.SLOViolation)
	}
}
