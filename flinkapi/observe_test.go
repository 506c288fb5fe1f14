package flinkapi_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// callRecorder is a Config.OnCall that keeps every Call. Safe for
// concurrent use.
type callRecorder struct {
	mu    sync.Mutex
	calls []flinkapi.Call
}

func (r *callRecorder) add(c flinkapi.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}

func (r *callRecorder) all() []flinkapi.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// summary is what a test compares of a Call: all but Duration and Err.
func summary(c flinkapi.Call) string {
	return fmt.Sprintf("%s %s %d %d", c.Method, c.Route, c.Status, c.Attempts)
}

// clientRoutes are the routes of every call the client makes, "METHOD
// template": TestCallRoutesAreSpecPaths checks that the client uses these
// and only these, and that each is an operation of both vendored specs.
var clientRoutes = []string{
	"GET /jobmanager/config",
	"GET /jobmanager/metrics",
	"GET /jobs/overview",
	"GET /jobs/{jobid}",
	"GET /jobs/{jobid}/checkpoints",
	"GET /jobs/{jobid}/checkpoints/config",
	"GET /jobs/{jobid}/metrics",
	"GET /jobs/{jobid}/resource-requirements",
	"GET /jobs/{jobid}/savepoints/{triggerid}",
	"GET /jobs/{jobid}/status",
	"GET /jobs/{jobid}/vertices/{vertexid}",
	"GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics",
	"GET /overview",
	"GET /taskmanagers",
	"PATCH /jobs/{jobid}",
	"POST /jobs/{jobid}/savepoints",
	"POST /jobs/{jobid}/stop",
	"PUT /jobs/{jobid}/resource-requirements",
}

