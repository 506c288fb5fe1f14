package autoscale_test

import (
	"context"
	"fmt"

	"github.com/flinkscale/flinkscale/autoscale"
)

func ExampleController() {
	obs := autoscale.Observation{Job: "orders", Running: true,
		Vertices: []autoscale.Vertex{{ID: "source", Parallelism: 2, MaxParallelism: 128}, {ID: "sink", Parallelism: 2, MaxParallelism: 128}},
		Edges:    []autoscale.Edge{{From: "source", To: "sink"}},
	}
	dry := &autoscale.DryRun{} // records decisions; flinkio.Rescale would apply them
	c, err := autoscale.NewController(autoscale.ControllerConfig{
		Observer: autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) { return obs, nil }),
		Policy:   autoscale.Static{Targets: map[string]int{"source": 4}},
		Actuator: dry,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := c.Step(context.Background())
	fmt.Println(r.Changes, "applied:", r.Applied, "dry run:", r.DryRun, r.Decision.Slots)
	patch, _ := autoscale.MergePatch(r.Decision.Targets)
	fmt.Println(string(patch))
	// Output:
	// [source] applied: false dry run: true 4
	// {"spec":{"flinkConfiguration":{"pipeline.jobvertex-parallelism-overrides":"sink:2,source:4"}}}
}
