package autoscale_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
)

// eagerOperator decides every minute: a 3 min window, no stabilization,
// no delayed scale-down.
func eagerOperator(t *testing.T) *autoscale.OperatorCompatible {
	return newOperator(t, autoscale.OperatorCompatibleConfig{MetricsWindow: 3 * time.Minute, Stabilization: -1, ScaleDownInterval: -1})
}

// A negative figure counts as missing: each policy decides the same when
// one of a vertex's figures is negative as when it is missing for the
// reason Value.NonNegative gives, and does not scale on it. (Before, the operator took a negative busy time as 0,
// hence an unbounded processing rate, and scaled down.)
func TestNegativeFigureCountsAsMissing(t *testing.T) {
	figures := map[string]func(v *autoscale.Vertex, x autoscale.Value){
		"records in":    func(v *autoscale.Vertex, x autoscale.Value) { v.RecordsIn = x },
		"records out":   func(v *autoscale.Vertex, x autoscale.Value) { v.RecordsOut = x },
		"busy":          func(v *autoscale.Vertex, x autoscale.Value) { v.Busy = x },
		"backpressured": func(v *autoscale.Vertex, x autoscale.Value) { v.Backpressured = x },
		"backlog":       func(v *autoscale.Vertex, x autoscale.Value) { v.Source.Backlog = x },
		"time lag":      func(v *autoscale.Vertex, x autoscale.Value) { v.Source.TimeLag = x },
	}
	policies := map[string]func() autoscale.Policy{
		"Default":            func() autoscale.Policy { return newDefault(t, autoscale.DefaultConfig{}) },
		"OperatorCompatible": func() autoscale.Policy { return eagerOperator(t) },
	}
	for pname, newPolicy := range policies {
		for fname, set := range figures {
			for _, vertex := range []int{0, 1} {
				if vertex == 1 && (fname == "backlog" || fname == "time lag") {
					continue
				}
				t.Run(pname+"/"+fname+"/v"+string(rune('0'+vertex)), func(t *testing.T) {
					neg, miss := newPolicy(), newPolicy()
					tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 8, false, 4, 4))
					tr.SetBacklog("v0", 60000)
					for i := range 20 {
						obs := tr.Step(time.Minute, flow(2000, 0.5, 0.5, 0))
						a, b := autoscaletest.Clone(obs), autoscaletest.Clone(obs)
						if i >= 10 {
							set(&a.Vertices[vertex], autoscale.Of(-0.5))
							set(&b.Vertices[vertex], autoscale.MissingBecause("negative (-0.5)"))
						}
						da, err := neg.Decide(a.Time, a)
						if err != nil {
							t.Fatal(err)
						}
						db, _ := miss.Decide(b.Time, b)
						if !reflect.DeepEqual(da, db) {
							t.Fatalf("minute %d: with a negative %s:\n%v\nwith it missing:\n%v", i, fname, da, db)
						}
					}
				})
			}
		}
	}
}

// A missing figure's reason reaches the decision intact: a vertex kept
// for its missing figures, or the operator's backlog mode and its fatal
// missing input rate, say why each is missing.
func TestMissingFigureReasons(t *testing.T) {
	const why = "fetch failed: connection refused"
	tests := []struct {
		name   string
		policy func() autoscale.Policy
		edit   func(obs *autoscale.Observation)
		want   func(d autoscale.Decision) string
		text   string
	}{
		{"Default: a source's backlog", func() autoscale.Policy { return newDefault(t, autoscale.DefaultConfig{}) },
			func(obs *autoscale.Observation) { obs.Vertices[0].Source.Backlog = autoscale.MissingBecause(why) },
			func(d autoscale.Decision) string { return d.Reasons["v0"] },
			"its backlog (" + why + ") is missing"},
		{"Default: records in and busy time", func() autoscale.Policy { return newDefault(t, autoscale.DefaultConfig{}) },
			func(obs *autoscale.Observation) {
				obs.Vertices[1].RecordsIn, obs.Vertices[1].Busy = autoscale.MissingBecause(why), autoscale.MissingBecause("metric not reported")
			},
			func(d autoscale.Decision) string { return d.Reasons["v1"] },
			"its records in (" + why + ") and busy time (metric not reported) are missing"},
		{"OperatorCompatible: a source's backlog", func() autoscale.Policy { return eagerOperator(t) },
			func(obs *autoscale.Observation) { obs.Vertices[0].Source.Backlog = autoscale.MissingBecause(why) },
			func(d autoscale.Decision) string { return d.Summary },
			"the backlog of source v0 is missing (" + why + ")"},
		{"OperatorCompatible: a source's records in", func() autoscale.Policy { return eagerOperator(t) },
			func(obs *autoscale.Observation) { obs.Vertices[0].RecordsIn = autoscale.MissingBecause(why) },
			func(d autoscale.Decision) string { return d.Summary },
			"the input rate of source v0 is missing in the window (" + why + ")"},
		{"OperatorCompatible: a vertex's busy time", func() autoscale.Policy { return eagerOperator(t) },
			func(obs *autoscale.Observation) { obs.Vertices[1].Busy = autoscale.MissingBecause(why) },
			func(d autoscale.Decision) string { return d.Reasons["v1"] },
			"now its busy time (" + why + ") is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy()
			tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 8, false, 4, 4))
			var d autoscale.Decision
			for i := range 6 {
				obs := tr.Step(time.Minute, flow(2000, 0.5, 0.5, 0))
				if i == 5 {
					tt.edit(&obs)
				}
				var err error
				if d, err = p.Decide(obs.Time, obs); err != nil {
					t.Fatal(err)
				}
			}
			if got := tt.want(d); !strings.Contains(got, tt.text) {
				t.Errorf("%q lacks %q", got, tt.text)
			}
		})
	}
}

