package flinkapi_test

// Tests of the OpenAPI validation harness in spec_test.go: each case must be
// able to fail, so the bad exchanges are asserted to be reported.

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

const (
	specJobID     = "7a7c3291accebd10b6be8d4f8c8d8dfc"
	specVertexID  = "cbc357ccb763df2852fee8c4fc7d55f2"
	specTriggerID = "0123456789abcdef0123456789abcdef"
	specTMID      = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	specJob       = "/jobs/" + specJobID
	specVertex    = specJob + "/vertices/" + specVertexID
)

// specExchange is one HTTP exchange for the validator. fail is empty for an
// exchange every spec must accept; otherwise every spec must report a
// failure whose message holds fail.
type specExchange struct {
	name         string
	method, url  string // url is the path and query
	reqBody      string
	status       int
	respType     string // Content-Type of the answer; application/json if empty
	respBody     string
	fail         string
	noReqCT      bool // send the request body without Content-Type
	omitRespType bool // answer without Content-Type
}

// specVertexJSON is one vertex of GET /jobs/{jobid} as Flink writes it: the
// slot-sharing group as a 32-hex string and a source's busy time as "NaN".
const specVertexJSON = `{"id": "` + specVertexID + `", "slotSharingGroupId": "9a1fc3e4c2d7b8a6f5e4d3c2b1a09f8e",
 "name": "Source: numbers", "maxParallelism": 128, "parallelism": 2, "status": "RUNNING",
 "start-time": 1700000000000, "end-time": -1, "duration": 5000, "tasks": {"RUNNING": 2, "FAILED": 0},
 "metrics": {"read-bytes": 0, "read-bytes-complete": true, "write-bytes": 10, "write-bytes-complete": true,
  "read-records": 0, "read-records-complete": true, "write-records": 3, "write-records-complete": true,
  "accumulated-backpressured-time": 0, "accumulated-idle-time": 12, "accumulated-busy-time": "NaN"}}`

func specJobDetails(vertex string) string {
	return `{"jid": "` + specJobID + `", "name": "demo", "isStoppable": false, "state": "RUNNING",
 "job-type": "STREAMING", "start-time": 1700000000000, "end-time": -1, "duration": 5000, "maxParallelism": -1,
 "now": 1700000005000, "timestamps": {"RUNNING": 1700000000100, "CREATED": 1700000000000},
 "vertices": [` + vertex + `], "status-counts": {"RUNNING": 1},
 "plan": {"jid": "` + specJobID + `", "name": "demo", "type": "STREAMING", "nodes": [{"id": "` + specVertexID + `",
  "parallelism": 2, "operator": "", "operator_strategy": "", "description": "Source: numbers",
  "inputs": [{"num": 0, "id": "` + specVertexID + `", "ship_strategy": "HASH", "exchange": "pipelined_bounded"}]}]}}`
}

// specCheckpoint is one checkpoint of the statistics, className first.
func specCheckpoint(className, status, extra string) string {
	return `{"className": "` + className + `", "id": 7, "status": "` + status + `", "is_savepoint": false,
 "savepointFormat": null, "trigger_timestamp": 1700000000000, "latest_ack_timestamp": 1700000000900,
 "checkpointed_size": 1024, "state_size": 4096, "end_to_end_duration": 900, "alignment_buffered": 0,
 "processed_data": 0, "persisted_data": 0, "num_subtasks": 2, "num_acknowledged_subtasks": 2,
 "checkpoint_type": "CHECKPOINT", "tasks": {}` + extra + `}`
}

func specCheckpoints(history string) string {
	nan := `{"min": 0, "max": 0, "avg": 0, "p50": "NaN", "p90": "NaN", "p95": "NaN", "p99": "NaN", "p999": "NaN"}`
	num := `{"min": 1, "max": 9, "avg": 5, "p50": 5.0, "p90": 9, "p95": 9, "p99": 9, "p999": 9}`
	completed := specCheckpoint("completed", "COMPLETED", `, "external_path": "file:/cp/chk-7", "discarded": false`)
	return `{"counts": {"restored": 0, "total": 3, "in_progress": 1, "completed": 1, "failed": 1},
 "summary": {"checkpointed_size": ` + num + `, "state_size": ` + num + `, "end_to_end_duration": ` + nan + `,
  "alignment_buffered": ` + nan + `, "processed_data": ` + nan + `, "persisted_data": ` + nan + `},
 "latest": {"completed": ` + completed + `, "savepoint": null, "failed": null, "restored": null},
 "history": [` + history + `]}`
}

func specExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// specPassing are exchanges Flink's wire format allows.
func specPassing(t *testing.T) []specExchange {
	inProgress := specCheckpoint("in_progress", "IN_PROGRESS", "")
	failed := specCheckpoint("failed", "FAILED", `, "failure_timestamp": 1700000001000, "failure_message": null`)
	completed := specCheckpoint("completed", "COMPLETED", `, "external_path": "file:/cp/chk-7", "discarded": false`)
	rr := specExample(t, "resource-requirements-put-body.json")
	return []specExchange{
		{name: "metric values as a bare array", method: "GET", url: specJob + "/metrics?get=numRestarts,uptime", status: 200, respBody: `[{"id": "numRestarts", "value": "0"}, {"id": "uptime", "value": "5000"}]`},
		{name: "metric names without values", method: "GET", url: specJob + "/metrics", status: 200, respBody: `[{"id": "numRestarts"}, {"id": "uptime"}]`},
		{name: "jobmanager metrics", method: "GET", url: "/jobmanager/metrics?get=taskSlotsTotal", status: 200, respBody: `[{"id": "taskSlotsTotal", "value": "4"}]`},
		{name: "taskmanager metrics", method: "GET", url: "/taskmanagers/" + specTMID + "/metrics", status: 200, respBody: `[]`},
		{name: "vertex metrics", method: "GET", url: specVertex + "/metrics?get=0.numRecordsIn", status: 200, respBody: `[{"id": "0.numRecordsIn", "value": "12"}]`},
		{name: "aggregated subtask metrics with agg=min,max", method: "GET", url: specVertex + "/subtasks/metrics?get=busyTimeMsPerSecond,idleTimeMsPerSecond&agg=min,max", status: 200, respBody: `[{"id": "busyTimeMsPerSecond", "min": 1, "max": "NaN"}, {"id": "idleTimeMsPerSecond", "skew": "Infinity", "avg": "-Infinity"}]`},
		{name: "agg with escaped commas", method: "GET", url: specVertex + "/subtasks/metrics?get=a%2Cb&agg=min%2Cmax%2Cavg%2Csum%2Cskew", status: 200, respBody: `[{"id": "a", "min": 1, "max": 2, "avg": 1.5, "sum": 3, "skew": 0}]`},
		{name: "aggregated job metrics", method: "GET", url: "/jobs/metrics?get=numRestarts&agg=sum", status: 200, respBody: `[{"id": "numRestarts", "sum": 4}]`},
		{name: "aggregated taskmanager metrics", method: "GET", url: "/taskmanagers/metrics?agg=max", status: 200, respBody: `[]`},
		{name: "cancel with mode=cancel answers 202 without body", method: "PATCH", url: specJob + "?mode=cancel", status: 202, omitRespType: true},
		{name: "cancel without mode", method: "PATCH", url: specJob, status: 202, omitRespType: true},
		{name: "404 with ErrorResponseBody", method: "GET", url: specJob, status: 404, respType: "application/json; charset=UTF-8", respBody: `{"errors": ["Job ` + specJobID + ` not found"]}`},
		{name: "500 with ErrorResponseBody", method: "GET", url: specVertex + "/subtasks/metrics", status: 500, respBody: `{"errors": ["Internal server error.", "<Exception on server side: ...>"]}`},
		{name: "job details with hex slotSharingGroupId and NaN busy time", method: "GET", url: specJob, status: 200, respBody: specJobDetails(specVertexJSON)},
		{name: "job details with slotSharingGroupName", method: "GET", url: specJob, status: 200, respBody: specJobDetails(strings.Replace(specVertexJSON, `"name":`, `"slotSharingGroupName": "default", "name":`, 1))},
		{name: "example job-details-entry in /jobs/overview", method: "GET", url: "/jobs/overview", status: 200, respBody: `{"jobs": [` + specExample(t, "job-details-entry.json") + `]}`},
		{name: "example savepoint-status-completed", method: "GET", url: specJob + "/savepoints/" + specTriggerID, status: 200, respBody: specExample(t, "savepoint-status-completed.json")},
		{name: "example savepoint-status-failed", method: "GET", url: specJob + "/savepoints/" + specTriggerID, status: 200, respBody: specExample(t, "savepoint-status-failed.json")},
		{name: "savepoint completed with location only", method: "GET", url: specJob + "/savepoints/" + specTriggerID, status: 200, respBody: `{"status": {"id": "COMPLETED"}, "operation": {"location": "file:/tmp/sp"}}`},
		{name: "savepoint failure-cause with all three fields", method: "GET", url: specJob + "/savepoints/" + specTriggerID, status: 200, respBody: `{"status": {"id": "COMPLETED"}, "operation": {"failure-cause": {"class": "java.lang.Exception", "stack-trace": "...", "serialized-throwable": "rO0ABQ=="}}}`},
		{name: "savepoint in progress with operation null", method: "GET", url: specJob + "/savepoints/" + specTriggerID, status: 200, respBody: `{"status": {"id": "IN_PROGRESS"}, "operation": null}`},
		{name: "savepoint in progress without operation", method: "GET", url: specJob + "/savepoints/" + specTriggerID, status: 200, respBody: `{"status": {"id": "IN_PROGRESS"}}`},
		{name: "trigger savepoint", method: "POST", url: specJob + "/savepoints", reqBody: `{"target-directory": "s3://b/sp", "cancel-job": false, "formatType": "CANONICAL", "triggerId": "` + specTriggerID + `"}`, status: 202, respBody: `{"request-id": "` + specTriggerID + `"}`},
		{name: "stop with savepoint", method: "POST", url: specJob + "/stop", reqBody: `{"targetDirectory": "s3://b/sp", "drain": false}`, status: 202, respBody: `{"request-id": "` + specTriggerID + `"}`},
		{name: "example resource-requirements-put-body, 200 without body", method: "PUT", url: specJob + "/resource-requirements", reqBody: rr, status: 200, omitRespType: true},
		{name: "example resource-requirements-put-body, 200 with {}", method: "PUT", url: specJob + "/resource-requirements", reqBody: rr, status: 200, respBody: `{}`},
		{name: "example resource requirements as the GET answer", method: "GET", url: specJob + "/resource-requirements", status: 200, respBody: rr},
		{name: "checkpoint config with lower-case mode", method: "GET", url: specJob + "/checkpoints/config", status: 200, respBody: `{"mode": "exactly_once", "interval": 1000, "timeout": 600000, "min_pause": 0, "max_concurrent": 1, "externalization": {"enabled": true, "delete_on_cancellation": false}, "state_backend": "hashmap", "checkpoint_storage": "file", "unaligned_checkpoints": false, "tolerable_failed_checkpoints": 0, "aligned_checkpoint_timeout": 0, "checkpoints_after_tasks_finish": true, "state_changelog_enabled": false}`},
		{name: "checkpoints with null latest entries and NaN percentiles", method: "GET", url: specJob + "/checkpoints", status: 200, respBody: specCheckpoints(inProgress + "," + completed + "," + failed)},
		{name: "checkpoint details", method: "GET", url: specJob + "/checkpoints/details/7", status: 200, respBody: completed},
		{name: "job status", method: "GET", url: specJob + "/status", status: 200, respBody: `{"status": "RUNNING"}`},
	}
}

