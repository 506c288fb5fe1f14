package autoscale

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// OperatorCompatible is a Policy that models the Apache Flink Kubernetes
// operator's autoscaler (flink-autoscaler) with its defaults, as the
// baseline other policies are measured against. It models the operator,
// not an improvement of it: its documented weaknesses (20 minutes before
// the first decision after any restart, over-eager scale-down of idle
// vertices, alignment that blocks a scale) are kept.
//
// Each Decide records the observation in a window, then, as the operator:
//
//   - decides nothing while the job is not running, for Stabilization after
//     it switched to RUNNING, and until the window holds MetricsWindow of
//     observations taken after that (so the first decision comes 20 min
//     after any restart by default);
//   - derives per vertex, rates from the first and last observations of
//     the window and averages over all of them, the input rate, the true
//     processing rate (TPR = input rate / mean busy fraction; +Inf without
//     input; a source's observed rate while catching up when the busy-time
//     one is 15% higher), the target rate (a source's input rate plus its
//     backlog growth; downstream, the inputs' target rates times the
//     edges' output ratios) and the catch-up rate (backlog / 30 min,
//     propagated likewise);
//   - sizes each vertex for target capacity = catch-up + target x 5 min /
//     30 min + target / 0.7; the factor capacity / TPR, clamped to [0.4,
//     100001], times the parallelism p, rounded up and clamped to
//     [min(p, 1), min(MaxParallelism, max(p, 200))], then aligned to a
//     divisor of the source's partitions or of the key groups behind a
//     keyBy (searching up to the partitions on a scale-up, up to p on a
//     scale-down, else falling back to the fewest subtasks for the same
//     share, and staying at p when no value keeps the direction);
//   - delays a scale-down until it was first recommended an hour ago, then
//     takes the largest recommendation of the last hour (a recommendation
//     at p, or a scale-up, cancels it);
//   - rescales all vertices at once, and only when some vertex that changes
//     is outside its utilization bounds [0.4, 1.0] (capacities at those
//     utilizations, the upper one without the restart term), or [0, 1]
//     while some source's backlog exceeds 5 min of its input.
//
// Each vertex's reason gives the figures. Not modelled, all off or inert
// by default in the operator: ineffective-scale-up detection, tracked
// restart times, observed scalability, memory tuning and the GC and heap
// vetoes, quotas and cluster-resource checks, excluded periods and
// excluded vertices, alignment modes other than EVENLY_SPREAD; busy time
// is aggregated by MAX only.
//
// Deviations, all so that no decision rests on a missing figure: a
// negative figure counts as missing; a rate or average is missing when the
// newest observation lacks the figure, though the operator would use the
// older ones; a record counter's rate is missing while the window holds a
// reset of it (the counter went down: a failover restarts the subtasks'
// counters while the job keeps running since the same time), where the
// operator would take a negative rate; a Kafka source's missing backlog
// is missing, not 0 (the source and everything it feeds keep their
// parallelism, and the backlog mode counts as on, which can only stop a
// scale-down), while a source without Source information has no backlog
// (0, as in the operator); a vertex whose own metrics are missing keeps
// its parallelism. Also: the input rate that gives a source's observed TPR
// is the counter's rate since the previous observation (Flink's
// numRecordsInPerSecond is not in an Observation), and its backpressure is
// the busiest subtask's (the operator averages); a delayed scale-down
// survives a restart only if the vertex's parallelism did not change.
//
// The zero OperatorCompatible uses the defaults. It is safe for concurrent
// use (calls are serialised), but it keeps one job's history: use one per
// job. A change of Observation.Job forgets everything; a change of
// LastRestart, vertices, edges or parallelism starts a new window. An
// observation taken before the latest one given, running or not, is stale
// and ignored.
type OperatorCompatible struct {
	mu    sync.Mutex
	o     opts
	ready bool

	seen      string    // the job of the latest observation given
	latest    time.Time // when that observation was taken
	job       string
	restart   time.Time
	firstSeen time.Time
	topology  string
	win       window
	pending   map[string]*pending
}

var _ Policy = (*OperatorCompatible)(nil)

// NewOperatorCompatible returns the operator's policy configured by cfg.
// Errors wrap ErrInvalidConfig.
func NewOperatorCompatible(cfg OperatorCompatibleConfig) (*OperatorCompatible, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &OperatorCompatible{o: cfg.resolve(), ready: true, pending: map[string]*pending{}}, nil
}

