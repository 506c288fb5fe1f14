package autoscale_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func newOperator(t *testing.T, cfg autoscale.OperatorCompatibleConfig) *autoscale.OperatorCompatible {
	t.Helper()
	p, err := autoscale.NewOperatorCompatible(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// minute is one step of a table-driven scenario over virtual time: run the
// trace for advance under rates, observing and deciding every minute.
type minute struct {
	advance time.Duration
	rates   map[string]autoscaletest.Rates
}

// decisions feeds p the trace's observations every minute through the
// phases and returns them with the decisions, keyed by minutes since the
// trace's start.
func decisions(t *testing.T, p autoscale.Policy, tr *autoscaletest.Trace, phases ...minute) map[int]result {
	t.Helper()
	start := tr.Now()
	out := map[int]result{}
	for _, ph := range phases {
		for _, obs := range tr.Run(ph.advance, time.Minute, ph.rates) {
			d, err := p.Decide(obs.Time, obs)
			if err != nil {
				t.Fatalf("%v: Decide: %v", obs.Time, err)
			}
			out[int(obs.Time.Sub(start)/time.Minute)] = result{obs, d}
		}
	}
	return out
}

type result struct {
	obs autoscale.Observation
	d   autoscale.Decision
}

// flow is v0 -> v1 each at in rec/s, the given busy fractions, the source's
// backlog growing by growth rec/s.
func flow(in, busy0, busy1, growth float64) map[string]autoscaletest.Rates {
	return map[string]autoscaletest.Rates{
		"v0": {In: in, Out: in, Busy: busy0, BacklogGrowth: growth},
		"v1": {In: in, Out: in, Busy: busy1},
	}
}

func wantTargets(t *testing.T, r result, want map[string]int) {
	t.Helper()
	for id, p := range want {
		if got := r.d.Targets[id]; got != p {
			t.Errorf("%v: %s target %d, want %d\n%s", r.obs.Time.Format(time.TimeOnly), id, got, p, r.d)
		}
	}
}

func wantReason(t *testing.T, r result, id string, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if !strings.Contains(r.d.Reasons[id], s) {
			t.Errorf("%v: %s reason %q lacks %q", r.obs.Time.Format(time.TimeOnly), id, r.d.Reasons[id], s)
		}
	}
}

// Gates: no decision for stabilization.interval (5 min) after RUNNING, then
// until metrics.window (15 min) of observations after it: the first
// decision comes 20 min after any restart.
func TestOperatorGates(t *testing.T) {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 2, 2))
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr, minute{40 * time.Minute, flow(1000, 1, 0.5, 500)})
	for m := 1; m < 20; m++ {
		wantTargets(t, got[m], map[string]int{"v0": 2, "v1": 2})
	}
	wantReason(t, got[4], "v0", "stabilizing after the restart at 09:00:00 until 09:05:00")
	wantReason(t, got[19], "v0", "the 15m0s window is full at 09:20:00")
	if !got[20].d.Scales(got[20].obs) {
		t.Errorf("no decision at 20 min: %s", got[20].d)
	}
}

// A decision only comes from at least two observations within the window:
// observed every 20 min, the operator never decides.
func TestOperatorCallPeriodAboveWindow(t *testing.T) {
	p := newOperator(t, autoscale.OperatorCompatibleConfig{})
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 2, 2))
	for _, obs := range tr.Run(4*time.Hour, 20*time.Minute, flow(1000, 1, 1, 5000)) {
		d, err := p.Decide(obs.Time, obs)
		if err != nil || d.Scales(obs) {
			t.Fatalf("%v: %s (err %v)", obs.Time, d, err)
		}
	}
}

