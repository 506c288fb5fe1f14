// Package autoscaletest is a conformance suite for autoscale.Policy
// implementations, in the manner of testing/slogtest, and builders of
// observations for tests of your own: Chain for a job's graph, Trace for
// its figures over virtual time.
//
//	func TestConformance(t *testing.T) {
//		autoscaletest.Run(t, func() autoscale.Policy { return myPolicy() })
//	}
package autoscaletest

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
)

// Run checks that the policies newPolicy builds keep the Policy contract:
//   - a malformed observation gets an error wrapping
//     autoscale.ErrInvalidObservation;
//   - every decision has, for every vertex and no other, a target and a
//     reason, plus a summary, the time it was asked at, and the Slots and
//     TaskManagers that Decision.Size computes;
//   - every target is at least 1 and at most the vertex's MaxParallelism,
//     and no source is raised above its partition count;
//   - nothing changes while the job is not running;
//   - nothing changes when every figure is missing or not finite, and a
//     vertex whose own figures are all missing in the latest observation
//     keeps its parallelism;
//   - a negative figure counts as missing: the decisions are the same as
//     with that figure missing for the reason autoscale.Value.NonNegative
//     gives it (a policy that explains a missing figure by its Value's
//     reason explains a negative one the same way);
//   - a fresh policy given the same observations makes the same decisions;
//   - Decide does not modify the observation.
//
// The observations come from closed loops (the job restarts with the
// policy's targets) under steady, surging, idle and falling loads, and from
// random ones. newPolicy is called for every run, so a stateful policy
// starts fresh each time. Run runs subtests and is safe to call from
// parallel tests.
func Run(t *testing.T, newPolicy func() autoscale.Policy) {
	t.Helper()
	t.Run("invalid observations", func(t *testing.T) { checkInvalid(t, newPolicy()) })
	t.Run("not running", func(t *testing.T) { checkNotRunning(t, newPolicy) })
	t.Run("all figures missing", func(t *testing.T) { checkAllMissing(t, newPolicy) })
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			steps := drive(newPolicy(), sc.job, sc.load, sc.total, sc.period, nil)
			checkSteps(t, steps)
			checkDeterministic(t, newPolicy, steps)
		})
		t.Run(sc.name+"/vertex figures missing", func(t *testing.T) { checkVertexMissing(t, newPolicy, sc) })
	}
	t.Run("negative figures", func(t *testing.T) { checkNegative(t, newPolicy) })
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(8, 8))
		for i := range 20 {
			sc := randomScenario(rng, i)
			steps := drive(newPolicy(), sc.job, sc.load, sc.total, sc.period, nil)
			checkSteps(t, steps)
			checkDeterministic(t, newPolicy, steps)
		}
	})
}

// checkSteps checks every decision of a drive.
func checkSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		if s.err != nil {
			t.Fatalf("%s: Decide: %v", s.obs.Time.Format(time.TimeOnly), s.err)
		}
		checkDecision(t, s.obs, s.decision)
	}
}

// checkDecision checks the shape and limits of one decision.
func checkDecision(t *testing.T, obs autoscale.Observation, d autoscale.Decision) {
	t.Helper()
	at := obs.Time.Format(time.TimeOnly)
	if !d.Time.Equal(obs.Time) {
		t.Fatalf("%s: decision time %v, want the time Decide was called", at, d.Time)
	}
	if d.Summary == "" {
		t.Fatalf("%s: empty summary", at)
	}
	if len(d.Targets) != len(obs.Vertices) || len(d.Reasons) != len(obs.Vertices) {
		t.Fatalf("%s: %d targets and %d reasons for %d vertices", at, len(d.Targets), len(d.Reasons), len(obs.Vertices))
	}
	for _, v := range obs.Vertices {
		target, ok := d.Targets[v.ID]
		switch {
		case !ok:
			t.Fatalf("%s: no target for %s", at, v.ID)
		case d.Reasons[v.ID] == "":
			t.Fatalf("%s: no reason for %s", at, v.ID)
		case target < 1:
			t.Fatalf("%s: %s target %d below 1", at, v.ID, target)
		case v.MaxParallelism > 0 && target > v.MaxParallelism:
			t.Fatalf("%s: %s target %d above its max parallelism %d", at, v.ID, target, v.MaxParallelism)
		case v.Source != nil && v.Source.Partitions > 0 && target > v.Parallelism && target > v.Source.Partitions:
			t.Fatalf("%s: source %s raised from %d to %d, above its %d partitions", at, v.ID, v.Parallelism, target, v.Source.Partitions)
		}
	}
	if d.Capacity != nil {
		for _, v := range obs.Vertices {
			c, ok := d.Capacity[v.ID]
			x, known := c.Get()
			switch {
			case !ok:
				t.Fatalf("%s: Capacity set but has no entry for %s", at, v.ID)
			case !known && c.Reason() == "":
				t.Fatalf("%s: %s's capacity is missing without a reason", at, v.ID)
			case known && !(x > 0):
				t.Fatalf("%s: %s's capacity is %v rec/s", at, v.ID, x)
			}
		}
	}
	sized := d
	sized.Size(obs)
	if sized.Slots != d.Slots || sized.TaskManagers != d.TaskManagers {
		t.Fatalf("%s: %d slots on %d TaskManagers, want %d on %d (Decision.Size)", at, d.Slots, d.TaskManagers, sized.Slots, sized.TaskManagers)
	}
}

