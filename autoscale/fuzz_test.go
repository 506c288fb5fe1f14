package autoscale_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

// The fuzz targets drive a policy through a sequence of observations of a
// job (read from the fuzzer's bytes: the job's shape, a plausible closed
// loop of arrivals and capacities, restarts, and figures corrupted to NaN,
// ±Inf, negative, huge, zero or missing) and check, at every step:
//
//  1. Decide neither panics nor fails on a well-formed observation, and
//     its decision is well-formed: a target in [1, MaxParallelism] and a
//     reason for every vertex, no source raised above its partitions, a
//     summary, and the Slots and TaskManagers Decision.Size computes.
//  2. A negative figure counts as missing: a second policy fed the same
//     observations with every negative figure made missing decides exactly
//     the same, every step (NaN and ±Inf are missing by construction:
//     autoscale.Of). This reduces every bad figure to a missing one.
//  3. A missing figure causes no change where the policy documents that
//     it keeps (keeps, per policy): at least the vertex whose own figure is
//     missing, and what depends on it.
//  4. Nothing changes while the job is not running, on a stale
//     observation (older than one already decided: a copy of the latest one
//     a second earlier, and the one before), nor on an observation whose
//     every figure is missing.
//
// What is not checked, on purpose: that a corrupted observation never
// scales where the clean one would not. That property is unsound: taking
// one figure away may rightly change what a policy knows. Without a
// source's time lag, Default measures the arrival rate from counters
// alone, which may size the job smaller and scale down on known figures;
// without a backpressure figure, the operator's observed processing rate
// falls back to its earlier samples' mean, as the operator does. Each of
// those decisions rests on known, finite, non-negative figures, which is
// the rule; property 2 makes every bad figure a missing one, property 3
// pins down what a missing figure must stop, and property 4 the cases
// where nothing at all may change.

// FuzzDefaultDecide checks Default's Decide (see above).
func FuzzDefaultDecide(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{b: data}
		cfg := pick(in, autoscale.DefaultConfig{}, autoscale.DefaultConfig{ // a compressed time scale
			LagSLO: 20 * time.Second, CatchUpTime: time.Minute, RestartCost: time.Minute, RestartDowntime: 3 * time.Second,
			CheckpointInterval: 10 * time.Second, MetricRefresh: time.Second, DecisionInterval: 10 * time.Second,
			TrendWindow: 10 * time.Minute, MaxHorizon: 10 * time.Minute, MaxParallelism: 6,
		})
		fuzzDecide(t, in, func() autoscale.Policy {
			p, err := autoscale.NewDefault(cfg)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, defaultKeeps)
	})
}

// FuzzOperatorDecide checks OperatorCompatible's Decide (see above).
func FuzzOperatorDecide(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{b: data}
		cfg := pick(in, autoscale.OperatorCompatibleConfig{},
			autoscale.OperatorCompatibleConfig{MetricsWindow: 3 * time.Minute, Stabilization: -1, ScaleDownInterval: -1, CatchUpDuration: -1},
			autoscale.OperatorCompatibleConfig{MetricsWindow: 3 * time.Minute, Stabilization: time.Minute, ScaleDownInterval: 5 * time.Minute,
				CatchUpDuration: 5 * time.Minute, RestartTime: time.Minute, VertexMaxParallelism: 6})
		fuzzDecide(t, in, func() autoscale.Policy {
			p, err := autoscale.NewOperatorCompatible(cfg)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, operatorKeeps)
	})
}

