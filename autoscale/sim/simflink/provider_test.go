package simflink_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/autoscale/sim"
	"github.com/flinkscale/flinkscale/autoscale/sim/simflink"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// setup serves the standard steady scenario through flinktest.
func setup(t *testing.T) (*simflink.Provider, *flinkapi.Client, flinkapi.JobID, *clocktest.Virtual) {
	t.Helper()
	sc := sim.Scenarios()[0]
	s, err := sim.New(sim.Config{Seed: 1}.Idealized(), sc.Job, sc.Trace) // exact restart timings
	if err != nil {
		t.Fatal(err)
	}
	p, err := simflink.New(simflink.Config{Sim: s})
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(sim.DefaultStart())
	srv := flinktest.Start(t, flinktest.Config{TaskManagers: 16, Clock: clk, Metrics: p})
	id, _, err := srv.AddJob(p.JobSpec())
	if err != nil {
		t.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return p, c, id, clk
}

// restView is what the REST API says of one vertex, in Observation terms.
type restView struct {
	parallelism                   int
	in, out, busy, bp, backlog    float64
	partitions                    int
	busyOK, inOK, backlogReported bool
}

func readREST(t *testing.T, c *flinkapi.Client, id flinkapi.JobID, v flinkapi.Vertex, name string, source bool) restView {
	t.Helper()
	ctx := context.Background()
	r := restView{parallelism: v.Parallelism, in: float64(v.Metrics.ReadRecords), out: float64(v.Metrics.WriteRecords)}
	r.inOK = v.Metrics.ReadRecordsComplete
	names, err := c.VertexMetricNames(ctx, id, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	op := flinkapi.OperatorScope(name)
	in, pending := flinkapi.OperatorMetric(op, flinkapi.MetricNumRecordsIn), flinkapi.OperatorMetric(op, flinkapi.MetricPendingRecords)
	q := []string{flinkapi.MetricBusyTime, flinkapi.MetricBackPressuredTime}
	if source {
		q = append(q, in, pending)
		for _, n := range names {
			if p, ok := flinkapi.ParseKafkaPartitionMetric(n); ok && p.Scope == op && p.Metric == flinkapi.MetricKafkaCurrentOffset {
				r.partitions++
			}
		}
	}
	res, err := c.VertexMetrics(ctx, id, v.ID, flinkapi.MetricsQuery{Names: q, Aggregations: []flinkapi.Aggregation{flinkapi.AggMax, flinkapi.AggSum}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string, agg flinkapi.Aggregation) (float64, bool) {
		m, ok := res.Metrics[name]
		if !ok {
			return 0, false
		}
		return m.Value(agg)
	}
	var ok bool
	r.busy, r.busyOK = get(flinkapi.MetricBusyTime, flinkapi.AggMax)
	r.bp, _ = get(flinkapi.MetricBackPressuredTime, flinkapi.AggMax)
	if source {
		r.in, ok = get(in, flinkapi.AggSum)
		r.inOK = r.inOK && ok
		r.backlog, r.backlogReported = get(pending, flinkapi.AggSum)
	}
	return r
}

// The metrics read through flinkapi are the observation's figures.
func TestRESTMatchesObservation(t *testing.T) {
	p, c, id, clk := setup(t)
	ctx := context.Background()
	for _, step := range []time.Duration{2*time.Minute + 5*time.Second, 10 * time.Second, 47 * time.Second} {
		clk.Advance(step)
		d, err := c.JobDetails(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var obs autoscale.Observation
		p.Do(func(s *sim.Sim) { obs = s.Observe() })
		if !obs.Time.Equal(clk.Now()) || len(d.Vertices) != len(obs.Vertices) {
			t.Fatalf("simulation at %v, server at %v; %d vertices", obs.Time, clk.Now(), len(d.Vertices))
		}
		for i, ov := range obs.Vertices {
			rv := d.Vertices[i]
			if rv.ID != simflink.VertexID(ov.ID) || rv.Name != ov.Name || rv.MaxParallelism != ov.MaxParallelism {
				t.Fatalf("vertex %d: REST %s %q, observation %s %q", i, rv.ID, rv.Name, ov.ID, ov.Name)
			}
			r := readREST(t, c, id, rv, ov.Name, ov.Source != nil)
			check := func(what string, rest float64, x autoscale.Value) {
				t.Helper()
				if o, ok := x.Get(); !ok || math.Abs(o-rest) > 1e-9 {
					t.Errorf("at %v: %s %s: REST %v, observation %v", obs.Time, ov.ID, what, rest, x)
				}
			}
			check("records in", r.in, ov.RecordsIn)
			check("records out", r.out, ov.RecordsOut)
			check("busy", r.busy/1000, ov.Busy)
			check("backpressured", r.bp/1000, ov.Backpressured)
			if r.parallelism != ov.Parallelism || !r.busyOK || !r.inOK {
				t.Errorf("%s: parallelism %d vs %d, busy reported %v, counters complete %v", ov.ID, r.parallelism, ov.Parallelism, r.busyOK, r.inOK)
			}
			if ov.Source != nil {
				check("backlog", r.backlog, ov.Source.Backlog)
				if r.partitions != ov.Source.Partitions || !r.backlogReported {
					t.Errorf("%s: %d partitions listed, %d observed", ov.ID, r.partitions, ov.Source.Partitions)
				}
			}
		}
	}
}

// A rescale through the REST API restarts the simulated job: its metrics
// vanish until the simulated cache is refreshed after the downtime.
func TestRescaleThroughREST(t *testing.T) {
	p, c, id, clk := setup(t)
	ctx := context.Background()
	clk.Advance(5*time.Minute + 30*time.Second) // 30 s after a checkpoint
	enrich := simflink.VertexID("enrich")
	if _, err := c.Rescale(ctx, id, map[flinkapi.VertexID]int{enrich: 20}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance   time.Duration
		reporting bool
		running   bool
	}{
		{0, false, false},                // the server restarted it; the tasks deploy
		{29 * time.Second, false, false}, // still within the 30 s downtime
		{time.Second, false, true},       // running, cache not yet refreshed
		{10 * time.Second, true, true},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		d, err := c.JobDetails(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var v flinkapi.Vertex
		for _, x := range d.Vertices {
			if x.ID == enrich {
				v = x
			}
		}
		r := readREST(t, c, id, v, "Enrich", false)
		var running bool
		var par int
		p.Do(func(s *sim.Sim) { running, par = s.Running(), s.Parallelism()["enrich"] })
		if d.State != flinkapi.JobRunning || v.Parallelism != 20 || par != 20 || r.busyOK != st.reporting || v.Metrics.ReadRecordsComplete != st.reporting || running != st.running {
			t.Errorf("at %v: job %s, REST p=%d, sim p=%d running %v, busy reported %v, counters complete %v; want reporting %v, running %v",
				clk.Now().Sub(sim.DefaultStart()), d.State, v.Parallelism, par, running, r.busyOK, v.Metrics.ReadRecordsComplete, st.reporting, st.running)
		}
	}
	var m sim.Summary
	p.Do(func(s *sim.Sim) { m = s.Summary() })
	if m.Rescales != 1 || m.RecordsReplayed == 0 || m.RecordsLost != 0 {
		t.Errorf("summary %+v", m)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := simflink.New(simflink.Config{}); !errors.Is(err, simflink.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
		t.Errorf("no sim: %v", err)
	}
	if err := (simflink.Config{}).Validate(); !errors.Is(err, simflink.ErrInvalidConfig) {
		t.Errorf("Validate: %v", err)
	}
	s, err := sim.New(sim.Config{}, sim.OrdersJob(), sim.Steady{Rate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := simflink.New(simflink.Config{Sim: s, JobID: "nope"}); !errors.Is(err, simflink.ErrInvalidConfig) {
		t.Errorf("bad job ID: %v", err)
	}
}

// The Observer that reads a real JobManager (autoscale/flinkio) sees the
// simulated job as the simulation observes itself: the fake reports what
// the reader looks up, under the names both take from flinkapi.
func TestObserverSeesTheSimulation(t *testing.T) {
	p, c, id, clk := setup(t)
	o, err := flinkio.NewObserver(flinkio.ObserverConfig{Client: c, Job: id})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, step := range []time.Duration{2*time.Minute + 5*time.Second, 10 * time.Second, 47 * time.Second} {
		clk.Advance(step)
		got, err := o.Observe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want autoscale.Observation
		p.Do(func(s *sim.Sim) { want = s.Observe() })
		if len(got.Vertices) != len(want.Vertices) || got.Running != want.Running {
			t.Fatalf("observed %d vertices (running %v), simulated %d (%v)", len(got.Vertices), got.Running, len(want.Vertices), want.Running)
		}
		for i, wv := range want.Vertices {
			gv := got.Vertices[i]
			same := func(what string, g, w autoscale.Value) {
				t.Helper()
				gx, gok := g.Get()
				wx, wok := w.Get()
				if gok != wok || math.Abs(gx-wx) > 1e-9*math.Max(1, math.Abs(wx)) {
					t.Errorf("at %v: %s %s: observed %v, simulated %v", clk.Now().Sub(sim.DefaultStart()), wv.ID, what, g, w)
				}
			}
			if gv.ID != string(simflink.VertexID(wv.ID)) || gv.Parallelism != wv.Parallelism || (gv.Source == nil) != (wv.Source == nil) {
				t.Fatalf("vertex %d: observed %+v, simulated %+v", i, gv, wv)
			}
			same("records in", gv.RecordsIn, wv.RecordsIn)
			same("records out", gv.RecordsOut, wv.RecordsOut)
			same("busy", gv.Busy, wv.Busy)
			same("backpressured", gv.Backpressured, wv.Backpressured)
			if wv.Source != nil {
				same("backlog", gv.Source.Backlog, wv.Source.Backlog)
				if gv.Source.Partitions != wv.Source.Partitions {
					t.Errorf("%s: %d partitions observed, %d simulated", wv.ID, gv.Source.Partitions, wv.Source.Partitions)
				}
			}
		}
	}
}
