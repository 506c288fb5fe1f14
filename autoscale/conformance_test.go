package autoscale_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

func TestConformance(t *testing.T) {
	for _, c := range []struct {
		name string
		new  func() autoscale.Policy
	}{
		{"Static", func() autoscale.Policy { return autoscale.Static{} }},
		{"OperatorCompatible", func() autoscale.Policy {
			p, err := autoscale.NewOperatorCompatible(autoscale.OperatorCompatibleConfig{})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"OperatorCompatible/zero value", func() autoscale.Policy { return &autoscale.OperatorCompatible{} }},
		{"OperatorCompatible/eager", func() autoscale.Policy {
			p, err := autoscale.NewOperatorCompatible(autoscale.OperatorCompatibleConfig{
				MetricsWindow: 3 * time.Minute, Stabilization: -1, ScaleDownInterval: -1, CatchUpDuration: -1,
			})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}},
	} {
		t.Run(c.name, func(t *testing.T) { autoscaletest.Run(t, c.new) })
	}
}
