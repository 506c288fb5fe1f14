package flinkapi_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// configDefault is one documented default: the field (Type.Field), the
// Config it is read from, the key of flinkapi.Effective that shows it, and
// the value its doc promises.
type configDefault struct {
	field string
	cfg   flinkapi.Config
	key   string
	want  any
}

var (
	zeroConfig      = flinkapi.Config{BaseURL: "http://jm:8081"}
	zeroHTTPSConfig = flinkapi.Config{BaseURL: "https://jm:8081"}
)

// configDefaults holds every "Default:" of Config's field docs, with the
// conditional defaults the docs spell out.
var configDefaults = []configDefault{
	{"Config.RequestTimeout", zeroConfig, "RequestTimeout", 10 * time.Second},
	{"Config.RequestTimeout", flinkapi.Config{BaseURL: "http://jm", HTTPClient: &http.Client{Timeout: 3 * time.Second}}, "RequestTimeout", 3 * time.Second},
	{"Config.MaxRetries", zeroConfig, "MaxRetries", 4},
	{"Config.MaxRetries", flinkapi.Config{BaseURL: "http://jm", DisableRetries: true}, "MaxRetries", 0},
	{"Config.RetryWaitMin", zeroConfig, "RetryWaitMin", 100 * time.Millisecond},
	{"Config.RetryWaitMax", zeroConfig, "RetryWaitMax", 3 * time.Second},
	{"Config.RetryWaitMin", flinkapi.Config{BaseURL: "http://jm", RetryWaitMax: 50 * time.Millisecond}, "RetryWaitMin", 50 * time.Millisecond},
	{"Config.RetryWaitMin", flinkapi.Config{BaseURL: "http://jm", RetryWaitMax: time.Second}, "RetryWaitMin", 100 * time.Millisecond},
	{"Config.RetryWaitMax", flinkapi.Config{BaseURL: "http://jm", RetryWaitMin: 5 * time.Second}, "RetryWaitMax", 5 * time.Second},
	{"Config.RetryWaitMax", flinkapi.Config{BaseURL: "http://jm", RetryWaitMin: 10 * time.Millisecond}, "RetryWaitMax", 3 * time.Second},
	{"Config.MaxResponseBytes", zeroConfig, "MaxResponseBytes", int64(16 << 20)},
	{"Config.MetricNamesTTL", zeroConfig, "MetricNamesTTL", time.Minute},
	{"Config.MaxConnsPerHost", zeroConfig, "MaxConnsPerHost", 16},
	{"Config.FollowRedirects", zeroConfig, "FollowRedirects", false},
	{"Config.Header", zeroConfig, "Header", 0},
	{"Config.Logger", zeroConfig, "Logger.discards", true},
	{"Config.OnCall", zeroConfig, "OnCall.none", true},
	{"Config.HTTPClient", zeroConfig, "HTTPClient.ownTransport", true},
	{"Config.HTTPClient", zeroConfig, "HTTPClient.proxyFromEnvironment", true},
	{"Config.TLS", zeroHTTPSConfig, "TLS.MinVersion", uint16(tls.VersionTLS12)},
	{"Config.TLS", zeroHTTPSConfig, "TLS.systemRoots", true},
	{"Config.TLS", zeroHTTPSConfig, "TLS.clientCertificate", false},
	{"TLSConfig.ServerName", zeroHTTPSConfig, "TLS.ServerName", ""}, // the transport then checks the BaseURL's host: TestTLSServerName
}

// Every documented default of Config is what a Client built from it runs
// with.
func TestConfigDefaults(t *testing.T) {
	for _, tt := range configDefaults {
		t.Run(tt.field+"/"+tt.key, func(t *testing.T) {
			c, err := flinkapi.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := flinkapi.Effective(c)[tt.key]
			if !ok {
				t.Fatalf("no effective value %q", tt.key)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s = %v, doc says %v", tt.key, got, tt.want)
			}
		})
	}
}

