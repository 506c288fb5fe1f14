package flinkapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// serveFile answers every request with a vendored example payload.
func serveFile(t *testing.T, file string) *flinkapi.Client {
	t.Helper()
	body, err := os.ReadFile("testdata/examples/" + file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const exampleJob = flinkapi.JobID("7a7c3291accebd10b6be8d4f8c8d8dfc")

// The documented payloads from Flink's own tests and docs decode as the
// client expects.
func TestDocumentedPayloads(t *testing.T) {
	ctx := context.Background()
	t.Run("savepoint completed", func(t *testing.T) {
		loc, err := serveFile(t, "savepoint-status-completed.json").WaitOperation(ctx, exampleJob, "0123456789abcdef0123456789abcdef")
		if err != nil || loc != "file:/tmp/savepoint-ad4025-dd46c1bd1c80" {
			t.Errorf("WaitOperation = %q, %v", loc, err)
		}
	})
	t.Run("savepoint failed", func(t *testing.T) {
		_, err := serveFile(t, "savepoint-status-failed.json").WaitOperation(ctx, exampleJob, "0123456789abcdef0123456789abcdef")
		var opErr *flinkapi.OperationError
		if !errors.As(err, &opErr) || opErr.Cause.Class != "java.util.concurrent.CompletionException" {
			t.Errorf("WaitOperation = %v, want an *OperationError with the CompletionException class", err)
		}
	})
	t.Run("resource requirements", func(t *testing.T) {
		req, err := serveFile(t, "resource-requirements-put-body.json").ResourceRequirements(ctx, exampleJob)
		if err != nil || len(req) != 2 || req["<first-vertex-id>"].Parallelism != (flinkapi.ParallelismBounds{LowerBound: 3, UpperBound: 5}) {
			t.Errorf("ResourceRequirements = %+v, %v", req, err)
		}
	})
	t.Run("job overview entry", func(t *testing.T) {
		body, err := os.ReadFile("testdata/examples/job-details-entry.json")
		if err != nil {
			t.Fatal(err)
		}
		wrapped := append(append([]byte(`{"jobs":[`), body...), ']', '}')
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(wrapped) }))
		defer srv.Close()
		c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		jobs, err := c.JobsOverview(ctx)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("JobsOverview = %+v, %v", jobs, err)
		}
		j := jobs[0]
		if j.ID != exampleJob || j.State != flinkapi.JobRunning || j.Duration != 9 || j.Tasks["total"] != 42 || j.Tasks["reconciling"] != 3 {
			t.Errorf("job = %+v", j)
		}
	})
}
