package sim_test

import (
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
	{"OperatorCompatible", withPolicy(func() (autoscale.Policy, error) {
		return autoscale.NewOperatorCompatible(autoscale.OperatorConfig{})
	})},
}

// BenchmarkPolicies runs every standard scenario under every policy, one
// full simulation per iteration (durations: Scenarios), with the default
// Config and seed 1, and reports the yardstick figures.
func BenchmarkPolicies(b *testing.B) {
	for _, sc := range sim.Scenarios() {
		for _, p := range benchPolicies {
			b.Run(fmt.Sprintf("trace=%s/policy=%s", sc.Name, p.name), func(b *testing.B) {
				cfg := sc.Config(sim.Config{Seed: 1})
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
