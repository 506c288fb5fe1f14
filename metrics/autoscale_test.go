package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/metrics"
)

// script is a controller run of six steps: an observation that fails, a
// job restarting, a steady keep, a keep with a vertex unsized, a scale-up
// the actuator carries out, and a scale-down it refuses.
func script(t *testing.T, a *metrics.Autoscale, clk *clocktest.Virtual) {
	t.Helper()
	restart := clk.Now().Add(-10 * time.Minute)
	step := 0
	observer := autoscale.ObserverFunc(func(context.Context) (autoscale.Observation, error) {
		step++
		if step == 1 {
			return autoscale.Observation{}, errors.New("JobManager unreachable")
		}
		obs := autoscaletest.Chain(restart, 8, true, 2, 4)
		obs.Time = clk.Now()
		obs.Running = step != 2
		obs.Vertices[0].Busy = autoscale.Of(0.5)
		obs.Vertices[1].Busy = autoscale.MissingBecause("not reported")
		obs.Vertices[0].Source.Backlog = autoscale.Of(1200)
		obs.Vertices[0].Source.TimeLag = autoscale.Of(42)
		obs.Vertices[0].Source.Health = autoscale.SourceHealth{Evaluated: 8, Statuses: map[string]int{"OK": 7, "STALL": 1}}
		obs.Resources = autoscale.Resources{TaskManagers: 3, SlotsPerTaskManager: 4, SlotsTotal: 12, SlotsAvailable: 8}
		return obs, nil
	})
	policy := autoscale.PolicyFunc(func(now time.Time, obs autoscale.Observation) (autoscale.Decision, error) {
		d := autoscale.Keep(now, obs, "scripted")
		d.Capacity = map[string]autoscale.Value{"v0": autoscale.Of(2000), "v1": autoscale.MissingBecause("not measured yet")}
		switch step {
		case 4:
			d.Unsized = map[string]string{"v1": "its capacity has not been measured yet"}
		case 5:
			d.Targets["v0"], d.Targets["v1"] = 4, 6
		case 6:
			d.Targets["v1"] = 2
		}
		d.Size(obs)
		return d, nil
	})
	actuator := autoscale.ActuatorFunc(func(_ context.Context, d autoscale.Decision, obs autoscale.Observation) error {
		if step == 6 {
			return fmt.Errorf("the operator is reconciling: %w", autoscale.ErrRefused)
		}
		return nil
	})
	ctl, err := autoscale.NewController(autoscale.ControllerConfig{Observer: observer, Policy: policy, Actuator: actuator, Clock: clk, OnStep: a.Step})
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		ctl.Step(context.Background())
		clk.Advance(time.Minute)
	}
}

