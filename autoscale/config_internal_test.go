package autoscale

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// Every documented default of the zero ControllerConfig (Observer and
// Policy are required).
func TestControllerConfigDefaults(t *testing.T) {
	obs := ObserverFunc(func(context.Context) (Observation, error) { return Observation{}, nil })
	c, err := NewController(ControllerConfig{Observer: obs, Policy: Static{}})
	if err != nil {
		t.Fatal(err)
	}
	dry, isDry := c.cfg.Actuator.(*DryRun)
	docdefaults.Check(t, ".", "ControllerConfig", []docdefaults.Row{
		{Field: "Observer", Got: c.cfg.Observer != nil, Want: true},
		{Field: "Policy", Got: c.cfg.Policy, Want: Static{}},
		{Field: "Actuator", Doc: "a *DryRun (with its default MaxDecisions), which only records them", Got: isDry && dry.MaxDecisions == 0 && dry.RecordsOnly(), Want: true}, // a *DryRun at its defaults
		{Field: "Interval", Doc: "60 s, as the operator samples", Got: c.cfg.Interval, Want: time.Minute},
		{Field: "HistorySize", Doc: "100", Got: c.cfg.HistorySize, Want: 100},
		{Field: "Clock", Doc: "the system clock (clock.System)", Got: c.cfg.Clock, Want: clock.Clock(clock.System{})},
		{Field: "Logger", Doc: "discard", Got: c.cfg.Logger.Handler(), Want: slog.Handler(slog.DiscardHandler)},
		{Field: "OnStep", Got: c.cfg.OnStep == nil, Want: true},
	}, docdefaults.EveryField(), docdefaults.Tolerance(1e-12))
}

// Every documented default of the zero DryRun.
func TestDryRunDefaults(t *testing.T) {
	var dry DryRun
	for range 2 * defaultDryRunLimit {
		if err := dry.Apply(context.Background(), Decision{}, Observation{}); err != nil {
			t.Fatal(err)
		}
	}
	docdefaults.Check(t, ".", "DryRun", []docdefaults.Row{
		{Field: "MaxDecisions", Doc: "1000", Got: len(dry.Decisions()), Want: 1000},
	}, docdefaults.EveryField(), docdefaults.Tolerance(1e-12))
}