// specFailing are exchanges that must be reported, each for its reason.
func specFailing() []specExchange {
	unknownField := strings.Replace(specJobDetails(specVertexJSON), `"name": "demo",`, `"name": "demo", "jobName": "demo",`, 1)
	wrongType := strings.Replace(specJobDetails(specVertexJSON), `"parallelism": 2, "status"`, `"parallelism": "2", "status"`, 1)
	objectSSG := strings.Replace(specJobDetails(specVertexJSON), `"9a1fc3e4c2d7b8a6f5e4d3c2b1a09f8e"`, `{"bytes": "mh/D5MLXuKb15NPCsaCfjg==", "lowerPart": 1, "upperPart": 2}`, 1)
	badClass := specCheckpoint("pending", "IN_PROGRESS", "")
	extraField := specCheckpoint("completed", "COMPLETED", `, "external_path": "x", "discarded": false, "externalPath": "x"`)
	return []specExchange{
		{name: "metrics wrapped in {metrics: [...]}", method: "GET", url: specJob + "/metrics?get=numRestarts", status: 200, respBody: `{"metrics": [{"id": "numRestarts", "value": "0"}]}`, fail: "must be an array"},
		{name: "metric without id", method: "GET", url: specJob + "/metrics", status: 200, respBody: `[{"value": "0"}]`, fail: `"id" is missing`},
		{name: "aggregate that is not a number", method: "GET", url: specVertex + "/subtasks/metrics?get=a", status: 200, respBody: `[{"id": "a", "min": "small"}]`, fail: "anyOf"},
		{name: "agg=median", method: "GET", url: specVertex + "/subtasks/metrics?get=a&agg=median", status: 200, respBody: `[]`, fail: `parameter "agg"`},
		{name: "mode=stop", method: "PATCH", url: specJob + "?mode=stop", status: 202, omitRespType: true, fail: `parameter "mode"`},
		{name: "unknown field in job details", method: "GET", url: specJob, status: 200, respBody: unknownField, fail: `"jobName" is unsupported`},
		{name: "wrong type in job details", method: "GET", url: specJob, status: 200, respBody: wrongType, fail: "must be an integer"},
		{name: "slotSharingGroupId as the spec's object", method: "GET", url: specJob, status: 200, respBody: objectSSG, fail: "slotSharingGroupId"},
		{name: "404 with an HTML body", method: "GET", url: specJob, status: 404, respType: "text/html", respBody: `<html><body>Not Found</body></html>`, fail: "Content-Type"},
		{name: "404 with HTML labelled JSON", method: "GET", url: specJob, status: 404, respBody: `<html><body>Not Found</body></html>`, fail: "failed to decode"},
		{name: "error body with another field", method: "GET", url: specJob, status: 404, respBody: `{"message": "not found"}`, fail: `"message" is unsupported`},
		{name: "error body without errors", method: "GET", url: specJob, status: 404, respBody: `{}`, fail: `"errors" is missing`},
		{name: "200 where 202 is documented", method: "POST", url: specJob + "/savepoints", reqBody: `{}`, status: 200, respBody: `{"request-id": "` + specTriggerID + `"}`, fail: "status is not supported"},
		{name: "path no spec knows", method: "GET", url: specJob + "/bogus", status: 200, respBody: `{}`, fail: "no operation matches"},
		{name: "checkpoint with an unmapped className", method: "GET", url: specJob + "/checkpoints", status: 200, respBody: specCheckpoints(badClass), fail: "discriminator"},
		{name: "checkpoint with a misnamed field", method: "GET", url: specJob + "/checkpoints", status: 200, respBody: specCheckpoints(extraField), fail: `"externalPath" is unsupported`},
		{name: "checkpoint config with upper-case mode", method: "GET", url: specJob + "/checkpoints/config", status: 200, respBody: `{"mode": "EXACTLY_ONCE"}`, fail: "mode"},
		{name: "savepoint operation with an unknown field", method: "GET", url: specJob + "/savepoints/" + specTriggerID, status: 200, respBody: `{"status": {"id": "COMPLETED"}, "operation": {"location": "x", "path": "x"}}`, fail: "anyOf"},
		{name: "resource requirements with an unknown field", method: "PUT", url: specJob + "/resource-requirements", reqBody: `{"` + specVertexID + `": {"parallelism": {"lowerBound": 1, "upperBound": 2, "max": 3}}}`, status: 200, omitRespType: true, fail: `"max" is unsupported`},
		{name: "request body without Content-Type", method: "POST", url: specJob + "/savepoints", reqBody: `{}`, noReqCT: true, status: 202, respBody: `{"request-id": "` + specTriggerID + `"}`, fail: "Content-Type"},
		{name: "cancel answered with an HTML body", method: "PATCH", url: specJob + "?mode=cancel", status: 202, respType: "text/html", respBody: `<html>Accepted</html>`, fail: "documented without content"},
		{name: "undeclared query parameter", method: "GET", url: specVertex + "/subtasks/metrics?get=a&aggs=min", status: 200, respBody: `[]`, fail: `query parameter "aggs" is not declared`},
		{name: "cancel with a body", method: "PATCH", url: specJob + "?mode=cancel", reqBody: `{}`, status: 202, omitRespType: true, fail: "request body not allowed"},
	}
}

