package autoscale_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
)

// Issue 18's causes, one test each, over virtual time: each failed before
// its fix.

// rescales lists the minutes at which a run rescaled.
func rescales(results map[int]result) []int {
	var out []int
	for minute := 1; minute <= len(results); minute++ {
		if r, ok := results[minute]; ok && r.obs.Running && r.d.Scales(r.obs) {
			out = append(out, minute)
		}
	}
	return out
}

// A source capped by a hot partition (3,000 rec/s whatever its
// parallelism) under 6,000 rec/s: the first scale-up does not raise its
// capacity, so Default stops scaling it, says why (for two trend windows;
// by then its measurements say the same), goes back to where more stopped
// helping, and names it as the bottleneck; it does not keep restarting
// the job.
func TestDefaultStopsIneffectiveScaling(t *testing.T) {
	m := model{perSub: []float64{1000, 2000}, partitions: 16, ceiling: []float64{3000}, arrival: constantRate(6000)}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{4, 4}, 3*time.Hour)
	if got := rescales(results); len(got) > 3 {
		t.Fatalf("rescaled at minutes %v: more than up, and back down to where it stopped helping", got)
	}
	last := results[180]
	if got := last.d.Targets["v0"]; got > 4 {
		t.Errorf("minute 180: source at %d, want no more than 4, where it stopped helping", got)
	}
	wantReason(t, results[60], "v0", "Default no longer scales it above 4", "more subtasks do not help it")
	if s := last.d.Summary; !strings.Contains(s, "cannot keep up, but no size it may take would help") || !strings.Contains(s, "v0 most at") {
		t.Errorf("summary %q does not name v0 as the bottleneck", s)
	}
}

// A source saturated at its largest useful parallelism (one subtask per
// partition) under more than it can read: the vertex after it is sized
// for what the source delivers, not for the arrivals and their drain.
func TestDefaultCapsDemandAtWhatSourcesDeliver(t *testing.T) {
	m := model{perSub: []float64{1000, 500}, partitions: 8, arrival: constantRate(12000)}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{8, 8}, time.Hour)
	for minute, r := range results {
		// 8,000 rec/s delivered need 8,000 / 0.9 = 8,889 rec/s: 20
		// subtasks of 500 at p^0.9 above the 8 measured (the arrivals and
		// their drain would need 30).
		if got := r.d.Targets["v1"]; got > 20 {
			t.Fatalf("minute %d: v1 target %d for the 8,000 rec/s the source can deliver\n%s", minute, got, r.d)
		}
	}
	wantReason(t, results[60], "v1", "Its demand is capped at what v0 can deliver at its size")
}

// Restarts take 4 min, not the configured 30 s: Default measures the
// downtime of its first rescale and prices the next with it (a scale-down
// then waits for the waste to pay for the longer restart).
func TestDefaultMeasuresRestartDowntime(t *testing.T) {
	m := model{perSub: []float64{1000, 1000}, arrival: step(3000, 6000, 10*time.Minute), downtime: 4 * time.Minute}
	m.arrival = func(e time.Duration) float64 {
		if e >= 10*time.Minute && e < 40*time.Minute {
			return 6000
		}
		return 3000
	}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{4, 4}, 3*time.Hour)
	found := false
	for minute := 1; minute <= 180; minute++ {
		r := results[minute]
		if r.obs.Running && r.d.Scales(r.obs) && strings.Contains(r.d.Summary, "a restart costs") {
			// 15 min + 10 x (4 min - 30 s) = 50 min of the job's slots.
			if !strings.Contains(r.d.Summary, "a restart costs (50m0s of") {
				t.Errorf("minute %d: %s; want the restart priced at 50 min", minute, r.d.Summary)
			}
			found = true
			break
		}
	}
	if !found {
		t.Fatal("no scale-down after the surge")
	}
}

// A legacy source reports no busy time (NaN) while its backlog grows:
// Default measures it from what it reads with a backlog, over the time it
// is not backpressured, and scales it up.
func TestDefaultMeasuresASourceWithoutBusyTime(t *testing.T) {
	m := model{perSub: []float64{1000, 4000}, partitions: 16, arrival: constantRate(6000),
		edit: func(_ int, obs *autoscale.Observation) { obs.Vertices[0].Busy = autoscale.Of(math.NaN()) }}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{4, 4}, 10*time.Minute)
	got := rescales(results)
	if len(got) == 0 {
		t.Fatal("the source never scaled up")
	}
	r := results[got[0]]
	if r.d.Targets["v0"] <= 4 {
		t.Errorf("minute %d: source target %d, want more than 4", got[0], r.d.Targets["v0"])
	}
	wantReason(t, r, "v0", "its busy time (not finite (NaN)) is missing, so only what it reads with a backlog")
}