// addSeeds adds inputs that reach decisions, in the order fuzzDecide
// reads them: the policy's configuration, the job, then steps (an
// operation byte: bit 2 new arrivals and capacities follow, bit 3
// corruptions follow, bit 4 not running, bit 5 closed loop, bit 6 stale
// observations, bit 7 a failover; then the step's length).
func addSeeds(f *testing.F) {
	f.Add([]byte{})
	const loop, load, bad, stopped, stale = 32, 4, 8, 16, 64
	steps := func(n int, op byte, extra ...byte) []byte {
		var b []byte
		for range n {
			b = append(b, op)
			b = append(b, extra...)
		}
		return b
	}
	jobs := []struct {
		bytes    []byte
		vertices int
	}{
		{[]byte{2, 0, 0, 1, 1, 1, 3, 1, 0}, 2},             // 4 slots per TM, Kafka (8 partitions) at 2 -> 2 keyed
		{[]byte{0, 1, 1, 3, 1, 2, 1, 0, 1, 0, 0, 1, 0}, 4}, // a (Kafka, 4 partitions) at 4 and b at 2 -> join at 2 -> sink at 1
		{[]byte{1, 0, 2, 2, 1, 2, 1, 2, 1, 1, 2}, 3},       // two pipelines in their own groups
	}
	for cfg := range byte(3) {
		for _, job := range jobs {
			capacities := steps(job.vertices, 24) // 1,010 rec/s per subtask
			seed := append([]byte{cfg}, job.bytes...)
			seed = append(append(append(seed, load|loop, 60, 60), capacities...), 0) // 3,600 rec/s: scale up
			seed = append(seed, steps(25, loop, 0)...)
			seed = append(seed, bad|loop, 0, 1, 0, 2, 0, 4, 1, 0)
			seed = append(seed, stale|loop, 0, stopped, 0)
			seed = append(append(append(seed, load|loop, 10, 10), capacities...), 0) // 100 rec/s: scale down
			seed = append(seed, steps(30, loop, 0)...)
			seed = append(seed, bad, 0, 2, 1, 3, 5, 0, 0, 2, 0, 0)
			f.Add(seed)
		}
	}
}

// fuzzDecide runs the steps in reads and checks the properties above.
func fuzzDecide(t *testing.T, in *input, newPolicy func() autoscale.Policy, keeps func(autoscale.Observation) []string) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	job := fuzzJob(in, start)
	w := newWorld(job)
	p, q := newPolicy(), newPolicy() // q sees every negative figure as missing
	last := job
	for step := 0; step < 64 && !in.done(); step++ {
		op := in.byte()
		if op&4 != 0 {
			w.arrival = float64(in.byte() * in.byte())
			for _, v := range job.Vertices {
				w.capacity[v.ID] = float64(50 + 40*in.byte())
			}
		}
		obs := w.tr.Step(pick(in, time.Minute, 10*time.Second, 5*time.Minute, 2*time.Minute), w.rates(job))
		if op&8 != 0 {
			for range 1 + in.byte()%3 {
				corrupt(in, &obs)
			}
		}
		obs.Running = op&16 == 0
		d := decideBoth(t, p, q, obs.Time, obs)
		checkKeeps(t, obs, d, "", keeps(obs)...)
		if !obs.Running {
			checkKeeps(t, obs, d, "the job is not running")
		}
		if op&64 != 0 {
			stale := autoscaletest.Clone(obs)
			stale.Time = obs.Time.Add(-time.Second)
			checkKeeps(t, stale, decideBoth(t, p, q, obs.Time, stale), "a stale observation")
			checkKeeps(t, last, decideBoth(t, p, q, obs.Time, last), "the observation before, again")
		}
		switch {
		case op&32 != 0 && d.Scales(obs):
			w.restart(d.Targets)
		case op&128 != 0:
			w.restart(nil)
		}
		last = obs
	}
	b := blank(last)
	b.Time, b.Running = last.Time.Add(time.Minute), true
	checkKeeps(t, b, decideBoth(t, p, q, b.Time, b), "every figure missing")
}

// decideBoth asks p about obs and q about obs with its negative figures
// made missing: the decisions must be the same, and well-formed.
func decideBoth(t *testing.T, p, q autoscale.Policy, now time.Time, obs autoscale.Observation) autoscale.Decision {
	t.Helper()
	d, err := p.Decide(now, autoscaletest.Clone(obs))
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	e, err := q.Decide(now, positivesOnly(obs))
	if err != nil {
		t.Fatalf("Decide without the negative figures: %v", err)
	}
	if !reflect.DeepEqual(d, e) {
		t.Fatalf("%s: a negative figure must count as missing, but the decision\n%v\ndiffers from the one with it missing\n%v\nobservation %+v",
			obs.Time.Format(time.TimeOnly), d, e, obs)
	}
	checkShape(t, obs, d)
	return d
}

