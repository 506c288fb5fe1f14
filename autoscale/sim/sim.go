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
	delays      []time.Duration // scratch for inFlightDelays
	p           []int           // parallelism (the targets, while restarting)
	pending     []int           // targets waiting for slots to arrive (nil: none)
	slotsAt     time.Duration
	slots       int // slots held (paid)
	running     bool
	downUntil   time.Duration
	lastRestart time.Duration
	warmSince   time.Duration // when the warm-up began (the start's job is warm)
	nextCkpt    time.Duration
	ckptDue     time.Duration // when the checkpoint in progress completes; 0: none in progress
	viewFrom    time.Duration
	nextView    time.Duration
	nextCache   time.Duration
	name        string // the job's ID, as Observation.Job
	deploys     int    // deploys done
	rng         uint64 // arrival noise
	rnd         streams
	wander      *wander

	cache      []VertexMetrics
	cacheOK    []bool // per vertex: the cache holds its metrics
	cacheValid bool   // some refresh since the job last became RUNNING
	cacheAt    time.Duration

	moves []move // per vertex: its last parallelism change
	stats stats
}

// streams are the seeded random streams of the realism, one per concern,
// so that turning one on does not change the draws of another.
type streams struct{ metrics, restarts, checkpoints uint64 }

// move is a vertex's last parallelism change: when, and which way.
type move struct {
	at  time.Duration
	dir int
}

// flapWindow is how soon a reversed move counts as a flap.
const flapWindow = 15 * time.Minute

