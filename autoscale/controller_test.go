package autoscale_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/clock/clocktest"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func twoVertices() autoscale.Observation {
	return autoscale.Observation{Time: t0, Job: "j", Running: true,
		Vertices: []autoscale.Vertex{{ID: "src", Parallelism: 2, MaxParallelism: 128, Source: &autoscale.Source{Partitions: 8}}, {ID: "sink", Parallelism: 2, MaxParallelism: 128}},
		Edges:    []autoscale.Edge{{From: "src", To: "sink"}}}
}

func TestControllerStep(t *testing.T) {
	errBoom := errors.New("boom")
	obs := twoVertices()
	observe := autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) { return obs, nil })
	tests := []struct {
		name     string
		observer autoscale.Observer
		policy   autoscale.Policy
		actErr   error
		applied  bool
		wantErr  string
	}{
		{"no change: nothing applied", observe, autoscale.Static{}, nil, false, ""},
		{"change applied", observe, autoscale.Static{Targets: map[string]int{"src": 4}}, nil, true, ""},
		{"observer fails", autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) { return autoscale.Observation{}, errBoom }), autoscale.Static{}, nil, false, "observe: boom"},
		{"policy fails", observe, autoscale.PolicyFunc(func(time.Time, autoscale.Observation) (autoscale.Decision, error) {
			return autoscale.Decision{}, errBoom
		}), nil, false, "decide: boom"},
		{"actuator fails", observe, autoscale.Static{Targets: map[string]int{"sink": 8}}, errBoom, false, "apply: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			c, err := autoscale.NewController(autoscale.ControllerConfig{
				Observer: tt.observer, Policy: tt.policy, Clock: clocktest.New(t0),
				Actuator: autoscale.ActuatorFunc(func(context.Context, autoscale.Decision, autoscale.Observation) error { calls++; return tt.actErr }),
			})
			if err != nil {
				t.Fatal(err)
			}
			r := c.Step(context.Background())
			if r.Applied != tt.applied || (tt.wantErr == "") != (r.Err == nil) || (r.Err != nil && r.Err.Error() != tt.wantErr) {
				t.Errorf("record = %+v, want applied %v err %q", r, tt.applied, tt.wantErr)
			}
			if wantCalls := map[bool]int{true: 1}[tt.applied || tt.actErr != nil]; calls != wantCalls {
				t.Errorf("actuator called %d times, want %d", calls, wantCalls)
			}
		})
	}
}

