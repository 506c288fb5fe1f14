package checkpointing_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// healthy is a job whose checkpointing is fine: every 30 s, 2 s, 10 MB,
// stable, bundles finished first, a FLIP-27 source without backpressure.
func healthy() (time.Time, checkpointing.Observation) {
	var h []checkpointing.Checkpoint
	at := seedStart
	for i := range 8 {
		h = append(h, checkpointing.Checkpoint{ID: int64(i + 1), Outcome: checkpointing.Completed, Trigger: at,
			Duration: 2 * time.Second, CheckpointedBytes: 10e6, StateBytes: 10e6})
		at = at.Add(30 * time.Second)
	}
	return at, checkpointing.Observation{
		Settings:  checkpointing.Settings{Interval: 30 * time.Second, FinishBundleBeforeCheckpointing: true},
		Completed: 8, History: h,
		Facts: checkpointing.Facts{Source: checkpointing.SourceFLIP27},
	}
}

// expire turns the i-th checkpoints of the history into timeouts.
func expire(o *checkpointing.Observation, withMessage bool, idx ...int) {
	for _, i := range idx {
		c := &o.History[i]
		c.Outcome, c.Duration, c.CheckpointedBytes, c.StateBytes = checkpointing.Failed, o.Settings.Effective().Timeout, 0, 0
		if withMessage {
			c.Duration, c.Failure = time.Second, "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing."
		}
	}
}

// want is one expected finding: its code, severity, and the change applied
// to the observation's settings (nil: no change).
type want struct {
	code   checkpointing.Code
	sev    checkpointing.Severity
	change func(*checkpointing.Settings)
	action string // a substring of the action; "" to skip
}

