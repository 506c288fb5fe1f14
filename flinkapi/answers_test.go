package flinkapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
)

const (
	otherJob = "0000000000000000000000000000beef"
	vertexA  = "0a448493b4782967b150582570326227"
	vertexB  = "ea632d67b7d595e5b851708ae9ad79d6"
)

// jobDetailsBody renders job details with the given jid, state and
// vertices (each "id:parallelism:status").
func jobDetailsBody(jid, state string, vertices ...string) string {
	var vs []string
	for _, v := range vertices {
		f := strings.Split(v, ":")
		vs = append(vs, fmt.Sprintf(`{"id":%q,"name":"v","parallelism":%s,"maxParallelism":128,"status":%q}`, f[0], f[1], f[2]))
	}
	return fmt.Sprintf(`{"jid":%q,"name":"orders","state":%q,"vertices":[%s]}`, jid, state, strings.Join(vs, ","))
}

// answering is a client whose JobManager answers every request with 200
// and body.
func answering(t *testing.T, body string) *flinkapi.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusAccepted)
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Answers that decode but cannot be true are errors wrapping ErrDecode and
// ErrInvalidAnswer (or ErrDecode alone for a missing field); a state the
// client does not know is an explicit unknown value, not an error.
func TestImpossibleAnswers(t *testing.T) {
	job := string(exampleJob)
	ctx := context.Background()
	jobDetails := func(c *flinkapi.Client) (any, error) { return c.JobDetails(ctx, exampleJob) }
	vertexDetails := func(c *flinkapi.Client) (any, error) { return c.VertexDetails(ctx, exampleJob, vertexA) }
	status := func(c *flinkapi.Client) (any, error) { return c.JobStatus(ctx, exampleJob) }
	overview := func(c *flinkapi.Client) (any, error) { return c.JobsOverview(ctx) }
	stop := func(c *flinkapi.Client) (any, error) {
		return c.StopWithSavepoint(ctx, exampleJob, flinkapi.StopRequest{TriggerID: "00000000000000000000000000000001"})
	}
	vertexMetrics := func(c *flinkapi.Client) (any, error) {
		return c.VertexMetrics(ctx, exampleJob, vertexA, flinkapi.MetricsQuery{Names: []string{"busy"}})
	}
	jobMetrics := func(c *flinkapi.Client) (any, error) { return c.JobMetrics(ctx, exampleJob, "numRestarts") }
	rescale := func(c *flinkapi.Client) (any, error) {
		return c.Rescale(ctx, exampleJob, map[flinkapi.VertexID]int{vertexA: 4})
	}
	tests := []struct {
		name string
		call func(*flinkapi.Client) (any, error)
		body string
		want error // nil: success
		ok   func(any) bool
	}{
		{"details of another job", jobDetails, jobDetailsBody(otherJob, "RUNNING", vertexA+":2:RUNNING"), flinkapi.ErrInvalidAnswer, nil},
		{"zero parallelism", jobDetails, jobDetailsBody(job, "RUNNING", vertexA+":0:RUNNING"), flinkapi.ErrInvalidAnswer, nil},
		{"negative parallelism", jobDetails, jobDetailsBody(job, "RUNNING", vertexA+":-1:RUNNING"), flinkapi.ErrInvalidAnswer, nil},
		{"a vertex listed twice", jobDetails, jobDetailsBody(job, "RUNNING", vertexA+":2:RUNNING", vertexB+":1:RUNNING", vertexA+":2:RUNNING"), flinkapi.ErrInvalidAnswer, nil},
		{"a malformed vertex ID", jobDetails, jobDetailsBody(job, "RUNNING", "../../jobs:2:RUNNING"), flinkapi.ErrInvalidAnswer, nil},
		{"no state", jobDetails, `{"jid":"` + job + `","vertices":[]}`, flinkapi.ErrDecode, nil},
		{"an unknown job state", jobDetails, jobDetailsBody(job, "TELEPORTING", vertexA+":2:RUNNING"), nil,
			func(v any) bool { return v.(flinkapi.JobDetails).State == flinkapi.JobUnknown }},
		{"an unknown vertex state", jobDetails, jobDetailsBody(job, "RUNNING", vertexA+":2:HIBERNATING"), nil,
			func(v any) bool { return v.(flinkapi.JobDetails).Vertices[0].Status == flinkapi.ExecUnknown }},
		{"good details", jobDetails, jobDetailsBody(job, "RESTARTING", vertexA+":2:DEPLOYING", vertexB+":1:RUNNING"), nil,
			func(v any) bool {
				d := v.(flinkapi.JobDetails)
				return d.State == flinkapi.JobRestarting && len(d.Vertices) == 2
			}},
		{"an unknown status", status, `{"status":"TELEPORTING"}`, nil, func(v any) bool { return v == flinkapi.JobUnknown }},
		{"a known status", status, `{"status":"RECONCILING"}`, nil, func(v any) bool { return v == flinkapi.JobReconciling }},
		{"a null status", status, `{"status":null}`, flinkapi.ErrDecode, nil},
		{"an unknown state in the overview", overview, `{"jobs":[{"jid":"` + job + `","state":"TELEPORTING"}]}`, nil,
			func(v any) bool { return v.([]flinkapi.JobOverview)[0].State == flinkapi.JobUnknown }},
		{"a malformed jid in the overview", overview, `{"jobs":[{"jid":"x","state":"RUNNING"}]}`, flinkapi.ErrInvalidAnswer, nil},
		{"no state in the overview", overview, `{"jobs":[{"jid":"` + job + `"}]}`, flinkapi.ErrDecode, nil},
		{"details of another vertex", vertexDetails, `{"id":"` + vertexB + `","parallelism":1,"subtasks":[]}`, flinkapi.ErrInvalidAnswer, nil},
		{"vertex with zero parallelism", vertexDetails, `{"id":"` + vertexA + `","parallelism":0,"subtasks":[]}`, flinkapi.ErrInvalidAnswer, nil},
		{"a subtask listed twice", vertexDetails, `{"id":"` + vertexA + `","parallelism":2,"subtasks":[{"subtask":0},{"subtask":0}]}`, flinkapi.ErrInvalidAnswer, nil},
		{"a subtask beyond the parallelism", vertexDetails, `{"id":"` + vertexA + `","parallelism":2,"subtasks":[{"subtask":2}]}`, flinkapi.ErrInvalidAnswer, nil},
		// Not refused here: the caller sees the ID and decides (flinkdrain
		// keeps the stop pending and sends it again).
		{"a malformed request-id is returned as sent", stop, `{"request-id":"../../savepoints"}`, nil,
			func(v any) bool { return v == flinkapi.TriggerID("../../savepoints") }},
		{"no request-id", stop, `{"request_id":"` + strings.Repeat("0", 32) + `"}`, flinkapi.ErrDecode, nil},
		{"an aggregated metric not asked for", vertexMetrics, `[{"id":"busy","max":1},{"id":"extra","max":2}]`, nil,
			func(v any) bool {
				m := v.(flinkapi.VertexMetricsResult).Metrics
				_, extra := m["extra"]
				return len(m) == 1 && !extra
			}},
		{"a job metric not asked for", jobMetrics, `[{"id":"numRestarts","value":"1"},{"id":"extra","value":"2"}]`, nil,
			func(v any) bool { return len(v.(flinkapi.MetricValues).Values) == 1 }},
		{"requirements that cannot be written back: lower bound 0", rescale,
			`{"` + vertexA + `":{"parallelism":{"lowerBound":0,"upperBound":2}}}`, flinkapi.ErrInvalidAnswer, nil},
		{"requirements that cannot be written back: a malformed vertex", rescale,
			`{"` + vertexA + `":{"parallelism":{"lowerBound":1,"upperBound":2}},"<second-vertex-id>":{"parallelism":{"lowerBound":1,"upperBound":2}}}`, flinkapi.ErrInvalidAnswer, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.call(answering(t, tt.body))
			if tt.want == nil {
				if err != nil || !tt.ok(v) {
					t.Errorf("= %+v, %v", v, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, flinkapi.ErrDecode) || flinkapi.IsTransient(err) {
				t.Errorf("err = %v, want %v (and ErrDecode, not transient)", err, tt.want)
			}
		})
	}
}
