package sim_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale/sim"
)

func TestOracle(t *testing.T) {
	steady := sim.Scenarios()[0]
	cfg := steady.Config(sim.Config{})
	o, err := sim.Oracle(cfg, steady.Job, steady.Trace)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := sim.KeepUp(steady.Job, steady.Trace, 0)
	// The default slot-sharing group holds the largest parallelism but
	// Enrich's; Enrich has its own group.
	slots := 0
	for id, n := range p {
		if id != "enrich" {
			slots = max(slots, n)
		}
	}
	slots += p["enrich"]
	if want := float64(slots) * 6; !near(o.SlotHours, want, 1e-6) || o.Rescales != 0 || o.SLOViolation != 0 || o.Unmet != 0 || o.Duration != 6*time.Hour {
		t.Errorf("steady oracle %+v; want %v slot-hours and nothing else", o, want)
	}
	if o.RecordsArrived != 300*48*6*3600 || o.RecordsProcessed != o.RecordsArrived {
		t.Errorf("oracle records %d, %d", o.RecordsArrived, o.RecordsProcessed)
	}

	// A rate no parallelism can serve is Unmet.
	over, err := sim.Oracle(sim.Config{Duration: time.Minute}, chain(2, 100, 100), sim.Steady{Rate: 1000})
	if err != nil || over.Unmet != time.Minute {
		t.Errorf("overloaded oracle %+v, %v", over, err)
	}
}

// The oracle is below static-at-peak and needs several times the
// trough's slots at the peak; static at peak never violates the SLO.
func TestOracleAndStaticAtPeak(t *testing.T) {
	sc := sim.Scenarios()[2] // spike
	cfg := sc.Config(sim.Config{Seed: 1})
	o, err := sim.Oracle(cfg, sc.Job, sc.Trace)
	if err != nil {
		t.Fatal(err)
	}
	job, static, err := sim.StaticAtPeak(cfg, sc.Job, sc.Trace)
	if err != nil {
		t.Fatal(err)
	}
	at, _ := sim.KeepUp(sc.Job, sc.Trace, 2*time.Hour+time.Minute) // during the spike
	for id, n := range static.Targets {
		if at[id] != n || job.Parallelism()[id] != n {
			t.Errorf("%s: static at %d, job at %d; the spike needs %d", id, n, job.Parallelism()[id], at[id])
		}
	}
	m, err := sim.Run(cfg, job, sc.Trace, static)
	if err != nil {
		t.Fatal(err)
	}
	if m.SLOViolation != 0 || m.Rescales != 0 || m.RecordsLost != 0 || m.SlotHours <= o.SlotHours {
		t.Errorf("static %v; oracle %v", m, o)
	}
	if m.PeakSlots < 3*sim.Scenarios()[2].Job.Vertices[4].Parallelism || o.Rescales != 2 {
		t.Errorf("static peak slots %d, oracle rescales %d", m.PeakSlots, o.Rescales)
	}
}

// Each standard scenario needs real scaling: its peak several times its
// starting slots.
func TestScenariosNeedScaling(t *testing.T) {
	for _, sc := range sim.Scenarios() {
		if sc.Name == "steady" {
			continue
		}
		cfg := sc.Config(sim.Config{Tick: 10 * time.Second})
		peak, err := sim.PeakParallelism(cfg, sc.Job, sc.Trace)
		if err != nil {
			t.Fatal(err)
		}
		ratio := 0.0
		for id, n := range peak {
			ratio = max(ratio, float64(n)/float64(sc.Job.Parallelism()[id]))
		}
		if ratio < 2.5 {
			t.Errorf("%s: peak parallelism %v at most %.1fx the start %v", sc.Name, peak, ratio, sc.Job.Parallelism())
		}
	}
}
