package flinkapi_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
	"github.com/google/go-cmp/cmp"
)

const aggRoute = "GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics"

func TestVertexMetricsAggregatesAndReportsMissing(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, vs := e.addJob(t, pipeline())
	m := e.srv.Metrics()
	m.SetSubtaskMetric(id, vs[0], "busyTimeMsPerSecond", 100, 300, 500, 900)
	m.SetSubtaskMetric(id, vs[0], "numRecordsInPerSecond", 10, 10, 10, 10)
	m.SetSubtaskMetric(id, vs[0], "pendingRecords", 5, 0, 7, 0)

	res, err := e.c.VertexMetrics(context.Background(), id, vs[0], flinkapi.MetricsQuery{
		Names: []string{"busyTimeMsPerSecond", "pendingRecords", "backPressuredTimeMsPerSecond", "numRecordsInPerSecond", "busyTimeMsPerSecond"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"backPressuredTimeMsPerSecond"}, res.Missing); diff != "" {
		t.Errorf("Missing (-want +got):\n%s", diff)
	}
	busy := res.Metrics["busyTimeMsPerSecond"]
	for _, c := range []struct {
		agg  flinkapi.Aggregation
		want float64
	}{{flinkapi.AggMin, 100}, {flinkapi.AggMax, 900}, {flinkapi.AggSum, 1800}, {flinkapi.AggAvg, 450}, {flinkapi.AggSkew, 250.0 / 450 * 100}} {
		if got, ok := busy.Value(c.agg); !ok || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("busyTimeMsPerSecond %s = %v, %v; want %v", c.agg, got, ok, c.want)
		}
	}
	if got, _ := res.Metrics["pendingRecords"].Value(flinkapi.AggSum); got != 12 {
		t.Errorf("pendingRecords sum = %v, want 12", got)
	}
}

