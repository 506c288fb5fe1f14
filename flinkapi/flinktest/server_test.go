package flinktest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
	"github.com/google/go-cmp/cmp"
)

// raw sends a request with net/http alone, so these tests see the wire as
// Flink's own clients would, not through flinkapi's decoding.
func raw(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
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

func twoVertexJob() flinktest.JobSpec {
	return flinktest.JobSpec{Name: "j", Vertices: []flinktest.VertexSpec{
		{ID: "0a448493b4782967b150582570326227", Parallelism: 2},
		{ID: "ea632d67b7d595e5b851708ae9ad79d6", Parallelism: 2, Inputs: []flinktest.Input{{From: "0a448493b4782967b150582570326227"}}},
	}}
}

func TestInvalidConfigAndSpecs(t *testing.T) {
	for _, cfg := range []flinktest.Config{
		{TaskManagers: -1}, {SlotsPerTaskManager: -1}, {RestartDelay: -1}, {CancelDelay: -1}, {AsyncStoreDuration: -1},
	} {
		err := cfg.Validate()
		if !errors.Is(err, flinktest.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidConfig (and the root one)", cfg, err)
		}
		if _, err := flinktest.NewServer(cfg); !errors.Is(err, flinktest.ErrInvalidConfig) {
			t.Errorf("NewServer(%+v) = %v", cfg, err)
		}
	}
	if err := (flinktest.Config{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
	srv := flinktest.Start(t, flinktest.Config{})
	src := flinkapi.VertexID("0a448493b4782967b150582570326227")
	bad := []flinktest.JobSpec{
		{},
		{ID: "nope", Vertices: []flinktest.VertexSpec{{}}},
		{Vertices: []flinktest.VertexSpec{{ID: src}, {ID: src}}},
		{Vertices: []flinktest.VertexSpec{{Inputs: []flinktest.Input{{From: src}}}}},
		{Vertices: []flinktest.VertexSpec{{Parallelism: 200}}},
		{Vertices: []flinktest.VertexSpec{{}}, Checkpointing: &flinktest.CheckpointingSpec{Interval: -1}},
		{Vertices: []flinktest.VertexSpec{{}}, Savepoints: flinktest.SavepointBehavior{Outcome: 7}},
	}
	for i, spec := range bad {
		if _, _, err := srv.AddJob(spec); !errors.Is(err, flinktest.ErrInvalidConfig) {
			t.Errorf("spec %d: AddJob = %v, want ErrInvalidConfig", i, err)
		}
	}
	if _, err := srv.JobState("ffffffffffffffffffffffffffffffff"); !errors.Is(err, flinktest.ErrUnknownJob) {
		t.Errorf("JobState of an unknown job: %v", err)
	}
	for _, f := range []flinktest.Fault{{Status: 42}, {Status: 503, Drop: true}, {Latency: -1}} {
		if err := srv.InjectFault("GET /overview", f); !errors.Is(err, flinktest.ErrInvalidConfig) {
			t.Errorf("InjectFault(%+v) = %v", f, err)
		}
	}
	if err := srv.InjectFault("GET /nope", flinktest.Fault{Status: 503}); !errors.Is(err, flinktest.ErrInvalidConfig) {
		t.Errorf("unknown route: %v", err)
	}
}

// AddJob returns the job's ID and its vertices' IDs in the order of the
// spec, derived ones included; derived IDs are the same on every server.
func TestIDsAreDeterministic(t *testing.T) {
	const given = flinkapi.VertexID("0a448493b4782967b150582570326227")
	spec := flinktest.JobSpec{Name: "stable", Vertices: []flinktest.VertexSpec{{Name: "Source: a"}, {ID: given, Name: "Sink"}, {Name: "Source: b"}}}
	var got [][]string
	for range 2 {
		srv := flinktest.Start(t, flinktest.Config{})
		id, vertices, err := srv.AddJob(spec)
		if err != nil {
			t.Fatal(err)
		}
		if len(vertices) != 3 || vertices[1] != given {
			t.Fatalf("AddJob returned vertices %v, want 3 with %s second", vertices, given)
		}
		p, _ := srv.Parallelism(id)
		ids := []string{string(id)}
		for _, v := range vertices {
			if _, ok := p[v]; !ok {
				t.Errorf("AddJob returned %s, which the job does not have (%v)", v, p)
			}
			ids = append(ids, string(v))
		}
		got = append(got, ids)
	}
	if diff := cmp.Diff(got[0], got[1]); diff != "" {
		t.Errorf("IDs differ between servers (-first +second):\n%s", diff)
	}
}

func TestWireQuirks(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{})
	spec := twoVertexJob()
	spec.Checkpointing = nil
	id, _, err := srv.AddJob(spec)
	if err != nil {
		t.Fatal(err)
	}
	v := spec.Vertices[0].ID
	srv.Metrics().SetSubtaskMetric(id, v, "busyTimeMsPerSecond", 100, 300)
	srv.Metrics().SetSubtaskMetric(id, v, "idleTimeMsPerSecond", 0, 0)
	srv.Metrics().SetSubtaskMetric(id, v, "numRecordsInPerSecond", 5, nan)
	agg := srv.URL + "/jobs/" + string(id) + "/vertices/" + string(v) + "/subtasks/metrics"
	const unknown = "ffffffffffffffffffffffffffffffff"
	tests := []struct {
		name, method, url string
		status            int
		body              string
	}{
		{"names without get", "GET", agg, 200, `[{"id":"busyTimeMsPerSecond"},{"id":"idleTimeMsPerSecond"},{"id":"numRecordsInPerSecond"}]`},
		{"aggregates, bare array", "GET", agg + "?get=busyTimeMsPerSecond&agg=max,avg", 200, `[{"avg":200,"id":"busyTimeMsPerSecond","max":300}]`},
		{"upper-case agg accepted", "GET", agg + "?get=idleTimeMsPerSecond&agg=SKEW", 200, `[{"id":"idleTimeMsPerSecond","skew":0}]`},
		{"one missing name empties everything", "GET", agg + "?get=busyTimeMsPerSecond,pendingRecords", 200, `[]`},
		{"NaN as a string", "GET", agg + "?get=numRecordsInPerSecond&agg=sum", 200, `[{"id":"numRecordsInPerSecond","sum":"NaN"}]`},
		{"subtask range", "GET", agg + "?get=busyTimeMsPerSecond&agg=sum&subtasks=1-1", 200, `[{"id":"busyTimeMsPerSecond","sum":300}]`},
		{"bad agg", "GET", agg + "?get=busyTimeMsPerSecond&agg=median", 400, ""},
		{"job metrics, values are strings", "GET", srv.URL + "/jobs/" + string(id) + "/metrics?get=numRestarts,nope", 200, `[{"id":"numRestarts","value":"0"}]`},
		{"checkpoints off", "GET", srv.URL + "/jobs/" + string(id) + "/checkpoints", 200, ""},
		{"checkpoint config off", "GET", srv.URL + "/jobs/" + string(id) + "/checkpoints/config", 200, ""},
		{"unknown job", "GET", srv.URL + "/jobs/" + unknown, 404, `{"errors":["org.apache.flink.runtime.rest.NotFoundException: Job ` + unknown + ` not found"]}`},
		{"unknown job status", "GET", srv.URL + "/jobs/" + unknown + "/status", 500, ""},
		{"unknown job requirements", "GET", srv.URL + "/jobs/" + unknown + "/resource-requirements", 500, ""},
		{"unknown job metrics", "GET", srv.URL + "/jobs/" + unknown + "/metrics?get=numRestarts", 200, `[]`},
		{"unknown job vertex metrics", "GET", srv.URL + "/jobs/" + unknown + "/vertices/" + string(v) + "/subtasks/metrics", 200, `[]`},
		{"unknown job savepoint", "POST", srv.URL + "/jobs/" + unknown + "/savepoints", 202, ""},
		{"unknown job checkpoints", "GET", srv.URL + "/jobs/" + unknown + "/checkpoints", 404, ""},
		{"malformed job ID", "GET", srv.URL + "/jobs/xyz", 400, ""},
		{"unknown path", "GET", srv.URL + "/nope", 404, `{"errors":["Not found: /nope"]}`},
		{"legacy rescaling is disabled", "PATCH", srv.URL + "/jobs/" + string(id) + "/rescaling?parallelism=4", 503, ""},
		{"bad stop body", "POST", srv.URL + "/jobs/" + string(id) + "/stop", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.method == "POST" {
				body = `{"drain": "yes"}`
			}
			status, got := raw(t, tt.method, tt.url, body)
			if status != tt.status {
				t.Errorf("status %d, want %d (body %s)", status, tt.status, got)
			}
			if tt.body != "" && got != tt.body {
				t.Errorf("body\n got %s\nwant %s", got, tt.body)
			}
			if tt.body == "" && status >= 400 && !strings.HasPrefix(got, `{"errors":[`) {
				t.Errorf("error body %s, want Flink's {\"errors\": [...]}", got)
			}
		})
	}
}

var nan = func() float64 { var z float64; return z / z }()

// Flink's default allocator: vertices of parallelism 6 and 3 in one
// slot-sharing group on 3 TaskManagers with 2 slots give 4, 3 and 2 tasks.
func TestSlotPlacementLikeFlinksDefault(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{TaskManagers: 3, SlotsPerTaskManager: 2})
	a, b := flinkapi.VertexID("0a448493b4782967b150582570326227"), flinkapi.VertexID("ea632d67b7d595e5b851708ae9ad79d6")
	id, _, err := srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{ID: a, Parallelism: 6}, {ID: b, Parallelism: 3, Inputs: []flinktest.Input{{From: a}}}}})
	if err != nil {
		t.Fatal(err)
	}
	perTM := map[string]int{}
	for _, v := range []flinkapi.VertexID{a, b} {
		_, body := raw(t, "GET", srv.URL+"/jobs/"+string(id)+"/vertices/"+string(v), "")
		var d flinkapi.VertexDetails
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatal(err)
		}
		for _, st := range d.Subtasks {
			perTM[st.TaskManagerID]++
		}
	}
	var counts []int
	for _, n := range perTM {
		counts = append(counts, n)
	}
	slices.Sort(counts)
	if diff := cmp.Diff([]int{2, 3, 4}, counts); diff != "" {
		t.Errorf("tasks per TaskManager (-want +got):\n%s", diff)
	}
}