func TestAutoscaleSteps(t *testing.T) {
	clk := clocktest.New(clocktest.Start)
	a, err := metrics.NewAutoscale(metrics.AutoscaleConfig{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	script(t, a, clk)
	job := autoscaletest.Chain(time.Time{}, 8, true, 2, 4).Job
	want := strings.NewReplacer("JOB", job).Replace(`
# HELP flinkscale_autoscale_busy_ratio The busiest subtask's busy time as a fraction of wall time, at the latest observation; absent when missing.
# TYPE flinkscale_autoscale_busy_ratio gauge
flinkscale_autoscale_busy_ratio{job="JOB",vertex="v0"} 0.5
# HELP flinkscale_autoscale_capacity_records_per_second Records per second a vertex processes at its current parallelism when fully busy, as the policy measured it; absent until measured.
# TYPE flinkscale_autoscale_capacity_records_per_second gauge
flinkscale_autoscale_capacity_records_per_second{job="JOB",vertex="v0"} 2000
# HELP flinkscale_autoscale_cluster_slots The cluster's slots at the latest observation, total and available; absent when unknown.
# TYPE flinkscale_autoscale_cluster_slots gauge
flinkscale_autoscale_cluster_slots{job="JOB",state="available"} 8
flinkscale_autoscale_cluster_slots{job="JOB",state="total"} 12
# HELP flinkscale_autoscale_decisions_total Controller steps by outcome (keep, applied, dry_run, refused, failed) and reason code.
# TYPE flinkscale_autoscale_decisions_total counter
flinkscale_autoscale_decisions_total{outcome="applied",reason="scale_up"} 1
flinkscale_autoscale_decisions_total{outcome="failed",reason="observe_error"} 1
flinkscale_autoscale_decisions_total{outcome="keep",reason="missing_figures"} 1
flinkscale_autoscale_decisions_total{outcome="keep",reason="not_running"} 1
flinkscale_autoscale_decisions_total{outcome="keep",reason="steady"} 1
flinkscale_autoscale_decisions_total{outcome="refused",reason="scale_down"} 1
# HELP flinkscale_autoscale_job_running 1 when the job was running at the latest observation, else 0.
# TYPE flinkscale_autoscale_job_running gauge
flinkscale_autoscale_job_running{job="JOB"} 1
# HELP flinkscale_autoscale_observation_errors_total Controller steps whose observer returned no observation.
# TYPE flinkscale_autoscale_observation_errors_total counter
flinkscale_autoscale_observation_errors_total 1
# HELP flinkscale_autoscale_parallelism A vertex's parallelism at the latest observation.
# TYPE flinkscale_autoscale_parallelism gauge
flinkscale_autoscale_parallelism{job="JOB",vertex="v0"} 2
flinkscale_autoscale_parallelism{job="JOB",vertex="v1"} 4
# HELP flinkscale_autoscale_rescales_total Decisions that change parallelism, by outcome (applied, dry_run, refused, failed).
# TYPE flinkscale_autoscale_rescales_total counter
flinkscale_autoscale_rescales_total{outcome="applied"} 1
flinkscale_autoscale_rescales_total{outcome="dry_run"} 0
flinkscale_autoscale_rescales_total{outcome="failed"} 0
flinkscale_autoscale_rescales_total{outcome="refused"} 1
# HELP flinkscale_autoscale_seconds_since_restart Seconds since the job last switched to RUNNING, at scrape time; absent when unknown.
# TYPE flinkscale_autoscale_seconds_since_restart gauge
flinkscale_autoscale_seconds_since_restart{job="JOB"} 960
# HELP flinkscale_autoscale_slots Slots the current parallelism needs (per slot-sharing group the largest parallelism, summed).
# TYPE flinkscale_autoscale_slots gauge
flinkscale_autoscale_slots{job="JOB"} 4
# HELP flinkscale_autoscale_source_backlog_records Records waiting in Kafka for a source vertex, at the latest observation; absent when missing.
# TYPE flinkscale_autoscale_source_backlog_records gauge
flinkscale_autoscale_source_backlog_records{job="JOB",vertex="v0"} 1200
# HELP flinkscale_autoscale_source_health_partitions A source vertex's Kafka partitions per lag health status (OK, WARN, STALL, STOP, REWIND, UNKNOWN), when the observer evaluates health.
# TYPE flinkscale_autoscale_source_health_partitions gauge
flinkscale_autoscale_source_health_partitions{job="JOB",status="OK",vertex="v0"} 7
flinkscale_autoscale_source_health_partitions{job="JOB",status="REWIND",vertex="v0"} 0
flinkscale_autoscale_source_health_partitions{job="JOB",status="STALL",vertex="v0"} 1
flinkscale_autoscale_source_health_partitions{job="JOB",status="STOP",vertex="v0"} 0
flinkscale_autoscale_source_health_partitions{job="JOB",status="UNKNOWN",vertex="v0"} 0
flinkscale_autoscale_source_health_partitions{job="JOB",status="WARN",vertex="v0"} 0
# HELP flinkscale_autoscale_source_time_lag_seconds Age of a source vertex's oldest unread record, at the latest observation; absent when missing.
# TYPE flinkscale_autoscale_source_time_lag_seconds gauge
flinkscale_autoscale_source_time_lag_seconds{job="JOB",vertex="v0"} 42
# HELP flinkscale_autoscale_steps_total Controller steps.
# TYPE flinkscale_autoscale_steps_total counter
flinkscale_autoscale_steps_total 6
# HELP flinkscale_autoscale_target_parallelism A vertex's target parallelism in the latest decision.
# TYPE flinkscale_autoscale_target_parallelism gauge
flinkscale_autoscale_target_parallelism{job="JOB",vertex="v0"} 2
flinkscale_autoscale_target_parallelism{job="JOB",vertex="v1"} 2
# HELP flinkscale_autoscale_target_slots Slots the latest decision's targets need.
# TYPE flinkscale_autoscale_target_slots gauge
flinkscale_autoscale_target_slots{job="JOB"} 2
# HELP flinkscale_autoscale_unsized_vertices Vertices the latest decision could not size (figures missing, capacity not measured).
# TYPE flinkscale_autoscale_unsized_vertices gauge
flinkscale_autoscale_unsized_vertices{job="JOB"} 0
`)
	if err := testutil.CollectAndCompare(a, strings.NewReader(want),
		"flinkscale_autoscale_busy_ratio", "flinkscale_autoscale_capacity_records_per_second", "flinkscale_autoscale_cluster_slots",
		"flinkscale_autoscale_decisions_total", "flinkscale_autoscale_job_running", "flinkscale_autoscale_observation_errors_total",
		"flinkscale_autoscale_parallelism", "flinkscale_autoscale_rescales_total", "flinkscale_autoscale_seconds_since_restart",
		"flinkscale_autoscale_slots", "flinkscale_autoscale_source_backlog_records", "flinkscale_autoscale_source_time_lag_seconds", "flinkscale_autoscale_source_health_partitions",
		"flinkscale_autoscale_steps_total", "flinkscale_autoscale_target_parallelism", "flinkscale_autoscale_target_slots",
		"flinkscale_autoscale_unsized_vertices"); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(a); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

// TestClassify checks the outcome and reason of records a controller
// makes, including a dry run and a failed apply.
func TestClassify(t *testing.T) {
	obs := autoscaletest.Chain(clocktest.Start, 8, true, 2, 4)
	obs.Time, obs.Running = clocktest.Start, true
	dec := func(v0, v1 int) autoscale.Decision {
		d := autoscale.Keep(obs.Time, obs, "x")
		d.Targets["v0"], d.Targets["v1"] = v0, v1
		return d
	}
	tests := []struct {
		name            string
		r               autoscale.Record
		outcome, reason string
	}{
		{"observe failed", autoscale.Record{Err: errors.New("x")}, metrics.OutcomeFailed, metrics.ReasonObserveError},
		{"decide failed", autoscale.Record{Observation: obs, Err: autoscale.ErrInvalidObservation}, metrics.OutcomeFailed, metrics.ReasonDecideError},
		{"dry run up", autoscale.Record{Observation: obs, Decision: dec(4, 4), Changes: []string{"v0"}, DryRun: true}, metrics.OutcomeDryRun, metrics.ReasonScaleUp},
		{"apply failed, rebalance", autoscale.Record{Observation: obs, Decision: dec(4, 2), Changes: []string{"v0", "v1"}, Err: errors.New("503")}, metrics.OutcomeFailed, metrics.ReasonRebalance},
		{"applied down", autoscale.Record{Observation: obs, Decision: dec(1, 4), Changes: []string{"v0"}, Applied: true}, metrics.OutcomeApplied, metrics.ReasonScaleDown},
		{"refused", autoscale.Record{Observation: obs, Decision: dec(1, 4), Changes: []string{"v0"}, Err: fmt.Errorf("apply: %w", autoscale.ErrRefused)}, metrics.OutcomeRefused, metrics.ReasonScaleDown},
		{"steady", autoscale.Record{Observation: obs, Decision: dec(2, 4)}, metrics.OutcomeKeep, metrics.ReasonSteady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if o, r := metrics.Classify(tt.r); o != tt.outcome || r != tt.reason {
				t.Errorf("Classify = %s, %s; want %s, %s", o, r, tt.outcome, tt.reason)
			}
		})
	}
}

// TestAutoscaleEmpty: before any step only the counters are exported, the
// rescale outcomes at 0.
func TestAutoscaleEmpty(t *testing.T) {
	a, err := metrics.NewAutoscale(metrics.AutoscaleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(a); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 6 { // 4 rescale outcomes, steps, observation errors
		t.Errorf("%d series before any step (%v), want 6", n, err)
	}
}
