package flinkio_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

const (
	src  = flinkapi.VertexID("0a448493b4782967b150582570326227")
	agg  = flinkapi.VertexID("ea632d67b7d595e5b851708ae9ad79d6")
	sink = flinkapi.VertexID("6d2677a0ecc3fd8df0b72ec675edf8f4")
)

type env struct {
	srv *flinktest.Server
	c   *flinkapi.Client
	job flinkapi.JobID
}

func newEnv(t testing.TB) env {
	t.Helper()
	srv := flinktest.Start(t, flinktest.Config{TaskManagers: 2, SlotsPerTaskManager: 4})
	job, _, err := srv.AddJob(flinktest.JobSpec{Checkpointing: &flinktest.CheckpointingSpec{}, Vertices: []flinktest.VertexSpec{
		{ID: src, Name: "Source: orders", Parallelism: 2},
		{ID: agg, Name: "Aggregate", Parallelism: 2, MaxParallelism: 64, Inputs: []flinktest.Input{{From: src, ShipStrategy: flinkapi.ShipHash}}},
		{ID: sink, Name: "Sink", Parallelism: 2, Inputs: []flinktest.Input{{From: agg}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.Metrics()
	m.SetSubtaskMetric(job, src, "busyTimeMsPerSecond", 300, 500)
	m.SetSubtaskMetric(job, src, "backPressuredTimeMsPerSecond", 0, 100)
	m.SetSubtaskMetric(job, src, "Source__orders.numRecordsIn", 1000, 3000)
	m.SetSubtaskMetric(job, src, "Source__orders.pendingRecords", 40, 60)
	for p := range 4 {
		m.SetSubtaskMetric(job, src, "Source__orders.KafkaSourceReader.topic.orders.partition."+string(rune('0'+p))+".currentOffset", 1)
	}
	m.SetSubtaskMetric(job, agg, "busyTimeMsPerSecond", 900, 700)
	m.SetSubtaskMetric(job, agg, "backPressuredTimeMsPerSecond", 0, 0)
	m.SetIO(job, agg, flinkapi.IOMetrics{ReadRecords: 4000, ReadRecordsComplete: true, WriteRecords: 400, WriteRecordsComplete: true})
	m.SetIO(job, src, flinkapi.IOMetrics{WriteRecords: 4000, WriteRecordsComplete: true})
	m.SetIO(job, sink, flinkapi.IOMetrics{ReadRecords: 400, ReadRecordsComplete: false})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return env{srv, c, job}
}

func observer(t *testing.T, e env, mod ...func(*flinkio.ObserverConfig)) *flinkio.Observer {
	t.Helper()
	cfg := flinkio.ObserverConfig{Client: e.c, Job: e.job}
	for _, m := range mod {
		m(&cfg)
	}
	o, err := flinkio.NewObserver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestObserve(t *testing.T) {
	e := newEnv(t)
	obs, err := observer(t, e).Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := obs.Validate(); err != nil {
		t.Fatal(err)
	}
	s, _ := obs.Vertex(string(src))
	a, _ := obs.Vertex(string(agg))
	k, _ := obs.Vertex(string(sink))
	checks := []struct {
		name string
		got  autoscale.Value
		want string
	}{
		{"source busy (max/1000)", s.Busy, "0.5"}, {"source backpressured", s.Backpressured, "0.1"},
		{"source records in (numRecordsIn)", s.RecordsIn, "4000"}, {"source records out", s.RecordsOut, "4000"},
		{"source backlog (pendingRecords)", s.Source.Backlog, "100"},
		{"source time lag", s.Source.TimeLag, "missing (Flink reports no time lag (configure a Kafka backlog source for it))"},
		{"aggregate busy", a.Busy, "0.9"}, {"aggregate records in", a.RecordsIn, "4000"},
		{"sink records in (incomplete)", k.RecordsIn, "missing (not every subtask has reported its counter yet)"},
		{"sink busy (not reported)", k.Busy, "missing (busyTimeMsPerSecond not reported)"},
	}
	for _, c := range checks {
		if c.got.String() != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	if s.Source.Origin != flinkio.OriginFlink {
		t.Errorf("source origin %q, want %q", s.Source.Origin, flinkio.OriginFlink)
	}
	if s.Source.Partitions != 4 || a.Source != nil || a.MaxParallelism != 64 || !obs.Running || obs.State != "RUNNING" || obs.LastRestart.IsZero() {
		t.Errorf("source partitions %d, aggregate %+v, running %v (%q), last restart %v", s.Source.Partitions, a, obs.Running, obs.State, obs.LastRestart)
	}
	if len(obs.Edges) != 2 || !obs.Edges[0].Keyed || obs.Edges[1].Keyed {
		t.Errorf("edges %+v, want a keyed source->aggregate edge", obs.Edges)
	}
	if r := obs.Resources; r.TaskManagers != 2 || r.SlotsPerTaskManager != 4 || r.SlotsTotal != 8 {
		t.Errorf("resources %+v", r)
	}
}

// A vertex whose metrics cannot be read keeps its figures missing; the
// observation still comes back.
func TestObservePartialFailure(t *testing.T) {
	e := newEnv(t)
	o := observer(t, e, func(c *flinkio.ObserverConfig) { c.Concurrency = 1 })
	if _, err := o.Observe(context.Background()); err != nil { // warm the name cache
		t.Fatal(err)
	}
	if err := e.srv.InjectFault("GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics", flinktest.Fault{Status: 500}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.InjectFault("GET /overview", flinktest.Fault{Status: 500}); err != nil {
		t.Fatal(err)
	}
	obs, err := o.Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, v := range obs.Vertices {
		if !v.Busy.Valid() {
			missing++
		}
	}
	if missing != 2 || obs.Resources.SlotsTotal != 0 || obs.Resources.SlotsPerTaskManager != 4 {
		t.Errorf("%d vertices without busy (want the failed one and the unreported sink), resources %+v", missing, obs.Resources)
	}
	// The failed vertex's figures say why they are missing.
	for _, v := range obs.Vertices {
		if why := v.Busy.Reason(); !v.Busy.Valid() && v.ID != string(sink) && !strings.HasPrefix(why, "reading its metrics failed: ") {
			t.Errorf("%s: busy %v, want the failed call as the reason", v.Name, v.Busy)
		}
	}
	bad := observer(t, env{e.srv, e.c, "ffffffffffffffffffffffffffffffff"})
	if _, err := bad.Observe(context.Background()); !errors.Is(err, flinkapi.ErrNotFound) {
		t.Errorf("unknown job: %v", err)
	}
}

func TestObserveWithBacklogSource(t *testing.T) {
	e := newEnv(t)
	entry := func(p int32, records int64, lag time.Duration) backlog.Partition {
		return backlog.Partition{Key: backlog.TopicPartition("orders", p), Records: backlog.Known(records), TimeLag: backlog.Known(lag)}
	}
	flink := func(records backlog.Figure[int64]) backlog.Partition {
		return backlog.Partition{Key: backlog.VertexSplit(string(src), ""), Records: records, TimeLag: backlog.Unknown[time.Duration](backlog.MetricMissing)}
	}
	unknown := backlog.Partition{Key: backlog.TopicPartition("orders", 1), Records: backlog.Unknown[int64](backlog.NoLeader)}
	snaps := []backlog.Snapshot{
		{Source: "kafka", Partitions: []backlog.Partition{entry(0, 10, time.Second), entry(1, 30, 4*time.Second), entry(2, 0, 0)}},
		{Source: "kafka", Partitions: []backlog.Partition{entry(0, 10, time.Second), unknown}},
		// Merged: Flink's records first, Kafka's time lag; partitions
		// counted from Kafka's entries only.
		{Source: "kafka", Partitions: []backlog.Partition{flink(backlog.Known[int64](55)), entry(0, 10, time.Second), entry(1, 30, 4*time.Second), entry(2, 0, 0)}},
		// Flink's records unknown: Kafka's are the fallback.
		{Source: "kafka", Partitions: []backlog.Partition{flink(backlog.Unknown[int64](backlog.MetricMissing)), entry(0, 10, time.Second), entry(1, 30, 4*time.Second), entry(2, 0, 0)}},
		// Kafka's records unknown: Flink's hold, the lag is missing.
		{Source: "kafka", Partitions: []backlog.Partition{flink(backlog.Known[int64](55)), entry(0, 10, time.Second), unknown}},
	}
	for i, want := range []struct{ backlog, lag string }{
		{"40", "4"},
		{"missing (some partitions unknown: orders/1: partition has no leader)", "missing (some partitions unknown: orders/1: not given)"},
		{"55", "4"},
		{"40", "4"},
		{"55", "missing (some partitions unknown: orders/1: not given)"},
	} {
		o := observer(t, e, func(c *flinkio.ObserverConfig) {
			c.Backlog = backlog.SourceFunc(func(context.Context) (backlog.Snapshot, error) { return snaps[i], nil })
			c.Topics = map[flinkapi.VertexID][]string{src: {"orders"}}
		})
		obs, err := o.Observe(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s, _ := obs.Vertex(string(src))
		if s.Source.Backlog.String() != want.backlog || s.Source.TimeLag.String() != want.lag || s.Source.Origin != "kafka" {
			t.Errorf("snapshot %d: backlog %s lag %s origin %q; want %s, %s", i, s.Source.Backlog, s.Source.TimeLag, s.Source.Origin, want.backlog, want.lag)
		}
		if wantParts := len(snaps[i].Partitions) - map[bool]int{true: 1}[i >= 2]; s.Source.Partitions != wantParts {
			t.Errorf("snapshot %d: %d partitions, want %d", i, s.Source.Partitions, wantParts)
		}
	}
}

// The controller, end to end on the fake JobManager: observe, decide,
// rescale in place once, then nothing more to do.
func TestControllerRescalesInPlace(t *testing.T) {
	e := newEnv(t)
	c, err := autoscale.NewController(autoscale.ControllerConfig{
		Observer: observer(t, e),
		Policy:   autoscale.Static{Targets: map[string]int{string(agg): 4}},
		Actuator: flinkio.Rescale{Client: e.c, Job: e.job},
	})
	if err != nil {
		t.Fatal(err)
	}
	first := c.Step(context.Background())
	second := c.Step(context.Background())
	if !first.Applied || first.Err != nil || second.Applied || len(second.Changes) != 0 {
		t.Fatalf("steps: %+v then %+v; want one rescale then none", first, second)
	}
	p, _ := e.srv.Parallelism(e.job)
	if p[agg] != 4 || p[src] != 2 {
		t.Errorf("parallelism %v, want the aggregate at 4 and the rest unchanged", p)
	}
	if n := e.srv.CountRequests("PUT /jobs/{jobid}/resource-requirements"); n != 1 {
		t.Errorf("%d PUTs, want 1", n)
	}
}