// checkShape checks that d is well-formed for obs.
func checkShape(t *testing.T, obs autoscale.Observation, d autoscale.Decision) {
	t.Helper()
	if d.Summary == "" || len(d.Targets) != len(obs.Vertices) || len(d.Reasons) != len(obs.Vertices) {
		t.Fatalf("decision %v: want a summary, and a target and a reason for each of %d vertices", d, len(obs.Vertices))
	}
	for _, v := range obs.Vertices {
		target, ok := d.Targets[v.ID]
		switch {
		case !ok || d.Reasons[v.ID] == "":
			t.Fatalf("no target or reason for %s in %v", v.ID, d)
		case target < 1 || (v.MaxParallelism > 0 && target > v.MaxParallelism):
			t.Fatalf("%s: target %d outside [1, %d]: %v", v.ID, target, v.MaxParallelism, d)
		case v.Source != nil && v.Source.Partitions > 0 && target > max(v.Parallelism, v.Source.Partitions):
			t.Fatalf("source %s raised from %d to %d, above its %d partitions", v.ID, v.Parallelism, target, v.Source.Partitions)
		}
	}
	sized := d
	sized.Size(obs)
	if sized.Slots != d.Slots || sized.TaskManagers != d.TaskManagers {
		t.Fatalf("%d slots on %d TaskManagers, want %d on %d", d.Slots, d.TaskManagers, sized.Slots, sized.TaskManagers)
	}
}

// checkKeeps checks that d keeps the vertices ids (every vertex when why
// is set).
func checkKeeps(t *testing.T, obs autoscale.Observation, d autoscale.Decision, why string, ids ...string) {
	t.Helper()
	for _, v := range obs.Vertices {
		if why == "" && !slices.Contains(ids, v.ID) {
			continue
		}
		if d.Targets[v.ID] != v.Parallelism {
			if why == "" {
				why = "a figure it needs is missing or negative"
			}
			t.Fatalf("%s: %s changes %d -> %d although %s: %s\nobservation %+v",
				obs.Time.Format(time.TimeOnly), v.ID, v.Parallelism, d.Targets[v.ID], why, d.Reasons[v.ID], obs)
		}
	}
}

// defaultKeeps names the vertices Default documents to keep: a vertex
// whose records in, busy time (for a source: unless its backpressured time
// is known, as Default then measures it by what it reads) or (for a
// source) backlog is missing, and
// everything whose demand depends on a source whose arrival rate is then
// unknown (a Kafka source without its backlog, a source without Kafka
// without its records in).
func defaultKeeps(obs autoscale.Observation) []string {
	var ids []string
	unknown := map[string]bool{}
	for _, v := range obs.Vertices {
		ins := obs.Inputs(v.ID)
		if len(ins) == 0 {
			unknown[v.ID] = (v.Source != nil && bad(v.Source.Backlog)) || (v.Source == nil && bad(v.RecordsIn))
		}
		for _, e := range ins {
			unknown[v.ID] = unknown[v.ID] || unknown[e.From]
		}
		busyMissing := bad(v.Busy) && (v.Source == nil || bad(v.Backpressured))
		if unknown[v.ID] || bad(v.RecordsIn) || busyMissing || (v.Source != nil && bad(v.Source.Backlog)) {
			ids = append(ids, v.ID)
		}
	}
	return ids
}

// operatorKeeps names the vertices OperatorCompatible documents to keep:
// every vertex when a source's records in are missing (the operator
// evaluates nothing then); else a vertex whose records in are missing, and
// a Kafka source whose backlog is missing with everything it feeds.
func operatorKeeps(obs autoscale.Observation) []string {
	var ids []string
	unknown := map[string]bool{}
	for _, v := range obs.Vertices {
		ins := obs.Inputs(v.ID)
		if len(ins) == 0 && bad(v.RecordsIn) {
			ids = nil
			for _, v := range obs.Vertices {
				ids = append(ids, v.ID)
			}
			return ids
		}
		unknown[v.ID] = len(ins) == 0 && v.Source != nil && bad(v.Source.Backlog)
		for _, e := range ins {
			unknown[v.ID] = unknown[v.ID] || unknown[e.From]
		}
		if unknown[v.ID] || bad(v.RecordsIn) {
			ids = append(ids, v.ID)
		}
	}
	return ids
}