// Scale-up with the defaults, from the documented formulas. The source
// reads 1,000 rec/s at busy 1.0 while its backlog grows by 500 rec/s; at 20
// min the backlog is 500 x 1200 s = 600,000 records.
//
//	TARGET_DATA_RATE = inputRate + d(lag)/dt = 1,000 + 500 = 1,500
//	CATCH_UP_DATA_RATE = lag / 1800 s = 333.3
//	TPR(v0) = 1,000 / 1.0 = 1,000; TPR(v1) = 1,000 / 0.5 = 2,000
//	capacity = round(333.3 + 1,500 x 300 / 1800 + 1,500 / 0.7) = round(2,726.2) = 2,726
//	v0: factor 2.726 -> ceil(2.726 x 2) = 6; v1: factor 1.363 -> ceil(2.726) = 3
//	scale-up threshold of v0 = round(333.3 + 1,500 / 1.0) = 1,833 > TPR 1,000: outside, so the job rescales.
func TestOperatorScaleUp(t *testing.T) {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 2, 2))
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr, minute{20 * time.Minute, flow(1000, 1, 0.5, 500)})
	r := got[20]
	wantTargets(t, r, map[string]int{"v0": 6, "v1": 3})
	wantReason(t, r, "v0", "TPR 1,000 rec/s at busy 1", "target rate 1,500 rec/s + catch-up 333 rec/s",
		"capacity 2,726 rec/s -> factor 2.73 -> 6", "outside its bounds (up below 1,833", "rescales from 2 to 6")
	wantReason(t, r, "v1", "TPR 2,000 rec/s at busy 0.5", "factor 1.36 -> 3")
	if r.d.Slots != 6 || r.d.TaskManagers != 2 {
		t.Errorf("%d slots on %d TaskManagers, want 6 on 2", r.d.Slots, r.d.TaskManagers)
	}
}

// Utilization bounds [0.4, 1.0]: no scaling while every vertex keeps up and
// is not over-provisioned, even if its target parallelism differs. At
// 2,400 rec/s, busy 0.6 on 4 subtasks: TPR 4,000; capacity round(400 +
// 3,428.6) = 3,829, factor 0.957 -> 4, within [2,400, 6,400]. At busy 0.9
// (TPR 2,667) the target would be ceil(1.436 x 4) = 6 but 2,667 is still
// within [2,400, 6,400]: nothing changes.
func TestOperatorWithinBounds(t *testing.T) {
	for _, c := range []struct {
		busy float64
		note string
	}{
		{0.6, "within its bounds (up below 2,400, down above 6,400 rec/s); keeps 4"},
		{0.9, "no changing vertex is outside its bounds, so it keeps 4"},
	} {
		tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 4, 4))
		got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr, minute{3 * time.Hour, flow(2400, c.busy, c.busy, 0)})
		for m, r := range got {
			if r.d.Scales(r.obs) {
				t.Fatalf("busy %v, minute %d: scales: %s", c.busy, m, r.d)
			}
		}
		wantReason(t, got[30], "v0", c.note)
	}
}

// Delayed scale-down: a scale-down is applied only once its first
// recommendation is scale-down.interval (1 h) old, to the largest
// recommendation of the last hour. 10 subtasks at 1,000 rec/s: at busy 0.35
// TPR 2,857 > scale-down threshold round(166.7 + 2,500) = 2,667, factor
// 1,595 / 2,857 = 0.558 -> ceil(5.58) = 6; at busy 0.2 TPR 5,000, factor
// 0.319 clamped to 0.4 -> 4. First recommended at 20 min (6), busy 0.2 from
// 40 min: at 80 min it scales to 6, the largest of [20, 80] min.
func TestOperatorDelayedScaleDown(t *testing.T) {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 10, 10))
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr,
		minute{40 * time.Minute, flow(1000, 0.35, 0.35, 0)}, minute{40 * time.Minute, flow(1000, 0.2, 0.2, 0)})
	wantReason(t, got[20], "v0", "factor 0.558 -> 6", "the scale-down waits until 10:20:00")
	wantReason(t, got[70], "v0", "factor 0.4 -> 4", "waits until 10:20:00")
	wantTargets(t, got[79], map[string]int{"v0": 10, "v1": 10})
	wantTargets(t, got[80], map[string]int{"v0": 6, "v1": 6})
	wantReason(t, got[80], "v0", "first recommended at 09:20:00, the scale-down goes to 6, the largest recommendation of the last 1h0m0s")

	immediate := newOperator(t, autoscale.OperatorCompatibleConfig{ScaleDownInterval: -1})
	tr = autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 10, 10))
	wantTargets(t, decisions(t, immediate, tr, minute{20 * time.Minute, flow(1000, 0.2, 0.2, 0)})[20], map[string]int{"v0": 4, "v1": 4})
}

// A recommendation back at the current parallelism, or a scale-up, clears
// a pending scale-down: the hour starts again at the next recommendation.
func TestOperatorScaleDownClearedByScaleUpOrKeep(t *testing.T) {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 10, 10))
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr,
		minute{30 * time.Minute, flow(1000, 0.2, 0.2, 0)}, // wants 4 from 20 min
		minute{20 * time.Minute, flow(1000, 0.6, 0.6, 0)}, // TPR 1,667: factor 0.957 -> 10 from about 41 min
		minute{40 * time.Minute, flow(1000, 0.2, 0.2, 0)}) // wants 4 again
	for m := 20; m <= 90; m++ {
		if got[m].d.Scales(got[m].obs) {
			t.Fatalf("minute %d: scales: %s", m, got[m].d)
		}
	}
	wantReason(t, got[50], "v0", "keeps 10")
	if !strings.Contains(got[90].d.Reasons["v0"], "waits until") || strings.Contains(got[90].d.Reasons["v0"], "until 10:20:00") {
		t.Errorf("pending scale-down not restarted: %s", got[90].d.Reasons["v0"])
	}
}