// OnCall sees each call once, with its route template, the status of the
// last answer, the attempts sent and the very error the method returned.
func TestOnCall(t *testing.T) {
	jobStatus := func(ctx context.Context, c *flinkapi.Client, job flinkapi.JobID) error {
		_, err := c.JobStatus(ctx, job)
		return err
	}
	const statusTemplate = "/jobs/{jobid}/status"
	unknown := flinkapi.JobID("ffffffffffffffffffffffffffffffff")
	tests := []struct {
		name string
		// mod adjusts the client's Config (retries wait 1ms unless it says
		// otherwise); cancel cancels the call's ctx.
		mod    func(c *flinkapi.Config, cancel context.CancelFunc)
		faults []flinktest.Fault // on GET /jobs/{jobid}/status
		// before runs just before the call.
		before  func(e *env, cancel context.CancelFunc)
		timeout time.Duration                                                           // when > 0, the call's ctx expires after it
		call    func(ctx context.Context, c *flinkapi.Client, job flinkapi.JobID) error // nil: JobStatus
		want    flinkapi.Call                                                           // without Duration and Err
		wantErr error                                                                   // nil: success
		// counted is the flinktest route whose requests must number
		// want.Attempts ("" when the server may log the last one after the
		// call returned).
		counted string
	}{
		{
			name:    "success",
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate, Status: 200, Attempts: 1},
			counted: statusRoute,
		},
		{
			name:    "503 then 200: retried once",
			faults:  []flinktest.Fault{{Status: 503}},
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate, Status: 200, Attempts: 2},
			counted: statusRoute,
		},
		{
			name:    "503 every time: retries spent",
			mod:     func(c *flinkapi.Config, _ context.CancelFunc) { c.MaxRetries = 2 },
			faults:  []flinktest.Fault{{Status: 503, Times: -1}},
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate, Status: 503, Attempts: 3},
			wantErr: flinkapi.ErrUnavailable,
			counted: statusRoute,
		},
		{
			name: "404",
			call: func(ctx context.Context, c *flinkapi.Client, _ flinkapi.JobID) error {
				_, err := c.JobDetails(ctx, unknown)
				return err
			},
			want:    flinkapi.Call{Method: "GET", Route: "/jobs/{jobid}", Status: 404, Attempts: 1},
			wantErr: flinkapi.ErrNotFound,
			counted: "GET /jobs/{jobid}",
		},
		{
			name: "invalid request: refused before any I/O",
			call: func(ctx context.Context, c *flinkapi.Client, _ flinkapi.JobID) error {
				_, err := c.JobStatus(ctx, "not-a-job-id")
				return err
			},
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate},
			wantErr: flinkapi.ErrInvalidRequest,
			counted: statusRoute,
		},
		{
			name:    "ctx cancelled before the call",
			before:  func(_ *env, cancel context.CancelFunc) { cancel() },
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate},
			wantErr: context.Canceled,
			counted: statusRoute,
		},
		{
			name:    "ctx expires during the attempt",
			faults:  []flinktest.Fault{{Latency: time.Minute}},
			timeout: 50 * time.Millisecond,
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate, Attempts: 1},
			wantErr: context.DeadlineExceeded,
		},
		{
			name: "ctx cancelled after a 503, before the retry",
			mod: func(c *flinkapi.Config, cancel context.CancelFunc) {
				c.RetryWaitMin, c.RetryWaitMax = time.Hour, time.Hour
				next := http.DefaultTransport.(*http.Transport).Clone()
				c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
					resp, err := next.RoundTrip(r)
					cancel()
					return resp, err
				})}
			},
			faults:  []flinktest.Fault{{Status: 503, Times: -1}},
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate, Status: 503, Attempts: 1},
			wantErr: context.Canceled,
		},
		{
			name:    "connection dropped every time",
			mod:     func(c *flinkapi.Config, _ context.CancelFunc) { c.MaxRetries = 1 },
			faults:  []flinktest.Fault{{Drop: true, Times: -1}},
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate, Attempts: 2},
			wantErr: flinkapi.ErrUnavailable,
			counted: statusRoute,
		},
		{
			name: "503, then the connection dropped: the last attempt's status",
			mod:  func(c *flinkapi.Config, _ context.CancelFunc) { c.MaxRetries = 1 },
			// Every time after the 503: net/http sends a GET again, once,
			// when a reused connection closes before any answer, so the
			// server counts 3 requests for the 2 attempts.
			faults:  []flinktest.Fault{{Status: 503}, {Drop: true, Times: -1}},
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate, Attempts: 2},
			wantErr: flinkapi.ErrUnavailable,
		},
		{
			name:    "body cut off every time: the status of the answer cut",
			mod:     func(c *flinkapi.Config, _ context.CancelFunc) { c.MaxRetries = 1 },
			faults:  []flinktest.Fault{{Truncate: true, Times: -1}},
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate, Status: 200, Attempts: 2},
			wantErr: flinkapi.ErrUnavailable,
			counted: statusRoute,
		},
		{
			name:    "closed client",
			before:  func(e *env, _ context.CancelFunc) { e.c.Close() },
			want:    flinkapi.Call{Method: "GET", Route: statusTemplate},
			wantErr: flinkapi.ErrClosed,
			counted: statusRoute,
		},
		{
			name:    "PATCH cancel",
			call:    func(ctx context.Context, c *flinkapi.Client, job flinkapi.JobID) error { return c.Cancel(ctx, job) },
			want:    flinkapi.Call{Method: "PATCH", Route: "/jobs/{jobid}", Status: 202, Attempts: 1},
			counted: "PATCH /jobs/{jobid}",
		},
		{
			name: "POST savepoint",
			call: func(ctx context.Context, c *flinkapi.Client, job flinkapi.JobID) error {
				_, err := c.TriggerSavepoint(ctx, job, flinkapi.SavepointRequest{})
				return err
			},
			want:    flinkapi.Call{Method: "POST", Route: "/jobs/{jobid}/savepoints", Status: 202, Attempts: 1},
			counted: "POST /jobs/{jobid}/savepoints",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.timeout > 0 {
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			var rec callRecorder
			e := newRawEnv(t, func(c *flinkapi.Config) {
				c.RetryWaitMin, c.RetryWaitMax = time.Millisecond, time.Millisecond
				c.OnCall = rec.add
				if tt.mod != nil {
					tt.mod(c, cancel)
				}
			})
			id, _ := e.addJob(t, pipeline())
			for _, f := range tt.faults {
				if err := e.srv.InjectFault(statusRoute, f); err != nil {
					t.Fatal(err)
				}
			}
			if tt.before != nil {
				tt.before(e, cancel)
			}
			call := tt.call
			if call == nil {
				call = jobStatus
			}
			err := call(ctx, e.c, id)

			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("err = %v, want success", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want one wrapping %v", err, tt.wantErr)
			}
			calls := rec.all()
			if len(calls) != 1 {
				t.Fatalf("OnCall saw %d calls, want 1: %v", len(calls), calls)
			}
			got := calls[0]
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(flinkapi.Call{}, "Duration", "Err")); diff != "" {
				t.Errorf("Call (-want +got):\n%s", diff)
			}
			if got.Err != err {
				t.Errorf("Call.Err = %#v, not the error the method returned (%#v)", got.Err, err)
			}
			if strings.Contains(got.Route, string(id)) || strings.Contains(got.Route, string(unknown)) {
				t.Errorf("Route %q holds a raw ID", got.Route)
			}
			switch {
			case got.Attempts > 0 && got.Duration <= 0:
				t.Errorf("Duration = %v after %d attempts, want > 0", got.Duration, got.Attempts)
			case got.Duration < 0:
				t.Errorf("Duration = %v, want >= 0", got.Duration)
			}
			if tt.counted != "" {
				if n := e.srv.CountRequests(tt.counted); n != got.Attempts {
					t.Errorf("the server saw %d requests, Call.Attempts = %d", n, got.Attempts)
				}
			}
		})
	}
}

