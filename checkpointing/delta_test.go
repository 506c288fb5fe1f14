package checkpointing_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

func TestDiff(t *testing.T) {
	base := checkpointing.Settings{Interval: 10 * time.Second, Timeout: time.Minute}
	cases := []struct {
		name   string
		edit   func(*checkpointing.Settings)
		fields []checkpointing.Field
		args   []string
		flink  map[string]string
		text   string
	}{
		{"nothing", func(*checkpointing.Settings) {}, nil, nil, map[string]string{}, "no change"},
		{"explicit default is no change", func(s *checkpointing.Settings) { s.MaxBundleSize = 1000 }, nil, nil, map[string]string{}, "no change"},
		{"bundle only", func(s *checkpointing.Settings) { s.FinishBundleBeforeCheckpointing = true },
			[]checkpointing.Field{checkpointing.FieldFinishBundleBeforeCheckpointing},
			[]string{"--finishBundleBeforeCheckpointing=true"}, map[string]string{},
			"finishBundleBeforeCheckpointing: false -> true"},
		{"timeout and unaligned", func(s *checkpointing.Settings) { s.Timeout, s.Unaligned = 3*time.Minute, true },
			[]checkpointing.Field{checkpointing.FieldTimeout, checkpointing.FieldUnaligned},
			[]string{"--checkpointTimeoutMillis=180000", "--unalignedCheckpointEnabled=true"},
			map[string]string{checkpointing.FlinkTimeout: "3 min", checkpointing.FlinkUnaligned: "true", checkpointing.FlinkUnalignedLegacy: "true"},
			"checkpointTimeoutMillis: 60000 -> 180000, unalignedCheckpointEnabled: false -> true"},
		{"turn checkpointing off", func(s *checkpointing.Settings) { s.Interval = 0 },
			[]checkpointing.Field{checkpointing.FieldInterval}, []string{"--checkpointingInterval=-1"},
			map[string]string{checkpointing.FlinkInterval: ""}, "checkpointingInterval: 10000 -> -1"},
	}
	for _, tc := range cases {
		next := base
		tc.edit(&next)
		d := checkpointing.Diff(base, next)
		if got := d.Fields(); !slices.Equal(got, tc.fields) {
			t.Errorf("%s: Fields() = %v, want %v", tc.name, got, tc.fields)
		}
		if d.IsZero() != (len(tc.fields) == 0) {
			t.Errorf("%s: IsZero() = %v", tc.name, d.IsZero())
		}
		if got := d.BeamArgs(); !slices.Equal(got, tc.args) {
			t.Errorf("%s: BeamArgs() = %v, want %v", tc.name, got, tc.args)
		}
		if got := d.FlinkConfig(); !maps.Equal(got, tc.flink) {
			t.Errorf("%s: FlinkConfig() = %v, want %v", tc.name, got, tc.flink)
		}
		if got := d.String(); got != tc.text {
			t.Errorf("%s: String() = %q, want %q", tc.name, got, tc.text)
		}
		if got := d.Apply(base); got.Effective() != next.Effective() {
			t.Errorf("%s: Apply = %+v, want %+v", tc.name, got, next)
		}
	}
}

func TestDeltaApplyKeepsOtherFields(t *testing.T) {
	from := checkpointing.Settings{Interval: 10 * time.Second}
	d := checkpointing.Diff(from, checkpointing.Settings{Interval: 10 * time.Second, Unaligned: true})
	other := checkpointing.Settings{Interval: time.Minute, MaxBundleSize: 7}
	got := d.Apply(other)
	want := other
	want.Unaligned = true
	if got != want {
		t.Errorf("Apply = %+v, want %+v", got, want)
	}
}

func TestDeltaMerge(t *testing.T) {
	base := checkpointing.Settings{Interval: 10 * time.Second, Timeout: time.Minute}
	with := func(edit func(*checkpointing.Settings)) checkpointing.Delta {
		next := base
		edit(&next)
		return checkpointing.Diff(base, next)
	}
	a := with(func(s *checkpointing.Settings) { s.Timeout = 2 * time.Minute })
	b := with(func(s *checkpointing.Settings) { s.Timeout, s.FinishBundleBeforeCheckpointing = 5*time.Minute, true })
	got := a.Merge(b).Apply(base)
	if got.Timeout != 2*time.Minute || !got.FinishBundleBeforeCheckpointing {
		t.Errorf("a.Merge(b) applied = %+v: want a's timeout and b's finish", got)
	}
	if got := (checkpointing.Delta{}).Merge(b); got.String() != b.String() {
		t.Errorf("zero.Merge(b) = %v, want %v", got, b)
	}
	if got := a.Merge(checkpointing.Delta{}); got.String() != a.String() {
		t.Errorf("a.Merge(zero) = %v, want %v", got, a)
	}
}

func TestChanges(t *testing.T) {
	base := checkpointing.Settings{Interval: 10 * time.Second}
	diff := func(edit func(*checkpointing.Settings)) checkpointing.Delta {
		next := base
		edit(&next)
		return checkpointing.Diff(base, next)
	}
	fs := []checkpointing.Finding{
		{Code: "a", Severity: checkpointing.Warning, Change: diff(func(s *checkpointing.Settings) { s.Timeout, s.Unaligned = time.Minute, true })},
		{Code: "b", Severity: checkpointing.Critical, Change: diff(func(s *checkpointing.Settings) { s.Timeout, s.MinPause = 5*time.Minute, time.Second })},
		{Code: "c", Severity: checkpointing.Info},
	}
	got := checkpointing.Changes(fs).Apply(base)
	if got.Timeout != 5*time.Minute || got.MinPause != time.Second || !got.Unaligned {
		t.Errorf("Changes applied = %+v: the critical finding must win", got)
	}
	if fs[0].Code != "a" {
		t.Error("Changes reordered its argument")
	}
}
