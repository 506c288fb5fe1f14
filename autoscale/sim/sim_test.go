package sim_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
)

// A vertex with more input than capacity runs at busy ~1, its upstream
// shows the rest of its time backpressured, the backlog builds in Kafka and
// the source's time lag grows.
func TestBottleneckBusyAndUpstreamBackpressure(t *testing.T) {
	// 4 partitions x 500 = 2,000 records/s; v1 takes 1,000.
	s := newSim(t, quiet(), chain(4, 10000, 1000, 10000), sim.Steady{Rate: 500})
	tests := []struct {
		advance            time.Duration
		busyV1, bpSource   float64
		busySource, busyV2 float64
		lagSeconds         float64
	}{
		{advance: time.Minute, busyV1: 1, bpSource: 0.9, busySource: 0.1, busyV2: 0.1, lagSeconds: 30},
		{advance: 9 * time.Minute, busyV1: 1, bpSource: 0.9, busySource: 0.1, busyV2: 0.1, lagSeconds: 300},
	}
	for _, tt := range tests {
		s.Advance(tt.advance)
		obs := s.Observe()
		src, v1, v2 := vertex(t, obs, "source"), vertex(t, obs, "v1"), vertex(t, obs, "v2")
		for _, c := range []struct {
			what      string
			got, want float64
		}{
			{"v1 busy", value(t, "v1 busy", v1.Busy), tt.busyV1},
			{"v1 backpressured", value(t, "v1 bp", v1.Backpressured), 0},
			{"source backpressured", value(t, "source bp", src.Backpressured), tt.bpSource},
			{"source busy", value(t, "source busy", src.Busy), tt.busySource},
			{"v2 busy", value(t, "v2 busy", v2.Busy), tt.busyV2},
		} {
			if !near(c.got, c.want, 0.011) {
				t.Errorf("at %v: %s = %.3f, want %.3f", s.Elapsed(), c.what, c.got, c.want)
			}
		}
		// Half the input cannot be read: the oldest unread record is about
		// half the elapsed time old.
		if lag := value(t, "time lag", src.Source.TimeLag); !near(lag, tt.lagSeconds, 3) {
			t.Errorf("at %v: time lag %.1f s, want about %.0f s", s.Elapsed(), lag, tt.lagSeconds)
		}
		if backlog := value(t, "backlog", src.Source.Backlog); backlog < 1000*s.Elapsed().Seconds()-12000 {
			t.Errorf("at %v: backlog %.0f, want about %.0f", s.Elapsed(), backlog, 1000*s.Elapsed().Seconds())
		}
	}
}

// A source with N partitions on p subtasks is limited by its busiest
// subtask's ceil(N/p) partitions, though p subtasks together would have
// the capacity.
func TestPartitionSkewLimitsSource(t *testing.T) {
	// 10 partitions x 350 = 3,500 records/s; subtasks read 1,000 each.
	tests := []struct {
		parallelism int
		behind      bool
		busy        float64
	}{
		{parallelism: 4, behind: true, busy: 1},      // 3 partitions on a subtask: 1,050 > 1,000
		{parallelism: 5, behind: false, busy: 0.7},   // 2 partitions: 700
		{parallelism: 10, behind: false, busy: 0.35}, // 1 partition: 350
	}
	for _, tt := range tests {
		job := chain(10, 1000, 100000).WithParallelism(map[string]int{"source": tt.parallelism})
		s := newSim(t, quiet(), job, sim.Steady{Rate: 350})
		s.Advance(10 * time.Minute)
		obs := s.Observe()
		src := vertex(t, obs, "source")
		lag := value(t, "lag", src.Source.TimeLag)
		if behind := lag > 10; behind != tt.behind {
			t.Errorf("p=%d: time lag %.1f s, behind = %v, want %v", tt.parallelism, lag, behind, tt.behind)
		}
		if busy := value(t, "busy", src.Busy); !near(busy, tt.busy, 0.011) {
			t.Errorf("p=%d: busiest subtask busy %.3f, want %.3f", tt.parallelism, busy, tt.busy)
		}
	}
	p, err := sim.KeepUp(chain(10, 1000, 100000), sim.Steady{Rate: 350}, 0)
	if err != nil || p["source"] != 5 {
		t.Errorf("KeepUp = %v, %v; want source at 5", p, err)
	}
}