// Run steps every Interval of the injected clock, keeps a bounded history
// and stops with ctx.
func TestControllerRun(t *testing.T) {
	clk := clocktest.New(t0)
	ctx, cancel := context.WithCancel(context.Background())
	dry := &autoscale.DryRun{}
	steps := 0
	c, err := autoscale.NewController(autoscale.ControllerConfig{
		Observer: autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) { return twoVertices(), nil }),
		Policy:   autoscale.Static{Targets: map[string]int{"src": 8}},
		Actuator: dry, Clock: clk, Interval: 30 * time.Second, HistorySize: 3,
		OnStep: func(autoscale.Record) {
			if steps++; steps == 5 {
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	h := c.History()
	if len(h) != 3 || !h[2].Time.Equal(t0.Add(4*30*time.Second)) {
		t.Errorf("history %d records, last at %v", len(h), h[len(h)-1].Time)
	}
	if n := len(dry.Decisions()); n != 5 || dry.Decisions()[0].Targets["src"] != 8 {
		t.Errorf("dry run recorded %d decisions", n)
	}
	// Four sleeps between the five steps; the fifth found ctx ended.
	if slept, _ := clk.Slept(); slept != 4*30*time.Second {
		t.Errorf("slept %v, want 2m0s", slept)
	}
}

// Every bad ControllerConfig is refused by Validate and NewController with
// an error wrapping ErrInvalidConfig, and so the module's root sentinel.
func TestControllerConfigValidate(t *testing.T) {
	obs := autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) { return twoVertices(), nil })
	for _, cfg := range []autoscale.ControllerConfig{
		{},
		{Observer: obs},
		{Policy: autoscale.Static{}},
		{Observer: obs, Policy: autoscale.Static{}, Interval: -time.Second},
		{Observer: obs, Policy: autoscale.Static{}, HistorySize: -1},
	} {
		err := cfg.Validate()
		if !errors.Is(err, autoscale.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
		if _, err := autoscale.NewController(cfg); !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("NewController(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	if err := (autoscale.ControllerConfig{Observer: obs, Policy: autoscale.Static{}}).Validate(); err != nil {
		t.Errorf("a minimal config: %v", err)
	}
}

// A record keeps the observation its decision rests on, missing figures
// and their reasons included; a failed observation leaves it zero.
func TestRecordObservation(t *testing.T) {
	obs := twoVertices()
	obs.Vertices[0].Source.Backlog = autoscale.MissingBecause("metric not reported")
	fail := true
	c, err := autoscale.NewController(autoscale.ControllerConfig{
		Observer: autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) {
			if fail {
				return autoscale.Observation{Job: "partial"}, errors.New("boom")
			}
			return obs, nil
		}),
		Policy: autoscale.Static{}, Clock: clocktest.New(t0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Step(context.Background()); r.Err == nil || r.Observation.Job != "" || r.Observation.Vertices != nil {
		t.Errorf("failed step: %+v", r)
	}
	fail = false
	r := c.Step(context.Background())
	if r.Err != nil || r.Observation.Job != "j" || len(r.Observation.Vertices) != 2 {
		t.Fatalf("step: %+v", r)
	}
	if got := r.Observation.Vertices[0].Source.Backlog; got.Valid() || got.Reason() != "metric not reported" {
		t.Errorf("recorded backlog %v", got)
	}
	if h := c.History(); len(h) != 2 || h[1].Observation.Job != "j" {
		t.Errorf("history %+v", h)
	}
}

// recorder is an actuator that says whether it only records.
type recorder struct {
	autoscale.ActuatorFunc
	only bool
}

func (r recorder) RecordsOnly() bool { return r.only }

// A dry run is recorded and logged as one: "would rescale", not applied.
func TestControllerDryRun(t *testing.T) {
	apply := autoscale.ActuatorFunc(func(context.Context, autoscale.Decision, autoscale.Observation) error { return nil })
	tests := []struct {
		name     string
		actuator autoscale.Actuator
		applied  bool
		dryRun   bool
		log      string
	}{
		{"default actuator: a DryRun", nil, false, true, "autoscale: would rescale (dry run)"},
		{"DryRun", &autoscale.DryRun{}, false, true, "autoscale: would rescale (dry run)"},
		{"actuator without Recorder", apply, true, false, "autoscale: rescaled"},
		{"Recorder that records only", recorder{apply, true}, false, true, "autoscale: would rescale (dry run)"},
		{"Recorder that acts", recorder{apply, false}, true, false, "autoscale: rescaled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			c, err := autoscale.NewController(autoscale.ControllerConfig{
				Observer: autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) { return twoVertices(), nil }),
				Policy:   autoscale.Static{Targets: map[string]int{"src": 4}},
				Actuator: tt.actuator, Clock: clocktest.New(t0),
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			if err != nil {
				t.Fatal(err)
			}
			r := c.Step(context.Background())
			if r.Applied != tt.applied || r.DryRun != tt.dryRun || r.Err != nil || len(r.Changes) != 1 {
				t.Errorf("record = %+v, want applied %v, dry run %v", r, tt.applied, tt.dryRun)
			}
			if h := c.History(); len(h) != 1 || h[0].Applied != tt.applied || h[0].DryRun != tt.dryRun {
				t.Errorf("history %+v", h)
			}
			if got := logs.String(); !strings.Contains(got, fmt.Sprintf("msg=%q", tt.log)) {
				t.Errorf("log %q, want the message %q", got, tt.log)
			}
		})
	}
}

// A dry run whose Apply fails is an error, neither applied nor a dry run.
func TestControllerDryRunFails(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // DryRun.Apply returns ctx's error
	c, err := autoscale.NewController(autoscale.ControllerConfig{
		Observer: autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) { return twoVertices(), nil }),
		Policy:   autoscale.Static{Targets: map[string]int{"src": 4}},
		Actuator: &autoscale.DryRun{}, Clock: clocktest.New(t0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Step(ctx); r.Applied || r.DryRun || !errors.Is(r.Err, context.Canceled) {
		t.Errorf("record = %+v, want the apply error only", r)
	}
}
