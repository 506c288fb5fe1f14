package flinkapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// fuzzCall is one client method whose answer the fuzzer writes: run makes
// the call, check asserts what a successful decode guarantees, seed is the
// request whose answer from flinktest seeds the corpus.
type fuzzCall struct {
	name         string
	run          func(context.Context, *flinkapi.Client) (any, error)
	check        func(t *testing.T, v any)
	seedMethod   string
	seedPath     string // below the job: "" is /jobs/{id}; a leading "!" is from the root
	seedPostBody string
}

const fuzzTrigger = flinkapi.TriggerID("00000000000000000000000000000001")

var fuzzCalls = []fuzzCall{
	{"JobDetails", func(ctx context.Context, c *flinkapi.Client) (any, error) { return c.JobDetails(ctx, exampleJob) },
		func(t *testing.T, v any) { checkFuzzJobDetails(t, v.(flinkapi.JobDetails)) }, "GET", "", ""},
	{"JobStatus", func(ctx context.Context, c *flinkapi.Client) (any, error) { return c.JobStatus(ctx, exampleJob) },
		func(t *testing.T, v any) { checkState(t, v.(flinkapi.JobState)) }, "GET", "/status", ""},
	{"JobsOverview", func(ctx context.Context, c *flinkapi.Client) (any, error) { return c.JobsOverview(ctx) },
		func(t *testing.T, v any) {
			for _, j := range v.([]flinkapi.JobOverview) {
				checkState(t, j.State)
				if j.ID.Validate() != nil {
					t.Errorf("overview lists job %q", j.ID)
				}
			}
		}, "GET", "!/jobs/overview", ""},
	{"VertexDetails", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.VertexDetails(ctx, exampleJob, vertexA)
	}, func(t *testing.T, v any) { checkFuzzVertexDetails(t, v.(flinkapi.VertexDetails)) }, "GET", "/vertices/" + vertexA, ""},
	{"VertexMetrics", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.VertexMetrics(ctx, exampleJob, vertexA, flinkapi.MetricsQuery{Names: []string{"busyTimeMsPerSecond", "pendingRecords"}})
	}, func(t *testing.T, v any) {
		checkFuzzVertexMetrics(t, v.(flinkapi.VertexMetricsResult), "busyTimeMsPerSecond", "pendingRecords")
	},
		"GET", "/vertices/" + vertexA + "/subtasks/metrics?get=busyTimeMsPerSecond", ""},
	{"VertexMetricNames", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.VertexMetricNames(ctx, exampleJob, vertexA)
	}, func(t *testing.T, v any) { checkNames(t, v.([]string)) }, "GET", "/vertices/" + vertexA + "/subtasks/metrics", ""},
	{"JobMetrics", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.JobMetrics(ctx, exampleJob, "numRestarts", "lastCheckpointSize")
	}, func(t *testing.T, v any) {
		checkMetricValues(t, v.(flinkapi.MetricValues), "numRestarts", "lastCheckpointSize")
	},
		"GET", "/metrics?get=numRestarts", ""},
	{"JobMetricNames", func(ctx context.Context, c *flinkapi.Client) (any, error) { return c.JobMetricNames(ctx, exampleJob) },
		func(t *testing.T, v any) { checkNames(t, v.([]string)) }, "GET", "/metrics", ""},
	{"JobManagerMetrics", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.JobManagerMetrics(ctx, "taskSlotsTotal", "taskSlotsAvailable")
	}, func(t *testing.T, v any) {
		checkMetricValues(t, v.(flinkapi.MetricValues), "taskSlotsTotal", "taskSlotsAvailable")
	},
		"GET", "!/jobmanager/metrics?get=taskSlotsTotal,taskSlotsAvailable", ""},
	{"JobManagerConfig", func(ctx context.Context, c *flinkapi.Client) (any, error) { return c.JobManagerConfig(ctx) },
		nil, "GET", "!/jobmanager/config", ""},
	{"Checkpoints", func(ctx context.Context, c *flinkapi.Client) (any, error) { return c.Checkpoints(ctx, exampleJob) },
		nil, "GET", "/checkpoints", ""},
	{"CheckpointConfig", func(ctx context.Context, c *flinkapi.Client) (any, error) { return c.CheckpointConfig(ctx, exampleJob) },
		func(t *testing.T, v any) {
			if v.(flinkapi.CheckpointConfig).Mode == "" {
				t.Error("checkpoint config without a mode")
			}
		}, "GET", "/checkpoints/config", ""},
	{"TriggerSavepoint", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.TriggerSavepoint(ctx, exampleJob, flinkapi.SavepointRequest{TriggerID: fuzzTrigger})
	}, func(t *testing.T, v any) { checkTrigger(t, v.(flinkapi.TriggerID)) }, "POST", "/savepoints", `{"triggerId":"` + string(fuzzTrigger) + `"}`},
	{"StopWithSavepoint", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.StopWithSavepoint(ctx, exampleJob, flinkapi.StopRequest{Drain: true, TriggerID: fuzzTrigger})
	}, func(t *testing.T, v any) { checkTrigger(t, v.(flinkapi.TriggerID)) }, "POST", "/stop", `{"drain":true,"triggerId":"` + string(fuzzTrigger) + `"}`},
	{"SavepointStatus", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.SavepointStatus(ctx, exampleJob, fuzzTrigger)
	}, func(t *testing.T, v any) {
		op := v.(flinkapi.Operation)
		if op.Status != flinkapi.OperationInProgress && op.Status != flinkapi.OperationCompleted {
			t.Errorf("operation status %q", op.Status)
		}
	}, "GET", "/savepoints/" + string(fuzzTrigger), ""},
	{"TaskManagers", func(ctx context.Context, c *flinkapi.Client) (any, error) { return c.TaskManagers(ctx) },
		nil, "GET", "!/taskmanagers", ""},
	{"Overview", func(ctx context.Context, c *flinkapi.Client) (any, error) { return c.Overview(ctx) },
		nil, "GET", "!/overview", ""},
	{"ResourceRequirements", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.ResourceRequirements(ctx, exampleJob)
	}, nil, "GET", "/resource-requirements", ""},
	{"Rescale", func(ctx context.Context, c *flinkapi.Client) (any, error) {
		return c.Rescale(ctx, exampleJob, map[flinkapi.VertexID]int{vertexA: 3})
	}, func(t *testing.T, v any) {
		if b := v.(flinkapi.ResourceRequirements)[vertexA].Parallelism; b.UpperBound != 3 || b.LowerBound < 1 || b.LowerBound > 3 {
			t.Errorf("rescale wrote %+v", b)
		}
	}, "GET", "/resource-requirements", ""},
	{"Cancel", func(ctx context.Context, c *flinkapi.Client) (any, error) { return nil, c.Cancel(ctx, exampleJob) },
		nil, "PATCH", "?mode=cancel", ""},
}