// Backlog mode: while a source's backlog exceeds 5 min of its input rate
// the bounds are [0, 1], so an over-provisioned vertex is within them and
// nothing scales down. 600,000 records is 10 min of 1,000 rec/s. (The
// source is backpressured 80% of the time, so its observed TPR while
// catching up, 1,000 / 0.2, is its busy-time TPR 1,000 / 0.2.)
func TestOperatorBacklogModeBlocksScaleDown(t *testing.T) {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 10, 10))
	tr.SetBacklog("v0", 600000)
	rates := flow(1000, 0.2, 0.2, 0)
	rates["v0"] = autoscaletest.Rates{In: 1000, Out: 1000, Busy: 0.2, Backpressured: 0.8}
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr, minute{3 * time.Hour, rates})
	for m, r := range got {
		if r.d.Scales(r.obs) {
			t.Fatalf("minute %d: scales: %s", m, r.d)
		}
	}
	if s := got[100].d.Summary; !strings.Contains(s, "backlog mode, bounds [0, 1]: source v0 has 600 s of backlog (threshold 300 s)") {
		t.Errorf("summary %q does not explain the backlog mode", s)
	}
}

// An idle job (no input) has an unbounded TPR, so the operator shrinks it
// by the maximum factor 0.4 once an hour after the first recommendation:
// 8 -> ceil(0.4 x 8) = 4 at 80 min.
func TestOperatorIdleScalesDown(t *testing.T) {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 8, 8))
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr, minute{80 * time.Minute, flow(0, 0, 0, 0)})
	wantTargets(t, got[79], map[string]int{"v0": 8, "v1": 8})
	wantTargets(t, got[80], map[string]int{"v0": 4, "v1": 4})
	wantReason(t, got[80], "v1", "TPR unbounded", "factor 0.4 -> 4")
}

// Alignment at the decision level: 16 partitions, 4 subtasks at busy 1.0
// and 2,000 rec/s with the backlog growing 1,000 rec/s: target 3,000,
// catch-up 1,200,000 / 1,800 = 666.7, capacity round(666.7 + 500 + 4,285.7)
// = 5,452, factor 2.726 -> ceil(10.9) = 11, aligned to 16. The keyed v1
// (TPR 4,000 at busy 0.5) gets ceil(1.363 x 4) = 6, aligned to 8, a divisor
// of 128 key groups.
func TestOperatorAlignment(t *testing.T) {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 16, true, 4, 4))
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr, minute{20 * time.Minute, flow(2000, 1, 0.5, 1000)})
	wantTargets(t, got[20], map[string]int{"v0": 16, "v1": 8})
	wantReason(t, got[20], "v0", "-> 11 (aligned to 16, a divisor of 16 partitions)")
	wantReason(t, got[20], "v1", "-> 6 (aligned to 8, a divisor of 128 key groups)")

	// At its 6 partitions, a source stays however far behind it is.
	tr = autoscaletest.NewTrace(autoscaletest.Chain(epoch, 6, false, 6, 6))
	got = decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr, minute{20 * time.Minute, flow(6000, 1, 1, 6000)})
	wantTargets(t, got[20], map[string]int{"v0": 6})
	wantReason(t, got[20], "v0", "aligning to 6 partitions finds nothing in that direction, so it stays at 6")
}

