package flinktest_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// defaultsFixture is a server started from the zero Config with a job
// whose spec sets nothing it need not, and a client for it.
type defaultsFixture struct {
	srv     *flinktest.Server
	c       *flinkapi.Client
	job     flinkapi.JobID
	details flinkapi.JobDetails
	started time.Time
}

func newDefaultsFixture(t *testing.T) *defaultsFixture {
	t.Helper()
	f := &defaultsFixture{started: time.Now(), srv: flinktest.Start(t, flinktest.Config{})}
	var err error
	f.job, _, err = f.srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{}}, Checkpointing: &flinktest.CheckpointingSpec{}})
	if err != nil {
		t.Fatal(err)
	}
	f.c, err = flinkapi.New(flinkapi.Config{BaseURL: f.srv.URL, DisableRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.c.Close() })
	if f.details, err = f.c.JobDetails(context.Background(), f.job); err != nil {
		t.Fatal(err)
	}
	return f
}

// mustErr is what must panics with; failOnMust turns it into a test
// failure.
type mustErr struct{ err error }

// must returns v, or stops the test (see failOnMust) on err. It takes the
// two results of a call as they are, so a row can read one field.
// addJob is srv.AddJob without the vertex IDs, for must.
func addJob(srv *flinktest.Server, spec flinktest.JobSpec) (flinkapi.JobID, error) {
	id, _, err := srv.AddJob(spec)
	return id, err
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(mustErr{err})
	}
	return v
}

// failOnMust, deferred, fails t with the error a must stopped at.
func failOnMust(t *testing.T) {
	if r := recover(); r != nil {
		m, ok := r.(mustErr)
		if !ok {
			panic(r)
		}
		t.Helper()
		t.Fatal(m.err)
	}
}

// A documented default, read through the REST API as a user sees it.
type defaultRow struct {
	field string // Type.Field
	what  string
	got   func(t *testing.T, f *defaultsFixture) any
	want  any
}

var ctx = context.Background()