var advisorCases = []struct {
	name string
	edit func(now *time.Time, o *checkpointing.Observation)
	want []want // in the order Advise returns them
}{
	{"healthy", func(*time.Time, *checkpointing.Observation) {}, nil},
	{"checkpointing disabled", func(_ *time.Time, o *checkpointing.Observation) { o.Settings.Interval = 0 }, []want{
		{checkpointing.CodeCheckpointingDisabled, checkpointing.Critical, func(s *checkpointing.Settings) {
			s.Interval, s.Timeout, s.MinPause = 59*time.Second, time.Minute, 29*time.Second
		}, "enable checkpointing"}}},
	{"repeated timeouts, cause unknown: raise the timeout", func(_ *time.Time, o *checkpointing.Observation) { expire(o, true, 3, 5) }, []want{
		{checkpointing.CodeRepeatedTimeouts, checkpointing.Critical, func(s *checkpointing.Settings) { s.Timeout = 20 * time.Minute }, "raise the timeout"}}},
	{"timeouts told by duration alone", func(_ *time.Time, o *checkpointing.Observation) { expire(o, false, 3, 5) }, []want{
		{checkpointing.CodeRepeatedTimeouts, checkpointing.Critical, func(s *checkpointing.Settings) { s.Timeout = 20 * time.Minute }, ""}}},
	{"a single timeout", func(_ *time.Time, o *checkpointing.Observation) { expire(o, true, 3) }, nil},
	{"timeouts with large in-flight buffers: finish bundles", func(_ *time.Time, o *checkpointing.Observation) {
		expire(o, true, 3, 5)
		o.Settings.FinishBundleBeforeCheckpointing, o.Settings.MaxBundleSize, o.Facts.ElementBytes = false, 10_000, checkpointing.Known[int64](180)
	}, []want{
		{checkpointing.CodeRepeatedTimeouts, checkpointing.Critical, func(s *checkpointing.Settings) { s.FinishBundleBeforeCheckpointing = true }, "finish bundles"},
		{checkpointing.CodeLargeInFlightBuffers, checkpointing.Warning, func(s *checkpointing.Settings) { s.FinishBundleBeforeCheckpointing = true }, ""}}},
	{"timeouts with unaligned, legacy source, backpressure", func(_ *time.Time, o *checkpointing.Observation) {
		expire(o, true, 3, 5)
		o.Settings.Unaligned, o.Facts.Source, o.Facts.Backpressured = true, checkpointing.SourceLegacy, checkpointing.Known(true)
	}, []want{
		{checkpointing.CodeRepeatedTimeouts, checkpointing.Critical, func(s *checkpointing.Settings) { s.Unaligned = false }, "unaligned"},
		{checkpointing.CodeUnalignedLegacySource, checkpointing.Critical, func(s *checkpointing.Settings) { s.Unaligned = false }, "FLIP-27"}}},
	{"nothing completed for long", func(now *time.Time, _ *checkpointing.Observation) { *now = now.Add(15 * time.Minute) }, []want{
		{checkpointing.CodeNoRecentCheckpoint, checkpointing.Critical, nil, "stuck"}}},
	{"nothing in the history completed", func(now *time.Time, o *checkpointing.Observation) {
		o.History = []checkpointing.Checkpoint{{Outcome: checkpointing.InProgress, Trigger: *now}}
		*now = now.Add(11 * time.Minute)
	}, []want{{checkpointing.CodeNoRecentCheckpoint, checkpointing.Critical, nil, ""}}},
	{"p99 near the timeout: a warning", func(_ *time.Time, o *checkpointing.Observation) {
		o.Settings.Timeout, o.Durations = time.Minute, checkpointing.Durations{P50: checkpointing.Known(20 * time.Second), P99: checkpointing.Known(40 * time.Second), Count: 8}
	}, []want{{checkpointing.CodeDurationNearTimeout, checkpointing.Warning, func(s *checkpointing.Settings) { s.Timeout = 2 * time.Minute }, "raise the timeout to 2m0s"}}},
	{"p99 near the timeout: critical", func(_ *time.Time, o *checkpointing.Observation) {
		o.Settings.Timeout, o.Durations = time.Minute, checkpointing.Durations{P99: checkpointing.Known(50 * time.Second)}
	}, []want{{checkpointing.CodeDurationNearTimeout, checkpointing.Critical, func(s *checkpointing.Settings) { s.Timeout = 150 * time.Second }, ""}}},
	{"state growing", func(_ *time.Time, o *checkpointing.Observation) {
		for i := range o.History {
			o.History[i].StateBytes = 10e6 + int64(i)*1e6
		}
	}, []want{{checkpointing.CodeSizeGrowing, checkpointing.Warning, nil, "state TTL"}}},
	{"state noisy, not growing", func(_ *time.Time, o *checkpointing.Observation) {
		for i := range o.History {
			o.History[i].StateBytes = 10e6 + int64(i%2)*4e6 + int64(i)*1e5
		}
	}, nil},
	{"long alignment, FLIP-27 source: go unaligned", func(_ *time.Time, o *checkpointing.Observation) {
		o.Facts.Backpressured, o.Facts.Alignment = checkpointing.Known(true), checkpointing.Known(25*time.Second)
	}, []want{{checkpointing.CodeLongAlignment, checkpointing.Warning, func(s *checkpointing.Settings) { s.Unaligned = true }, "up to one bundle's processing time"}}},
	{"long alignment, unknown source: go unaligned, check the source", func(_ *time.Time, o *checkpointing.Observation) {
		o.Facts.Backpressured, o.Facts.Alignment, o.Facts.Source = checkpointing.Known(true), checkpointing.Known(25*time.Second), checkpointing.SourceUnknown
	}, []want{{checkpointing.CodeLongAlignment, checkpointing.Warning, func(s *checkpointing.Settings) { s.Unaligned = true }, "first check that the sources are FLIP-27"}}},
	{"long alignment, legacy source: stay aligned", func(_ *time.Time, o *checkpointing.Observation) {
		o.Facts.Backpressured, o.Facts.Alignment, o.Facts.Source = checkpointing.Known(true), checkpointing.Known(25*time.Second), checkpointing.SourceLegacy
	}, []want{{checkpointing.CodeLongAlignment, checkpointing.Warning, nil, "keep aligned checkpoints"}}},
	{"long alignment without backpressure", func(_ *time.Time, o *checkpointing.Observation) {
		o.Facts.Alignment = checkpointing.Known(25 * time.Second)
	}, nil},
	{"long alignment at least once", func(_ *time.Time, o *checkpointing.Observation) {
		o.Facts.Backpressured, o.Facts.Alignment, o.Settings.Mode = checkpointing.Known(true), checkpointing.Known(25*time.Second), checkpointing.AtLeastOnce
	}, nil},
	{"unaligned, legacy source, backpressure", func(_ *time.Time, o *checkpointing.Observation) {
		o.Settings.Unaligned, o.Facts.Source, o.Facts.Backpressured = true, checkpointing.SourceLegacy, checkpointing.Known(true)
	}, []want{{checkpointing.CodeUnalignedLegacySource, checkpointing.Critical, func(s *checkpointing.Settings) { s.Unaligned = false }, "aligned-checkpoint-timeout"}}},
	{"unaligned, unknown source, backpressure", func(_ *time.Time, o *checkpointing.Observation) {
		o.Settings.Unaligned, o.Facts.Source, o.Facts.Backpressured = true, checkpointing.SourceUnknown, checkpointing.Known(true)
	}, []want{{checkpointing.CodeUnalignedLegacySource, checkpointing.Info, nil, "find out whether"}}},
	{"unaligned, FLIP-27 source, backpressure", func(_ *time.Time, o *checkpointing.Observation) {
		o.Settings.Unaligned, o.Facts.Backpressured = true, checkpointing.Known(true)
	}, nil},
	{"unaligned, legacy source, no backpressure", func(_ *time.Time, o *checkpointing.Observation) {
		o.Settings.Unaligned, o.Facts.Source = true, checkpointing.SourceLegacy
	}, nil},
	{"in-flight buffers above 256 KiB", func(_ *time.Time, o *checkpointing.Observation) {
		o.Settings.FinishBundleBeforeCheckpointing, o.Facts.ElementBytes, o.Facts.InFlightElements = false, checkpointing.Known[int64](180), 2000
	}, []want{{checkpointing.CodeLargeInFlightBuffers, checkpointing.Warning, func(s *checkpointing.Settings) { s.FinishBundleBeforeCheckpointing = true }, ""}}},
	{"in-flight buffers of a default bundle", func(_ *time.Time, o *checkpointing.Observation) {
		o.Settings.FinishBundleBeforeCheckpointing, o.Facts.ElementBytes = false, checkpointing.Known[int64](180)
	}, nil},
	{"in-flight element size unknown", func(_ *time.Time, o *checkpointing.Observation) {
		o.Settings.FinishBundleBeforeCheckpointing, o.Settings.MaxBundleSize = false, 100_000
	}, nil},
	{"application options", func(_ *time.Time, o *checkpointing.Observation) {
		r := seedAnalysis()
		o.Facts.Options = &r
	}, []want{{checkpointing.CodeApplicationOptions, checkpointing.Warning, nil, "enrichmentRules, outputTopic, schemaRegistryUrl"}}},
	{"small application options", func(_ *time.Time, o *checkpointing.Observation) {
		o.Facts.Options = &checkpointing.OptionsReport{TotalBytes: 3000, ApplicationBytes: 1000, Copies: 4, SavedPerCheckpoint: 4000}
	}, nil},
}

