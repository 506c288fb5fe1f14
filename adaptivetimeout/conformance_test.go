package adaptivetimeout_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/adaptivetimeouttest"
)

func TestConformance(t *testing.T) {
	tuned, err := adaptivetimeout.NewDefault(adaptivetimeout.DefaultConfig{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, Headroom: 2, RateWindow: 100 * time.Millisecond, Smoothing: 1})
	if err != nil {
		t.Fatal(err)
	}
	clamped, err := adaptivetimeout.Clamp(adaptivetimeout.BeamAIAD{}, 5*time.Millisecond, 15*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		p    adaptivetimeout.Policy
	}{
		{"Fixed", adaptivetimeout.Fixed{}},
		{"Fixed/3ms", adaptivetimeout.Fixed{Wait: 3 * time.Millisecond}},
		{"NoWait", adaptivetimeout.NoWait{}},
		{"BeamAIAD", adaptivetimeout.BeamAIAD{}},
		{"Default", &adaptivetimeout.Default{}},
		{"Default/tuned", tuned},
		{"Clamp(BeamAIAD)", clamped},
		{"Func", adaptivetimeout.Func(func(_ time.Time, o adaptivetimeout.Outcome) time.Duration {
			if o.Records > 0 {
				return 5 * time.Millisecond
			}
			return 0
		})},
	} {
		t.Run(c.name, func(t *testing.T) { adaptivetimeouttest.Run(t, func() adaptivetimeout.Policy { return c.p }) })
	}
}
