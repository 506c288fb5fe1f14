package autoscaletest_test

import (
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

// Chain and Trace build observations for tests of your own; in a test,
// autoscaletest.Run(t, newPolicy) runs the whole suite.
func ExampleTrace() {
	restart := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	trace := autoscaletest.NewTrace(autoscaletest.Chain(restart, 8, true, 2, 4))
	rates := map[string]autoscaletest.Rates{
		"v0": {In: 1000, Out: 1000, Busy: 0.5, BacklogGrowth: 10},
		"v1": {In: 1000, Out: 1000, Busy: 0.25},
	}
	obs := trace.Run(10*time.Minute, time.Minute, rates)
	last := obs[len(obs)-1]
	fmt.Println(len(obs), "observations; last at", last.Time.Format(time.TimeOnly))
	fmt.Println("v0 read", last.Vertices[0].RecordsIn, "records; backlog", last.Vertices[0].Source.Backlog)
	d, _ := autoscale.Static{}.Decide(last.Time, last)
	fmt.Println(d.Targets, d.Slots)
	// Output:
	// 10 observations; last at 09:10:00
	// v0 read 600000 records; backlog 6000
	// map[v0:2 v1:4] 4
}