// Duration spans the whole call, backoff included.
func TestOnCallDurationIncludesBackoff(t *testing.T) {
	var rec callRecorder
	e := newRawEnv(t, func(c *flinkapi.Config) {
		c.RetryWaitMin, c.RetryWaitMax = 40*time.Millisecond, 40*time.Millisecond
		c.OnCall = rec.add
	})
	id, _ := e.addJob(t, pipeline())
	if err := e.srv.InjectFault(statusRoute, flinktest.Fault{Status: 503, Times: 2}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := e.c.JobStatus(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	calls := rec.all()
	if len(calls) != 1 {
		t.Fatalf("OnCall saw %d calls, want 1", len(calls))
	}
	// Two waits of at least half of 40ms each.
	if d := calls[0].Duration; d < 40*time.Millisecond || d > took {
		t.Errorf("Duration = %v, want between the two backoffs (40ms) and the call's %v", d, took)
	}
}

// Every call of every method, successes and failures, is reported with the
// route its requests matched in each vendored spec, once per attempt; the
// routes used are exactly clientRoutes, each a path of both specs as
// vendored, with an operation for the method.
func TestCallRoutesAreSpecPaths(t *testing.T) {
	var rec callRecorder
	e := newEnv(t, flinktest.Config{}, func(c *flinkapi.Config) { c.OnCall = rec.add })
	callEveryMethod(t, e)
	var perAttempt []string
	used := map[string]bool{}
	for _, c := range rec.all() {
		for range c.Attempts {
			perAttempt = append(perAttempt, c.Method+" "+c.Route)
		}
		used[c.Method+" "+c.Route] = true
	}
	for i, matched := range e.spec.Routes() {
		if diff := cmp.Diff(matched, perAttempt); diff != "" {
			t.Errorf("%s: the routes of the requests sent (-) are not the calls' routes (+):\n%s", specFiles[i].name, diff)
		}
	}
	if diff := cmp.Diff(clientRoutes, slices.Sorted(maps.Keys(used))); diff != "" {
		t.Errorf("routes used (-clientRoutes +used):\n%s", diff)
	}
	for _, f := range specFiles {
		doc, err := readSpec(f.path) // as vendored, not patched
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range clientRoutes {
			method, path, _ := strings.Cut(r, " ")
			if item := doc.Paths.Value(path); item == nil || item.GetOperation(method) == nil {
				t.Errorf("%s: %s is not an operation of the spec", f.name, r)
			}
		}
	}
}

// A call a method refuses for an invalid argument is reported once, with no
// attempt, no status and no duration, under the route of the call it
// refused; nothing is sent.
func TestOnCallRefusedCalls(t *testing.T) {
	const bad = flinkapi.JobID("not-a-job-id")
	ctx := context.Background()
	tests := []struct {
		name string
		call func(c *flinkapi.Client, job flinkapi.JobID, vertex flinkapi.VertexID) error
		want []string // summaries of the calls reported, the last one refused
	}{
		{"JobStatus", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.JobStatus(ctx, bad)
			return err
		}, []string{"GET /jobs/{jobid}/status 0 0"}},
		{"Cancel", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			return c.Cancel(ctx, bad)
		}, []string{"PATCH /jobs/{jobid} 0 0"}},
		{"JobDetails", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.JobDetails(ctx, bad)
			return err
		}, []string{"GET /jobs/{jobid} 0 0"}},
		{"VertexDetails", func(c *flinkapi.Client, job flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.VertexDetails(ctx, job, "v")
			return err
		}, []string{"GET /jobs/{jobid}/vertices/{vertexid} 0 0"}},
		{"Checkpoints", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.Checkpoints(ctx, bad)
			return err
		}, []string{"GET /jobs/{jobid}/checkpoints 0 0"}},
		{"CheckpointConfig", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.CheckpointConfig(ctx, bad)
			return err
		}, []string{"GET /jobs/{jobid}/checkpoints/config 0 0"}},
		{"JobMetrics: bad job", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.JobMetrics(ctx, bad, "uptime")
			return err
		}, []string{"GET /jobs/{jobid}/metrics 0 0"}},
		{"JobMetrics: no name", func(c *flinkapi.Client, job flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.JobMetrics(ctx, job)
			return err
		}, []string{"GET /jobs/{jobid}/metrics 0 0"}},
		{"JobMetricNames", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.JobMetricNames(ctx, bad)
			return err
		}, []string{"GET /jobs/{jobid}/metrics 0 0"}},
		{"JobManagerMetrics: no name", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.JobManagerMetrics(ctx)
			return err
		}, []string{"GET /jobmanager/metrics 0 0"}},
		{"VertexMetrics: bad aggregation", func(c *flinkapi.Client, job flinkapi.JobID, v flinkapi.VertexID) error {
			_, err := c.VertexMetrics(ctx, job, v, flinkapi.MetricsQuery{Names: []string{"x"}, Aggregations: []flinkapi.Aggregation{"median"}})
			return err
		}, []string{"GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics 0 0"}},
		{"VertexMetricNames", func(c *flinkapi.Client, _ flinkapi.JobID, v flinkapi.VertexID) error {
			_, err := c.VertexMetricNames(ctx, bad, v)
			return err
		}, []string{"GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics 0 0"}},
		{"ResourceRequirements", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.ResourceRequirements(ctx, bad)
			return err
		}, []string{"GET /jobs/{jobid}/resource-requirements 0 0"}},
		{"SetResourceRequirements: no vertex", func(c *flinkapi.Client, job flinkapi.JobID, _ flinkapi.VertexID) error {
			return c.SetResourceRequirements(ctx, job, nil)
		}, []string{"PUT /jobs/{jobid}/resource-requirements 0 0"}},
		{"Rescale: no target", func(c *flinkapi.Client, job flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.Rescale(ctx, job, nil)
			return err
		}, []string{"GET /jobs/{jobid}/resource-requirements 0 0"}},
		{"Rescale: a vertex the job does not have, after the read", func(c *flinkapi.Client, job flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.Rescale(ctx, job, map[flinkapi.VertexID]int{"ffffffffffffffffffffffffffffffff": 2})
			return err
		}, []string{"GET /jobs/{jobid}/resource-requirements 200 1", "PUT /jobs/{jobid}/resource-requirements 0 0"}},
		{"TriggerSavepoint: bad trigger ID", func(c *flinkapi.Client, job flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.TriggerSavepoint(ctx, job, flinkapi.SavepointRequest{TriggerID: "t"})
			return err
		}, []string{"POST /jobs/{jobid}/savepoints 0 0"}},
		{"StopWithSavepoint: bad job", func(c *flinkapi.Client, _ flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.StopWithSavepoint(ctx, bad, flinkapi.StopRequest{})
			return err
		}, []string{"POST /jobs/{jobid}/stop 0 0"}},
		{"SavepointStatus", func(c *flinkapi.Client, job flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.SavepointStatus(ctx, job, "t")
			return err
		}, []string{"GET /jobs/{jobid}/savepoints/{triggerid} 0 0"}},
		{"WaitOperation", func(c *flinkapi.Client, job flinkapi.JobID, _ flinkapi.VertexID) error {
			_, err := c.WaitOperation(ctx, job, "t")
			return err
		}, []string{"GET /jobs/{jobid}/savepoints/{triggerid} 0 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec callRecorder
			e := newEnv(t, flinktest.Config{}, func(c *flinkapi.Config) { c.OnCall = rec.add })
			id, vs := e.addJob(t, pipeline())
			e.srv.ResetRequests()
			err := tt.call(e.c, id, vs[0])
			if !errors.Is(err, flinkapi.ErrInvalidRequest) {
				t.Fatalf("err = %v, want one wrapping ErrInvalidRequest", err)
			}
			calls := rec.all()
			var got []string
			for _, c := range calls {
				got = append(got, summary(c))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("calls (-want +got):\n%s", diff)
			}
			refused := calls[len(calls)-1]
			if refused.Err != err || refused.Duration != 0 {
				t.Errorf("refused call: Err %v, Duration %v; want the error returned (%v), 0", refused.Err, refused.Duration, err)
			}
			if r := refused.Method + " " + refused.Route; !slices.Contains(clientRoutes, r) {
				t.Errorf("route %q is not one of clientRoutes", r)
			}
			if n := len(e.srv.Requests()); n != len(calls)-1 {
				t.Errorf("the server saw %d requests, want %d", n, len(calls)-1)
			}
		})
	}
}