func TestDefaultAdvisor(t *testing.T) {
	cases := advisorCases
	adv, err := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		now, obs := healthy()
		tc.edit(&now, &obs)
		got, err := adv.Advise(now, obs)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checkFindings(t, tc.name, obs.Settings, got, tc.want)
	}
}

func checkFindings(t *testing.T, name string, cur checkpointing.Settings, got []checkpointing.Finding, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("%s: %d findings, want %d:\n%v", name, len(got), len(wants), got)
		return
	}
	for i, w := range wants {
		f := got[i]
		next := cur
		if w.change != nil {
			w.change(&next)
		}
		if f.Code != w.code || f.Severity != w.sev || f.Change.Apply(cur).Effective() != next.Effective() || f.Change.IsZero() != (w.change == nil) {
			t.Errorf("%s: finding %d = %s %s (change %v), want %s %s", name, i, f.Severity, f.Code, f.Change, w.sev, w.code)
		}
		if f.Summary == "" || f.Action == "" || len(f.Evidence) == 0 || !strings.Contains(f.Action, w.action) {
			t.Errorf("%s: finding %s lacks summary, action %q or evidence, or misses %q", name, f.Code, f.Action, w.action)
		}
	}
}

func TestAdvisorSeed(t *testing.T) {
	adv, _ := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	obs := seedObservation()
	got, err := adv.Advise(seedNow(), obs)
	if err != nil {
		t.Fatal(err)
	}
	finish := func(s *checkpointing.Settings) { s.FinishBundleBeforeCheckpointing = true }
	checkFindings(t, "seed", obs.Settings, got, []want{
		{checkpointing.CodeDurationNearTimeout, checkpointing.Critical, func(s *checkpointing.Settings) { s.Timeout = 156 * time.Second }, ""},
		{checkpointing.CodeRepeatedTimeouts, checkpointing.Critical, finish, ""},
		{checkpointing.CodeApplicationOptions, checkpointing.Warning, nil, ""},
		{checkpointing.CodeLargeInFlightBuffers, checkpointing.Warning, finish, ""},
	})
	// The advice applied, the same history gives no new setting to change.
	obs.Settings = checkpointing.Changes(got).Apply(obs.Settings)
	obs.Facts.Options = nil
	again, _ := adv.Advise(seedNow(), obs)
	for _, f := range again {
		if !f.Change.IsZero() && f.Code != checkpointing.CodeRepeatedTimeouts {
			t.Errorf("after the advice: %v", f)
		}
	}
}

