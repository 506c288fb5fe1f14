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
// multi-pipeline job at its own size, and explains every decision. The
// package documentation says what it measures, what it decides, how it
// differs from OperatorCompatible and how it treats missing figures.
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
	recent     map[string]*recent // per source, arrivals over the last sustain window
	caps       map[string]*capModel
	ratios     map[ratioKey]float64
	waste      float64 // slot-seconds wasted since wasteFrom
	wasteAt    time.Time
	wasteFrom  time.Time
	paused     string // why the waste count is paused ("" when it is not)
	// running is the LastRestart of the latest running observation.
	running time.Time
	// rescaleAt is when Default last decided a rescale the job has not
	// yet restarted from (zero: none), and upFrom each vertex it scaled up
	// and has not yet verified the scale-up of (see effective).
	rescaleAt time.Time
	upFrom    map[string]upCheck
	// downtimes are the last restarts' measured downtimes: from the
	// decision to the job's RUNNING again.
	downtimes []time.Duration
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
	obs = d.unstale(t, obs)
	cur, src := d.observe(obs, w)
	plans := d.plan(obs, cur, src, d.period()+d.downtime())
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
		*st = defaultState{job: obs.Job, shape: shape, trends: map[string]*trend{}, recent: map[string]*recent{},
			caps: map[string]*capModel{}, ratios: map[ratioKey]float64{}, upFrom: map[string]upCheck{}}
	}
	if !st.lastCall.IsZero() {
		if !t.After(st.lastCall) {
			return dwindow{}, fmt.Sprintf("default: the observation taken at %s is not newer than the one before (%s), so it is ignored",
				hms(t), hms(st.lastCall))
		}
		st.period = t.Sub(st.lastCall)
	}
	st.lastCall = t
	d.restarted(obs)
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
		f := figsOf(v)
		f.rate = w.counterRate(v.ID, f.in)
		cur[v.ID] = f
		if len(obs.Inputs(v.ID)) > 0 {
			continue
		}
		sv := d.arrival(v, f, w)
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
			rc := d.st.recent[v.ID]
			if rc == nil {
				rc = &recent{}
				d.st.recent[v.ID] = rc
			}
			rc.add(w.t, sv.arrival, d.sustain())
			sv.level, sv.levelHow = rc.level(), fmt.Sprintf("the mean of the last %v", d.sustain())
			if _, noise, ok := tr.fit(sv.slope, w.t); ok && math.Abs(sv.slope)*d.o.trendWindow.Seconds() <= 3*noise {
				sv.slope = 0 // within what the noise makes of a slope
			}
			if at, noise, ok := tr.fit(sv.slope, w.t); ok {
				sv.level, sv.noise, sv.levelHow = at, noise, fmt.Sprintf("its trend line over the last %v now", d.o.trendWindow)
			}
			sv.base = d.base(sv, rc)
		}
		src[v.ID] = &sv
	}
	for _, p := range pipelines(obs) {
		for _, id := range p.Vertices {
			v, _ := obs.Vertex(id)
			if d.missing(v) == "" {
				d.measure(v, keyedInput(obs, id), cur[id], w, p.Sources, src)
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