func (x specExchange) build(t *testing.T) (*http.Request, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(x.method, "http://jobmanager.test"+x.url, strings.NewReader(x.reqBody))
	if err != nil {
		t.Fatal(err)
	}
	if x.reqBody == "" {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	} else if !x.noReqCT {
		req.Header.Set("Content-Type", "application/json")
	}
	resp := &http.Response{StatusCode: x.status, Header: http.Header{}, Request: req,
		Body: io.NopCloser(strings.NewReader(x.respBody))}
	if !x.omitRespType {
		resp.Header.Set("Content-Type", cmp.Or(x.respType, "application/json"))
	}
	return req, resp
}

func (x specExchange) run(t *testing.T, v *specValidator) []error {
	t.Helper()
	req, resp := x.build(t)
	return v.validate(req, []byte(x.reqBody), resp, []byte(x.respBody))
}

func TestSpecAcceptsFlinkWireFormat(t *testing.T) {
	v := newSpecValidator(t)
	for _, x := range specPassing(t) {
		t.Run(x.name, func(t *testing.T) {
			for _, err := range x.run(t, v) {
				t.Error(err)
			}
		})
	}
}

func TestSpecRejectsBadExchanges(t *testing.T) {
	v := newSpecValidator(t)
	for _, x := range specFailing() {
		t.Run(x.name, func(t *testing.T) {
			errs := x.run(t, v)
			for _, s := range v.specs {
				if !slices.ContainsFunc(errs, func(e error) bool {
					return strings.Contains(e.Error(), "OpenAPI "+s.name+":") && strings.Contains(e.Error(), x.fail)
				}) {
					t.Errorf("spec %s reported no failure containing %q; got %v", s.name, x.fail, errs)
				}
			}
		})
	}
}

