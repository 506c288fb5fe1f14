package autoscale_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

// Beam's legacy Kafka source (Beam 2.70.0's classic FlinkRunner on Flink
// 1.19.3, measured on the real tier: docs/beam-fidelity.md) is 24-36% busy
// while it reads nothing, and one subtask reads 19,000-33,000 rec/s. Its
// busy time here is that floor plus the rate over 30,000 rec/s. At 20 rec/s
// rate over busy reads a capacity of 66 rec/s; when 300 rec/s arrive, all
// read at once with no record waiting, Default must not rescale the source
// on that reading (it rescaled it 1 -> 8 in the first window, and came
// down to 4 after 43 minutes).
func TestDefaultBeamSourceBusyFloor(t *testing.T) {
	const interval = 15 * time.Second
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	tr := autoscaletest.NewTrace(autoscaletest.Chain(start, 8, true, 1, 1))
	pol := newDefault(t, autoscale.DefaultConfig{})
	rates := func(r float64) map[string]autoscaletest.Rates {
		return map[string]autoscaletest.Rates{
			"v0": {In: r, Out: r, Busy: 0.30 + r/30000},
			"v1": {In: r, Out: r, Busy: r / 1000},
		}
	}
	var sawCapacity bool
	for i := range 240 { // 20 min at 20 rec/s, then 40 min at 300
		r := 20.0
		if i >= 80 {
			r = 300
		}
		obs := tr.Step(interval, rates(r))
		d, err := pol.Decide(obs.Time, obs)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := d.Capacity["v0"].Get(); ok && i == 79 {
			sawCapacity = true
			t.Logf("at 20 rec/s the source's capacity reads %.0f rec/s", c)
		}
		if d.Scales(obs) {
			t.Fatalf("minute %.1f at %v rec/s, no record waiting: %s", float64(i+1)*interval.Minutes(), r, d.Summary)
		}
	}
	if !sawCapacity {
		t.Fatal("the source's capacity was never measured: nothing was checked")
	}
}