// Propagation through a DAG by output ratios, with the operator's edge
// rates from vertex counters: s reads 1,000 rec/s and feeds a (2,000 in:
// ratio 2) and b (1,000 in: ratio 1); j reads a and b, each with one
// output, 2,500 rec/s: edge a->j = 2,500 - b's 500 out = 2,000 (ratio 1),
// b->j = 2,500 - a's 2,000 out = 500 (ratio 0.5). Targets: a 2,000, b
// 1,000, j 2,000 x 1 + 1,000 x 0.5 = 2,500.
func TestOperatorDAGPropagation(t *testing.T) {
	job := autoscaletest.Chain(epoch, 0, false, 2, 2, 2, 2)
	job.Edges = []autoscale.Edge{{From: "v0", To: "v1"}, {From: "v0", To: "v2"}, {From: "v1", To: "v3"}, {From: "v2", To: "v3"}}
	rates := map[string]autoscaletest.Rates{
		"v0": {In: 1000, Out: 3000, Busy: 0.5},
		"v1": {In: 2000, Out: 2000, Busy: 0.5},
		"v2": {In: 1000, Out: 500, Busy: 0.5},
		"v3": {In: 2500, Out: 0, Busy: 0.5},
	}
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), autoscaletest.NewTrace(job), minute{20 * time.Minute, rates})
	for id, want := range map[string]string{"v0": "target rate 1,000 rec/s", "v1": "target rate 2,000 rec/s",
		"v2": "target rate 1,000 rec/s", "v3": "target rate 2,500 rec/s"} {
		wantReason(t, got[20], id, want)
	}
}

// Observed TPR while catching up: the source's backlog (100,000 records)
// is at least 30 s of its 1,000 rec/s, and the busy-time TPR 1,000 / 0.5 =
// 2,000 exceeds the observed 1,000 / (1 - 0.2) = 1,250 by more than 15%,
// so the observed one is used.
func TestOperatorObservedTPR(t *testing.T) {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 2, 2))
	tr.SetBacklog("v0", 100000)
	rates := flow(1000, 0.5, 0.5, 0)
	rates["v0"] = autoscaletest.Rates{In: 1000, Out: 1000, Busy: 0.5, Backpressured: 0.2}
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr, minute{20 * time.Minute, rates})
	wantReason(t, got[20], "v0", "TPR 1,250 rec/s observed while catching up (busy-time TPR 2,000 rec/s")
	wantReason(t, got[20], "v1", "TPR 2,000 rec/s at busy 0.5")
}

// A restart (new LastRestart) starts a new window: 20 min again before a
// decision.
func TestOperatorRestartResetsWindow(t *testing.T) {
	p := newOperator(t, autoscale.OperatorCompatibleConfig{})
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 2, 2))
	decisions(t, p, tr, minute{30 * time.Minute, flow(1000, 0.6, 0.6, 0)})
	tr.Restart(nil)
	got := decisions(t, p, tr, minute{20 * time.Minute, flow(1000, 1, 1, 2000)})
	wantReason(t, got[4], "v0", "stabilizing after the restart at 09:30:00")
	wantReason(t, got[19], "v0", "collecting metrics")
	if !got[20].d.Scales(got[20].obs) {
		t.Errorf("no decision 20 min after the restart: %s", got[20].d)
	}
}

// Missing figures: a vertex whose busy time is missing now keeps its
// parallelism; a source whose backlog is missing keeps it, and so does
// what it feeds; a source whose input is missing stops the evaluation.
func TestOperatorMissingFigures(t *testing.T) {
	hot := flow(1000, 1, 1, 500)
	for _, c := range []struct {
		name   string
		edit   func(map[string]autoscaletest.Rates)
		want   map[string]int
		reason string
	}{
		{"busy of v1", func(r map[string]autoscaletest.Rates) {
			r["v1"] = autoscaletest.Rates{In: 1000, Out: 1000, Busy: nan()}
		},
			map[string]int{"v0": 6, "v1": 2}, "the true processing rate is missing"},
		{"backlog of v0", func(r map[string]autoscaletest.Rates) {
			r["v0"] = autoscaletest.Rates{In: 1000, Out: 1000, Busy: 1, BacklogGrowth: nan()}
		}, map[string]int{"v0": 2, "v1": 2}, "the target rate is missing"},
		{"input of v0", func(r map[string]autoscaletest.Rates) { r["v0"] = autoscaletest.Rates{Out: 1000, In: nan(), Busy: 1} },
			map[string]int{"v0": 2, "v1": 2}, "the input rate of source v0 is missing"},
	} {
		tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 2, 2))
		missing := flow(1000, 1, 1, 500)
		c.edit(missing)
		got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), tr, minute{19 * time.Minute, hot}, minute{time.Minute, missing})
		wantTargets(t, got[20], c.want)
		for id, p := range c.want {
			if p == 2 {
				wantReason(t, got[20], id, c.reason)
			}
		}
	}
}

// Scale factor limits: scale-up.max-factor caps one step at 1 + factor.
func TestOperatorMaxScaleUpFactor(t *testing.T) {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 2, 2))
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{MaxScaleUpFactor: 0.5}), tr, minute{20 * time.Minute, flow(1000, 1, 0.5, 500)})
	wantTargets(t, got[20], map[string]int{"v0": 3, "v1": 3}) // factor 2.726 capped at 1.5: ceil(3.0)
}