// The operator took a negative busy time as 0 and scaled a job at its
// right size down.
func TestOperatorNegativeBusyDoesNotScale(t *testing.T) {
	p := eagerOperator(t)
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 8, false, 4, 4))
	for i := range 20 {
		obs := tr.Step(time.Minute, flow(2000, 0.7, 0.7, 0))
		if i >= 10 {
			obs.Vertices[1].Busy = autoscale.Of(-1)
		}
		d, err := p.Decide(obs.Time, obs)
		if err != nil {
			t.Fatal(err)
		}
		if d.Scales(obs) {
			t.Fatalf("minute %d: a negative busy time made it rescale: %s", i, d)
		}
	}
}

// An observation older than the latest one given is stale, even when the
// latest one found the job not running: the operator ignores it. (Before,
// it decided again on the observation before the job stopped, and
// rescaled.)
func TestOperatorStaleAfterNotRunning(t *testing.T) {
	p := eagerOperator(t)
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 8, false, 4, 4))
	var before autoscale.Observation
	for range 10 {
		before = tr.Step(time.Minute, flow(4000, 1, 1, 500))
		if _, err := p.Decide(before.Time, before); err != nil {
			t.Fatal(err)
		}
	}
	stopped := tr.Step(time.Minute, flow(4000, 1, 1, 500))
	stopped.Running = false
	if _, err := p.Decide(stopped.Time, stopped); err != nil {
		t.Fatal(err)
	}
	d, err := p.Decide(stopped.Time, before)
	if err != nil {
		t.Fatal(err)
	}
	if d.Scales(before) || !strings.Contains(d.Summary, "older than the one before") {
		t.Errorf("the observation before the job stopped, again: %s", d)
	}
}

// failover returns the observations of a job at its size whose subtasks
// fail over at minute at: the job stays RUNNING since the same time, but
// the counters restart from zero.
func failover(total, at int, rates map[string]autoscaletest.Rates, parallelism ...int) []autoscale.Observation {
	tr := autoscaletest.NewTrace(autoscaletest.Chain(epoch, 8, false, parallelism...))
	var out []autoscale.Observation
	base := map[string]float64{}
	for i := range total {
		obs := tr.Step(time.Minute, rates)
		for j := range obs.Vertices {
			v := &obs.Vertices[j]
			if i == at {
				base[v.ID] = v.RecordsIn.Or(0) - 100 // the counters restart: 100 records since
			}
			v.RecordsIn = autoscale.Of(v.RecordsIn.Or(math.NaN()) - base[v.ID])
			v.RecordsOut = autoscale.Of(v.RecordsOut.Or(math.NaN()) - base[v.ID])
		}
		out = append(out, obs)
	}
	return out
}

// A counter that goes down was reset (a failover restarts the subtasks'
// counters while the job keeps running since the same time): its rate
// over that window is unknown, not negative, and no policy scales on it.
// (Before, the operator scaled a job at its size down, and Default scaled
// an over-provisioned job down to one subtask, sized for no arrivals.)
func TestCounterResetDoesNotScale(t *testing.T) {
	tests := []struct {
		name   string
		policy autoscale.Policy
		obs    []autoscale.Observation
		// wantFrom is the first minute a rescale may come (-1: never).
		wantFrom int
	}{
		{"operator at its size", eagerOperator(t), failover(20, 10, flow(2000, 0.7, 0.7, 0), 4, 4), -1},
		// 8 subtasks where 3 do: Default scales down once the waste pays
		// for a restart, around minute 10; the failover at minute 4 must
		// not size it for nothing arriving.
		{"Default over-provisioned", newDefault(t, autoscale.DefaultConfig{}), failover(20, 4, flow(2000, 0.25, 0.25, 0), 8, 8), 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, obs := range tt.obs {
				d, err := tt.policy.Decide(obs.Time, obs)
				if err != nil {
					t.Fatal(err)
				}
				if d.Scales(obs) && (tt.wantFrom < 0 || i < tt.wantFrom) {
					t.Fatalf("minute %d: rescaled after a counter reset: %s", i, d)
				}
			}
		})
	}
}

// A NaN or infinite float in an OperatorCompatibleConfig is invalid. (Before, a NaN
// passed every comparison in Validate, and the policy then kept every
// vertex forever.)
func TestOperatorConfigNotFinite(t *testing.T) {
	set := map[string]func(c *autoscale.OperatorCompatibleConfig, x float64){
		"TargetUtilization":   func(c *autoscale.OperatorCompatibleConfig, x float64) { c.TargetUtilization = x },
		"UtilizationBoundary": func(c *autoscale.OperatorCompatibleConfig, x float64) { c.UtilizationBoundary = x },
		"UtilizationMin":      func(c *autoscale.OperatorCompatibleConfig, x float64) { c.UtilizationMin = x },
		"UtilizationMax":      func(c *autoscale.OperatorCompatibleConfig, x float64) { c.UtilizationMax = x },
		"ObservedTPRSwitch":   func(c *autoscale.OperatorCompatibleConfig, x float64) { c.ObservedTPRSwitch = x },
		"MaxScaleDownFactor":  func(c *autoscale.OperatorCompatibleConfig, x float64) { c.MaxScaleDownFactor = x },
		"MaxScaleUpFactor":    func(c *autoscale.OperatorCompatibleConfig, x float64) { c.MaxScaleUpFactor = x },
	}
	for name, f := range set {
		for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			var cfg autoscale.OperatorCompatibleConfig
			f(&cfg, x)
			if _, err := autoscale.NewOperatorCompatible(cfg); !errors.Is(err, autoscale.ErrInvalidConfig) {
				t.Errorf("%s = %v: error %v, want one wrapping ErrInvalidConfig", name, x, err)
			}
		}
	}
}