func TestTriggerIDDeduplication(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{})
	id, _, err := srv.AddJob(twoVertexJob())
	if err != nil {
		t.Fatal(err)
	}
	body := `{"drain":true,"triggerId":"0123456789abcdef0123456789abcdef"}`
	for range 3 {
		status, got := raw(t, "POST", srv.URL+"/jobs/"+string(id)+"/stop", body)
		if status != 202 || got != `{"request-id":"0123456789abcdef0123456789abcdef"}` {
			t.Fatalf("POST stop = %d %s", status, got)
		}
	}
	if n, _ := srv.Operations(id); n != 1 {
		t.Errorf("%d operations, want 1", n)
	}
	if n := srv.CountRequests("POST /jobs/{jobid}/stop"); n != 3 {
		t.Errorf("%d requests logged, want 3", n)
	}
}

func TestFaults(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.InjectFault("GET /overview", flinktest.Fault{Status: 503, Times: 2, Message: "JobManager is leaderless"}))
	must(srv.InjectFault(flinktest.AnyRoute, flinktest.Fault{Status: 429}))
	var got []int
	for range 4 {
		status, _ := raw(t, "GET", srv.URL+"/overview", "")
		got = append(got, status)
	}
	if diff := cmp.Diff([]int{503, 503, 429, 200}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	must(srv.InjectFault("GET /taskmanagers", flinktest.Fault{Status: 502, Times: -1}))
	for range 3 {
		if status, _ := raw(t, "GET", srv.URL+"/taskmanagers", ""); status != 502 {
			t.Errorf("persistent fault: status %d", status)
		}
	}
	srv.ClearFaults()
	if status, _ := raw(t, "GET", srv.URL+"/taskmanagers", ""); status != 200 {
		t.Errorf("after ClearFaults: status %d", status)
	}
	must(srv.InjectFault("GET /overview", flinktest.Fault{Drop: true}))
	// A fresh connection: Go's transport silently retries a GET whose
	// reused keep-alive connection was closed.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, err := fresh.Get(srv.URL + "/overview"); err == nil {
		t.Error("dropped connection: no error")
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 0 || !last.Faulted || last.Route != "GET /overview" {
		t.Errorf("last logged request = %+v, want a dropped, faulted GET /overview", last)
	}
	srv.ResetRequests()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("after ResetRequests: %d requests", n)
	}
}