var defaultRows = []defaultRow{
	{"Config.TaskManagers", "4", func(t *testing.T, f *defaultsFixture) any { return must(f.c.Overview(ctx)).TaskManagers }, 4},
	{"Config.SlotsPerTaskManager", "8", func(t *testing.T, f *defaultsFixture) any {
		o := must(f.c.Overview(ctx))
		return o.SlotsTotal / o.TaskManagers
	}, 8},
	{"Config.FlinkVersion", "1.20.0", func(t *testing.T, f *defaultsFixture) any { return must(f.c.Overview(ctx)).FlinkVersion }, "1.20.0"},
	{"Config.Clock", "the system clock (clock.System)", func(t *testing.T, f *defaultsFixture) any {
		s := f.details.StartTime.Time()
		return !s.Before(f.started.Truncate(time.Millisecond)) && !s.After(time.Now())
	}, true},
	{"Config.Metrics", "the server's own store", func(t *testing.T, f *defaultsFixture) any {
		f.srv.Metrics().SetJobMetric(f.job, "lastCheckpointSize", "7")
		return must(f.c.JobMetrics(ctx, f.job, "lastCheckpointSize")).Values["lastCheckpointSize"]
	}, "7"},
	{"Config.RestartDelay", "RUNNING again at the next request", func(t *testing.T, f *defaultsFixture) any {
		if err := f.srv.Fail(f.job); err != nil {
			t.Fatal(err)
		}
		return must(f.c.JobStatus(ctx, f.job))
	}, flinkapi.JobRunning},
	{"Config.JobManagerConfig", "the defaults include jobmanager.scheduler=adaptive", func(t *testing.T, f *defaultsFixture) any {
		return must(f.c.JobManagerConfig(ctx))["jobmanager.scheduler"]
	}, "adaptive"},
	{"Config.Logger", "discard (a request logs without a nil logger)", func(t *testing.T, f *defaultsFixture) any {
		return must(f.c.Overview(ctx)).TaskManagers > 0
	}, true},
	{"JobSpec.ID", "derived, valid", func(t *testing.T, f *defaultsFixture) any { return f.job.Validate() }, nil},
	{"JobSpec.Name", "job-<n>", func(t *testing.T, f *defaultsFixture) any { return f.details.Name }, "job-1"},
	{"JobSpec.MaxParallelism", "128", func(t *testing.T, f *defaultsFixture) any { return f.details.Vertices[0].MaxParallelism }, 128},
	{"VertexSpec.ID", "derived, valid", func(t *testing.T, f *defaultsFixture) any { return f.details.Vertices[0].ID.Validate() }, nil},
	{"VertexSpec.Name", "vertex-<i>", func(t *testing.T, f *defaultsFixture) any { return f.details.Vertices[0].Name }, "vertex-0"},
	{"VertexSpec.Parallelism", "1", func(t *testing.T, f *defaultsFixture) any { return f.details.Vertices[0].Parallelism }, 1},
	{"CheckpointingSpec.Interval", "10s", func(t *testing.T, f *defaultsFixture) any { return must(f.c.CheckpointConfig(ctx, f.job)).Interval }, flinkapi.Millis(10_000)},
	{"CheckpointingSpec.Timeout", "10 min", func(t *testing.T, f *defaultsFixture) any { return must(f.c.CheckpointConfig(ctx, f.job)).Timeout }, flinkapi.Millis(600_000)},
	{"CheckpointingSpec.MinPause", "0", func(t *testing.T, f *defaultsFixture) any { return must(f.c.CheckpointConfig(ctx, f.job)).MinPause }, flinkapi.Millis(0)},
	{"CheckpointingSpec.MaxConcurrent", "1", func(t *testing.T, f *defaultsFixture) any {
		return must(f.c.CheckpointConfig(ctx, f.job)).MaxConcurrent
	}, 1},
	{"CheckpointingSpec.Mode", "exactly once", func(t *testing.T, f *defaultsFixture) any { return must(f.c.CheckpointConfig(ctx, f.job)).Mode }, flinkapi.ExactlyOnce},
	{"CheckpointingSpec.StateBackend", "hashmap", func(t *testing.T, f *defaultsFixture) any {
		return must(f.c.CheckpointConfig(ctx, f.job)).StateBackend
	}, "hashmap"},
	{"SavepointBehavior.Delay", "0: done at the next request", func(t *testing.T, f *defaultsFixture) any {
		tid := must(f.c.TriggerSavepoint(ctx, f.job, flinkapi.SavepointRequest{}))
		return must(f.c.SavepointStatus(ctx, f.job, tid)).Status
	}, flinkapi.OperationCompleted},
	{"SavepointBehavior.Outcome", "Succeed", func(t *testing.T, f *defaultsFixture) any {
		tid := must(f.c.TriggerSavepoint(ctx, f.job, flinkapi.SavepointRequest{}))
		return must(f.c.SavepointStatus(ctx, f.job, tid)).FailureCause == nil
	}, true},
	{"SavepointBehavior.Directory", "file:/tmp/flink-savepoints", func(t *testing.T, f *defaultsFixture) any {
		loc := must(f.c.WaitOperation(ctx, f.job, must(f.c.TriggerSavepoint(ctx, f.job, flinkapi.SavepointRequest{}))))
		return strings.HasPrefix(loc, "file:/tmp/flink-savepoints/")
	}, true},
	{"SavepointBehavior.FailureMessage", "Checkpoint expired before completing.", func(t *testing.T, f *defaultsFixture) any {
		if err := f.srv.SetSavepointBehavior(f.job, flinktest.SavepointBehavior{Outcome: flinktest.FailSavepoint}); err != nil {
			t.Fatal(err)
		}
		op := must(f.c.SavepointStatus(ctx, f.job, must(f.c.TriggerSavepoint(ctx, f.job, flinkapi.SavepointRequest{}))))
		return strings.Contains(op.FailureCause.StackTrace, "CheckpointException: Checkpoint expired before completing.")
	}, true},
	{"Fault.Message", "the status text", func(t *testing.T, f *defaultsFixture) any {
		if err := f.srv.InjectFault("GET /overview", flinktest.Fault{Status: http.StatusServiceUnavailable}); err != nil {
			t.Fatal(err)
		}
		_, err := f.c.Overview(ctx)
		apiErr, _ := err.(*flinkapi.Error)
		if apiErr == nil {
			return err
		}
		return apiErr.Errors
	}, []string{"Service Unavailable"}},
	{"Fault.ContentType", "text/html; charset=utf-8", func(t *testing.T, f *defaultsFixture) any {
		if err := f.srv.InjectFault("GET /overview", flinktest.Fault{Body: "<html></html>"}); err != nil {
			t.Fatal(err)
		}
		resp := must(http.Get(f.srv.URL + "/overview"))
		defer resp.Body.Close()
		return resp.Header.Get("Content-Type")
	}, "text/html; charset=utf-8"},
	{"Fault.Times", "0 means 1", func(t *testing.T, f *defaultsFixture) any {
		if err := f.srv.InjectFault("GET /overview", flinktest.Fault{Status: http.StatusServiceUnavailable}); err != nil {
			t.Fatal(err)
		}
		_, first := f.c.Overview(ctx)
		_, second := f.c.Overview(ctx)
		return first != nil && second == nil
	}, true},
}

