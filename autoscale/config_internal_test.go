package autoscale

import (
	"context"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

// setting is one documented default: a Config field and the value it
// takes when left zero.
type setting struct {
	field     string
	got, want any
}

// checkDefaults compares each setting, floats within 1e-12, and checks
// that the table names every field of cfg, so that a new field cannot go
// without a tested default.
func checkDefaults(t *testing.T, cfg any, table []setting) {
	t.Helper()
	typ := reflect.TypeOf(cfg)
	var names []string
	for _, s := range table {
		names = append(names, s.field)
		g, gok := s.got.(float64)
		w, wok := s.want.(float64)
		if gok && wok && math.Abs(g-w) <= 1e-12 {
			continue
		}
		if !reflect.DeepEqual(s.got, s.want) {
			t.Errorf("%s.%s: the zero value means %v, its doc says %v", typ.Name(), s.field, s.got, s.want)
		}
	}
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() && !slices.Contains(names, f.Name) {
			t.Errorf("%s.%s has no row in the defaults table", typ.Name(), f.Name)
		}
	}
}

// Every documented default of the zero ControllerConfig (Observer and
// Policy are required).
func TestControllerConfigDefaults(t *testing.T) {
	obs := ObserverFunc(func(context.Context) (Observation, error) { return Observation{}, nil })
	c, err := NewController(ControllerConfig{Observer: obs, Policy: Static{}})
	if err != nil {
		t.Fatal(err)
	}
	dry, isDry := c.cfg.Actuator.(*DryRun)
	checkDefaults(t, ControllerConfig{}, []setting{
		{"Observer", c.cfg.Observer != nil, true},
		{"Policy", c.cfg.Policy, Static{}},
		{"Actuator", isDry && dry.MaxDecisions == 0 && dry.RecordsOnly(), true}, // a *DryRun at its defaults
		{"Interval", c.cfg.Interval, time.Minute},
		{"HistorySize", c.cfg.HistorySize, 100},
		{"Clock", c.cfg.Clock, Clock(realClock{})},
		{"Logger", c.cfg.Logger.Handler(), slog.Handler(slog.DiscardHandler)},
		{"OnStep", c.cfg.OnStep == nil, true},
	})
}

// Every documented default of the zero DryRun.
func TestDryRunDefaults(t *testing.T) {
	var dry DryRun
	for range 2 * defaultDryRunLimit {
		if err := dry.Apply(context.Background(), Decision{}, Observation{}); err != nil {
			t.Fatal(err)
		}
	}
	checkDefaults(t, DryRun{}, []setting{{"MaxDecisions", len(dry.Decisions()), 1000}})
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
	checkDefaults(t, DefaultConfig{}, []setting{
		{"LagSLO", o.slo, 2 * time.Minute},
		{"TargetUtilization", o.utilization, 0.9},
		{"CatchUpTime", o.catchUp, 10 * time.Minute},
		{"RestartCost", o.restartCost, 15 * time.Minute},
		{"RestartDowntime", o.downtime, 30 * time.Second},
		{"CheckpointInterval", o.checkpoint, 60 * time.Second},
		{"MetricRefresh", o.refresh, 10 * time.Second},
		{"DecisionInterval", o.interval, 60 * time.Second},
		{"TrendWindow", o.trendWindow, time.Hour},
		{"MaxHorizon", o.maxHorizon, 2 * time.Hour},
		{"MaxParallelism", o.maxParallelism, 0},
	})
}

// resolvedOperator returns the options a zero OperatorConfig resolves to,
// through NewOperatorCompatible and through the zero OperatorCompatible,
// which must agree.
func resolvedOperator(t *testing.T) opts {
	t.Helper()
	p, err := NewOperatorCompatible(OperatorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var zero OperatorCompatible
	if _, err := zero.Decide(time.Now(), Observation{}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.o, zero.o) {
		t.Fatalf("NewOperatorCompatible(OperatorConfig{}) resolves to %+v, the zero policy to %+v", p.o, zero.o)
	}
	return p.o
}

// Every documented default of the zero OperatorConfig: the operator's own.
func TestOperatorConfigDefaults(t *testing.T) {
	o := resolvedOperator(t)
	checkDefaults(t, OperatorConfig{}, []setting{
		{"MetricsWindow", o.window, 15 * time.Minute},
		{"Stabilization", o.stabilization, 5 * time.Minute},
		{"TargetUtilization", o.target, 0.7},
		// The boundary shows in the bounds it defaults: 0.7 -/+ 0.3.
		{"UtilizationBoundary", o.utilMax - o.target, 0.3},
		{"UtilizationMin", o.utilMin, 0.4},
		{"UtilizationMax", o.utilMax, 1.0},
		{"BacklogThreshold", o.backlogThreshold, 5 * time.Minute},
		{"CatchUpDuration", o.catchUp, 30 * time.Minute},
		{"RestartTime", o.restart, 5 * time.Minute},
		{"ObservedTPRLagThreshold", o.observeLag, 30 * time.Second},
		{"ObservedTPRSwitch", o.switchThreshold, 0.15},
		{"ObservedTPRMinObservations", o.minObs, 2},
		{"MaxScaleDownFactor", o.maxDown, 0.6},
		{"MaxScaleUpFactor", o.maxUp, 100000.0},
		{"VertexMinParallelism", o.vertexMin, 1},
		{"VertexMaxParallelism", o.vertexMax, 200},
		{"ScaleDownInterval", o.scaleDownInterval, time.Hour},
	})
}