// A MetricsProvider drives the answers; the server's clock is virtual.
type rampProvider struct{ start time.Time }

func (p rampProvider) VertexMetrics(_ flinkapi.JobID, _ flinkapi.VertexID, parallelism int, now time.Time) flinktest.VertexMetrics {
	v := now.Sub(p.start).Seconds()
	vals := make([]float64, parallelism)
	for i := range vals {
		vals[i] = v
	}
	return flinktest.VertexMetrics{Subtasks: map[string][]float64{"busyTimeMsPerSecond": vals}}
}

func (rampProvider) JobMetrics(flinkapi.JobID, time.Time) map[string]string {
	return map[string]string{}
}

func TestMetricsProviderAndVirtualClock(t *testing.T) {
	c := clocktest.New(time.Unix(1_700_000_000, 0))
	srv := flinktest.Start(t, flinktest.Config{Clock: c, Metrics: rampProvider{start: c.Now()}, CancelDelay: 10 * time.Second})
	id, _, err := srv.AddJob(twoVertexJob())
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL + "/jobs/" + string(id) + "/vertices/0a448493b4782967b150582570326227/subtasks/metrics?get=busyTimeMsPerSecond&agg=sum"
	c.Advance(250 * time.Second)
	if _, body := raw(t, "GET", url, ""); body != `[{"id":"busyTimeMsPerSecond","sum":500}]` {
		t.Errorf("provider answer = %s", body)
	}
	if status, _ := raw(t, "PATCH", srv.URL+"/jobs/"+string(id)+"?mode=cancel", ""); status != 202 {
		t.Fatalf("cancel: %d", status)
	}
	for _, step := range []struct {
		advance time.Duration
		want    flinkapi.JobState
	}{{0, flinkapi.JobCancelling}, {9 * time.Second, flinkapi.JobCancelling}, {time.Second, flinkapi.JobCanceled}} {
		c.Advance(step.advance)
		if st, _ := srv.JobState(id); st != step.want {
			t.Errorf("after +%v: %s, want %s", step.advance, st, step.want)
		}
	}
}

