package flinkdrain

import (
	"fmt"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// Every documented default of the zero Config, field by field, and the
// poll bounds defaulted without crossing a bound that was set.
func TestConfigDefaults(t *testing.T) {
	c := Config{Flink: &flinkapi.Client{}}.withDefaults()
	docdefaults.Check(t, ".", "Config", []docdefaults.Row{
		{Field: "Flink", Got: c.Flink != nil, Want: true}, // required
		{Field: "Store", Doc: "a drain.MemoryStore (no resumption across restarts)", Got: fmt.Sprintf("%T", c.Store), Want: "*drain.MemoryStore"},
		{Field: "Timeout", Doc: "10 min", Got: c.Timeout, Want: 10 * time.Minute},
		{Field: "CancelTimeout", Doc: "1 min", Got: c.CancelTimeout, Want: time.Minute},
		{Field: "PollMin", Doc: "10ms, 2s", Got: c.PollMin, Want: 10 * time.Millisecond},
		{Field: "PollMax", Doc: "10ms, 2s", Got: c.PollMax, Want: 2 * time.Second},
		{Field: "MaxAttempts", Doc: "0, no bound but Timeout", Got: c.MaxAttempts, Want: 0},
		{Field: "ForgetAfter", Doc: "30s (DefaultForgetAfter)", Got: c.ForgetAfter, Want: 30 * time.Second},
		{Field: "Fallback", Doc: "FallbackCancel", Got: c.Fallback, Want: FallbackCancel},
		{Field: "TargetDirectory", Doc: "the cluster's state.savepoints.dir", Got: c.TargetDirectory, Want: ""},
		{Field: "Clock", Doc: "the system clock", Got: c.Clock, Want: clock.Clock(clock.System{})},
		{Field: "Logger", Doc: "discard", Got: c.Logger != nil, Want: true},
		{Field: "OnTransition", Got: c.OnTransition == nil, Want: true},
	}, docdefaults.EveryField())
	for _, tt := range []struct{ min, max, wantMin, wantMax time.Duration }{
		{0, time.Millisecond, time.Millisecond, time.Millisecond},
		{0, time.Second, 10 * time.Millisecond, time.Second},
		{5 * time.Second, 0, 5 * time.Second, 5 * time.Second},
		{time.Millisecond, 0, time.Millisecond, 2 * time.Second},
	} {
		c := Config{PollMin: tt.min, PollMax: tt.max}.withDefaults()
		if c.PollMin != tt.wantMin || c.PollMax != tt.wantMax {
			t.Errorf("PollMin %v, PollMax %v -> %v, %v; want %v, %v", tt.min, tt.max, c.PollMin, c.PollMax, tt.wantMin, tt.wantMax)
		}
	}
}