func TestAdvisorErrors(t *testing.T) {
	for _, cfg := range []checkpointing.DefaultAdvisorConfig{
		{RecoveryObjective: -1}, {RepeatedTimeouts: -1}, {MinGrowthPoints: 1}, {GrowthThreshold: -0.5}, {LargeInFlight: -1}, {LongAlignment: -1},
	} {
		if _, err := checkpointing.NewDefaultAdvisor(cfg); !errors.Is(err, checkpointing.ErrInvalidConfig) {
			t.Errorf("NewDefaultAdvisor(%+v) error = %v", cfg, err)
		}
	}
	adv, _ := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	now, obs := healthy()
	bad := obs
	bad.Settings.Timeout = time.Millisecond
	if _, err := adv.Advise(now, bad); !errors.Is(err, checkpointing.ErrInvalidConfig) {
		t.Errorf("bad settings: %v", err)
	}
	bad = obs
	bad.Facts.ElementBytes = checkpointing.Known[int64](-1)
	if _, err := adv.Advise(now, bad); !errors.Is(err, checkpointing.ErrInvalidInput) {
		t.Errorf("negative fact: %v", err)
	}
	boom := errors.New("boom")
	failing, _ := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{Policy: checkpointing.CheckpointPolicyFunc(
		func(checkpointing.CheckpointWorkload) (checkpointing.CheckpointPlan, error) {
			return checkpointing.CheckpointPlan{}, boom
		})})
	if _, err := failing.Advise(now, obs); !errors.Is(err, boom) {
		t.Errorf("policy error: %v", err)
	}
	obs.Settings.Interval = 0
	if _, err := failing.Advise(now, obs); !errors.Is(err, boom) {
		t.Errorf("policy error when disabled: %v", err)
	}
}

func TestSeverityAndOutcomeNames(t *testing.T) {
	names := []string{checkpointing.Info.String(), checkpointing.Warning.String(), checkpointing.Critical.String(), checkpointing.Severity(0).String(),
		checkpointing.Completed.String(), checkpointing.Failed.String(), checkpointing.InProgress.String(), checkpointing.Outcome(9).String(),
		checkpointing.SourceUnknown.String(), checkpointing.SourceLegacy.String(), checkpointing.SourceFLIP27.String(), checkpointing.SourceKind(-1).String()}
	want := []string{"info", "warning", "critical", "Severity(0)", "COMPLETED", "FAILED", "IN_PROGRESS", "Outcome(9)",
		"unknown", "legacy SourceFunction", "FLIP-27", "SourceKind(-1)"}
	if !slices.Equal(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	ev := []checkpointing.Evidence{
		{Name: "n", Value: 3}, {Name: "b", Value: 1.5e6, Unit: checkpointing.UnitBytes},
		{Name: "d", Value: 51.88, Unit: checkpointing.UnitSeconds}, {Name: "r", Value: 0.864, Unit: checkpointing.UnitRatio},
	}
	var got []string
	for _, e := range ev {
		got = append(got, e.String())
	}
	if want := []string{"n=3", "b=1.50 MB", "d=51.88s", "r=86%"}; !slices.Equal(got, want) {
		t.Errorf("evidence = %q, want %q", got, want)
	}
}
