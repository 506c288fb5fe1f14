package sim

import (
	"fmt"
	"slices"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
)

// Sim is a running simulation, driven step by step: Step or Advance moves
// virtual time on, Observe reports what a policy would see, Apply carries
// out a decision. Run drives one with a Policy. A Sim is not safe for
// concurrent use; it runs no goroutines and reads no clock.
type Sim struct {
	cfg   Config
	topo  *topology
	trace Trace
	tick  time.Duration

	now         time.Duration // since cfg.Start
	vs          []vertexState
	p           []int // parallelism (the targets, while restarting)
	slots       int
	running     bool
	downUntil   time.Duration
	lastRestart time.Duration
	nextCkpt    time.Duration
	viewFrom    time.Duration
	nextView    time.Duration
	nextCache   time.Duration
	rng         uint64

	cache      []VertexMetrics
	cacheValid bool
	cacheAt    time.Duration

	stats stats
}

// stats are the running totals behind Summary.
type stats struct {
	arrived, reads, replayed int64
	slotTicks                int64 // slots x ticks
	peakSlots                int
	rescales, failovers      int
	violation, downtime      time.Duration
	maxLag                   time.Duration
	checkpoints              int
}

// New returns a simulation of job fed by trace, RUNNING at cfg.Start at
// the job's parallelism. Errors wrap ErrInvalidConfig.
func New(cfg Config, job Job, trace Trace) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	topo, err := compile(job)
	if err != nil {
		return nil, err
	}
	if err := validateTrace(trace); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Sim{
		cfg: cfg, topo: topo, trace: trace, tick: cfg.Tick, running: true, rng: splitmix(cfg.Seed),
		nextView: viewPeriod, nextCache: cfg.MetricPeriod,
	}
	s.vs = make([]vertexState, len(topo.vertices))
	s.cache = make([]VertexMetrics, len(topo.vertices))
	for i, v := range topo.vertices {
		s.vs[i] = vertexState{spec: v, outs: topo.outs[i], keyed: topo.keyed[i], met: &vertexMeter{}}
		s.p = append(s.p, v.Parallelism)
	}
	for n, i := range topo.sources {
		part := topo.vertices[i].Source.Partitions
		s.vs[i].src = &sourceState{
			info:  TraceSource{ID: topo.vertices[i].ID, Index: n, Partitions: part},
			parts: make([]partition, part), rates: make([]float64, part),
		}
	}
	s.resume()
	return s, nil
}

// Config returns the simulation's configuration, defaults applied.
func (s *Sim) Config() Config { return s.cfg }

// Job returns the simulated job, defaults applied, its vertices at their
// current parallelism.
func (s *Sim) Job() Job {
	j := Job{Name: s.topo.name, Vertices: make([]Vertex, len(s.topo.vertices)), Edges: slices.Clone(s.topo.edges)}
	for i, v := range s.topo.vertices {
		if v.Source != nil {
			src := *v.Source
			v.Source = &src
		}
		v.Parallelism = s.p[i]
		j.Vertices[i] = v
	}
	return j
}

// Now returns the virtual time.
func (s *Sim) Now() time.Time { return s.cfg.Start.Add(s.now) }

// Elapsed returns the virtual time since the start.
func (s *Sim) Elapsed() time.Duration { return s.now }

// Running reports whether the job runs (false while it restarts).
func (s *Sim) Running() bool { return s.running }

// Parallelism returns each vertex's parallelism (while restarting, the one
// it restarts at).
func (s *Sim) Parallelism() map[string]int {
	out := make(map[string]int, len(s.p))
	for i, v := range s.topo.vertices {
		out[v.ID] = s.p[i]
	}
	return out
}

// Lag returns a source's time lag now: the age of its oldest unread
// record, 0 when it is caught up; ok is false for a vertex that is not a
// source.
func (s *Sim) Lag(source string) (lag time.Duration, ok bool) {
	i, ok := s.topo.index[source]
	if !ok || s.vs[i].src == nil {
		return 0, false
	}
	return s.vs[i].src.lag(s.now, s.tick), true
}

