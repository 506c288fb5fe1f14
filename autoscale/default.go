package autoscale

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// Default is the package's own Policy for Flink jobs reading Kafka. It
// sizes every vertex for what must be drained by when (the arrival rate,
// its trend, and the backlog), pays for a restart only when that is worth
// it, decides again within one call of a restart, keeps each pipeline of a
// multi-pipeline job at its own size, and explains every decision.
//
// # What it measures
//
// Each call compares the observation with the previous one of the same run
// (counters start from zero at every restart):
//
//   - A source's arrival rate: the records it read plus its backlog's
//     growth between the two; and, once its lag is at least half
//     MetricRefresh, its backlog over its lag (those records arrived within
//     the lag, so this is their mean arrival rate: the freshest figure, and
//     the one available a single call after a restart). It takes the
//     larger. The rate's trend is the Theil-Sen median slope over
//     TrendWindow, which a short burst hardly moves.
//   - A vertex's capacity: its input rate over its busy fraction, in
//     windows where that is meaningful: between two observations of a run
//     (a window from the restart reads low, as tasks restore state and
//     records take time to reach the vertex), while the pipeline had a
//     backlog at both ends or was caught up at both ends under a steady
//     load. Busy time
//     is the busiest subtask's, so the figure is turned into one subtask's
//     capacity by that subtask's share: ceil(N/p) of a source's N partitions,
//     ceil(K/p) of K key groups behind a keyBy, else 1/p. A source with a
//     backlog is never idle, so its capacity is at most its rate over the
//     time it is not backpressured, whatever busy time it reports (some
//     report too little while their lag grows). Capacities are kept
//     per parallelism across restarts (the median of the last five, so one
//     spoilt window is outvoted); between measured parallelisms a power law
//     interpolates, above them the largest two give the scaling exponent
//     (sub-linear scaling is common; 0.9 until they are far enough apart),
//     and below them a subtask is assumed to do no better than at the
//     fewest measured: both err towards more subtasks.
//   - Each edge's ratio of records out to records in (from the counters
//     since the restart), to carry demand through the graph.
//
// # What it decides
//
// Demand flows from the sources through the edges' ratios. Each vertex is
// sized at the smallest parallelism whose capacity, limited by its busiest
// subtask, covers both the demand projected over the horizon at
// TargetUtilization and the demand now plus draining, within CatchUpTime,
// the backlog a rescale would start with (what waits, plus the restart's
// downtime and half a checkpoint interval of replay). Raising p without
// lowering ceil(N/p) buys nothing, so sizes align to partitions and key
// groups by construction, without wasting slots on divisors of 128. The
// horizon of a rising trend balances a restart against provisioning ahead:
// with relative growth g, a step of h wastes g x h^2 / 2 of the job's
// slot-time and a restart costs RestartCost, so h = sqrt(2 x RestartCost /
// g), within [the reaction time, MaxHorizon]; a falling trend is sized for
// now.
//
// A pipeline (vertices joined by edges or by a slot-sharing group) must
// scale up when some vertex cannot keep up with the demand expected before
// a new configuration could run (one call period plus RestartDowntime
// ahead), or when a source's lag is above LagSLO and would take longer
// than CatchUpTime to drain. Scale-up triggers at utilization 1 and sizes
// at TargetUtilization: that band is the hysteresis that keeps a job near
// its size from flapping.
//
// Scaling down is a rent-or-buy choice: keeping surplus slots is renting,
// a restart is buying. Default accumulates the slot-time the job wastes
// against its sizes (while it is over-provisioned and nothing is urgent)
// and rescales once that reaches the cost of a restart, RestartCost times
// the job's slots. Without knowing how long demand will stay low, this
// never pays more than twice what the best choice in hindsight would, the
// classic bound of rent or buy; and
// the sizes it goes to already include the rising trend and the headroom,
// so a dip does not trigger it, nor does a job that merely fluctuates.
//
// A rescale restarts the whole job, so when one pipeline forces one, every
// pipeline goes to its own size at once (piggybacking), and a scale-down
// weighs the whole job's waste. Pipelines otherwise scale independently.
//
// # Against the operator's autoscaler
//
// OperatorCompatible waits 20 minutes after every restart, sizes at 0.7
// utilization (about 1.6 times the input rate once it has scaled), aligns
// to divisors of the key groups, delays scale-downs by an hour and then
// takes its largest recommendation, and sizes a burst for the rate it has
// seen. Default decides a call after a restart from the capacity it kept
// and the backlog over the lag, sizes at 0.9 with headroom that drains the
// restart, takes the fewest subtasks for the busiest one's share, scales
// down when the waste pays for the restart, and sizes a burst for its
// arrival rate measured from the backlog, plus its drain.
//
// # Figures
//
// Default never acts on a missing figure (a negative one counts as
// missing): a vertex whose records in, busy time or (for a source) backlog
// is missing keeps its parallelism, and so does everything whose demand
// depends on a source whose arrival rate is unknown; a vertex whose
// capacity was never measured keeps its parallelism unless nothing arrives
// for it. A records-in counter that went down since the last observation
// was reset (a failover restarts the subtasks' counters while the job keeps
// running since the same time): its rate over that window is unknown. An
// observation not newer than the one before is ignored. Kafka's TimeLag is used when
// present; without it the backlog's time is its size over the arrival
// rate. Rates come from counters at both ends of a window, so the metric
// cache's delay, the same at both ends, cancels out.
//
// The zero Default uses the defaults of DefaultConfig. Default is safe for
// concurrent use (calls are serialised), but it keeps one job's history:
// use one per job. A change of Observation.Job, of the vertices or of the
// edges forgets everything.
type Default struct {
	mu    sync.Mutex
	o     defaultOpts
	ready bool
	st    defaultState
}