// Behind a keyBy edge the busiest subtask holds ceil(K/p) key groups.
func TestKeyGroupSkew(t *testing.T) {
	job := sim.Job{
		Vertices: []sim.Vertex{
			{ID: "source", Capacity: 1e6, Source: &sim.Source{Partitions: 1}},
			{ID: "agg", Capacity: 1000, MaxParallelism: 128, Parallelism: 3},
		},
		Edges: []sim.Edge{{From: "source", To: "agg", Keyed: true}},
	}
	// At p=3 the busiest subtask holds 43 of 128 key groups: the vertex
	// takes in 1,000 x 128 / 43 = 2,977 records/s, not 3,000.
	for _, tt := range []struct {
		rate   float64
		behind bool
	}{{2970, false}, {3100, true}} {
		s := newSim(t, quiet(), job, sim.Steady{Rate: tt.rate})
		s.Advance(10 * time.Minute)
		lag, _ := s.Lag("source")
		if behind := lag > 10*time.Second; behind != tt.behind {
			t.Errorf("rate %.0f: lag %v, behind = %v, want %v", tt.rate, lag, behind, tt.behind)
		}
	}
	p, err := sim.KeepUp(job, sim.Steady{Rate: 2990}, 0)
	if err != nil || p["agg"] != 4 {
		t.Errorf("KeepUp = %v, %v; want agg at 4", p, err)
	}
}

// The JobManager's cache holds every Flink figure for the metric period:
// counters and gauges change only at refreshes (every 10 s), while Kafka's
// time lag is live.
func TestMetricCacheHoldsFor10s(t *testing.T) {
	s := newSim(t, sim.Config{Seed: 3}, chain(4, 10000, 1000), sim.Steady{Rate: 400})
	if obs := s.Observe(); vertex(t, obs, "v1").Busy.Valid() {
		t.Fatal("metrics before the first refresh")
	}
	type fig struct{ in, busy, backlog float64 }
	read := func() fig {
		obs := s.Observe()
		src, v1 := vertex(t, obs, "source"), vertex(t, obs, "v1")
		return fig{value(t, "in", v1.RecordsIn), value(t, "busy", v1.Busy), value(t, "backlog", src.Source.Backlog)}
	}
	tests := []struct {
		advance time.Duration
		changed bool
	}{
		{10 * time.Second, true}, // first refresh at 10 s
		{time.Second, false},
		{8 * time.Second, false}, // 19 s
		{time.Second, true},      // 20 s: refreshed
		{5 * time.Second, false},
		{5 * time.Second, true}, // 30 s
	}
	var prev fig
	for i, tt := range tests {
		s.Advance(tt.advance)
		got := read()
		if changed := got != prev; i > 0 && changed != tt.changed {
			t.Errorf("at %v: figures %+v after %+v: changed = %v, want %v", s.Elapsed(), got, prev, changed, tt.changed)
		}
		prev = got
	}
	// Over a full minute the 60 s meter and the counters agree.
	s.Advance(time.Minute)
	m, at, ok := s.Metrics()
	if !ok || !at.Equal(s.Now()) {
		t.Fatalf("Metrics at %v, %v; want a refresh at %v", at, ok, s.Now())
	}
	if rate := m[1].NumRecordsInPerSecond[0]; !near(rate, 1000, 1) {
		t.Errorf("v1 numRecordsInPerSecond = %.1f, want 1000 (its capacity)", rate)
	}
}

// Errors wrap the package's sentinels.
func TestErrors(t *testing.T) {
	good := chain(2, 100, 100)
	tests := []struct {
		name string
		cfg  sim.Config
		job  sim.Job
		tr   sim.Trace
	}{
		{"negative tick", sim.Config{Tick: -1}, good, sim.Steady{Rate: 1}},
		{"NaN noise", sim.Config{Noise: math.NaN()}, good, sim.Steady{Rate: 1}},
		{"infinite noise", sim.Config{Noise: math.Inf(1)}, good, sim.Steady{Rate: 1}},
		{"tick above the metric period", sim.Config{Tick: 20 * time.Second}, good, sim.Steady{Rate: 1}},
		{"no vertices", sim.Config{}, sim.Job{}, sim.Steady{Rate: 1}},
		{"no capacity", sim.Config{}, chain(2, 100, 0), sim.Steady{Rate: 1}},
		{"source without partitions", sim.Config{}, chain(0, 100, 100), sim.Steady{Rate: 1}},
		{"edge backwards", sim.Config{}, sim.Job{Vertices: good.Vertices, Edges: []sim.Edge{{From: "v1", To: "source"}}}, sim.Steady{Rate: 1}},
		{"vertex without input", sim.Config{}, sim.Job{Vertices: good.Vertices}, sim.Steady{Rate: 1}},
		{"exponent above 1", sim.Config{}, sim.Job{Vertices: []sim.Vertex{{ID: "s", Capacity: 1, ScalingExponent: 2, Source: &sim.Source{Partitions: 1}}}}, sim.Steady{Rate: 1}},
		{"nil trace", sim.Config{}, good, nil},
		{"negative rate", sim.Config{}, good, sim.Steady{Rate: -1}},
		{"bursts longer than slots", sim.Config{}, good, sim.Bursty{Base: 1, MaxLength: 2 * time.Hour}},
	}
	for _, tt := range tests {
		if _, err := sim.New(tt.cfg, tt.job, tt.tr); !errors.Is(err, sim.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("%s: New error %v, want ErrInvalidConfig (and the root one)", tt.name, err)
		}
		if _, err := sim.Oracle(tt.cfg, tt.job, tt.tr); !errors.Is(err, sim.ErrInvalidConfig) {
			t.Errorf("%s: Oracle error %v, want ErrInvalidConfig", tt.name, err)
		}
	}
	s := newSim(t, sim.Config{}, good, sim.Steady{Rate: 1})
	for _, targets := range []map[string]int{{"nope": 2}, {"v1": 0}, {"v1": 129}} {
		if err := s.Apply(autoscale.Decision{Targets: targets}); !errors.Is(err, sim.ErrInvalidDecision) {
			t.Errorf("Apply(%v) = %v, want ErrInvalidDecision", targets, err)
		}
	}
	if p := s.Parallelism(); p["v1"] != 1 || !s.Running() {
		t.Errorf("a refused decision changed the job: %v, running %v", p, s.Running())
	}
	if _, err := sim.Run(sim.Config{}, good, sim.Steady{Rate: 1}, nil); !errors.Is(err, sim.ErrInvalidConfig) {
		t.Errorf("Run with a nil policy: %v", err)
	}
	failing := autoscale.PolicyFunc(func(time.Time, autoscale.Observation) (autoscale.Decision, error) {
		return autoscale.Decision{}, errors.New("boom")
	})
	if _, err := sim.Run(sim.Config{Duration: time.Hour}, good, sim.Steady{Rate: 1}, failing); err == nil {
		t.Error("Run hid the policy's error")
	}
}