// checkKeeps checks that a decision keeps the named vertices (all when
// none are named).
func checkKeeps(t *testing.T, obs autoscale.Observation, d autoscale.Decision, why string, ids ...string) {
	t.Helper()
	checkDecision(t, obs, d)
	for _, v := range obs.Vertices {
		if len(ids) > 0 && !slices.Contains(ids, v.ID) {
			continue
		}
		if d.Targets[v.ID] != v.Parallelism {
			t.Fatalf("%s: %s: %s changed from %d to %d (%s)", obs.Time.Format(time.TimeOnly), why, v.ID, v.Parallelism, d.Targets[v.ID], d.Reasons[v.ID])
		}
	}
}

// checkInvalid feeds malformed observations.
func checkInvalid(t *testing.T, p autoscale.Policy) {
	good := Chain(epoch(), 4, false, 2, 2)
	cases := map[string]func(*autoscale.Observation){
		"duplicate vertex":   func(o *autoscale.Observation) { o.Vertices[1].ID = "v0" },
		"zero parallelism":   func(o *autoscale.Observation) { o.Vertices[0].Parallelism = 0 },
		"above max":          func(o *autoscale.Observation) { o.Vertices[1].Parallelism = KeyGroups + 1 },
		"unknown edge end":   func(o *autoscale.Observation) { o.Edges[0].To = "nowhere" },
		"backward edge":      func(o *autoscale.Observation) { o.Edges[0] = autoscale.Edge{From: "v1", To: "v0"} },
		"negative partition": func(o *autoscale.Observation) { o.Vertices[0].Source.Partitions = -1 },
	}
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		obs := Clone(good)
		cases[name](&obs)
		if _, err := p.Decide(obs.Time, obs); !errors.Is(err, autoscale.ErrInvalidObservation) {
			t.Errorf("%s: error %v, want one wrapping ErrInvalidObservation", name, err)
		}
	}
}

// checkNotRunning drives a surge with the job reported as not running.
func checkNotRunning(t *testing.T, newPolicy func() autoscale.Policy) {
	p := newPolicy()
	tr := NewTrace(Chain(epoch(), 8, true, 1, 1))
	l := load{constant(50000), 100}
	for range 120 {
		obs := tr.Step(time.Minute, l.rates(tr.obs, tr.Backlog("v0"), 50000))
		obs.Running = false
		d, err := p.Decide(obs.Time, obs)
		if err != nil {
			t.Fatalf("Decide: %v", err)
		}
		checkKeeps(t, obs, d, "job not running")
	}
}

// checkAllMissing drives a job whose every figure is missing, then not
// finite.
func checkAllMissing(t *testing.T, newPolicy func() autoscale.Policy) {
	for _, r := range []Rates{
		MissingRates(),
		{In: math.Inf(1), Out: math.Inf(-1), Busy: math.NaN(), Backpressured: math.Inf(1), BacklogGrowth: math.NaN()},
	} {
		p := newPolicy()
		tr := NewTrace(Chain(epoch(), 8, true, 3, 5))
		rates := map[string]Rates{"v0": r, "v1": r}
		for range 180 {
			obs := tr.Step(time.Minute, rates)
			d, err := p.Decide(obs.Time, obs)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			checkKeeps(t, obs, d, "every figure missing")
		}
	}
}

