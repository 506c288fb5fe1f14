package backlog

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

func TestHealthConfigDefaults(t *testing.T) {
	h, err := NewHealth(HealthConfig{})
	if err != nil {
		t.Fatal(err)
	}
	docdefaults.Check(t, ".", "HealthConfig", []docdefaults.Row{
		{Field: "Window", Doc: "10, as Burrow", Got: h.cfg.Window, Want: 10},
		{Field: "MinSpan", Doc: "1 minute", Got: h.cfg.MinSpan, Want: time.Minute},
	}, docdefaults.EveryField())
}

func TestTrackerConfigDefaults(t *testing.T) {
	tr, err := NewTracker(TrackerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s := tr.state(TopicPartition("t", 0)) // the estimators a partition gets
	docdefaults.Check(t, ".", "TrackerConfig", []docdefaults.Row{
		{Field: "GapWindow", Doc: "1000", Got: s.gap.avg.window, Want: 1000},
		{Field: "SizeWindow", Doc: "1000", Got: s.size.avg.window, Want: 1000},
		{Field: "TimePoints", Doc: "60", Got: len(s.ends.points), Want: 60},
	}, docdefaults.EveryField())
	// The constructors' own defaults, which the Tracker relies on.
	for _, c := range []struct {
		call, doc string
		got, want int
	}{
		{"NewGapEstimator(0)", "A window below 1 means 1000", NewGapEstimator(0).avg.window, DefaultWindow},
		{"NewSizeEstimator(0)", "default 1000 when window is below 1", NewSizeEstimator(0).avg.window, DefaultWindow},
		{"NewTimeLagTable(0)", "DefaultTimePoints when size is below 2", len(NewTimeLagTable(0).points), DefaultTimePoints},
	} {
		if c.got != c.want {
			t.Errorf("%s (doc: %q) = %v, want %v", c.call, c.doc, c.got, c.want)
		}
	}
}

func TestCombineConfigDefaults(t *testing.T) {
	c, err := CombineConfig{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	docdefaults.Check(t, ".", "CombineConfig", []docdefaults.Row{
		{Field: "MaxAge", Doc: "1 minute", Got: c.MaxAge, Want: time.Minute},
		{Field: "Clock", Doc: "the system clock", Got: c.Clock, Want: clock.Clock(clock.System{})},
	}, docdefaults.EveryField())
}
