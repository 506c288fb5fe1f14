package backlog

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// defaultCase is one documented default of a zero Config: the field, what
// its godoc says, and the effective value after defaulting.
type defaultCase struct {
	field string
	doc   string
	got   any
	want  any
}

// checkDefaults checks each case, and that the table covers every field of
// the Config type, so a new field cannot go without its default checked.
func checkDefaults(t *testing.T, cfg any, cases []defaultCase) {
	t.Helper()
	typ := reflect.TypeOf(cfg)
	var fields, covered []string
	for f := range typ.Fields() {
		fields = append(fields, f.Name)
	}
	for _, c := range cases {
		covered = append(covered, c.field)
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s.%s (doc: %q) = %v, want %v", typ.Name(), c.field, c.doc, c.got, c.want)
		}
	}
	slices.Sort(fields)
	slices.Sort(covered)
	if !slices.Equal(fields, covered) {
		t.Errorf("%s: the defaults table covers %q, the type has %q", typ.Name(), covered, fields)
	}
}

func TestHealthConfigDefaults(t *testing.T) {
	h, err := NewHealth(HealthConfig{})
	if err != nil {
		t.Fatal(err)
	}
	checkDefaults(t, HealthConfig{}, []defaultCase{
		{"Window", "Default: 10, as Burrow", h.cfg.Window, 10},
		{"MinSpan", "Default: 1 minute", h.cfg.MinSpan, time.Minute},
	})
}

func TestTrackerConfigDefaults(t *testing.T) {
	tr, err := NewTracker(TrackerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s := tr.state(TopicPartition("t", 0)) // the estimators a partition gets
	checkDefaults(t, TrackerConfig{}, []defaultCase{
		{"GapWindow", "Default: 1000", s.gap.avg.window, 1000},
		{"SizeWindow", "Default: 1000", s.size.avg.window, 1000},
		{"TimePoints", "Default: 60", len(s.ends.points), 60},
	})
	// The constructors' own defaults, which the Tracker relies on.
	for _, c := range []defaultCase{
		{"NewGapEstimator(0)", "A window below 1 means 1000", NewGapEstimator(0).avg.window, DefaultWindow},
		{"NewSizeEstimator(0)", "default 1000 when window is below 1", NewSizeEstimator(0).avg.window, DefaultWindow},
		{"NewTimeLagTable(0)", "DefaultTimePoints when size is below 2", len(NewTimeLagTable(0).points), DefaultTimePoints},
	} {
		if c.got != c.want {
			t.Errorf("%s (doc: %q) = %v, want %v", c.field, c.doc, c.got, c.want)
		}
	}
}

func TestCombineConfigDefaults(t *testing.T) {
	c, err := CombineConfig{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	now := c.Clock()
	checkDefaults(t, CombineConfig{}, []defaultCase{
		{"MaxAge", "Default: 1 minute", c.MaxAge, time.Minute},
		{"Clock", "Default: time.Now", !now.Before(before) && now.Sub(before) < time.Second, true},
	})
}
