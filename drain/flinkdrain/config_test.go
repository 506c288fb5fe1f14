package flinkdrain

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// Every documented default of the zero Config, field by field, and the
// poll bounds defaulted without crossing a bound that was set.
func TestConfigDefaults(t *testing.T) {
	c := Config{Flink: &flinkapi.Client{}}.withDefaults()
	for _, tt := range []struct {
		field     string
		got, want any
	}{
		{"Timeout", c.Timeout, 10 * time.Minute},
		{"CancelTimeout", c.CancelTimeout, time.Minute},
		{"PollMin", c.PollMin, 10 * time.Millisecond},
		{"PollMax", c.PollMax, 2 * time.Second},
		{"ForgetAfter", c.ForgetAfter, 30 * time.Second},
		{"MaxAttempts", c.MaxAttempts, 0},
		{"Fallback", c.Fallback, FallbackCancel},
		{"TargetDirectory", c.TargetDirectory, ""},
		{"Clock", c.Clock, Clock(realClock{})},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.field, tt.got, tt.want)
		}
	}
	if _, ok := c.Store.(*drain.MemoryStore); !ok {
		t.Errorf("Store = %T, want *drain.MemoryStore", c.Store)
	}
	if c.Logger == nil {
		t.Error("Logger is nil")
	}
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
