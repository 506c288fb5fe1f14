package autoscale_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

func newDefault(t *testing.T, cfg autoscale.DefaultConfig) *autoscale.Default {
	t.Helper()
	p, err := autoscale.NewDefault(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultConformance(t *testing.T) {
	for _, c := range []struct {
		name string
		new  func() autoscale.Policy
	}{
		{"NewDefault", func() autoscale.Policy { return newDefault(t, autoscale.DefaultConfig{}) }},
		{"zero value", func() autoscale.Policy { return &autoscale.Default{} }},
		{"compressed time", func() autoscale.Policy {
			return newDefault(t, autoscale.DefaultConfig{LagSLO: 4 * time.Second, CatchUpTime: 20 * time.Second,
				RestartCost: 30 * time.Second, RestartDowntime: time.Second, CheckpointInterval: 2 * time.Second,
				MetricRefresh: time.Second / 3, DecisionInterval: 2 * time.Second, TrendWindow: 2 * time.Minute,
				MaxHorizon: 4 * time.Minute})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			autoscaletest.Run(t, c.new)
		})
	}
}

func TestDefaultConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  autoscale.DefaultConfig
		ok   bool
	}{
		{"zero", autoscale.DefaultConfig{}, true},
		{"compressed", autoscale.DefaultConfig{LagSLO: 6 * time.Second, RestartDowntime: time.Second, DecisionInterval: time.Second}, true},
		{"utilization 1", autoscale.DefaultConfig{TargetUtilization: 1}, true},
		{"negative SLO", autoscale.DefaultConfig{LagSLO: -time.Second}, false},
		{"negative restart cost", autoscale.DefaultConfig{RestartCost: -time.Minute}, false},
		{"negative refresh", autoscale.DefaultConfig{MetricRefresh: -1}, false},
		{"utilization above 1", autoscale.DefaultConfig{TargetUtilization: 1.1}, false},
		{"negative utilization", autoscale.DefaultConfig{TargetUtilization: -0.5}, false},
		{"NaN utilization", autoscale.DefaultConfig{TargetUtilization: math.NaN()}, false},
		{"negative max parallelism", autoscale.DefaultConfig{MaxParallelism: -1}, false},
		{"scaled", autoscale.DefaultConfig{}.Scaled(1.0 / 30), true},
		{"scaled by 0", autoscale.DefaultConfig{}.Scaled(0), false},
		{"scaled by a negative factor", autoscale.DefaultConfig{LagSLO: time.Minute}.Scaled(-2), false},
		{"scaled by NaN", autoscale.DefaultConfig{}.Scaled(math.NaN()), false},
		{"scaled by +Inf", autoscale.DefaultConfig{}.Scaled(math.Inf(1)), false},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err == nil) != tt.ok || (err != nil && (!errors.Is(err, autoscale.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig))) {
			t.Errorf("%s: Validate() = %v, want ok %v (errors wrapping ErrInvalidConfig)", tt.name, err, tt.ok)
		}
		if _, err := autoscale.NewDefault(tt.cfg); (err == nil) != tt.ok {
			t.Errorf("%s: NewDefault error %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// After a rescale the next call decides again: the rate doubled at the
// restart, so the first observation after it (counters since the restart,
// the arrival rate from the backlog over the lag, the capacity at the new
// parallelism estimated from the old) scales up again, where the operator
// would wait 20 minutes.
func TestDefaultDecidesRightAfterARestart(t *testing.T) {
	m := model{perSub: []float64{1000, 1000}, arrival: func(e time.Duration) float64 {
		switch {
		case e >= 11*time.Minute:
			return 12000
		case e >= 10*time.Minute:
			return 6000
		}
		return 3800
	}}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{4, 4}, 13*time.Minute)
	if r := results[11]; r.d.Targets["v0"] != 8 {
		t.Fatalf("minute 11: v0 target %d, want 8\n%s", r.d.Targets["v0"], r.d)
	}
	r := results[12]
	if !r.obs.LastRestart.Equal(r.obs.Time.Add(-time.Minute)) {
		t.Fatalf("minute 12 is not the first observation after the restart")
	}
	if r.d.Targets["v0"] <= 8 {
		t.Fatalf("minute 12: v0 target %d, want a scale-up from 8\n%s", r.d.Targets["v0"], r.d)
	}
	wantReason(t, r, "v0", "records waiting over a lag of", "estimated from measurements at 4")
}

// Two pipelines in their own slot-sharing groups: each is sized for
// itself, and when one must scale up, the other's smaller size rides on
// the same restart.
func TestDefaultPipelines(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	a, b := autoscaletest.Chain(start, 16, false, 4, 4), autoscaletest.Chain(start, 16, false, 8, 8)
	job := a
	for i := range job.Vertices {
		job.Vertices[i].SlotSharingGroup = "a"
	}
	for _, v := range b.Vertices {
		v.ID, v.SlotSharingGroup = "b"+v.ID[1:], "b"
		job.Vertices = append(job.Vertices, v)
	}
	job.Edges = append(job.Edges, autoscale.Edge{From: "b0", To: "b1"})
	tr := autoscaletest.NewTrace(job)
	p := newDefault(t, autoscale.DefaultConfig{})
	flow := func(prefix string, in, busy, growth float64) map[string]autoscaletest.Rates {
		return map[string]autoscaletest.Rates{
			prefix + "0": {In: in, Out: in, Busy: busy, BacklogGrowth: growth},
			prefix + "1": {In: in, Out: in, Busy: busy},
		}
	}
	var d autoscale.Decision
	var obs autoscale.Observation
	for minute := 1; minute <= 6; minute++ {
		rates := flow("v", 3500, 0.875, 0) // a: 3,500 of 4,000 rec/s
		for k, v := range flow("b", 3000, 0.375, 0) {
			rates[k] = v // b: 3,000 of 8,000 rec/s: 4 subtasks would do
		}
		if minute == 6 { // a: 6,000 rec/s arrive, 4,000 are read
			for k, v := range flow("v", 4000, 1, 2000) {
				rates[k] = v
			}
		}
		obs = tr.Step(time.Minute, rates)
		var err error
		if d, err = p.Decide(obs.Time, obs); err != nil {
			t.Fatal(err)
		}
		if minute < 6 && d.Scales(obs) {
			t.Fatalf("minute %d: rescales %v: %s", minute, d.Changes(obs), d)
		}
	}
	want := map[string]int{"v0": 8, "v1": 8, "b0": 4, "b1": 4}
	wantTargets(t, result{obs, d}, want)
	wantReason(t, result{obs, d}, "b0", "Goes from 8 to 4 subtasks, its size in the new configuration, as the job must scale up now")
	if d.Slots != 12 {
		t.Errorf("%d slots, want 8 + 4", d.Slots)
	}
}

// A vertex whose figures are missing keeps its parallelism; a source whose
// backlog is missing leaves its whole pipeline's demand unknown.
func TestDefaultMissingFigures(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		edit    func(map[string]autoscaletest.Rates)
		want    map[string]int
		reasons map[string]string
	}{
		{"busy time of v1", func(r map[string]autoscaletest.Rates) { x := r["v1"]; x.Busy = math.NaN(); r["v1"] = x },
			map[string]int{"v0": 8, "v1": 4}, map[string]string{"v1": "its busy time (not finite (NaN)) is missing, and Default never acts on a missing figure"}},
		{"backlog of the source", func(r map[string]autoscaletest.Rates) { x := r["v0"]; x.BacklogGrowth = math.Inf(1); r["v0"] = x },
			map[string]int{"v0": 4, "v1": 4}, map[string]string{"v0": "its backlog (the trace's backlog growth is not a finite number) is missing", "v1": "the demand of v0 is unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := autoscaletest.NewTrace(autoscaletest.Chain(start, 16, false, 4, 4))
			p := newDefault(t, autoscale.DefaultConfig{})
			for range 5 {
				if _, err := p.Decide(tr.Now(), tr.Step(time.Minute, flow(3500, 0.875, 0.875, 0))); err != nil {
					t.Fatal(err)
				}
			}
			rates := flow(4000, 1, 1, 2000)
			tt.edit(rates)
			obs := tr.Step(time.Minute, rates)
			d, err := p.Decide(obs.Time, obs)
			if err != nil {
				t.Fatal(err)
			}
			wantTargets(t, result{obs, d}, tt.want)
			for id, s := range tt.reasons {
				wantReason(t, result{obs, d}, id, s)
			}
		})
	}
}

// A rising rate is sized for where its trend will be over the horizon,
// not for now: fewer, larger steps.
func TestDefaultSizesForTheTrend(t *testing.T) {
	// 2,000 rec/s rising by 1,000 rec/s an hour on 1,000 rec/s subtasks.
	m := model{perSub: []float64{1000, 1000}, arrival: func(e time.Duration) float64 { return 2000 + 1000*e.Hours() }}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{3, 3}, 65*time.Minute)
	for minute := 1; minute <= 65; minute++ {
		r := results[minute]
		if !r.d.Scales(r.obs) {
			continue
		}
		// At 3,000 rec/s (1 h), g = 1/3 an hour: the horizon is
		// sqrt(2 x 15 min / g) = 1.22 h, so 4,220 rec/s at 0.9: 5 subtasks
		// (the rate alone would need 4).
		if got := r.d.Targets["v0"]; got != 5 || minute < 58 {
			t.Fatalf("minute %d: v0 %d -> %d, want 3 -> 5 a minute or two before 3,000 rec/s\n%s", minute, r.obs.Vertices[0].Parallelism, got, r.d)
		}
		wantReason(t, r, "v0", "trend 1,000 rec/s per hour", "at the sizing horizon")
		return
	}
	t.Fatal("no scale-up")
}

