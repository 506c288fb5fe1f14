package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
	"github.com/flinkscale/flinkscale/metrics"
)

// TestFlinkAPICalls makes calls through a real client to the fake
// JobManager: a success, a success after a 503, an unknown job, and one
// the caller cancels.
func TestFlinkAPICalls(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{})
	job, _, err := srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{Parallelism: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	calls, err := metrics.NewFlinkAPI(metrics.FlinkAPIConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, OnCall: calls.Call, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.JobDetails(ctx, job); err != nil {
		t.Fatal(err)
	}
	if err := srv.InjectFault("GET /jobs/{jobid}", flinktest.Fault{Status: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.JobDetails(ctx, job); err != nil {
		t.Fatal(err)
	}
	if _, err := c.JobDetails(ctx, "00000000000000000000000000000bad"); !errors.Is(err, flinkapi.ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Overview(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	want := `
# HELP flinkscale_flinkapi_requests_total Calls to the Flink REST API (each with its retries), by method, route template and final status.
# TYPE flinkscale_flinkapi_requests_total counter
flinkscale_flinkapi_requests_total{method="GET",route="/jobs/{jobid}",status="200"} 2
flinkscale_flinkapi_requests_total{method="GET",route="/jobs/{jobid}",status="404"} 1
flinkscale_flinkapi_requests_total{method="GET",route="/overview",status="canceled"} 1
# HELP flinkscale_flinkapi_retries_total Attempts beyond the first of calls to the Flink REST API.
# TYPE flinkscale_flinkapi_retries_total counter
flinkscale_flinkapi_retries_total{method="GET",route="/jobs/{jobid}"} 1
# HELP flinkscale_flinkapi_failed_requests_total Calls to the Flink REST API that returned an error, whatever the status (an answer that did not decode included).
# TYPE flinkscale_flinkapi_failed_requests_total counter
flinkscale_flinkapi_failed_requests_total{method="GET",route="/jobs/{jobid}"} 1
flinkscale_flinkapi_failed_requests_total{method="GET",route="/overview"} 1
`
	if err := testutil.CollectAndCompare(calls, strings.NewReader(want),
		"flinkscale_flinkapi_requests_total", "flinkscale_flinkapi_retries_total", "flinkscale_flinkapi_failed_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(calls, "flinkscale_flinkapi_request_duration_seconds"); n != 2 {
		t.Errorf("%d duration histograms, want 2 (two routes)", n)
	}
	if problems, err := testutil.CollectAndLint(calls); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

// TestDrainOperations drains one job and fails to drain another (every
// savepoint fails), which the fallback cancels.
func TestDrainOperations(t *testing.T) {
	clk := clocktest.New(clocktest.Start)
	srv := flinktest.Start(t, flinktest.Config{Clock: clk})
	spec := flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{Parallelism: 1}}, Checkpointing: &flinktest.CheckpointingSpec{Interval: time.Second}}
	good, _, err := srv.AddJob(spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.Savepoints = flinktest.SavepointBehavior{Outcome: flinktest.FailSavepoint}
	bad, _, err := srv.AddJob(spec)
	if err != nil {
		t.Fatal(err)
	}
	drains, err := metrics.NewDrain(metrics.DrainConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := flinkdrain.New(flinkdrain.Config{Flink: c, Clock: clk, Timeout: time.Minute, OnTransition: drains.Transition})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if op, err := d.Drain(ctx, good); err != nil || op.State != drain.Drained {
		t.Fatalf("drain: %v %v", op.State, err)
	}
	if op, err := d.Drain(ctx, bad); !errors.Is(err, flinkdrain.ErrCancelled) || op.State != drain.Cancelled {
		t.Fatalf("drain of a job whose savepoints fail: %v %v", op.State, err)
	}
	want := `
# HELP flinkscale_drain_operations_total Drain operations that ended, by outcome (drained, cancelled, failed).
# TYPE flinkscale_drain_operations_total counter
flinkscale_drain_operations_total{outcome="cancelled"} 1
flinkscale_drain_operations_total{outcome="drained"} 1
flinkscale_drain_operations_total{outcome="failed"} 0
# HELP flinkscale_drain_in_progress Drain operations seen in a state that is not terminal.
# TYPE flinkscale_drain_in_progress gauge
flinkscale_drain_in_progress 0
`
	if err := testutil.CollectAndCompare(drains, strings.NewReader(want), "flinkscale_drain_operations_total", "flinkscale_drain_in_progress"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(drains, "flinkscale_drain_duration_seconds"); n != 2 {
		t.Errorf("%d duration histograms, want 2", n)
	}
	// The cancelled drain ran its whole minute (virtual) before the
	// fallback; the drained one far less.
	if n, sum := histogram(t, drains, "flinkscale_drain_duration_seconds", "outcome", "cancelled"); n != 1 || sum < 60 {
		t.Errorf("cancelled drains: %d lasting %v s in all, want 1 of at least 60 s", n, sum)
	}
	if n, sum := histogram(t, drains, "flinkscale_drain_duration_seconds", "outcome", "drained"); n != 1 || sum >= 60 {
		t.Errorf("drained: %d lasting %v s in all, want 1 of less than 60 s", n, sum)
	}
	if problems, err := testutil.CollectAndLint(drains); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