// checkVertexMissing drives sc and, from two thirds in, makes each vertex
// in turn lose all its figures: it must keep its parallelism.
func checkVertexMissing(t *testing.T, newPolicy func() autoscale.Policy, sc scenario) {
	from := sc.total * 2 / 3
	for _, v := range sc.job.Vertices {
		edit := func(elapsed time.Duration, rates map[string]Rates) {
			if elapsed >= from {
				rates[v.ID] = Rates{In: math.NaN(), Out: math.Inf(1), Busy: math.NaN(), Backpressured: math.NaN(), BacklogGrowth: math.Inf(-1)}
			}
		}
		steps := drive(newPolicy(), sc.job, sc.load, sc.total, sc.period, edit)
		for _, s := range steps {
			if s.err != nil {
				t.Fatalf("Decide: %v", s.err)
			}
			if s.obs.Time.Sub(epoch()) > from {
				checkKeeps(t, s.obs, s.decision, "figures of "+v.ID+" missing", v.ID)
			}
		}
	}
}

// checkNegative drives a surging job open loop and, from a third in,
// gives one vertex's figures in turn a negative value in one run and
// makes them missing, for the reason Value.NonNegative gives a negative
// figure, in another: the decisions must be the same.
func checkNegative(t *testing.T, newPolicy func() autoscale.Policy) {
	sc := scenarios()[1]
	steps := drive(newPolicy(), sc.job, sc.load, sc.total/2, sc.period, nil)
	set := []func(v *autoscale.Vertex, x autoscale.Value){
		func(v *autoscale.Vertex, x autoscale.Value) { v.RecordsIn = x },
		func(v *autoscale.Vertex, x autoscale.Value) { v.RecordsOut = x },
		func(v *autoscale.Vertex, x autoscale.Value) { v.Busy = x },
		func(v *autoscale.Vertex, x autoscale.Value) { v.Backpressured = x },
		func(v *autoscale.Vertex, x autoscale.Value) { v.Source.Backlog = x },
		func(v *autoscale.Vertex, x autoscale.Value) { v.Source.TimeLag = x },
	}
	for i, v := range sc.job.Vertices {
		for f, edit := range set {
			if v.Source == nil && f >= 4 {
				continue
			}
			neg, miss := newPolicy(), newPolicy()
			for k, s := range steps {
				a, b := Clone(s.obs), Clone(s.obs)
				if k >= len(steps)/3 {
					edit(&a.Vertices[i], autoscale.Of(-1))
					edit(&b.Vertices[i], autoscale.Of(-1).NonNegative())
				}
				da, errA := neg.Decide(a.Time, a)
				db, errB := miss.Decide(b.Time, b)
				if (errA == nil) != (errB == nil) || !reflect.DeepEqual(da, db) {
					t.Fatalf("%s: figure %d of %s negative gives\n%v (err %v)\nwhere missing gives\n%v (err %v)",
						a.Time.Format(time.TimeOnly), f, v.ID, da, errA, db, errB)
				}
			}
		}
	}
}

// checkDeterministic replays a drive's observations to a fresh policy and
// compares the decisions, and checks that Decide left them unmodified.
func checkDeterministic(t *testing.T, newPolicy func() autoscale.Policy, steps []step) {
	t.Helper()
	p := newPolicy()
	for _, s := range steps {
		obs := Clone(s.obs)
		d, err := p.Decide(obs.Time, obs)
		if !reflect.DeepEqual(obs, s.obs) {
			t.Fatalf("%s: Decide modified the observation", obs.Time.Format(time.TimeOnly))
		}
		if (err == nil) != (s.err == nil) || !reflect.DeepEqual(d, s.decision) {
			t.Fatalf("%s: not deterministic: a fresh policy decided\n%v (err %v)\nwhere the first decided\n%v (err %v)",
				obs.Time.Format(time.TimeOnly), d, err, s.decision, s.err)
		}
	}
}

// randomScenario draws a chain of 1 to 4 vertices with random parallelism,
// partitions and keyBy edges under a load that changes every 20 minutes.
func randomScenario(rng *rand.Rand, i int) scenario {
	ps := make([]int, 1+rng.IntN(4))
	for j := range ps {
		ps[j] = 1 + rng.IntN(12)
	}
	partitions := []int{0, 1, 3, 12, 32, 100}[rng.IntN(6)]
	if partitions > 0 {
		ps[0] = min(ps[0], partitions)
	}
	levels := make([]float64, 16)
	for j := range levels {
		levels[j] = float64(rng.IntN(6)) * float64(rng.IntN(5000))
	}
	arrival := func(e time.Duration) float64 { return levels[int(e/(20*time.Minute))%len(levels)] }
	period := []time.Duration{10 * time.Second, time.Minute, 3 * time.Minute}[rng.IntN(3)]
	return scenario{
		name:   fmt.Sprintf("random %d", i),
		job:    Chain(epoch(), partitions, rng.IntN(2) == 0, ps...),
		load:   load{arrival, 200 + float64(rng.IntN(2000))},
		total:  3 * time.Hour,
		period: period,
	}
}