func TestSpecDeviationsApplyToBothSpecs(t *testing.T) {
	for _, f := range specFiles {
		for _, d := range wireDeviations {
			t.Run(f.name+"/"+d.name, func(t *testing.T) {
				if d.reason == "" {
					t.Error("deviation has no reason")
				}
				doc, err := readSpec(f.path)
				if err != nil {
					t.Fatal(err)
				}
				if err := d.patch(doc); err != nil {
					t.Fatalf("does not apply: %v", err)
				}
				if err := d.patch(doc); err == nil {
					t.Error("applying it twice is not reported, so a stale entry would go unnoticed")
				}
			})
		}
	}
	for _, a := range specAdaptations {
		if a.reason == "" {
			t.Errorf("adaptation %s has no reason", a.name)
		}
	}
	if specs := loadSpecs(t); len(specs) != len(specFiles) {
		t.Errorf("loaded %d specs, want %d", len(specs), len(specFiles))
	}
}

// specRecorder is a testing.TB that records Errorf calls.
type specRecorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *specRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *specRecorder) Helper() {}

func (r *specRecorder) reported() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

// specServer answers like a JobManager that has one job, echoing into seen
// the request bodies it receives.
func specServer(seen chan<- string) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if req.Body != nil {
			b, _ := io.ReadAll(req.Body)
			seen <- string(b)
		}
		status, body := 200, specJobDetails(specVertexJSON)
		switch {
		case strings.HasSuffix(req.URL.Path, "/resource-requirements"):
			body = ""
		case req.URL.Path == "/broken":
			return nil, errors.New("connection refused")
		case req.URL.Path != specJob:
			status, body = 404, `<html>Not Found</html>`
		}
		h := http.Header{"Content-Type": {"application/json"}}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	})
}

func TestSpecTransportReportsAndPassesBodiesThrough(t *testing.T) {
	rec := &specRecorder{TB: t}
	v := &specValidator{t: rec, specs: loadSpecs(t), covered: map[string]bool{}}
	seen := make(chan string, 1)
	client := &http.Client{Transport: v.Transport(specServer(seen))}

	resp, err := client.Get("http://jobmanager.test" + specJob)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != specJobDetails(specVertexJSON) {
		t.Errorf("caller got body %q", b)
	}
	rr := specExample(t, "resource-requirements-put-body.json")
	req, _ := http.NewRequest("PUT", "http://jobmanager.test"+specJob+"/resource-requirements", io.NopCloser(strings.NewReader(rr)))
	req.Header.Set("Content-Type", "application/json")
	if _, err := client.Do(req); err != nil {
		t.Fatal(err)
	}
	if got := <-seen; got != rr {
		t.Errorf("server got request body %q", got)
	}
	if errs := rec.reported(); len(errs) != 0 {
		t.Fatalf("good exchanges reported: %v", errs)
	}
	if got, want := v.Covered(), []string{"getJobDetails", "updateJobResourceRequirements"}; !slices.Equal(got, want) {
		t.Errorf("Covered() = %v, want %v", got, want)
	}

	if _, err := client.Get("http://jobmanager.test/broken"); err == nil || len(rec.reported()) != 0 {
		t.Errorf("transport error: err %v, reported %v", err, rec.reported())
	}
	if _, err := client.Get("http://jobmanager.test/jobs/" + specTriggerID + "?x=1"); err != nil {
		t.Fatal(err)
	}
	errs := rec.reported()
	for _, s := range v.specs {
		want := fmt.Sprintf("OpenAPI %s: GET /jobs/%s?x=1 → 404: response:", s.name, specTriggerID)
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, want) }) {
			t.Errorf("no report starting %q in %v", want, errs)
		}
	}
}

func TestSpecTransportConcurrent(t *testing.T) {
	rec := &specRecorder{TB: t}
	v := &specValidator{t: rec, specs: loadSpecs(t), covered: map[string]bool{}}
	client := &http.Client{Transport: v.Transport(specServer(nil))}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			resp, err := client.Get("http://jobmanager.test" + specJob)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	if errs := rec.reported(); len(errs) != 0 {
		t.Errorf("reported: %v", errs)
	}
}