// Step simulates one tick: arrivals, processing (while running), then the
// periodic work that falls due at its end (checkpoint, metric views, the
// metric cache), and the end of a restart's downtime.
func (s *Sim) Step() {
	s.arrive()
	if s.running {
		s.flow()
	}
	s.now += s.tick
	if s.running && s.now >= s.nextCkpt {
		s.checkpoint()
	}
	if s.now >= s.nextView {
		if s.running {
			s.updateViews()
		}
		s.nextView = nextMultiple(s.now, viewPeriod)
	}
	if s.now >= s.nextCache {
		s.refreshCache()
		s.nextCache = nextMultiple(s.now, s.cfg.MetricPeriod)
	}
	s.account()
	if !s.running && s.now >= s.downUntil {
		s.resume()
	}
}

// nextMultiple is the first multiple of period after t.
func nextMultiple(t, period time.Duration) time.Duration { return (t/period + 1) * period }

// Advance steps until d more virtual time has passed (whole ticks).
func (s *Sim) Advance(d time.Duration) { s.advanceTo(s.now + d) }

// AdvanceTo steps until the virtual time is at or after t.
func (s *Sim) AdvanceTo(t time.Time) { s.advanceTo(t.Sub(s.cfg.Start)) }

func (s *Sim) advanceTo(t time.Duration) {
	for s.now < t {
		s.Step()
	}
}

// Apply carries out a decision now: when it changes any parallelism the
// job restarts (Config.Rescale says how), and runs again at the targets
// after the downtime. While the job is already restarting, the targets
// replace the ones it restarts at, with no further downtime. Vertices the
// decision does not name keep their parallelism. Errors wrap
// ErrInvalidDecision, and the job is left as it was.
func (s *Sim) Apply(d autoscale.Decision) error {
	next := slices.Clone(s.p)
	for id, t := range d.Targets {
		i, ok := s.topo.index[id]
		if !ok {
			return fmt.Errorf("%w: unknown vertex %q", ErrInvalidDecision, id)
		}
		if mp := s.topo.vertices[i].MaxParallelism; t < 1 || t > mp {
			return fmt.Errorf("%w: vertex %q: parallelism %d outside [1, %d]", ErrInvalidDecision, id, t, mp)
		}
		next[i] = t
	}
	if slices.Equal(next, s.p) {
		return nil
	}
	s.p = next
	s.slots = s.topo.slots(next)
	if s.running {
		s.stats.rescales++
		s.restart(s.cfg.Rescale)
	}
	return nil
}

// Failover restarts the job as after a task failure: from the last
// completed checkpoint, at the same parallelism, after
// Config.InPlaceDowntime. It does nothing while the job is restarting.
func (s *Sim) Failover() {
	if s.running {
		s.stats.failovers++
		s.restart(InPlace)
	}
}

// restart stops the job: sources go back to the last checkpoint (InPlace)
// or take a savepoint where they are (Redeploy); in-flight records are
// dropped (they are read again); the metrics vanish.
func (s *Sim) restart(mode RescaleMode) {
	for _, i := range s.topo.sources {
		for k := range s.vs[i].src.parts {
			pt := &s.vs[i].src.parts[k]
			if mode == Redeploy {
				pt.checkpoint()
			}
			s.stats.replayed += pt.rewind()
		}
	}
	for i := range s.vs {
		s.vs[i].buf = 0
	}
	s.running = false
	s.downUntil = s.now + s.cfg.downtime(mode)
	s.cacheValid = false
}

// resume makes the job RUNNING at its parallelism, counters from zero.
func (s *Sim) resume() {
	s.running = true
	s.lastRestart = s.now
	s.viewFrom = s.now
	s.nextCkpt = s.now + s.cfg.CheckpointInterval
	for i := range s.vs {
		s.vs[i].configure(s.p[i], s.cfg)
	}
	s.slots = s.topo.slots(s.p)
}

// checkpoint completes a checkpoint of the sources' positions.
func (s *Sim) checkpoint() {
	for _, i := range s.topo.sources {
		for k := range s.vs[i].src.parts {
			s.vs[i].src.parts[k].checkpoint()
		}
	}
	s.stats.checkpoints++
	s.nextCkpt = s.now + s.cfg.CheckpointInterval
}