// Every documented default of flinktest's Config, JobSpec, VertexSpec,
// CheckpointingSpec, SavepointBehavior and Fault holds for a server and a
// job that leave the field zero.
func TestDefaults(t *testing.T) {
	for _, row := range defaultRows {
		t.Run(row.field, func(t *testing.T) {
			defer failOnMust(t)
			f := newDefaultsFixture(t)
			if diff := cmp.Diff(row.want, row.got(t, f)); diff != "" {
				t.Errorf("%s: doc says %s (-doc +got):\n%s", row.field, row.what, diff)
			}
		})
	}
}

// The defaults that need more than the fixture: derived IDs are the same
// on every server, a vertex's maxParallelism follows the job's, vertices
// share one slot-sharing group, and an edge is FORWARD between equal
// parallelisms and REBALANCE otherwise.
func TestSpecDefaults(t *testing.T) {
	defer failOnMust(t)
	const a, b, c = flinkapi.VertexID("0a448493b4782967b150582570326227"), flinkapi.VertexID("ea632d67b7d595e5b851708ae9ad79d6"), flinkapi.VertexID("6d2677a0ecc3fd8df0b72ec675edf8f4")
	spec := flinktest.JobSpec{MaxParallelism: 64, Vertices: []flinktest.VertexSpec{
		{ID: a, Parallelism: 2},
		{ID: b, Parallelism: 2, Inputs: []flinktest.Input{{From: a}}},
		{ID: c, Parallelism: 3, SlotSharingGroup: "default", Inputs: []flinktest.Input{{From: b}}},
	}}
	details := func() flinkapi.JobDetails {
		srv := flinktest.Start(t, flinktest.Config{})
		id := must(addJob(srv, spec))
		cl := must(flinkapi.New(flinkapi.Config{BaseURL: srv.URL}))
		defer cl.Close()
		return must(cl.JobDetails(ctx, id))
	}
	d, again := details(), details()
	tests := []struct {
		field string
		got   any
		want  any
	}{
		{"JobSpec.ID: the same on every server", d.ID, again.ID},
		{"VertexSpec.MaxParallelism: the job's", d.Vertices[0].MaxParallelism, 64},
		{"VertexSpec.SlotSharingGroup: one group, \"default\"", d.Vertices[0].SlotSharingGroupID == d.Vertices[2].SlotSharingGroupID, true},
		{"Input.ShipStrategy: FORWARD between equal parallelisms", d.Inputs(b)[0].ShipStrategy, flinkapi.ShipForward},
		{"Input.ShipStrategy: REBALANCE otherwise", d.Inputs(c)[0].ShipStrategy, flinkapi.ShipRebalance},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-doc +got):\n%s", tt.field, diff)
		}
	}
}

// AsyncStoreDuration's default: a result is kept 5 minutes, then its
// trigger ID is unknown.
func TestAsyncStoreDurationDefault(t *testing.T) {
	defer failOnMust(t)
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := flinktest.Start(t, flinktest.Config{Clock: clk})
	id := must(addJob(srv, twoVertexJob()))
	c := must(flinkapi.New(flinkapi.Config{BaseURL: srv.URL}))
	defer c.Close()
	tid := must(c.TriggerSavepoint(ctx, id, flinkapi.SavepointRequest{}))
	must(c.SavepointStatus(ctx, id, tid)) // completes now
	clk.Advance(5 * time.Minute)
	if _, err := c.SavepointStatus(ctx, id, tid); err != nil {
		t.Errorf("after 5 minutes: %v, want the result still kept", err)
	}
	clk.Advance(time.Millisecond)
	if _, err := c.SavepointStatus(ctx, id, tid); err == nil {
		t.Error("after 5 minutes and 1ms: the result is still kept")
	}
}

// CancelDelay's default: a cancelled job is CANCELED at the next request.
func TestCancelDelayDefault(t *testing.T) {
	defer failOnMust(t)
	f := newDefaultsFixture(t)
	if err := f.c.Cancel(ctx, f.job); err != nil {
		t.Fatal(err)
	}
	if st := must(f.c.JobStatus(ctx, f.job)); st != flinkapi.JobCanceled {
		t.Errorf("state after cancel = %s, want CANCELED at once", st)
	}
}

// No field of the package documents a default that no test checks.
func TestEveryDocumentedDefaultIsTested(t *testing.T) {
	covered := map[string]bool{
		"Config.CancelDelay":          true, // TestCancelDelayDefault
		"VertexSpec.MaxParallelism":   true, // TestSpecDefaults
		"VertexSpec.SlotSharingGroup": true,
		"Input.ShipStrategy":          true,
		"Config.AsyncStoreDuration":   true, // TestAsyncStoreDurationDefault
	}
	for _, r := range defaultRows {
		covered[r.field] = true
	}
	for _, field := range slices.Sorted(maps.Keys(docdefaults.Package(t, "."))) {
		if !covered[field] {
			t.Errorf("%s documents a default that no test checks", field)
		}
	}
}