// stats are the running totals behind Summary.
type stats struct {
	arrived, reads, replayed int64
	slotTicks                int64 // slots x ticks
	peakSlots                int
	rescales, failovers      int
	deploys, flaps           int
	rescaleAt                []time.Duration
	violation, downtime      time.Duration
	maxLag                   time.Duration
	checkpoints, ckptFailed  int
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
	if err := topo.checkDeploys(cfg.Deploys); err != nil {
		return nil, err
	}
	s := &Sim{
		cfg: cfg, topo: topo, trace: trace, tick: cfg.Tick, running: true, rng: splitmix(cfg.Seed),
		nextView: viewPeriod, nextCache: cfg.MetricPeriod, name: topo.name,
		rnd:    streams{metrics: splitmix(cfg.Seed ^ saltMetrics), restarts: splitmix(cfg.Seed ^ saltRestarts), checkpoints: splitmix(cfg.Seed ^ saltCheckpoints)},
		wander: newWander(cfg.Wander, cfg.Tick, cfg.Seed, len(topo.sources)),
	}
	s.vs = make([]vertexState, len(topo.vertices))
	s.cache = make([]VertexMetrics, len(topo.vertices))
	s.cacheOK = make([]bool, len(topo.vertices))
	s.moves = make([]move, len(topo.vertices))
	for i, v := range topo.vertices {
		s.vs[i] = vertexState{spec: v, outs: topo.outs[i], keyed: topo.keyed[i], met: &vertexMeter{}}
		s.p = append(s.p, v.Parallelism)
	}
	for n, i := range topo.sources {
		part := topo.vertices[i].Source.Partitions
		s.vs[i].src = &sourceState{
			info:  TraceSource{ID: topo.vertices[i].ID, Index: n, Partitions: part},
			parts: make([]partition, part), rates: make([]float64, part),
			stuck: make([]bool, part),
		}
		for _, k := range topo.vertices[i].Source.Stuck {
			s.vs[i].src.stuck[k] = true
		}
	}
	s.resume()
	s.warmSince = -cfg.Restarts.WarmUp
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
	s.deploy()
	s.arrive()
	if s.running {
		s.flow()
	}
	s.now += s.tick
	if s.running && s.ckptDue > 0 && s.now >= s.ckptDue {
		s.completeCheckpoint()
	}
	if s.running && s.ckptDue == 0 && s.now >= s.nextCkpt {
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
	if s.running && s.pending != nil && s.now >= s.slotsAt {
		s.rescale(s.pending)
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
// after the downtime (Config.InPlaceDowntime or RedeployDowntime, plus
// what Config.Restarts adds). When the targets need more slots than the
// job holds and Restarts.SlotArrival is set, the job keeps running as it
// is until they arrive, then restarts; a decision in the meantime replaces
// the targets (one that keeps the current parallelism cancels the
// rescale). While the job is already restarting, the targets replace the
// ones it restarts at, with no further downtime unless they need slots
// still to arrive. Vertices the decision does not name keep their
// parallelism. Errors wrap ErrInvalidDecision, and the job is left as it
// was.
func (s *Sim) Apply(d autoscale.Decision) error {
	next := slices.Clone(s.p)
	if s.pending != nil {
		next = slices.Clone(s.pending)
	}
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
	switch need := s.topo.slots(next); {
	case slices.Equal(next, s.p):
		s.pending, s.slots = nil, s.topo.slots(s.p)
	case !s.running:
		if arrive := s.cfg.Restarts.SlotArrival; arrive > 0 && need > s.slots {
			s.downUntil = max(s.downUntil, s.now+arrive)
		}
		s.p, s.slots = next, need
	case s.cfg.Restarts.SlotArrival > 0 && need > s.slots:
		if s.pending == nil || need > s.topo.slots(s.pending) {
			s.slotsAt = s.now + s.cfg.Restarts.SlotArrival
		}
		s.pending, s.slots = next, need
	default:
		s.rescale(next)
	}
	return nil
}

// resume makes the job RUNNING at its parallelism, counters from zero.
func (s *Sim) resume() {
	s.running = true
	s.lastRestart, s.warmSince = s.now, s.now
	s.viewFrom = s.now
	s.nextCkpt, s.ckptDue = s.now+s.cfg.CheckpointInterval, 0
	for i := range s.vs {
		s.vs[i].configure(s.p[i], s.cfg)
	}
	s.slots = s.topo.slots(s.p)
}

// checkpointTimeout is Flink's execution.checkpointing.timeout default: a
// checkpoint not complete by then expires and counts as failed.
const checkpointTimeout = 10 * time.Minute

// checkpoint triggers a checkpoint of the sources' positions, unless it
// fails (Config.CheckpointFailure). It is an aligned one: it completes
// once its barrier has passed every record buffered ahead of it (see
// barrierDelay), and a restart before then falls back to the checkpoint
// before it. Measured on Flink 1.20.5 under backpressure (the real tier,
// docs/rescale-cost.md): 5-7 s from trigger to completion at a 2 s
// interval. Like Flink with one concurrent checkpoint, the next is
// triggered an interval after this one's trigger or at its completion,
// whichever is later.
func (s *Sim) checkpoint() {
	s.nextCkpt = s.now + s.cfg.CheckpointInterval
	if p := s.cfg.CheckpointFailure; p > 0 && draw(&s.rnd.checkpoints) < p {
		s.stats.ckptFailed++
		return
	}
	d := s.barrierDelay()
	if d > checkpointTimeout {
		s.stats.ckptFailed++
		return
	}
	for _, i := range s.topo.sources {
		for k := range s.vs[i].src.parts {
			pt := &s.vs[i].src.parts[k]
			pt.pend = pt.pos
		}
	}
	s.ckptDue = s.now + max(d, s.tick)
}

// completeCheckpoint makes the checkpoint in progress the last completed.
func (s *Sim) completeCheckpoint() {
	for _, i := range s.topo.sources {
		for k := range s.vs[i].src.parts {
			pt := &s.vs[i].src.parts[k]
			pt.complete(pt.pend)
		}
	}
	s.ckptDue = 0
	s.stats.checkpoints++
}

// barrierDelay is how long a barrier injected at the sources now takes to
// reach the end of the job: at each vertex it waits behind the records
// already in its input buffer, which drain at the rate the vertex took
// records in during the last tick (its capacity, or less when it is
// backpressured; its capacity when it took in nothing), plus a tick per
// vertex, as records move one vertex per tick; the longest path counts.
func (s *Sim) barrierDelay() time.Duration {
	at := make([]float64, len(s.vs)) // seconds until the barrier has passed vertex i
	worst := 0.0
	for i := range s.vs { // in topological order: inputs first
		v := &s.vs[i]
		if v.src != nil {
			continue // the barrier starts here
		}
		rate := v.rate
		if rate <= 0 { // nothing taken in last tick (the first after a start): its capacity
			rate = v.capacity
		}
		for _, u := range s.topo.ins[i] {
			at[i] = max(at[i], at[u])
		}
		at[i] += s.tick.Seconds()
		if v.buf > 0 && rate > 0 {
			at[i] += v.buf / rate
		}
		worst = max(worst, at[i])
	}
	return time.Duration(min(worst, 2*checkpointTimeout.Seconds()) * float64(time.Second))
}