var _ Policy = (*Default)(nil)

// defaultState is what Default remembers between calls.
type defaultState struct {
	job, shape string
	run        time.Time // LastRestart of the current run
	par        string    // its parallelism
	prev       map[string]vsnap
	lastCall   time.Time
	period     time.Duration // between the last two calls
	trends     map[string]*trend
	caps       map[string]*capModel
	ratios     map[ratioKey]float64
	waste      float64 // slot-seconds wasted since wasteFrom
	wasteAt    time.Time
	wasteFrom  time.Time
}

// NewDefault returns a Default configured by cfg. Errors wrap
// ErrInvalidConfig.
func NewDefault(cfg DefaultConfig) (*Default, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Default{o: cfg.resolve(), ready: true}, nil
}

// Decide implements Policy. It returns an error wrapping
// ErrInvalidObservation for a malformed observation, and otherwise a
// decision with a target and a reason for every vertex.
func (d *Default) Decide(now time.Time, obs Observation) (Decision, error) {
	if err := obs.Validate(); err != nil {
		return Decision{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.ready {
		d.o, d.ready = DefaultConfig{}.resolve(), true
	}
	t := obs.Time
	if t.IsZero() {
		t = now
	}
	w, why := d.track(t, obs)
	switch {
	case why != "":
		return Keep(now, obs, why), nil
	case !obs.Running:
		return Keep(now, obs, "default: the job is not running (it restarts or has stopped), so nothing is decided"), nil
	}
	cur, src := d.observe(obs, w)
	plans := d.plan(obs, cur, src, d.period()+d.o.downtime)
	pipes := pipelines(obs)
	for _, p := range pipes {
		p.lagging = d.lagUrgency(p, plans, src)
	}
	dec := d.choose(now, t, obs, pipes, plans)
	d.remember(t, obs, cur)
	return dec, nil
}

// track starts afresh for a new job or graph, measures the call period,
// and starts a new run when the job restarted or its parallelism changed.
// It returns the window the observation's counters cover, or why the
// observation is ignored.
func (d *Default) track(t time.Time, obs Observation) (dwindow, string) {
	st := &d.st
	if shape := shapeKey(obs); st.caps == nil || st.job != obs.Job || st.shape != shape {
		*st = defaultState{job: obs.Job, shape: shape, trends: map[string]*trend{}, caps: map[string]*capModel{},
			ratios: map[ratioKey]float64{}}
	}
	if !st.lastCall.IsZero() {
		if !t.After(st.lastCall) {
			return dwindow{}, fmt.Sprintf("default: the observation taken at %s is not newer than the one before (%s), so it is ignored",
				clock(t), clock(st.lastCall))
		}
		st.period = t.Sub(st.lastCall)
	}
	st.lastCall = t
	par := parallelismKey(obs)
	if !obs.Running || !obs.LastRestart.Equal(st.run) || par != st.par {
		if par != st.par {
			st.waste, st.wasteAt = 0, time.Time{}
		}
		st.run, st.par, st.prev = obs.LastRestart, par, map[string]vsnap{}
	}
	w := dwindow{t: t, prev: st.prev}
	if !obs.LastRestart.IsZero() && t.After(obs.LastRestart) {
		w.runAge = t.Sub(obs.LastRestart).Seconds()
	}
	return w, ""
}

// period is the time between calls: measured, else DecisionInterval.
func (d *Default) period() time.Duration {
	if d.st.period > 0 {
		return d.st.period
	}
	return d.o.interval
}

// observe reads the observation into figures, measures the sources'
// arrival rates and trends, and adds what the window tells of capacities
// and ratios to the model.
func (d *Default) observe(obs Observation, w dwindow) (map[string]figs, map[string]*srcView) {
	cur := make(map[string]figs, len(obs.Vertices))
	src := map[string]*srcView{}
	for _, v := range obs.Vertices {
		cur[v.ID] = figsOf(v)
		if len(obs.Inputs(v.ID)) > 0 {
			continue
		}
		sv := d.arrival(v, cur[v.ID], w)
		f := cur[v.ID]
		f.lag = sv.lag
		cur[v.ID] = f
		if !math.IsNaN(sv.arrival) {
			tr := d.st.trends[v.ID]
			if tr == nil {
				tr = &trend{}
				d.st.trends[v.ID] = tr
			}
			tr.add(w.t, sv.arrival, d.o.trendWindow)
			sv.slope, sv.trended = tr.slope(d.o.trendWindow)
		}
		src[v.ID] = &sv
	}
	for _, p := range pipelines(obs) {
		for _, id := range p.ids {
			v, _ := obs.Vertex(id)
			if missingFigures(v, cur[id]) == "" {
				d.measure(v, keyedInput(obs, id), cur[id], w, p.sources, src)
			}
		}
	}
	d.learnRatios(obs, cur, w.runAge)
	return cur, src
}

// remember keeps the figures of every vertex that has its counters, for
// the next call's window.
func (d *Default) remember(t time.Time, obs Observation, cur map[string]figs) {
	for _, v := range obs.Vertices {
		f := cur[v.ID]
		if math.IsNaN(f.in) || (v.Source != nil && math.IsNaN(f.backlog)) {
			continue
		}
		d.st.prev[v.ID] = vsnap{t: t, f: f}
	}
}

// shapeKey identifies the job's graph: vertices, their key groups, groups
// and partitions, and the edges.
func shapeKey(obs Observation) string {
	var b strings.Builder
	for _, v := range obs.Vertices {
		parts := 0
		if v.Source != nil {
			parts = v.Source.Partitions
		}
		fmt.Fprintf(&b, "%q/%d/%q/%d,", v.ID, v.MaxParallelism, v.SlotSharingGroup, parts)
	}
	for _, e := range obs.Edges {
		fmt.Fprintf(&b, "%q>%q:%t,", e.From, e.To, e.Keyed)
	}
	return b.String()
}

// parallelismKey identifies the job's parallelism.
func parallelismKey(obs Observation) string {
	var b strings.Builder
	for _, v := range obs.Vertices {
		fmt.Fprintf(&b, "%d,", v.Parallelism)
	}
	return b.String()
}