// A source that reports too little busy time while its backlog grows (a
// known failing of some Flink sources) is still scaled up: with a backlog
// it is never idle, so what it reads while not backpressured is its
// capacity.
func TestDefaultSourceBusyReadsLow(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	tr := autoscaletest.NewTrace(autoscaletest.Chain(start, 16, false, 4, 8))
	p := newDefault(t, autoscale.DefaultConfig{})
	var r result
	for minute := 1; minute <= 3; minute++ {
		obs := tr.Step(time.Minute, flow(4000, 0.05, 0.5, 2000)) // 6,000 rec/s arrive, 4,000 are read
		d, err := p.Decide(obs.Time, obs)
		if err != nil {
			t.Fatal(err)
		}
		r = result{obs, d}
	}
	if got := r.d.Targets["v0"]; got <= 4 {
		t.Fatalf("minute 3: v0 target %d, want a scale-up from 4\n%s", got, r.d)
	}
	wantReason(t, r, "v0", "at 4 subtasks it takes in up to 3,996 rec/s, less than the 6,000 rec/s expected")
}

// Until a vertex's capacity is measured, Default does not say the job keeps
// up: Decision.Unsized names the vertex and why, and the summary says what
// is not known yet. Once every capacity is measured, Unsized is nil.
func TestDefaultUnsizedUntilMeasured(t *testing.T) {
	m := model{perSub: []float64{1000, 1000}, arrival: func(e time.Duration) float64 { return 500 + 300*e.Minutes() }}
	results := m.run(t, newDefault(t, autoscale.DefaultConfig{}), []int{4, 4}, 10*time.Minute)
	sawUnmeasured, sawSized := false, false
	for minute := 1; minute <= 10; minute++ {
		r, ok := results[minute]
		if !ok {
			continue
		}
		switch {
		case len(r.d.Unsized) > 0:
			for id, why := range r.d.Unsized {
				if why == "" || !strings.Contains(r.d.Reasons[id], "Keeps") {
					t.Errorf("minute %d: %s unsized (%q) but its reason is %q", minute, id, why, r.d.Reasons[id])
				}
			}
			if strings.Contains(r.d.Summary, "keeps every vertex: the job keeps up") {
				t.Errorf("minute %d: vertices unsized (%v) yet the summary says %q", minute, r.d.Unsized, r.d.Summary)
			}
			if strings.Contains(fmt.Sprint(r.d.Unsized), "capacity has not been measured") {
				sawUnmeasured = true
				if !strings.Contains(r.d.Summary, "has not been measured yet") {
					t.Errorf("minute %d: summary %q does not say which capacity is unmeasured", minute, r.d.Summary)
				}
			}
		default:
			sawSized = true
			if !strings.Contains(r.d.Summary, "keeps up") {
				t.Errorf("minute %d: every vertex sized, summary %q", minute, r.d.Summary)
			}
		}
	}
	if !sawUnmeasured || !sawSized {
		t.Fatalf("saw an unmeasured capacity: %v, a fully sized decision: %v; want both", sawUnmeasured, sawSized)
	}
}