// The JobManager's metric cache freezes for 40 min (counters still, busy
// time as it was) while Kafka's lag stays fresh: Default takes the samples
// as stale, keeps the job's size, and says why; it does not read zero
// demand and shrink the job.
func TestDefaultTreatsStaleSamplesAsMissing(t *testing.T) {
	var frozen autoscale.Observation
	m := model{perSub: []float64{1000, 1000}, arrival: constantRate(3500)}
	m.edit = func(minute int, obs *autoscale.Observation) {
		switch {
		case minute == 10:
			frozen = *obs
			frozen.Vertices = append([]autoscale.Vertex(nil), obs.Vertices...)
		case minute > 10 && minute <= 50:
			lag := obs.Vertices[0].Source.TimeLag
			obs.Vertices = append([]autoscale.Vertex(nil), frozen.Vertices...)
			src := *obs.Vertices[0].Source
			src.TimeLag = lag
			obs.Vertices[0].Source = &src
		}
	}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{4, 4}, 60*time.Minute)
	if got := rescales(results); len(got) > 0 {
		t.Fatalf("rescaled at minutes %v on a frozen cache\n%s", got, results[got[0]].d)
	}
	wantReason(t, results[30], "v1", "stale: its records-in counter has not moved since 09:10:00 while it reports being busy")
}

// Demand swinging by 35% every few minutes around 4,000 rec/s on a
// job that takes 4,800: once it has seen a few swings (the first crest,
// with no history, may look like a step), the backlog absorbs them, and
// Default neither scales up at a crest nor down in a trough: at most two
// rescales in 3 h, none within 30 min of another.
func TestDefaultDoesNotChaseNoise(t *testing.T) {
	swing := func(e time.Duration) float64 {
		return 4000 * (1 + 0.35*math.Sin(2*math.Pi*e.Minutes()/5))
	}
	m := model{perSub: []float64{1200, 1200}, arrival: swing}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{4, 4}, 3*time.Hour)
	got := rescales(results)
	for i := 1; i < len(got); i++ {
		if got[i]-got[i-1] < 30 {
			t.Fatalf("rescaled at minutes %v: %d and %d are less than 30 min apart\n%s", got, got[i-1], got[i], results[got[i]].d)
		}
	}
	if len(got) > 2 {
		t.Fatalf("rescaled at minutes %v", got)
	}
}

// A deploy doubles the second vertex's per-record cost under the same job
// ID (a restart Default did not cause): the capacity measured before is
// dropped at the first measurement that disagrees, and Default scales up
// for the new cost at once.
func TestDefaultForgetsCapacityOnACostShift(t *testing.T) {
	perSub := []float64{10000, 1000}
	m := model{perSub: perSub, arrival: constantRate(3000)}
	m.edit = func(minute int, obs *autoscale.Observation) {
		if minute >= 31 {
			obs.LastRestart = time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC) // the deploy
		}
	}
	// The model's rates read perSub at each step: the cost doubles at the
	// deploy.
	arrival := m.arrival
	m.arrival = func(e time.Duration) float64 {
		if e >= 30*time.Minute {
			perSub[1] = 500
		}
		return arrival(e)
	}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{4, 4}, 36*time.Minute)
	for minute := 31; minute <= 32; minute++ { // the second after the deploy (the first measures nothing)
		r := results[minute]
		if r.d.Targets["v1"] > 4 {
			if r.d.Targets["v1"] < 7 {
				t.Errorf("minute %d: v1 to %d, want at least 7 for 3,000 rec/s at 500 a subtask", minute, r.d.Targets["v1"])
			}
			wantReason(t, r, "v1", "its per-record cost changed")
			return
		}
	}
	t.Fatalf("v1 did not scale up at the first measurement after the cost doubled\n%s", results[32].d)
}

// A job twice its size, whose second vertex's busy time goes missing every
// third minute: a missing figure pauses the count of slots wasted instead
// of restarting it, so the scale-down comes (at minute 20: 15 minutes
// counted, the missing ones left out).
func TestDefaultPausesWasteOnMissingFigures(t *testing.T) {
	m := model{perSub: []float64{1000, 1000}, arrival: constantRate(3000),
		edit: func(minute int, obs *autoscale.Observation) {
			if minute%3 == 0 {
				obs.Vertices[1].Busy = autoscale.MissingBecause("metric not reported")
			}
		}}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{8, 8}, 40*time.Minute)
	got := rescales(results)
	if len(got) == 0 || results[got[0]].d.Targets["v0"] != 4 {
		t.Fatalf("rescales at %v; want a scale-down to 4 within 40 min", got)
	}
	wantReason(t, results[9], "v0", "the count of slot-h wasted", "is paused", "(v1: its busy time (metric not reported) is missing)")
}

// Flink's busy time is the average of its last 5 s, read from the
// JobManager's metric cache, while the rate is over the window between two
// observations: when the load steps, the busy time still says the old
// load's for a while. Seen on the real stack (examples/autopilot's real
// tier: a rate dropping by a third at the end of a trace, with the busy
// time still the old one's, read a third of the true capacity, and Default
// took that for a changed per-record cost and went from 2 to 8 subtasks).
// Here the arrival drops from 300 to 200 rec/s and the observation of the
// step still carries the busy time of 300: Default must not measure
// capacity across the step.
func TestDefaultDoesNotMeasureAcrossALoadStep(t *testing.T) {
	m := model{perSub: []float64{10000, 250}, arrival: func(e time.Duration) float64 {
		if e >= 2*time.Minute {
			return 200
		}
		return 300
	}}
	m.edit = func(minute int, obs *autoscale.Observation) {
		if minute == 3 { // the window 2..3 min: 200 rec/s in, busy still 300's
			obs.Vertices[1].Busy = autoscale.Of(300.0 / 500)
		}
	}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{1, 2}, 5*time.Minute)
	for minute := 3; minute <= 5; minute++ {
		wantReason(t, results[minute], "v1", "2 subtasks take in up to 499 rec/s") // 500 to busy time's millisecond
	}
}
