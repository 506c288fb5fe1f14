package checkpointingtest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// Observations are the valid observations RunAdvisor tries, with the time
// to advise at: a healthy job, one with checkpointing disabled, one whose
// checkpoints expire, one with unaligned checkpoints behind a legacy source
// under backpressure, one with large in-flight buffers and growing state,
// and one whose figures are known zeros (checkpoints of under a
// millisecond, barriers that do not wait).
func Observations() (now time.Time, obs []checkpointing.Observation) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	history := func(n int, d time.Duration, size func(i int) int64, expired ...int) []checkpointing.Checkpoint {
		var h []checkpointing.Checkpoint
		for i := range n {
			c := checkpointing.Checkpoint{ID: int64(i + 1), Outcome: checkpointing.Completed, Trigger: start.Add(time.Duration(i) * time.Minute),
				Duration: d, CheckpointedBytes: size(i), StateBytes: size(i)}
			if slices.Contains(expired, i) {
				c.Outcome, c.Failure, c.CheckpointedBytes, c.StateBytes = checkpointing.Failed, "Checkpoint expired before completing.", 0, 0
			}
			h = append(h, c)
		}
		return h
	}
	flat := func(int) int64 { return 10e6 }
	growing := func(i int) int64 { return 10e6 + int64(i)*2e6 }
	return start.Add(10 * time.Minute), []checkpointing.Observation{
		{Settings: checkpointing.Settings{Interval: time.Minute}, History: history(10, 2*time.Second, flat)},
		{},
		{Settings: checkpointing.Settings{Interval: 10 * time.Second, Timeout: time.Minute}, History: history(10, 50*time.Second, flat, 2, 5, 8)},
		{Settings: checkpointing.Settings{Interval: time.Minute, Unaligned: true}, History: history(10, 4*time.Minute, flat, 7, 8, 9),
			Facts: checkpointing.Facts{Source: checkpointing.SourceLegacy, Backpressured: checkpointing.Known(true)}},
		{Settings: checkpointing.Settings{Interval: time.Minute, MaxBundleSize: 10_000}, History: history(10, 2*time.Second, growing),
			Facts: checkpointing.Facts{ElementBytes: checkpointing.Known[int64](180), Pipelines: 100,
				Alignment: checkpointing.Known(time.Minute), Backpressured: checkpointing.Known(true)}},
		{Settings: checkpointing.Settings{Interval: time.Minute}, History: history(10, 0, flat),
			Durations: checkpointing.DurationsOf(make([]time.Duration, 10)),
			Facts: checkpointing.Facts{Source: checkpointing.SourceFLIP27,
				Alignment: checkpointing.Known[time.Duration](0), Backpressured: checkpointing.Known(false)}},
	}
}

// RunAdvisor checks that the advisors newA returns keep the Advisor
// contract. It runs a subtest per observation of Observations and one for
// the invalid observations, each with an advisor of its own from newA.
func RunAdvisor(t *testing.T, newA func() checkpointing.Advisor) {
	t.Helper()
	now, all := Observations()
	for i, obs := range all {
		t.Run(fmt.Sprintf("observation %d", i), func(t *testing.T) {
			a := newA()
			before := slices.Clone(obs.History)
			fs, err := a.Advise(now, obs)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(obs.History, before) {
				t.Errorf("Advise modified the history")
			}
			if !slices.IsSortedFunc(fs, func(x, y checkpointing.Finding) int { return int(y.Severity) - int(x.Severity) }) {
				t.Errorf("findings not most severe first: %v", fs)
			}
			checkFindings(t, "observation", obs.Settings, fs)
			if again, _ := a.Advise(now, obs); !reflect.DeepEqual(again, fs) {
				t.Errorf("not deterministic")
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		a := newA()
		invalid := []checkpointing.Observation{
			{Settings: checkpointing.Settings{Interval: time.Millisecond}},
			{Settings: checkpointing.Settings{Interval: time.Minute}, Facts: checkpointing.Facts{ElementBytes: checkpointing.Known[int64](-1)}},
			{Settings: checkpointing.Settings{Interval: time.Minute}, Facts: checkpointing.Facts{Alignment: checkpointing.Known(-time.Second)}},
		}
		for _, obs := range invalid {
			_, err := a.Advise(now, obs)
			if !errors.Is(err, checkpointing.ErrInvalidConfig) && !errors.Is(err, checkpointing.ErrInvalidInput) {
				t.Errorf("invalid observation %+v: error %v", obs, err)
			}
		}
	})
}

// checkFindings checks what every finding must have.
func checkFindings(t *testing.T, what string, cur checkpointing.Settings, fs []checkpointing.Finding) {
	t.Helper()
	for _, f := range fs {
		if f.Code == "" || f.Severity < checkpointing.Info || f.Severity > checkpointing.Critical || f.Summary == "" || f.Action == "" {
			t.Errorf("%s: incomplete finding %+v", what, f)
		}
		if err := f.Change.Apply(cur).Validate(); err != nil {
			t.Errorf("%s: finding %s: change %v gives invalid settings: %v", what, f.Code, f.Change, err)
		}
	}
}