// The zero Config's backoff, seen from the server: four 503s are retried
// over at least 50+100+200+400 ms (each wait is at least half its step),
// long enough to ride out a short JobManager leader election. A backoff
// starting at 1 ms took 14 ms.
func TestZeroConfigBacksOff(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var first, last atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UnixNano()
		if calls.Add(1) == 1 {
			first.Store(now)
		}
		last.Store(now)
		if calls.Load() <= 4 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"status":"RUNNING"}`))
	}))
	defer srv.Close()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.JobStatus(context.Background(), exampleJob); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 5 {
		t.Fatalf("%d attempts, want 5", calls.Load())
	}
	if took := time.Duration(last.Load() - first.Load()); took < 750*time.Millisecond {
		t.Errorf("5 attempts took %v, want at least 750ms with the documented backoff", took)
	}
}

// The documented defaults of MetricsQuery, SavepointRequest and
// StopRequest, seen in what the client sends and what Flink answers.
func TestRequestDefaults(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, vs := e.addJob(t, pipeline())
	e.srv.Metrics().SetSubtaskMetric(id, vs[0], "busyTimeMsPerSecond", 100, 200, 300, 400)
	ctx := context.Background()
	res, err := e.c.VertexMetrics(ctx, id, vs[0], flinkapi.MetricsQuery{Names: []string{"busyTimeMsPerSecond"}})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Metrics["busyTimeMsPerSecond"]
	tid1, err := e.c.TriggerSavepoint(ctx, id, flinkapi.SavepointRequest{})
	if err != nil {
		t.Fatal(err)
	}
	tid2, err := e.c.StopWithSavepoint(ctx, id, flinkapi.StopRequest{})
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]map[string]any{}
	for _, r := range e.srv.Requests() {
		if r.Method == http.MethodPost {
			var b map[string]any
			_ = json.Unmarshal(r.Body, &b)
			bodies[r.Route] = b
		}
	}
	sp, stop := bodies["POST /jobs/{jobid}/savepoints"], bodies["POST /jobs/{jobid}/stop"]
	tests := []struct {
		field string
		got   any
		want  any
	}{
		{"MetricsQuery.Aggregations: all five", answered(m), []string{"avg", "max", "min", "skew", "sum"}},
		{"MetricsQuery.Subtasks: all subtasks (sum)", m.Sum, flinkapi.Float(1000)},
		{"SavepointRequest.TargetDirectory: the cluster's (not sent)", sp["target-directory"], nil},
		{"SavepointRequest.Format: Flink chooses (not sent)", sp["formatType"], nil},
		{"SavepointRequest.TriggerID: a fresh valid ID", tid1.Validate() == nil && tid1 != tid2, true},
		{"StopRequest.TargetDirectory: the cluster's (not sent)", stop["targetDirectory"], nil},
		{"StopRequest.Format: Flink chooses (not sent)", stop["formatType"], nil},
		{"StopRequest.TriggerID: a fresh valid ID", tid2.Validate(), nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s: got %v, want %v", tt.field, tt.got, tt.want)
		}
	}
}

// answered lists the aggregations m holds a number for.
func answered(m flinkapi.AggregatedMetric) []string {
	var out []string
	for _, a := range []flinkapi.Aggregation{flinkapi.AggAvg, flinkapi.AggMax, flinkapi.AggMin, flinkapi.AggSkew, flinkapi.AggSum} {
		if _, ok := m.Value(a); ok {
			out = append(out, string(a))
		}
	}
	return out
}

// No field documents a default that no table checks: a new default, or a
// renamed field, must come with its row.
func TestEveryDocumentedDefaultIsTested(t *testing.T) {
	covered := map[string]bool{
		"MetricsQuery.Aggregations": true, // TestRequestDefaults
		"MetricsQuery.Subtasks":     true,
	}
	for _, d := range configDefaults {
		covered[d.field] = true
	}
	for _, field := range slices.Sorted(maps.Keys(docdefaults.Package(t, "."))) {
		if !covered[field] {
			t.Errorf("%s documents a default that no table checks", field)
		}
	}
}
