package autoscale_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

// The job of ExampleOperatorCompatible: a source reading 16 Kafka
// partitions at busy 1.0 falls behind by 1,000 rec/s; its keyed downstream
// is half busy. Observed every minute, Default decides as soon as two
// windows have measured the arrival rate and the capacities (minute 2; the
// operator's policy waits until minute 20), and sizes for the arrival rate
// plus draining the backlog: 8 source subtasks of 2 partitions each, while
// the keyed vertex, at 4,000 rec/s, already suffices (the operator goes to
// 16 and 8).
func ExampleDefault() {
	p, err := autoscale.NewDefault(autoscale.DefaultConfig{}) // or &autoscale.Default{}
	if err != nil {
		fmt.Println(err)
		return
	}
	restart := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	trace := autoscaletest.NewTrace(autoscaletest.Chain(restart, 16, true, 4, 4))
	rates := map[string]autoscaletest.Rates{
		"v0": {In: 2000, Out: 2000, Busy: 1, BacklogGrowth: 1000},
		"v1": {In: 2000, Out: 2000, Busy: 0.5},
	}
	for _, obs := range trace.Run(20*time.Minute, time.Minute, rates) {
		d, err := p.Decide(obs.Time, obs)
		if err != nil {
			fmt.Println(err)
			return
		}
		if !d.Scales(obs) {
			continue
		}
		fmt.Println(obs.Time.Sub(restart), "after the restart:", d.Summary)
		for _, id := range []string{"v0", "v1"} {
			first, _, _ := strings.Cut(d.Reasons[id], ". ")
			fmt.Printf("%s: %s.\n", id, first)
		}
		fmt.Println(d.Slots, "slots on", d.TaskManagers, "TaskManagers")
		return
	}
	// Output:
	// 2m0s after the restart: default: rescales v0 4->8 (4 -> 8 slots): the job must scale up now: 1 vertex cannot keep up with the demand expected before a new configuration could run (v0 most at 1,998 rec/s for 3,000 rec/s)
	// v0: Goes from 4 to 8 subtasks: at 4 subtasks it takes in up to 1,998 rec/s, less than the 3,000 rec/s expected before a new configuration could run.
	// v1: Keeps 4, its size in the new configuration, as the job must scale up now: 1 vertex cannot keep up with the demand expected before a new configuration could run (v0 most at 1,998 rec/s for 3,000 rec/s).
	// 8 slots on 2 TaskManagers
}

// A demo where one second stands for 30: the production defaults of every
// duration, compressed together (a checkpoint interval the job sets is
// compressed with them).
func ExampleDefaultConfig_Scaled() {
	cfg := autoscale.DefaultConfig{CheckpointInterval: 30 * time.Second}.Scaled(1.0 / 30)
	fmt.Println(cfg.LagSLO, cfg.CatchUpTime, cfg.RestartDowntime, cfg.CheckpointInterval, cfg.DecisionInterval, cfg.TrendWindow)
	_, err := autoscale.NewDefault(cfg)
	fmt.Println(err)
	// Output:
	// 4s 20s 1s 1s 2s 2m0s
	// <nil>
}
