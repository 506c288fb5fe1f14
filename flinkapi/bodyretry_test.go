package flinkapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// newRawEnv is newEnv without the spec validator: these tests send answers
// the spec cannot describe (a body cut off mid-read, a proxy's page), and
// the validator, which reads each body whole in the transport, would both
// reject them and turn a cut body into a transport error.
func newRawEnv(t *testing.T, mod ...func(*flinkapi.Config)) *env {
	t.Helper()
	plain := func(c *flinkapi.Config) {
		c.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return newEnv(t, flinktest.Config{}, append([]func(*flinkapi.Config){plain}, mod...)...)
}

// A body cut off mid-read is retried like a connection error, within the
// same MaxRetries as every other failure of the call.
func TestBodyCutOffMidReadIsRetried(t *testing.T) {
	tests := []struct {
		name       string
		faults     []flinktest.Fault
		maxRetries int  // 0: the default, 4
		disable    bool // DisableRetries
		wantCalls  int
		wantErr    bool // an error wrapping ErrUnavailable and io.ErrUnexpectedEOF
	}{
		{"cut once, then a good answer", []flinktest.Fault{{Truncate: true}}, 0, false, 2, false},
		{"cut three times, then a good answer", []flinktest.Fault{{Truncate: true, Times: 3}}, 0, false, 4, false},
		{"cut on every attempt", []flinktest.Fault{{Truncate: true, Times: -1}}, 0, false, 5, true},
		{"cut on every attempt, MaxRetries 1", []flinktest.Fault{{Truncate: true, Times: -1}}, 1, false, 2, true},
		{"cut, 503, cut...: one budget for all", []flinktest.Fault{{Truncate: true}, {Status: 503}, {Truncate: true, Times: -1}}, 2, false, 3, true},
		{"503, cut, then a good answer", []flinktest.Fault{{Status: 503}, {Truncate: true}}, 0, false, 3, false},
		{"cut with retries disabled", []flinktest.Fault{{Truncate: true}}, 0, true, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRawEnv(t, func(c *flinkapi.Config) { c.MaxRetries, c.DisableRetries = tt.maxRetries, tt.disable })
			id, _ := e.addJob(t, pipeline())
			for _, f := range tt.faults {
				if err := e.srv.InjectFault(statusRoute, f); err != nil {
					t.Fatal(err)
				}
			}
			st, err := e.c.JobStatus(context.Background(), id)
			if got := e.srv.CountRequests(statusRoute); got != tt.wantCalls {
				t.Errorf("%d attempts, want %d", got, tt.wantCalls)
			}
			if !tt.wantErr {
				if err != nil || st != flinkapi.JobRunning {
					t.Errorf("JobStatus = %q, %v; want RUNNING", st, err)
				}
				return
			}
			if !errors.Is(err, flinkapi.ErrUnavailable) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("err = %v, want ErrUnavailable wrapping io.ErrUnexpectedEOF", err)
			}
			if !flinkapi.IsTransient(err) {
				t.Errorf("IsTransient(%v) = false, want true", err)
			}
		})
	}
}

