package autoscale_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

// A source reads ahead of a saturated vertex behind a keyBy: Flink's
// network buffers (and the Kafka source's fetch queue) take in what the
// vertex cannot yet process, so for tens of seconds the source reads every
// record that arrives, its backlog (pendingRecords, at its own position)
// stays 0, and only the vertex's records-in counter falls behind the
// source's records-out. Measured on the real stack (TestRealStackAutopilot,
// one Cost subtask of 240 rec/s under 400 rec/s): the records in flight
// grew by 160 rec/s for the whole 40 s spike. The edge carries one record
// per record the source reads; a ratio read as the vertex's records in
// over the source's reads that number as a filter, its demand as what it
// already processes, and Default kept the job while its lag grew. Here
// the job runs 36 s at 100 rec/s, then 400 rec/s arrive for 40 s,
// observed every 3 s as the autopilot does: Default must scale v1 up
// within three decisions of the spike.
func TestDefaultScalesWhileRecordsPileUpInFlight(t *testing.T) {
	// v1's busy time at 100 rec/s reads a capacity of 280 rec/s, and it
	// takes in 235 rec/s flat out: the figures of the run that failed.
	const perSub, measured, interval = 235.0, 330.0, 3 * time.Second
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	tr := autoscaletest.NewTrace(autoscaletest.Chain(start, 8, true, 1, 1))
	pol := newDefault(t, autoscale.DefaultConfig{LagSLO: 2 * time.Minute, DecisionInterval: interval, MetricRefresh: interval})
	steady := func(r float64) map[string]autoscaletest.Rates {
		return map[string]autoscaletest.Rates{
			"v0": {In: r, Out: r, Busy: 0.02},
			"v1": {In: r, Out: r, Busy: r / measured},
		}
	}
	spike := map[string]autoscaletest.Rates{
		"v0": {In: 400, Out: 400, Busy: 0.08}, // reads all that arrives: no backlog at its position
		"v1": {In: perSub, Out: perSub, Busy: 1},
	}
	var calls int
	decide := func(rates map[string]autoscaletest.Rates) autoscale.Decision {
		obs := tr.Step(interval, rates)
		d, err := pol.Decide(obs.Time, obs)
		if err != nil {
			t.Fatal(err)
		}
		calls++
		return d
	}
	for range 12 { // the job ran 36 s before the spike, as on the real stack
		if d := decide(steady(100)); d.Scales(autoscale.Observation{}) && d.Targets["v1"] != 1 {
			t.Fatalf("at 100 rec/s, under one subtask's %v: %s", perSub, d.Summary)
		}
	}
	for i := 1; i <= 13; i++ {
		d := decide(spike)
		if got := d.Targets["v1"]; got > 1 {
			if i > 3 {
				t.Errorf("v1 scaled up only at the spike's decision %d, want within 3", i)
			}
			if got < 2 {
				t.Errorf("v1 scaled to %d for 400 rec/s at %v rec/s a subtask", got, perSub)
			}
			return
		}
		t.Logf("spike decision %d: %s\n%s", i, d.Summary, d.Reasons["v1"])
	}
	t.Fatalf("v1 never scaled up while records piled up in flight before it")
}