func TestRoutes(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{})
	routes := srv.Routes()
	for _, want := range []string{"GET /jobs/{jobid}", "PUT /jobs/{jobid}/resource-requirements", "POST /jobs/{jobid}/stop", "GET /jobs/{jobid}/savepoints/{triggerid}"} {
		if !slices.Contains(routes, want) {
			t.Errorf("Routes() lacks %q", want)
		}
	}
}

// Completed async results are forgotten after rest.async.store-duration.
func TestAsyncResultsExpire(t *testing.T) {
	c := clocktest.New(time.Unix(1_700_000_000, 0))
	srv := flinktest.Start(t, flinktest.Config{Clock: c, AsyncStoreDuration: time.Minute})
	id, _, err := srv.AddJob(twoVertexJob())
	if err != nil {
		t.Fatal(err)
	}
	body := `{"cancel-job":false,"triggerId":"0123456789abcdef0123456789abcdef"}`
	if status, _ := raw(t, "POST", srv.URL+"/jobs/"+string(id)+"/savepoints", body); status != 202 {
		t.Fatalf("trigger: %d", status)
	}
	url := srv.URL + "/jobs/" + string(id) + "/savepoints/0123456789abcdef0123456789abcdef"
	for _, step := range []struct {
		advance time.Duration
		status  int
	}{{0, 200}, {time.Minute, 200}, {time.Second, 404}} {
		c.Advance(step.advance)
		if status, body := raw(t, "GET", url, ""); status != step.status {
			t.Errorf("after +%v: %d %s, want %d", step.advance, status, body, step.status)
		}
	}
}