// A write whose answer is cut off is sent again and succeeds, and the
// server's side effect happens once: a retried stop carries the same
// triggerId, so it names the same operation.
func TestCutOffWriteIsRetriedOnce(t *testing.T) {
	tests := []struct {
		name  string
		route string
		call  func(context.Context, *flinkapi.Client, flinkapi.JobID) error
		check func(*testing.T, *env, flinkapi.JobID)
	}{
		{"stop with drain", "POST /jobs/{jobid}/stop",
			func(ctx context.Context, c *flinkapi.Client, id flinkapi.JobID) error {
				_, err := c.StopWithSavepoint(ctx, id, flinkapi.StopRequest{Drain: true})
				return err
			},
			func(t *testing.T, e *env, id flinkapi.JobID) {
				if n, err := e.srv.Operations(id); err != nil || n != 1 {
					t.Errorf("Operations = %d, %v; want 1", n, err)
				}
			}},
		{"cancel, whose answer has no body", "PATCH /jobs/{jobid}",
			func(ctx context.Context, c *flinkapi.Client, id flinkapi.JobID) error { return c.Cancel(ctx, id) },
			func(t *testing.T, e *env, id flinkapi.JobID) {
				if st, err := e.c.JobStatus(context.Background(), id); err != nil || st != flinkapi.JobCanceled {
					t.Errorf("JobStatus = %q, %v; want CANCELED", st, err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRawEnv(t)
			id, _ := e.addJob(t, pipeline())
			if err := e.srv.InjectFault(tt.route, flinktest.Fault{Truncate: true}); err != nil {
				t.Fatal(err)
			}
			if err := tt.call(context.Background(), e.c, id); err != nil {
				t.Fatalf("err = %v, want success on the second attempt", err)
			}
			if n := e.srv.CountRequests(tt.route); n != 2 {
				t.Errorf("%d attempts, want 2", n)
			}
			tt.check(t, e, id)
		})
	}
}

// Cancelling ctx while the client waits to retry a cut-off body returns at
// once: the backoff is an hour.
func TestCancelDuringBackoffAfterCutOff(t *testing.T) {
	e := newRawEnv(t, func(c *flinkapi.Config) { c.RetryWaitMin, c.RetryWaitMax = time.Hour, time.Hour })
	id, _ := e.addJob(t, pipeline())
	if err := e.srv.InjectFault(statusRoute, flinktest.Fault{Truncate: true, Times: -1}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.c.JobStatus(ctx, id)
		done <- err
	}()
	for e.srv.CountRequests(statusRoute) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || flinkapi.IsTransient(err) {
			t.Errorf("err = %v, want context.Canceled, not transient", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("JobStatus did not return after its ctx was cancelled")
	}
	if n := e.srv.CountRequests(statusRoute); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// A body over MaxResponseBytes is not a transient failure: it is not
// retried, and not reported as ErrUnavailable.
func TestResponseTooLargeIsNotRetried(t *testing.T) {
	e := newEnv(t, flinktest.Config{}, func(c *flinkapi.Config) { c.MaxResponseBytes = 8 })
	id, _ := e.addJob(t, pipeline())
	_, err := e.c.JobStatus(context.Background(), id)
	if !errors.Is(err, flinkapi.ErrResponseTooLarge) || errors.Is(err, flinkapi.ErrUnavailable) || flinkapi.IsTransient(err) {
		t.Errorf("err = %v, want ErrResponseTooLarge alone, not transient", err)
	}
	if n := e.srv.CountRequests(statusRoute); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// A successful status with a body that is not JSON (a proxy's login page)
// is told apart from JSON that lacks a field. Neither is retried by the
// client; only the first is transient.
func TestNotJSONIsToldApartFromMissingField(t *testing.T) {
	tests := []struct {
		name    string
		fault   flinktest.Fault
		notJSON bool // wraps ErrNotJSON, and IsTransient
	}{
		{"HTML page with status 200", flinktest.Fault{Body: "<!DOCTYPE html>\n<html><body>Sign in</body></html>"}, true},
		{"empty JSON answer", flinktest.Fault{ContentType: "application/json"}, true},
		{"JSON cut short", flinktest.Fault{Body: `{"jid":"7a7c3291`, ContentType: "application/json"}, true},
		{"JSON without the job's ID", flinktest.Fault{Body: `{"name":"orders"}`, ContentType: "application/json"}, false},
		{"JSON of another shape", flinktest.Fault{Body: `["orders"]`, ContentType: "application/json"}, false},
	}
	const route = "GET /jobs/{jobid}"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRawEnv(t)
			id, _ := e.addJob(t, pipeline())
			if err := e.srv.InjectFault(route, tt.fault); err != nil {
				t.Fatal(err)
			}
			_, err := e.c.JobDetails(context.Background(), id)
			if !errors.Is(err, flinkapi.ErrDecode) {
				t.Fatalf("err = %v, want ErrDecode", err)
			}
			if got := errors.Is(err, flinkapi.ErrNotJSON); got != tt.notJSON {
				t.Errorf("errors.Is(%v, ErrNotJSON) = %t, want %t", err, got, tt.notJSON)
			}
			if got := flinkapi.IsTransient(err); got != tt.notJSON {
				t.Errorf("IsTransient(%v) = %t, want %t", err, got, tt.notJSON)
			}
			if n := e.srv.CountRequests(route); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
		})
	}
}