// The observation is structurally valid and carries the job's graph.
func TestObservationShape(t *testing.T) {
	sc := sim.Scenarios()[0]
	s := newSim(t, sim.Config{}, sc.Job, sc.Trace)
	s.Advance(time.Minute)
	obs := s.Observe()
	if err := obs.Validate(); err != nil {
		t.Fatal(err)
	}
	if obs.Job != "orders" || len(obs.Vertices) != 10 || len(obs.Edges) != 10 || !obs.Running {
		t.Fatalf("observation %s: %d vertices, %d edges, running %v", obs.Job, len(obs.Vertices), len(obs.Edges), obs.Running)
	}
	if !obs.LastRestart.Equal(sim.DefaultStart()) || !obs.Time.Equal(sim.DefaultStart().Add(time.Minute)) {
		t.Errorf("times: last restart %v, now %v", obs.LastRestart, obs.Time)
	}
	src := vertex(t, obs, "source")
	if src.Source == nil || src.Source.Partitions != 48 || src.Source.Origin != sim.Origin {
		t.Errorf("source %+v", src.Source)
	}
	keyed := 0
	for _, e := range obs.Edges {
		if e.Keyed {
			keyed++
		}
	}
	d := autoscale.Keep(obs.Time, obs, "")
	r := obs.Resources
	if keyed != 2 || r.SlotsPerTaskManager != 4 || r.SlotsTotal < d.Slots || r.SlotsTotal-r.SlotsAvailable != d.Slots {
		t.Errorf("%d keyed edges; resources %+v for %d slots", keyed, r, d.Slots)
	}
}

// With a scaling exponent below 1 each subtask gets slower as the
// parallelism grows: at exponent 0.5, 4 subtasks take 2,000 records/s, not
// 4,000.
func TestSubLinearScaling(t *testing.T) {
	job := sim.Job{
		Vertices: []sim.Vertex{
			{ID: "source", Capacity: 1e6, Source: &sim.Source{Partitions: 1}},
			{ID: "slow", Capacity: 1000, ScalingExponent: 0.5, Parallelism: 4},
		},
		Edges: []sim.Edge{{From: "source", To: "slow"}},
	}
	for _, tt := range []struct {
		rate   float64
		behind bool
		keepUp int
	}{{1900, false, 4}, {2200, true, 5}} {
		s := newSim(t, quiet(), job, sim.Steady{Rate: tt.rate})
		s.Advance(10 * time.Minute)
		lag, _ := s.Lag("source")
		if behind := lag > 10*time.Second; behind != tt.behind {
			t.Errorf("rate %.0f at p=4: lag %v, behind = %v, want %v", tt.rate, lag, behind, tt.behind)
		}
		if p, err := sim.KeepUp(job, sim.Steady{Rate: tt.rate}, 0); err != nil || p["slow"] != tt.keepUp {
			t.Errorf("rate %.0f: KeepUp = %v, %v; want slow at %d", tt.rate, p, err, tt.keepUp)
		}
	}
}