// fuzzStatuses are the statuses the fuzzer picks from; a 3xx comes with a
// Location.
var fuzzStatuses = []int{200, 202, 200, 404, 409, 500, 503, 400, 302, 307, 204}

// fuzzAnswer is what the fuzz server answers every request with.
type fuzzAnswer struct {
	mu     sync.Mutex
	status int
	body   []byte
}

func (a *fuzzAnswer) set(status int, body []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.status, a.body = status, body
}

func (a *fuzzAnswer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	a.mu.Lock()
	status, body := a.status, a.body
	a.mu.Unlock()
	if status >= 300 && status < 400 {
		w.Header().Set("Location", "/moved")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// FuzzAnswer feeds every answer decoder of the client, through the real
// client and an HTTP server: call selects the method, status the answer's
// status, body its bytes. The client must not panic; every error must be
// one the package documents; a successful answer must hold what the
// package promises of it (the job asked for, states known or explicitly
// unknown, parallelism of at least 1, no vertex or subtask twice, valid
// IDs, only the metrics asked for).
func FuzzAnswer(f *testing.F) {
	seedFuzzAnswer(f)
	answer := &fuzzAnswer{}
	srv := httptest.NewServer(answer)
	defer srv.Close()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true, MetricNamesTTL: time.Nanosecond,
		MaxResponseBytes: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	f.Fuzz(func(t *testing.T, call, status uint8, body []byte) {
		fc := fuzzCalls[int(call)%len(fuzzCalls)]
		answer.set(fuzzStatuses[int(status)%len(fuzzStatuses)], body)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		v, err := fc.run(ctx, c)
		if err != nil {
			checkFuzzError(t, fc.name, err)
			return
		}
		if fc.check != nil {
			fc.check(t, v)
		}
	})
}

// documented are the sentinels an answer can make an error wrap.
var documented = []error{flinkapi.ErrDecode, flinkapi.ErrNotFound, flinkapi.ErrConflict, flinkapi.ErrUnavailable,
	flinkapi.ErrCheckpointingDisabled, flinkapi.ErrResponseTooLarge, flinkapi.ErrRedirect}

func checkFuzzError(t *testing.T, call string, err error) {
	t.Helper()
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%s: err = %v: the answer alone must not cause this", call, err)
	}
	if errors.Is(err, flinkapi.ErrInvalidRequest) {
		// Only Rescale documents it after I/O: a target vertex the job's
		// requirements do not name.
		if call != "Rescale" || !strings.Contains(err.Error(), "has no vertex") {
			t.Errorf("%s: err = %v: the answer alone must not make the request invalid", call, err)
		}
		return
	}
	if errors.Is(err, flinkapi.ErrInvalidAnswer) && !errors.Is(err, flinkapi.ErrDecode) {
		t.Errorf("%s: err = %v wraps ErrInvalidAnswer without ErrDecode", call, err)
	}
	if _, ok := errors.AsType[*flinkapi.Error](err); ok {
		return // any other HTTP status
	}
	if !slices.ContainsFunc(documented, func(s error) bool { return errors.Is(err, s) }) {
		t.Errorf("%s: err = %v (%T) is none of the documented errors", call, err, err)
	}
}

func checkState(t *testing.T, s flinkapi.JobState) {
	t.Helper()
	if !s.Known() && s != flinkapi.JobUnknown {
		t.Errorf("job state %q is neither known nor JobUnknown", s)
	}
}

func checkFuzzJobDetails(t *testing.T, d flinkapi.JobDetails) {
	t.Helper()
	if d.ID != exampleJob {
		t.Errorf("details of job %q", d.ID)
	}
	checkState(t, d.State)
	seen := map[flinkapi.VertexID]bool{}
	for _, v := range d.Vertices {
		if v.ID.Validate() != nil || seen[v.ID] || v.Parallelism < 1 {
			t.Errorf("vertex %q (twice: %t) with parallelism %d", v.ID, seen[v.ID], v.Parallelism)
		}
		if v.Status != "" && !v.Status.Known() && v.Status != flinkapi.ExecUnknown {
			t.Errorf("vertex state %q", v.Status)
		}
		seen[v.ID] = true
	}
}

func checkFuzzVertexDetails(t *testing.T, d flinkapi.VertexDetails) {
	t.Helper()
	if d.ID != vertexA || d.Parallelism < 1 {
		t.Errorf("details of vertex %q with parallelism %d", d.ID, d.Parallelism)
	}
	seen := map[int]bool{}
	for _, st := range d.Subtasks {
		if st.Subtask < 0 || st.Subtask >= d.Parallelism || seen[st.Subtask] {
			t.Errorf("subtask %d of %d (twice: %t)", st.Subtask, d.Parallelism, seen[st.Subtask])
		}
		seen[st.Subtask] = true
	}
}

func checkFuzzVertexMetrics(t *testing.T, res flinkapi.VertexMetricsResult, names ...string) {
	t.Helper()
	for name, m := range res.Metrics {
		if !slices.Contains(names, name) || m.ID != name {
			t.Errorf("metric %q (id %q) was not asked for", name, m.ID)
		}
		for _, a := range []flinkapi.Aggregation{flinkapi.AggMin, flinkapi.AggMax, flinkapi.AggAvg, flinkapi.AggSum, flinkapi.AggSkew} {
			if v, ok := m.Value(a); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
				t.Errorf("%s %s = %v reported as a valid value", name, a, v)
			}
		}
	}
	for _, n := range names {
		_, has := res.Metrics[n]
		if has == slices.Contains(res.Missing, n) {
			t.Errorf("%q is in Metrics: %t, in Missing: %t; want exactly one", n, has, !has)
		}
	}
}