// Decide implements Policy. It returns an error wrapping
// ErrInvalidObservation for a malformed observation, and otherwise a
// decision with a target and a reason for every vertex.
func (p *OperatorCompatible) Decide(now time.Time, obs Observation) (Decision, error) {
	if err := obs.Validate(); err != nil {
		return Decision{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ready {
		p.o, p.ready, p.pending = OperatorCompatibleConfig{}.resolve(), true, map[string]*pending{}
	}
	if why := p.stale(now, obs); why != "" {
		return Keep(now, obs, why), nil
	}
	if !obs.Running {
		return Keep(now, obs, "operator: the job is not running, so nothing is decided"), nil
	}
	p.track(now, obs)
	if why := p.gate(now); why != "" {
		return Keep(now, obs, why), nil
	}
	return p.execute(now, obs), nil
}

// track records obs, first starting a new window if the job, its restart
// or its topology changed.
func (p *OperatorCompatible) track(now time.Time, obs Observation) {
	t := obs.Time
	if t.IsZero() {
		t = now
	}
	topo := topologyKey(obs)
	if p.firstSeen.IsZero() || p.job != obs.Job || !p.restart.Equal(obs.LastRestart) || p.topology != topo {
		p.reset(obs, t, topo)
	}
	p.win.add(t, obs, p.o)
}

// stale says why obs is older than the latest observation of its job
// given before, running or not (its figures are ones the job has moved
// past), and otherwise records when obs was taken.
func (p *OperatorCompatible) stale(now time.Time, obs Observation) string {
	t := obs.Time
	if t.IsZero() {
		t = now
	}
	if p.seen == obs.Job && t.Before(p.latest) {
		return fmt.Sprintf("operator: the observation taken at %s is older than the one before (%s), so it is ignored",
			hms(t), hms(p.latest))
	}
	p.seen, p.latest = obs.Job, t
	return ""
}

// reset starts a new window. Delayed scale-downs survive only for the
// same job and for vertices whose parallelism did not change.
func (p *OperatorCompatible) reset(obs Observation, t time.Time, topo string) {
	if p.job != obs.Job {
		clear(p.pending)
	}
	for id, pd := range p.pending {
		if v, ok := obs.Vertex(id); !ok || v.Parallelism != pd.parallelism {
			delete(p.pending, id)
		}
	}
	p.job, p.restart, p.firstSeen, p.topology = obs.Job, obs.LastRestart, t, topo
	p.win = window{}
}

// topologyKey identifies the vertices, their parallelism and the edges.
func topologyKey(obs Observation) string {
	var b strings.Builder
	for _, v := range obs.Vertices {
		fmt.Fprintf(&b, "%q:%d,", v.ID, v.Parallelism)
	}
	for _, e := range obs.Edges {
		fmt.Fprintf(&b, "%q>%q:%t,", e.From, e.To, e.Keyed)
	}
	return b.String()
}

// gate applies the operator's stabilization and full-window rules, and
// trims the window. It returns why nothing is decided yet.
func (p *OperatorCompatible) gate(now time.Time) string {
	restart := p.restart
	if restart.IsZero() {
		restart = p.firstSeen // no RUNNING time given: count from the first observation
	}
	stable := restart.Add(p.o.stabilization)
	if now.Before(stable) {
		return fmt.Sprintf("operator: stabilizing after the restart at %s until %s (%v)", hms(restart), hms(stable), p.o.stabilization)
	}
	full := now.Add(p.o.window)
	if i := slices.IndexFunc(p.win.samples, func(s sample) bool { return !s.t.Before(stable) }); i >= 0 {
		full = p.win.samples[i].t.Add(p.o.window)
	}
	if now.Before(full) {
		return fmt.Sprintf("operator: collecting metrics; the %v window is full at %s", p.o.window, hms(full))
	}
	p.win.trim(now.Add(-p.o.window))
	if len(p.win.samples) < 2 {
		return fmt.Sprintf("operator: fewer than 2 observations in the last %v, so no rate can be formed (call Decide more often)", p.o.window)
	}
	return ""
}

// execute evaluates the window and applies the operator's ScalingExecutor:
// every vertex's recommendation, then all changes at once if any changing
// vertex is outside its utilization bounds.
func (p *OperatorCompatible) execute(now time.Time, obs Observation) Decision {
	je := p.evaluate(obs)
	if je.fatal != "" {
		return Keep(now, obs, "operator: "+je.fatal)
	}
	d := Decision{Time: now, Targets: map[string]int{}, Reasons: map[string]string{}, Capacity: map[string]Value{}}
	var changes []string
	outside := false
	for _, v := range obs.Vertices {
		d.Capacity[v.ID] = je.vertices[v.ID].capacity()
		out := p.vertexOutcome(now, obs, v, je.vertices[v.ID])
		d.Targets[v.ID], d.Reasons[v.ID] = out.target, out.text
		if out.target != v.Parallelism {
			changes = append(changes, fmt.Sprintf("%s %d->%d", v.ID, v.Parallelism, out.target))
			outside = outside || out.outside
		}
	}
	switch {
	case len(changes) == 0:
		d.Summary = "operator: every vertex runs at its target parallelism"
	case !outside:
		d.Summary = fmt.Sprintf("operator: %s would change, but every changing vertex is within its utilization bounds, so nothing changes", strings.Join(changes, ", "))
		for _, v := range obs.Vertices {
			if d.Targets[v.ID] != v.Parallelism {
				d.Targets[v.ID] = v.Parallelism
				d.Reasons[v.ID] += fmt.Sprintf("; but no changing vertex is outside its bounds, so it keeps %d", v.Parallelism)
			}
		}
	default:
		d.Summary = "operator: rescales " + strings.Join(changes, ", ")
		clear(p.pending)
		for _, v := range obs.Vertices {
			if t := d.Targets[v.ID]; t != v.Parallelism {
				d.Reasons[v.ID] += fmt.Sprintf("; rescales from %d to %d", v.Parallelism, t)
			}
		}
	}
	if je.backlog || je.backlogUnknown {
		d.Summary += fmt.Sprintf(" (backlog mode, bounds [0, 1]: %s)", je.why)
	}
	d.Size(obs)
	return d
}
