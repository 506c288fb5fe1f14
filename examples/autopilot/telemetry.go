package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/metrics"
)

// telemetry is a run's Prometheus metrics (package metrics' collectors,
// plus the Go runtime's and the process's, on a registry of its own), and
// with -metrics-addr the server of /metrics and /healthz.
type telemetry struct {
	reg    *prometheus.Registry
	calls  *metrics.FlinkAPI
	steps  *metrics.Autoscale
	lag    *metrics.Backlog
	drains *metrics.Drain
	srv    *http.Server
	done   chan struct{} // closed when the server has stopped

	mu       sync.Mutex
	clk      clock.Clock   // the controller's clock
	interval time.Duration // between steps; 0 until the loop starts
	since    time.Time     // when the loop started, then the last step
}

// newTelemetry builds the collectors; clk tells the time of
// flinkscale_autoscale_seconds_since_restart.
func newTelemetry(clk clock.Clock) (*telemetry, error) {
	t := &telemetry{reg: prometheus.NewRegistry()}
	var err error
	if t.calls, err = metrics.NewFlinkAPI(metrics.FlinkAPIConfig{}); err != nil {
		return nil, err
	}
	if t.steps, err = metrics.NewAutoscale(metrics.AutoscaleConfig{Clock: clk}); err != nil {
		return nil, err
	}
	if t.lag, err = metrics.NewBacklog(metrics.BacklogConfig{Partitions: 64}); err != nil {
		return nil, err
	}
	if t.drains, err = metrics.NewDrain(metrics.DrainConfig{}); err != nil {
		return nil, err
	}
	for _, c := range []prometheus.Collector{t.calls, t.steps, t.lag, t.drains,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := t.reg.Register(c); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// startTelemetry builds the collectors and, when addr is not empty,
// serves them there.
func startTelemetry(clk clock.Clock, addr string, stdout io.Writer) (*telemetry, error) {
	t, err := newTelemetry(clk)
	if err != nil || addr == "" {
		return t, err
	}
	return t, t.serve(addr, stdout)
}

// serve listens on addr (":9090", "127.0.0.1:0") and serves /metrics and
// /healthz until close, saying where on stdout.
func (t *telemetry) serve(addr string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("-metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(t.reg, promhttp.HandlerOpts{Registry: t.reg}))
	mux.HandleFunc("GET /healthz", t.healthz)
	t.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	t.done = make(chan struct{})
	go func() {
		defer close(t.done)
		_ = t.srv.Serve(ln) // http.ErrServerClosed after close
	}()
	fmt.Fprintf(stdout, "metrics: http://%s/metrics and /healthz\n", ln.Addr())
	return nil
}

// close stops the server, if it runs.
func (t *telemetry) close() {
	if t.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		_ = t.srv.Close()
	}
	<-t.done
}

// track starts the health watch of a controller stepping every interval
// on clk.
func (t *telemetry) track(clk clock.Clock, interval time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clk, t.interval, t.since = clk, interval, clk.Now()
}

// step records a controller step; use it from ControllerConfig.OnStep.
func (t *telemetry) step(r autoscale.Record) {
	t.steps.Step(r)
	if r.Observation.Time.IsZero() {
		return // observing failed: no sign of health
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.clk != nil {
		t.since = t.clk.Now()
	}
}

// transition records a drain transition; use it from
// flinkdrain.Config.OnTransition.
func (t *telemetry) transition(op drain.Operation, s drain.Step) { t.drains.Transition(op, s) }

// healthz answers 200 while the controller observes the job: its last
// step with an observation (or its start) is at most three intervals old;
// 503 otherwise, saying since when.
func (t *telemetry) healthz(w http.ResponseWriter, _ *http.Request) {
	t.mu.Lock()
	clk, interval, since := t.clk, t.interval, t.since
	t.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case clk == nil:
		fmt.Fprintln(w, "ok: starting")
	case clk.Now().Sub(since) <= 3*interval:
		fmt.Fprintln(w, "ok")
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "no observation of the job for %v (since %s); the controller steps every %v\n",
			clk.Now().Sub(since).Round(time.Second), since.Format(time.RFC3339), interval)
	}
}
