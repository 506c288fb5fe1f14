package autoscale_test

import (
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

// A source reading 16 Kafka partitions at busy 1.0 falls behind by 1,000
// rec/s; its keyed downstream is half busy. Observed every minute, the
// operator's policy decides 20 minutes after the restart.
func ExampleOperatorCompatible() {
	p, err := autoscale.NewOperatorCompatible(autoscale.OperatorCompatibleConfig{}) // the operator's defaults
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
	var d autoscale.Decision
	for _, obs := range trace.Run(20*time.Minute, time.Minute, rates) {
		if d, err = p.Decide(obs.Time, obs); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(d.Summary)
	fmt.Println("v0:", d.Reasons["v0"])
	fmt.Println("v1:", d.Reasons["v1"])
	fmt.Println(d.Slots, "slots on", d.TaskManagers, "TaskManagers")
	// Output:
	// operator: rescales v0 4->16, v1 4->8 (backlog mode, bounds [0, 1]: source v0 has 600 s of backlog (threshold 300 s))
	// v0: TPR 2,000 rec/s at busy 1, input 2,000 rec/s; target rate 3,000 rec/s + catch-up 667 rec/s -> capacity 5,452 rec/s -> factor 2.73 -> 11 (aligned to 16, a divisor of 16 partitions); outside its bounds (up below 3,667, down above unbounded rec/s); rescales from 4 to 16
	// v1: TPR 4,000 rec/s at busy 0.5, input 2,000 rec/s; target rate 3,000 rec/s + catch-up 667 rec/s -> capacity 5,452 rec/s -> factor 1.36 -> 6 (aligned to 8, a divisor of 128 key groups); within its bounds (up below 3,667, down above unbounded rec/s); rescales from 4 to 8
	// 16 slots on 4 TaskManagers
}