// resolvedDefault returns the options a zero DefaultConfig resolves to,
// through NewDefault and through the zero Default, which must agree.
func resolvedDefault(t *testing.T) defaultOpts {
	t.Helper()
	p, err := NewDefault(DefaultConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var zero Default
	if _, err := zero.Decide(time.Now(), Observation{}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.o, zero.o) {
		t.Fatalf("NewDefault(DefaultConfig{}) resolves to %+v, the zero Default to %+v", p.o, zero.o)
	}
	return p.o
}

// Every documented default of the zero DefaultConfig.
func TestDefaultConfigDefaults(t *testing.T) {
	o := resolvedDefault(t)
	docdefaults.Check(t, ".", "DefaultConfig", []docdefaults.Row{
		{Field: "LagSLO", Doc: "2 min", Got: o.slo, Want: 2 * time.Minute},
		{Field: "TargetUtilization", Doc: "0.9", Got: o.utilization, Want: 0.9},
		{Field: "CatchUpTime", Doc: "10 min", Got: o.catchUp, Want: 10 * time.Minute},
		{Field: "RestartCost", Doc: "15 min", Got: o.restartCost, Want: 15 * time.Minute},
		{Field: "RestartDowntime", Doc: "30 s", Got: o.downtime, Want: 30 * time.Second},
		{Field: "CheckpointInterval", Doc: "60 s", Got: o.checkpoint, Want: 60 * time.Second},
		{Field: "MetricRefresh", Doc: "10 s", Got: o.refresh, Want: 10 * time.Second},
		{Field: "DecisionInterval", Doc: "60 s", Got: o.interval, Want: 60 * time.Second},
		{Field: "TrendWindow", Doc: "1 h", Got: o.trendWindow, Want: time.Hour},
		{Field: "MaxHorizon", Doc: "2 h", Got: o.maxHorizon, Want: 2 * time.Hour},
		{Field: "MaxParallelism", Doc: "0, no bound of its own", Got: o.maxParallelism, Want: 0},
	}, docdefaults.EveryField(), docdefaults.Tolerance(1e-12))
}

// resolvedOperator returns the options a zero OperatorCompatibleConfig resolves to,
// through NewOperatorCompatible and through the zero OperatorCompatible,
// which must agree.
func resolvedOperator(t *testing.T) opts {
	t.Helper()
	p, err := NewOperatorCompatible(OperatorCompatibleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var zero OperatorCompatible
	if _, err := zero.Decide(time.Now(), Observation{}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.o, zero.o) {
		t.Fatalf("NewOperatorCompatible(OperatorCompatibleConfig{}) resolves to %+v, the zero policy to %+v", p.o, zero.o)
	}
	return p.o
}

// Every documented default of the zero OperatorCompatibleConfig: the operator's own.
func TestOperatorConfigDefaults(t *testing.T) {
	o := resolvedOperator(t)
	docdefaults.Check(t, ".", "OperatorCompatibleConfig", []docdefaults.Row{
		{Field: "MetricsWindow", Doc: "15 min", Got: o.window, Want: 15 * time.Minute},
		{Field: "Stabilization", Doc: "5 min", Got: o.stabilization, Want: 5 * time.Minute},
		{Field: "TargetUtilization", Doc: "0.7", Got: o.target, Want: 0.7},
		// The boundary shows in the bounds it defaults: 0.7 -/+ 0.3.
		{Field: "UtilizationBoundary", Doc: "0.3", Got: o.utilMax - o.target, Want: 0.3},
		{Field: "UtilizationMin", Doc: "TargetUtilization - UtilizationBoundary (0.4)", Got: o.utilMin, Want: 0.4},
		{Field: "UtilizationMax", Doc: "TargetUtilization + UtilizationBoundary (1.0)", Got: o.utilMax, Want: 1.0},
		{Field: "BacklogThreshold", Doc: "5 min", Got: o.backlogThreshold, Want: 5 * time.Minute},
		{Field: "CatchUpDuration", Doc: "30 min", Got: o.catchUp, Want: 30 * time.Minute},
		{Field: "RestartTime", Doc: "5 min", Got: o.restart, Want: 5 * time.Minute},
		{Field: "ObservedTPRLagThreshold", Doc: "30 s", Got: o.observeLag, Want: 30 * time.Second},
		{Field: "ObservedTPRSwitch", Doc: "0.15", Got: o.switchThreshold, Want: 0.15},
		{Field: "ObservedTPRMinObservations", Doc: "2", Got: o.minObs, Want: 2},
		{Field: "MaxScaleDownFactor", Doc: "0.6", Got: o.maxDown, Want: 0.6},
		{Field: "MaxScaleUpFactor", Doc: "100000", Got: o.maxUp, Want: 100000.0},
		{Field: "VertexMinParallelism", Doc: "1", Got: o.vertexMin, Want: 1},
		{Field: "VertexMaxParallelism", Doc: "200", Got: o.vertexMax, Want: 200},
		{Field: "ScaleDownInterval", Doc: "1 h", Got: o.scaleDownInterval, Want: time.Hour},
	}, docdefaults.EveryField(), docdefaults.Tolerance(1e-12))
}

// Scaled multiplies every duration of a DefaultConfig, defaults included:
// each time.Duration field is found by reflection, so a duration added to
// DefaultConfig (or to what it resolves to) without being scaled fails
// here.
func TestDefaultConfigScaled(t *testing.T) {
	durations := func(v any) map[string]time.Duration {
		out := map[string]time.Duration{}
		rv := reflect.ValueOf(v)
		for i := range rv.NumField() {
			if f := rv.Type().Field(i); f.Type == reflect.TypeFor[time.Duration]() {
				out[f.Name] = time.Duration(rv.Field(i).Int())
			}
		}
		return out
	}
	const f = 1.0 / 30
	// The zero config: every field resolved to its default, then scaled.
	zero, scaled := DefaultConfig{}.resolve(), DefaultConfig{}.Scaled(f)
	for name, d := range durations(scaled) {
		if d == 0 {
			t.Errorf("DefaultConfig{}.Scaled(%v).%s is zero: its default was not resolved and scaled", f, name)
		}
	}
	if err := scaled.Validate(); err != nil {
		t.Fatal(err)
	}
	want, got := durations(zero), durations(scaled.resolve())
	if len(want) == 0 || len(want) != len(durations(DefaultConfig{})) {
		t.Fatalf("DefaultConfig has %d durations, what it resolves to %d", len(durations(DefaultConfig{})), len(want))
	}
	for name, d := range want {
		if w := time.Duration(float64(d) * f); got[name] != w {
			t.Errorf("resolved %s: %v scaled by %v is %v, want %v", name, d, f, got[name], w)
		}
	}
	// A config with every duration set: each is multiplied.
	var set DefaultConfig
	rv := reflect.ValueOf(&set).Elem()
	for i := range rv.NumField() {
		if rv.Type().Field(i).Type == reflect.TypeFor[time.Duration]() {
			rv.Field(i).SetInt(int64(time.Duration(i+1) * time.Second))
		}
	}
	set.TargetUtilization, set.MaxParallelism = 0.8, 40
	doubled := set.Scaled(2)
	for name, d := range durations(set) {
		if got := durations(doubled)[name]; got != 2*d {
			t.Errorf("%s: %v scaled by 2 is %v", name, d, got)
		}
	}
	if doubled.TargetUtilization != 0.8 || doubled.MaxParallelism != 40 {
		t.Errorf("Scaled changed a field that is not a duration: %+v", doubled)
	}
	if d := (DefaultConfig{CheckpointInterval: 10}).Scaled(0.01); d.CheckpointInterval != 1 {
		t.Errorf("a duration scaled below 1 ns is %v, want 1ns", d.CheckpointInterval)
	}
}
