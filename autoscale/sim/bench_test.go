package sim_test

import (
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
)

// benchPolicy is one column of BenchmarkPolicies: how to run a scenario.
type benchPolicy struct {
	name string
	run  func(cfg sim.Config, sc sim.Scenario) (sim.Summary, error)
}

// withPolicy runs a scenario from its starting parallelism (KeepUp at 0)
// under a fresh policy.
func withPolicy(newPolicy func() (autoscale.Policy, error)) func(sim.Config, sim.Scenario) (sim.Summary, error) {
	return func(cfg sim.Config, sc sim.Scenario) (sim.Summary, error) {
		p, err := newPolicy()
		if err != nil {
			return sim.Summary{}, err
		}
		return sim.Run(cfg, sc.Job, sc.Trace, p)
	}
}

// benchPolicies are the policies BenchmarkPolicies compares. Adding a
// policy is one line.
var benchPolicies = []benchPolicy{
	{"Static", func(cfg sim.Config, sc sim.Scenario) (sim.Summary, error) { // at the peak
		job, static, err := sim.StaticAtPeak(cfg, sc.Job, sc.Trace)
		if err != nil {
			return sim.Summary{}, err
		}
		return sim.Run(cfg, job, sc.Trace, static)
	}},
	{"Oracle", func(cfg sim.Config, sc sim.Scenario) (sim.Summary, error) {
		return sim.Oracle(cfg, sc.Job, sc.Trace)
	}},
	{"OracleSimulated", func(cfg sim.Config, sc sim.Scenario) (sim.Summary, error) {
		return sim.SimulatedOracle(cfg, sc.Job, sc.Trace)
	}},
	{"OperatorCompatible", withPolicy(func() (autoscale.Policy, error) {
		return autoscale.NewOperatorCompatible(autoscale.OperatorCompatibleConfig{})
	})},
	{"Default", withPolicy(func() (autoscale.Policy, error) { return autoscale.NewDefault(autoscale.DefaultConfig{}) })},
}

// idealized runs BenchmarkPolicies on the simulator without issue 18's
// realism (Config.Idealized), to compare with the figures recorded before
// it.
var idealized = flag.Bool("idealized", false, "BenchmarkPolicies: simulate without the realism (sim.Config.Idealized)")

// BenchmarkPolicies runs every standard scenario under every policy, one
// full simulation per iteration (durations: Scenarios), with the default
// Config and seed 1 (or, with -idealized, its Idealized version), and
// reports the yardstick figures.
func BenchmarkPolicies(b *testing.B) {
	for _, sc := range sim.Scenarios() {
		for _, p := range benchPolicies {
			b.Run(fmt.Sprintf("trace=%s/policy=%s", sc.Name, p.name), func(b *testing.B) {
				cfg := sc.Config(sim.Config{Seed: 1})
				if *idealized {
					cfg = cfg.Idealized()
				}
				var m sim.Summary
				for b.Loop() {
					var err error
					if m, err = p.run(cfg, sc); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(m.SLOViolation.Seconds(), "slo_violation_s")
				b.ReportMetric(m.SlotHours, "slot_hours")
				b.ReportMetric(float64(m.Rescales), "rescales")
				b.ReportMetric(float64(m.MaxRescales3h), "max_rescales_3h")
				b.ReportMetric(float64(m.Flaps), "flaps")
				b.ReportMetric(m.MaxLag.Seconds(), "max_lag_s")
			})
		}
	}
}

// BenchmarkDay simulates a day of the 10-vertex OrdersJob under the
// diurnal trace at its peak parallelism: the simulator's own speed.
func BenchmarkDay(b *testing.B) {
	sc := sim.Scenarios()[1]
	cfg := sc.Config(sim.Config{Seed: 1, Tick: time.Second})
	job, static, err := sim.StaticAtPeak(cfg, sc.Job, sc.Trace)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := sim.Run(cfg, job, sc.Trace, static); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(24*time.Hour/cfg.Tick)*float64(b.N)/b.Elapsed().Seconds(), "ticks/s")
}

// burstySeeds are the extra seeds BenchmarkBurstySeeds runs the bursty
// trace with (BenchmarkPolicies runs seed 1).
var burstySeeds = []uint64{2, 3, 4, 5, 6}

// BenchmarkBurstySeeds runs the bursty scenario with the trace seeds
// burstySeeds (the arrival noise keeps Seed 1) under every policy, one
// full simulation per iteration, and reports each run's yardstick figures;
// then, per policy, the worst case over the seeds (seed=worst): the most
// SLO-violation seconds, rescales and max lag, and the largest slot-hours
// as a multiple of Oracle's on the same seed (slot_hours_x_oracle).
func BenchmarkBurstySeeds(b *testing.B) {
	sc := sim.Scenarios()[3]
	if sc.Name != "bursty" {
		b.Fatalf("scenario 3 is %s, want bursty", sc.Name)
	}
	cfg := sc.Config(sim.Config{Seed: 1})
	worst := map[string]*worstCase{}
	for _, seed := range burstySeeds {
		tr := sc.Trace.(sim.Bursty)
		tr.Seed = seed
		run := sc
		run.Trace = tr
		oracle, err := sim.Oracle(cfg, run.Job, run.Trace)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range benchPolicies {
			b.Run(fmt.Sprintf("seed=%d/policy=%s", seed, p.name), func(b *testing.B) {
				var m sim.Summary
				for b.Loop() {
					if m, err = p.run(cfg, run); err != nil {
						b.Fatal(err)
					}
				}
				report(b, m)
				if worst[p.name] == nil {
					worst[p.name] = &worstCase{}
				}
				worst[p.name].add(m, oracle)
			})
		}
	}
	for _, p := range benchPolicies {
		b.Run("seed=worst/policy="+p.name, func(b *testing.B) {
			for b.Loop() {
			}
			if w := worst[p.name]; w != nil {
				w.report(b)
			}
		})
	}
}

// worstCase is the worst of a policy's runs over several seeds.
type worstCase struct {
	slo, maxLag time.Duration
	rescales    int
	xOracle     float64
}

func (w *worstCase) add(m, oracle sim.Summary) {
	w.slo, w.maxLag, w.rescales = max(w.slo, m.SLOViolation), max(w.maxLag, m.MaxLag), max(w.rescales, m.Rescales)
	w.xOracle = max(w.xOracle, m.SlotHours/oracle.SlotHours)
}

func (w *worstCase) report(b *testing.B) {
	b.ReportMetric(w.slo.Seconds(), "slo_violation_s")
	b.ReportMetric(w.xOracle, "slot_hours_x_oracle")
	b.ReportMetric(float64(w.rescales), "rescales")
	b.ReportMetric(w.maxLag.Seconds(), "max_lag_s")
}

// report reports a run's yardstick figures.
func report(b *testing.B, m sim.Summary) {
	b.ReportMetric(m.SLOViolation.Seconds(), "slo_violation_s")
	b.ReportMetric(m.SlotHours, "slot_hours")
	b.ReportMetric(float64(m.Rescales), "rescales")
	b.ReportMetric(m.MaxLag.Seconds(), "max_lag_s")
}