func checkMetricValues(t *testing.T, mv flinkapi.MetricValues, names ...string) {
	t.Helper()
	for name := range mv.Values {
		if !slices.Contains(names, name) {
			t.Errorf("metric %q was not asked for", name)
		}
		if v, ok := mv.Float(name); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Errorf("%s = %v reported as a valid number", name, v)
		}
	}
	for _, n := range mv.Missing {
		if _, has := mv.Values[n]; has || !slices.Contains(names, n) {
			t.Errorf("missing %q is answered or was not asked for", n)
		}
	}
}

func checkNames(t *testing.T, names []string) {
	t.Helper()
	if !slices.IsSorted(names) || slices.Contains(names, "") {
		t.Errorf("names %q: want sorted, none empty", names)
	}
}

// checkTrigger: a trigger answer names an operation. Its form is not
// checked: a caller may act on a malformed one (flinkdrain does).
func checkTrigger(t *testing.T, id flinkapi.TriggerID) {
	t.Helper()
	if id == "" {
		t.Error("empty trigger ID")
	}
}

// seedFuzzAnswer adds, for every call, the answer flinktest gives (Flink's
// wire format) and answers known to be hard: non-finite strings, nulls,
// the impossible answers of the audit.
func seedFuzzAnswer(f *testing.F) {
	srv, err := flinktest.NewServer(flinktest.Config{})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	spec := pipeline()
	spec.ID = exampleJob
	if _, _, err := srv.AddJob(spec); err != nil {
		f.Fatal(err)
	}
	srv.Metrics().SetSubtaskMetric(exampleJob, vertexA, "busyTimeMsPerSecond", 100, math.NaN(), math.Inf(1), 400)
	srv.Metrics().SetJobMetric(exampleJob, "numRestarts", "NaN")
	for i, fc := range fuzzCalls {
		f.Add(uint8(i), uint8(0), seedBody(f, srv.URL, fc))
	}
	job := string(exampleJob)
	for _, s := range []struct {
		call string
		body string
	}{
		{"JobDetails", jobDetailsBody(otherJob, "RUNNING", vertexA+":2:RUNNING")},
		{"JobDetails", jobDetailsBody(job, "TELEPORTING", vertexA+":0:RUNNING")},
		{"JobDetails", jobDetailsBody(job, "RUNNING", vertexA+":2:RUNNING", vertexA+":2:HIBERNATING")},
		{"JobDetails", `{"jid":"` + job + `","state":null,"vertices":null,"timestamps":{"RUNNING":"x"}}`},
		{"JobStatus", `{"status":"RUNNING","status":"TELEPORTING"}`},
		{"VertexMetrics", `[{"id":"busyTimeMsPerSecond","min":"NaN","max":"Infinity","avg":"-Infinity","sum":null,"skew":1e308}]`},
		{"VertexMetrics", `[{"id":"busyTimeMsPerSecond","max":"1e400"},{"id":"pendingRecords","max":-0}]`},
		{"JobMetrics", `[{"id":"numRestarts","value":"Infinity"},{"id":"other","value":"1"}]`},
		{"Checkpoints", `{"summary":{"state_size":{"p50":"NaN","p99":"Infinity"}},"latest":{"completed":null}}`},
		{"SavepointStatus", `{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{"class":"x"}}}`},
		{"TriggerSavepoint", `{"request-id":"` + strings.ToUpper(string(fuzzTrigger)) + `"}`},
		{"Rescale", `{"` + vertexA + `":{"parallelism":{"lowerBound":5,"upperBound":2}}}`},
	} {
		i := slices.IndexFunc(fuzzCalls, func(fc fuzzCall) bool { return fc.name == s.call })
		f.Add(uint8(i), uint8(0), []byte(s.body))
	}
	f.Add(uint8(0), uint8(5), []byte(`{"errors":["Internal server error."]}`))
	f.Add(uint8(0), uint8(8), []byte(`<html>moved</html>`))
}