func TestVertexMetricsSelection(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, vs := e.addJob(t, pipeline())
	e.srv.Metrics().SetSubtaskMetric(id, vs[0], "busyTimeMsPerSecond", 100, 300, 500, math.NaN())
	ctx := context.Background()

	res, err := e.c.VertexMetrics(ctx, id, vs[0], flinkapi.MetricsQuery{
		Names: []string{"busyTimeMsPerSecond"}, Aggregations: []flinkapi.Aggregation{flinkapi.AggMax}, Subtasks: []int{2, 0, 1, 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Metrics["busyTimeMsPerSecond"]
	if v, ok := m.Value(flinkapi.AggMax); !ok || v != 500 {
		t.Errorf("max over subtasks 0-2 = %v, %v; want 500", v, ok)
	}
	if _, ok := m.Value(flinkapi.AggMin); ok {
		t.Error("min was not requested but is reported")
	}
	last := e.srv.Requests()[len(e.srv.Requests())-1]
	if want := "agg=max&get=busyTimeMsPerSecond&subtasks=0-2"; last.Query != want {
		t.Errorf("query = %q, want %q", last.Query, want)
	}

	// A NaN subtask value makes Flink's aggregate NaN, sent as "NaN".
	res, err = e.c.VertexMetrics(ctx, id, vs[0], flinkapi.MetricsQuery{Names: []string{"busyTimeMsPerSecond"}})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := res.Metrics["busyTimeMsPerSecond"].Value(flinkapi.AggAvg); ok {
		t.Errorf("avg with a NaN subtask = %v, ok; want not ok", v)
	}

	for _, q := range []flinkapi.MetricsQuery{
		{},
		{Names: []string{"a,b"}},
		{Names: []string{"a"}, Aggregations: []flinkapi.Aggregation{"median"}},
		{Names: []string{"a"}, Subtasks: []int{-1}},
	} {
		if _, err := e.c.VertexMetrics(ctx, id, vs[0], q); !errors.Is(err, flinkapi.ErrInvalidRequest) {
			t.Errorf("VertexMetrics(%+v) = %v, want ErrInvalidRequest", q, err)
		}
	}
}

// With a warm name cache a snapshot costs one call per vertex; an expired
// entry costs one listing; a vanished name triggers one relisting.
func TestVertexMetricsNameCache(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, vs := e.addJob(t, pipeline())
	m := e.srv.Metrics()
	m.SetSubtaskMetric(id, vs[1], "busyTimeMsPerSecond", 1, 2)
	m.SetSubtaskMetric(id, vs[1], "numRecordsInPerSecond", 1, 2)
	now := time.Unix(0, 0)
	var mu sync.Mutex
	flinkapi.SetNameCacheClock(e.c, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ctx := context.Background()
	q := flinkapi.MetricsQuery{Names: []string{"busyTimeMsPerSecond", "numRecordsInPerSecond"}}

	steps := []struct {
		name    string
		before  func()
		calls   int // requests to the aggregated endpoint in this step
		missing []string
	}{
		{"cold: list then get", nil, 2, nil},
		{"warm: get only", nil, 1, nil},
		{"expired: list again", func() { advance(time.Minute) }, 2, nil},
		{"vanished name: empty answer, relist, retry", func() { m.DeleteSubtaskMetric(id, vs[1], "numRecordsInPerSecond") }, 3, []string{"numRecordsInPerSecond"}},
		{"still missing: no call for it", nil, 1, []string{"numRecordsInPerSecond"}},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		before := e.srv.CountRequests(aggRoute)
		res, err := e.c.VertexMetrics(ctx, id, vs[1], q)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := e.srv.CountRequests(aggRoute) - before; got != s.calls {
			t.Errorf("%s: %d calls, want %d", s.name, got, s.calls)
		}
		if diff := cmp.Diff(s.missing, res.Missing); diff != "" {
			t.Errorf("%s: Missing (-want +got):\n%s", s.name, diff)
		}
		if _, ok := res.Metrics["busyTimeMsPerSecond"]; !ok {
			t.Errorf("%s: busyTimeMsPerSecond not reported", s.name)
		}
	}
	if n := flinkapi.NameCacheLen(e.c); n != 1 {
		t.Errorf("name cache holds %d vertices, want 1", n)
	}
}

// Concurrent first calls for one vertex share one listing.
func TestVertexMetricsConcurrentColdCache(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, vs := e.addJob(t, pipeline())
	e.srv.Metrics().SetSubtaskMetric(id, vs[0], "busyTimeMsPerSecond", 1, 2, 3, 4)
	if err := e.srv.InjectFault(aggRoute, flinktest.Fault{Latency: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := e.c.VertexMetrics(context.Background(), id, vs[0], flinkapi.MetricsQuery{Names: []string{"busyTimeMsPerSecond"}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	listings := 0
	for _, r := range e.srv.Requests() {
		if r.Route == aggRoute && r.Query == "" {
			listings++
		}
	}
	if listings != 1 {
		t.Errorf("%d name listings for 8 concurrent cold calls, want 1", listings)
	}
}

func TestVertexMetricNames(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, vs := e.addJob(t, pipeline())
	e.srv.Metrics().SetSubtaskMetric(id, vs[2], "numRecordsIn", 1, 2)
	e.srv.Metrics().SetSubtaskMetric(id, vs[2], "busyTimeMsPerSecond", 1, 2)
	names, err := e.c.VertexMetricNames(context.Background(), id, vs[2])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"busyTimeMsPerSecond", "numRecordsIn"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func TestJobMetrics(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, _ := e.addJob(t, pipeline())
	e.srv.Metrics().SetJobMetric(id, "lastCheckpointSize", "4096")
	e.clock.Advance(90 * time.Second)
	ctx := context.Background()

	mv, err := e.c.JobMetrics(ctx, id, "uptime", "numRestarts", "lastCheckpointSize", "nope")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"uptime": 90000, "numRestarts": 0, "lastCheckpointSize": 4096} {
		if got, ok := mv.Float(name); !ok || got != want {
			t.Errorf("%s = %v, %v; want %v", name, got, ok, want)
		}
	}
	if diff := cmp.Diff([]string{"nope"}, mv.Missing); diff != "" {
		t.Errorf("Missing (-want +got):\n%s", diff)
	}
	names, err := e.c.JobMetricNames(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"lastCheckpointSize", "numRestarts", "uptime"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if _, err := e.c.JobMetrics(ctx, id); !errors.Is(err, flinkapi.ErrInvalidRequest) {
		t.Errorf("JobMetrics without names = %v, want ErrInvalidRequest", err)
	}
}

// A vertex that reports no metrics yet (just restarted) is listed again on
// the next call instead of being cached as empty for a whole TTL.
func TestEmptyNameListIsNotCached(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, vs := e.addJob(t, pipeline())
	ctx := context.Background()
	q := flinkapi.MetricsQuery{Names: []string{"busyTimeMsPerSecond"}}
	res, err := e.c.VertexMetrics(ctx, id, vs[2], q)
	if err != nil || len(res.Missing) != 1 {
		t.Fatalf("before any metric: %+v, %v; want busyTimeMsPerSecond missing", res, err)
	}
	e.srv.Metrics().SetSubtaskMetric(id, vs[2], "busyTimeMsPerSecond", 7, 9)
	res, err = e.c.VertexMetrics(ctx, id, vs[2], q)
	if err != nil || len(res.Missing) != 0 {
		t.Fatalf("once reported: %+v, %v; want it present", res, err)
	}
	if v, _ := res.Metrics["busyTimeMsPerSecond"].Value(flinkapi.AggMax); v != 9 {
		t.Errorf("max = %v, want 9", v)
	}
}