func TestOperatorConfigValidate(t *testing.T) {
	for name, cfg := range map[string]autoscale.OperatorCompatibleConfig{
		"negative window":        {MetricsWindow: -time.Minute},
		"target above 1":         {TargetUtilization: 1.2},
		"min above target":       {UtilizationMin: 0.8},
		"max below target":       {UtilizationMax: 0.5},
		"scale-down factor 1.5":  {MaxScaleDownFactor: 1.5},
		"negative up factor":     {MaxScaleUpFactor: -1},
		"max below min":          {VertexMinParallelism: 10, VertexMaxParallelism: 5},
		"negative observations":  {ObservedTPRMinObservations: -1},
		"negative lag threshold": {BacklogThreshold: -time.Second},
	} {
		if err := cfg.Validate(); !errors.Is(err, autoscale.ErrInvalidConfig) {
			t.Errorf("%s: Validate = %v, want ErrInvalidConfig", name, err)
		}
		if _, err := autoscale.NewOperatorCompatible(cfg); !errors.Is(err, autoscale.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("%s: NewOperatorCompatible error %v, want ErrInvalidConfig (and the root one)", name, err)
		}
	}
	if err := (autoscale.OperatorCompatibleConfig{}).Validate(); err != nil {
		t.Errorf("zero config: %v", err)
	}
}

func nan() float64 { return math.NaN() }

// A source that reads no Kafka (no Source information) has no backlog,
// as in the operator, and is sized on its busy time alone: TPR 1,000,
// target 1,000, capacity round(166.7 + 1,428.6) = 1,595, factor 1.595 -> 4;
// but at busy 1.0 without a backlog it keeps up (TPR 1,000 is not below
// the scale-up threshold 1,000), so nothing changes.
func TestOperatorSourceWithoutKafka(t *testing.T) {
	job := autoscaletest.Chain(epoch, 0, false, 2, 2)
	job.Vertices[0].Source = nil
	got := decisions(t, newOperator(t, autoscale.OperatorCompatibleConfig{}), autoscaletest.NewTrace(job), minute{20 * time.Minute, flow(1000, 1, 0.5, 0)})
	wantTargets(t, got[20], map[string]int{"v0": 2, "v1": 2})
	wantReason(t, got[20], "v0", "target rate 1,000 rec/s + catch-up 0 rec/s -> capacity 1,595 rec/s -> factor 1.59 -> 4; within its bounds (up below 1,000,")
}

// An observation older than the previous one is ignored; another job
// starts a new window.
func TestOperatorOutOfOrderAndNewJob(t *testing.T) {
	p := newOperator(t, autoscale.OperatorCompatibleConfig{})
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 2, 2))
	obs := tr.Run(30*time.Minute, time.Minute, flow(1000, 0.6, 0.6, 0))
	for _, o := range obs {
		if _, err := p.Decide(o.Time, o); err != nil {
			t.Fatal(err)
		}
	}
	old := obs[10]
	d, _ := p.Decide(old.Time, old)
	if !strings.Contains(d.Summary, "older than the one before") || d.Scales(old) {
		t.Errorf("old observation: %s", d)
	}
	other := tr.Step(time.Minute, flow(1000, 1, 1, 5000))
	other.Job = "other"
	if d, _ := p.Decide(other.Time, other); !strings.Contains(d.Summary, "collecting metrics") {
		t.Errorf("new job: %s", d)
	}
}

// A pending scale-down survives a restart that keeps the vertex's
// parallelism (the operator stores it), not one that changes it.
func TestOperatorPendingScaleDownAcrossRestart(t *testing.T) {
	for _, c := range []struct {
		restart map[string]int
		want    map[string]int
	}{
		{nil, map[string]int{"v0": 4, "v1": 4}},                     // first recommended at 20 min: applied at 80
		{map[string]int{"v1": 9}, map[string]int{"v0": 4, "v1": 9}}, // v1's restarts at 50 min; v0 keeps its own
	} {
		p := newOperator(t, autoscale.OperatorCompatibleConfig{})
		tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 0, false, 10, 10))
		decisions(t, p, tr, minute{30 * time.Minute, flow(1000, 0.2, 0.2, 0)})
		tr.Restart(c.restart)
		got := decisions(t, p, tr, minute{50 * time.Minute, flow(1000, 0.2, 0.2, 0)})
		wantTargets(t, got[50], c.want)
	}
}