// seedBody fetches what flinktest answers to fc's seed request.
func seedBody(f *testing.F, base string, fc fuzzCall) []byte {
	url := base + "/jobs/" + string(exampleJob) + fc.seedPath
	if p, ok := strings.CutPrefix(fc.seedPath, "!"); ok {
		url = base + p
	}
	req, err := http.NewRequest(fc.seedMethod, url, strings.NewReader(fc.seedPostBody))
	if err != nil {
		f.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode >= 400 {
		f.Fatal(fmt.Errorf("seed %s: %d %s %v", fc.name, resp.StatusCode, b, err))
	}
	return b
}

// FuzzBackoff checks the wait before a retry for any bounds a valid Config
// allows (0 < RetryWaitMin <= RetryWaitMax), any attempt and any
// Retry-After: never negative, never above RetryWaitMax, never below half
// of RetryWaitMin (a Retry-After once overflowed into no wait at all).
func FuzzBackoff(f *testing.F) {
	f.Add(int64(100*time.Millisecond), int64(3*time.Second), 0, uint8(3), "9223372037")
	f.Add(int64(time.Millisecond), int64(math.MaxInt64), 62, uint8(0), "")
	f.Add(int64(math.MaxInt64/3), int64(math.MaxInt64), 5, uint8(1), "Fri, 31 Dec 9999 23:59:59 GMT")
	f.Add(int64(1), int64(1), 1<<30, uint8(3), "0")
	f.Fuzz(func(t *testing.T, waitMin, waitMax int64, attempt int, status uint8, retryAfter string) {
		if waitMin <= 0 || waitMax < waitMin || attempt < 0 {
			t.Skip("not a valid Config")
		}
		statuses := []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusServiceUnavailable}
		resp := &http.Response{StatusCode: statuses[int(status)%len(statuses)], Header: http.Header{"Retry-After": {retryAfter}}}
		lo, hi := time.Duration(waitMin), time.Duration(waitMax)
		if d := flinkapi.Backoff(lo, hi, attempt, resp); d < lo/2 || d > hi {
			t.Errorf("backoff(%v, %v, %d, Retry-After %q) = %v, want within [%v, %v]", lo, hi, attempt, retryAfter, d, lo/2, hi)
		}
	})
}
