package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
)

// blind hides lag health from a policy: it sees what an observer without
// a backlog.Health reports.
func blind(p autoscale.Policy) autoscale.Policy {
	return autoscale.PolicyFunc(func(now time.Time, obs autoscale.Observation) (autoscale.Decision, error) {
		obs.Vertices = append([]autoscale.Vertex(nil), obs.Vertices...)
		for i := range obs.Vertices {
			if s := obs.Vertices[i].Source; s != nil {
				c := *s
				c.Health = autoscale.SourceHealth{}
				obs.Vertices[i].Source = &c
			}
		}
		return p.Decide(now, obs)
	})
}

// TestPoisonPartition (issue 20, point 8): one partition stuck on a poison
// record. Default, told by lag health which partition is stalled, leaves
// its backlog out of the sizing, says so, and holds the robustness bars;
// the same Default without health chases the stuck backlog. Each seed's
// figures are logged (BENCHMARKS.md records them).
func TestPoisonPartition(t *testing.T) {
	for _, seed := range robustSeeds {
		var sc sim.Scenario
		for _, s := range sim.Robustness(seed) {
			if s.Name == "poison-partition" {
				sc = s
			}
		}
		if sc.Name == "" {
			t.Fatal("no poison-partition family")
		}
		cfg := sc.Config(sim.Config{Seed: seed})
		oracle, err := sim.Oracle(cfg, sc.Job, sc.Trace)
		if err != nil {
			t.Fatal(err)
		}
		run := func(p autoscale.Policy) sim.Summary {
			t.Helper()
			m, err := sim.Run(cfg, sc.Job, sc.Trace, p)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		newDefault := func() *autoscale.Default {
			df, err := autoscale.NewDefault(autoscale.DefaultConfig{})
			if err != nil {
				t.Fatal(err)
			}
			return df
		}
		op, err := autoscale.NewOperatorCompatible(autoscale.OperatorCompatibleConfig{})
		if err != nil {
			t.Fatal(err)
		}
		said := ""
		df := newDefault()
		withHealth := run(autoscale.PolicyFunc(func(now time.Time, obs autoscale.Observation) (autoscale.Decision, error) {
			d, err := df.Decide(now, obs)
			for _, r := range d.Reasons {
				if said == "" && strings.Contains(r, "stalled") {
					said = r
				}
			}
			return d, err
		}))
		without, operator := run(blind(newDefault())), run(op)
		t.Logf("seed %d: Oracle %.1f slot-h; Default %v; Default without health %v; OperatorCompatible %v", seed, oracle.SlotHours, withHealth, without, operator)
		if withHealth.SlotHours > 1.35*oracle.SlotHours || withHealth.SlotHours > operator.SlotHours {
			t.Errorf("seed %d: Default with health takes %.1f slot-hours, Oracle %.1f, OperatorCompatible %.1f", seed, withHealth.SlotHours, oracle.SlotHours, operator.SlotHours)
		}
		if withHealth.SLOViolation > operator.SLOViolation+time.Minute {
			t.Errorf("seed %d: Default with health violates the SLO %v, OperatorCompatible %v", seed, withHealth.SLOViolation, operator.SLOViolation)
		}
		if withHealth.SlotHours >= without.SlotHours {
			t.Errorf("seed %d: health changed nothing: %.1f slot-hours with it, %.1f without", seed, withHealth.SlotHours, without.SlotHours)
		}
		if !strings.Contains(said, "left out") {
			t.Errorf("seed %d: no reason says what was left out; one with 'stalled': %q", seed, said)
		}
	}
}
