package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/autoscaletest"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/drain"
)

// TestTelemetry serves the metrics on a free port, feeds a step and a
// drain, and reads /metrics and /healthz, which turns 503 once the
// controller has not observed the job for three intervals.
func TestTelemetry(t *testing.T) {
	clk := clocktest.New(clocktest.Start)
	tel, err := newTelemetry(clk)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tel.serve("127.0.0.1:0", &out); err != nil {
		t.Fatal(err)
	}
	defer tel.close()
	base := regexp.MustCompile(`http://\S+/metrics`).FindString(out.String())
	if base == "" {
		t.Fatalf("no metrics URL in %q", out.String())
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(strings.TrimSuffix(base, "/metrics") + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != http.StatusOK {
		t.Errorf("healthz before the loop: %d %q", code, body)
	}
	tel.track(clk, time.Minute)
	obs := autoscaletest.Chain(clocktest.Start, 4, false, 2, 2)
	obs.Time, obs.Running = clk.Now(), true
	tel.step(autoscale.Record{Time: clk.Now(), Observation: obs, Decision: autoscale.Keep(clk.Now(), obs, "steady")})
	tel.transition(drain.Operation{Job: obs.Job, Requested: clk.Now()}, drain.Step{At: clk.Now().Add(3 * time.Second), To: drain.Drained})

	code, body := get("/metrics")
	for _, want := range []string{
		"flinkscale_autoscale_steps_total 1",
		`flinkscale_autoscale_decisions_total{outcome="keep",reason="steady"} 1`,
		`flinkscale_autoscale_parallelism{job="job",vertex="v0"} 2`,
		`flinkscale_drain_operations_total{outcome="drained"} 1`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q", code, want)
		}
	}
	if code, body := get("/healthz"); code != http.StatusOK {
		t.Errorf("healthz after a step: %d %q", code, body)
	}
	clk.Advance(3*time.Minute + time.Second)
	if code, body := get("/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "no observation of the job for 3m1s") {
		t.Errorf("healthz three intervals after the last step: %d %q", code, body)
	}
}

// TestDashboard checks that grafana-dashboard.json is JSON and that every
// flinkscale metric its queries use is one the run exports.
func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile("grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	tel, err := newTelemetry(nil)
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	ch := make(chan *prometheus.Desc, 200)
	for _, c := range []prometheus.Collector{tel.calls, tel.steps, tel.lag, tel.drains} {
		c.Describe(ch)
	}
	close(ch)
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range ch {
		exported[name.FindStringSubmatch(d.String())[1]] = true
	}
	used := regexp.MustCompile(`flinkscale_[a-z_]+`)
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range used.FindAllString(tg.Expr, -1) {
				n++
				if base := strings.TrimSuffix(m, "_bucket"); !exported[m] && !exported[base] {
					t.Errorf("panel %q uses %s, which no collector exports", p.Title, m)
				}
			}
		}
	}
	if len(dash.Panels) < 8 || n < 20 {
		t.Errorf("%d panels using %d metrics", len(dash.Panels), n)
	}
}
