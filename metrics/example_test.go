package metrics_test

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/metrics"
)

// A controller's steps, counted by outcome and reason code on a registry of
// the program's own.
func ExampleAutoscale() {
	clk := clocktest.New(clocktest.Start)
	steps, err := metrics.NewAutoscale(metrics.AutoscaleConfig{Clock: clk})
	if err != nil {
		panic(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(steps)

	// A job of two vertices at 2 and 4, and a policy that wants 3 and 4.
	observer := autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) {
		obs := autoscaletest.Chain(clocktest.Start, 8, true, 2, 4)
		obs.Time, obs.Running = clk.Now(), true
		return obs, nil
	})
	policy := autoscale.PolicyFunc(func(now time.Time, obs autoscale.Observation) (autoscale.Decision, error) {
		d := autoscale.Keep(now, obs, "example")
		d.Targets["v0"] = 3
		d.Size(obs)
		return d, nil
	})
	ctl, err := autoscale.NewController(autoscale.ControllerConfig{
		Observer: observer, Policy: policy, Actuator: &autoscale.DryRun{}, Clock: clk, OnStep: steps.Step,
	})
	if err != nil {
		panic(err)
	}
	ctl.Step(context.Background())

	mfs, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "flinkscale_autoscale_decisions_total", "flinkscale_autoscale_target_parallelism":
			for _, m := range mf.GetMetric() {
				fmt.Print(mf.GetName(), " {")
				for _, l := range m.GetLabel() {
					fmt.Printf(" %s=%s", l.GetName(), l.GetValue())
				}
				v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
				fmt.Printf(" } %v\n", v)
			}
		}
	}
	// Output:
	// flinkscale_autoscale_decisions_total { outcome=dry_run reason=scale_up } 1
	// flinkscale_autoscale_target_parallelism { job=job vertex=v0 } 3
	// flinkscale_autoscale_target_parallelism { job=job vertex=v1 } 4
}
