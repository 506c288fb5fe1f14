package flinkapi_test

import (
	"context"
	"fmt"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// scalerMetrics are the per-vertex metrics an autoscaler reads (REFERENCE
// §3); pendingRecords exists on sources only.
var scalerMetrics = []string{"busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "numRecordsInPerSecond", "numRecordsOutPerSecond", "pendingRecords"}

// wideJob adds an n-vertex chain (vertex 0 the source) with metrics.
func wideJob(tb testing.TB, srv *flinktest.Server, n int) flinkapi.JobID {
	tb.Helper()
	spec := flinktest.JobSpec{Name: fmt.Sprintf("wide-%d", n)}
	for i := range n {
		v := flinktest.VertexSpec{Name: fmt.Sprintf("op-%d", i), Parallelism: 2}
		spec.Vertices = append(spec.Vertices, v)
	}
	id, _, err := srv.AddJob(spec)
	if err != nil {
		tb.Fatal(err)
	}
	ids, err := srv.Parallelism(id)
	if err != nil {
		tb.Fatal(err)
	}
	first := true
	for v := range ids {
		for _, name := range scalerMetrics[:4] {
			srv.Metrics().SetSubtaskMetric(id, v, name, 100, 200)
		}
		if first { // one source is enough to exercise a name that exists on some vertices only
			srv.Metrics().SetSubtaskMetric(id, v, "pendingRecords", 10, 20)
			first = false
		}
	}
	return id
}

// snapshot is what a scaler fetches per decision: the job's details, then
// the aggregated metrics of every vertex, at most limit calls in flight.
func snapshot(ctx context.Context, c *flinkapi.Client, job flinkapi.JobID, limit int) (map[flinkapi.VertexID]flinkapi.VertexMetricsResult, error) {
	d, err := c.JobDetails(ctx, job)
	if err != nil {
		return nil, err
	}
	out := make([]flinkapi.VertexMetricsResult, len(d.Vertices))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i, v := range d.Vertices {
		g.Go(func() error {
			r, err := c.VertexMetrics(gctx, job, v.ID, flinkapi.MetricsQuery{
				Names: scalerMetrics, Aggregations: []flinkapi.Aggregation{flinkapi.AggMax, flinkapi.AggSum},
			})
			out[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	m := make(map[flinkapi.VertexID]flinkapi.VertexMetricsResult, len(out))
	for i, v := range d.Vertices {
		m[v.ID] = out[i]
	}
	return m, nil
}

// BenchmarkJobSnapshot fetches job details plus the aggregated metrics a
// scaler needs for every vertex of a 100-vertex job from flinktest, eight
// calls in flight, with the metric-name cache warm. calls/op is the number
// of REST calls per snapshot: 1 + 100 = 101.
func BenchmarkJobSnapshot(b *testing.B) {
	srv := flinktest.Start(b, flinktest.Config{})
	job := wideJob(b, srv, 100)
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := snapshot(ctx, c, job, 8); err != nil { // warms the name cache
		b.Fatal(err)
	}
	srv.ResetRequests()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := snapshot(ctx, c, job, 8); err != nil {
			b.Fatal(err)
		}
	}
	calls := float64(len(srv.Requests())) / float64(b.N)
	b.ReportMetric(calls, "calls/op")
	if calls > 102 {
		b.Fatalf("%.1f REST calls per snapshot, want at most 102", calls)
	}
}

// The call count the benchmark reports, checked in every test run.
func TestJobSnapshotCallCount(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{})
	job := wideJob(t, srv, 100)
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, want := range []int{1 + 2*100, 1 + 100} { // cold: list + get per vertex; warm: get only
		before := len(srv.Requests())
		snap, err := snapshot(ctx, c, job, 8)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(srv.Requests()) - before; got != want {
			t.Errorf("snapshot %d: %d calls, want %d", i, got, want)
		}
		missing := 0
		for _, r := range snap {
			missing += len(r.Missing)
			if _, ok := r.Metrics["busyTimeMsPerSecond"].Value(flinkapi.AggMax); !ok {
				t.Fatalf("snapshot %d: busyTimeMsPerSecond missing", i)
			}
		}
		if missing != 99 {
			t.Errorf("snapshot %d: %d missing names, want 99 (pendingRecords on every non-source)", i, missing)
		}
	}
}
