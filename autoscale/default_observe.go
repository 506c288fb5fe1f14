package autoscale

import (
	"fmt"
	"math"
	"time"
)

// figs are one vertex's figures in one observation, NaN where missing;
// lag is a source's lag in seconds (its TimeLag, else its backlog over its
// arrival rate).
type figs struct {
	in, out, busy, bp, backlog, lag float64
	// rate is the records-in rate over the window that ended with these
	// figures (dwindow.counterRate, set once per observation), NaN when
	// unknown.
	rate float64
}

// vsnap is a vertex's figures in an earlier observation of the run.
type vsnap struct {
	t time.Time
	f figs
}

// dwindow is what the current observation's counters are compared with:
// per vertex, its figures in the latest earlier observation of the same
// run that had them, or else the restart (counters start from zero then).
type dwindow struct {
	t      time.Time
	prev   map[string]vsnap
	runAge float64 // seconds since the restart; 0 when unknown
}

// span returns a vertex's earlier figures and the seconds since them, or,
// without them, the seconds since the restart (sinceRestart).
func (w dwindow) span(id string) (prev figs, dt float64, sinceRestart bool) {
	if p, ok := w.prev[id]; ok {
		return p.f, w.t.Sub(p.t).Seconds(), false
	}
	return figs{busy: math.NaN(), bp: math.NaN(), backlog: math.NaN(), lag: math.NaN(), rate: math.NaN()}, w.runAge, true
}

// rate is a counter's rate over the vertex's window, NaN when unknown.
func (w dwindow) rate(id string, cur float64, f func(figs) float64) float64 {
	prev, dt, _ := w.span(id)
	if dt <= 0 {
		return math.NaN()
	}
	return (cur - f(prev)) / dt
}

// counterRate is the rate of a vertex's records-in counter over its
// window, NaN when unknown or when the counter went down: it was reset (a
// failover restarts the subtasks' counters while the job keeps running
// since the same time), and what it counted over the window is unknown.
func (w dwindow) counterRate(id string, cur float64) float64 {
	if r := w.rate(id, cur, figIn); r >= 0 {
		return r
	}
	return math.NaN()
}

func figIn(f figs) float64      { return f.in }
func figBacklog(f figs) float64 { return f.backlog }

// figsOf reads a vertex's figures.
func figsOf(v Vertex) figs {
	f := figs{in: nan(v.RecordsIn), out: nan(v.RecordsOut), busy: nan(v.Busy), bp: nan(v.Backpressured),
		backlog: math.NaN(), lag: math.NaN(), rate: math.NaN()}
	if v.Source != nil {
		f.backlog = nan(v.Source.Backlog)
		f.lag = nan(v.Source.TimeLag)
		if out, lag, n := stalledOut(*v.Source); n > 0 {
			f.backlog, f.lag = max(0, f.backlog-out), lag
		}
	}
	return f
}

// stalledRecords returns the records left out of v's sizing and on how
// many stalled partitions (n 0: none).
func stalledRecords(v Vertex) (records float64, n int) {
	if v.Source == nil {
		return 0, 0
	}
	records, _, n = stalledOut(*v.Source)
	return records, n
}

// stalledOut returns what a source's stalled partitions hold, to be left
// out of its sizing (their records, the time lag of the others, and how
// many they are), or n 0 when nothing is left out: no partition is
// stalled, every evaluated one is (a job-wide stall, not a poison record:
// the figures stand as they are), or a figure needed is missing.
func stalledOut(s Source) (records, lag float64, n int) {
	h := s.Health
	if h.Stalled <= 0 || h.Stalled >= h.Evaluated {
		return 0, 0, 0
	}
	records, okR := h.StalledBacklog.NonNegative().Get()
	lag, okL := h.MovingTimeLag.NonNegative().Get()
	if _, okB := s.Backlog.NonNegative().Get(); !okR || !okL || !okB {
		return 0, 0, 0
	}
	return records, lag, h.Stalled
}

// srcView is what one decision knows of a source's input.
type srcView struct {
	// arrival is the records/s arriving now, how says how it was measured,
	// why why it is unknown (arrival NaN).
	arrival  float64
	how, why string
	// level is the level the job must sustain: the trend line's value now
	// (see trend.fit), or, until the trend window holds four
	// measurements, the mean of the rates over the last sustain window.
	// noise is the rates' spread around the trend line. base is the rate the job is sized from: the level,
	// or the latest rate when it lies more than three times the noise
	// away from the level (a step up or down, which noise hardly makes).
	level, noise, base float64
	levelHow           string
	// slope is the arrival rate's trend (records/s per second), 0 when over
	// the trend window it rises or falls by no more than three times the
	// noise;
	// trended says whether there was enough history to measure it.
	slope   float64
	trended bool
	// backlog is the records waiting, lag the age of the oldest in seconds;
	// grow is the backlog's growth (records/s) since the last observation
	// of the run, NaN when unknown.
	backlog, lag, grow float64
}

// arrival measures what arrives at source v: within a run, records read
// plus backlog growth between two observations; and, once the lag is at
// least half a metric refresh (a source that keeps up lags by about its
// poll interval, far less), the backlog over the lag (the records waiting
// arrived within the lag, so that is their mean arrival rate over it: the
// freshest figure, and the only one in the first observation after a
// restart). The larger is taken: each is a lower bound of the rate now
// while it rises. A source without Source information reads no Kafka and
// has no backlog.
func (d *Default) arrival(v Vertex, cur figs, w dwindow) srcView {
	sv := srcView{arrival: math.NaN(), backlog: cur.backlog, lag: cur.lag, grow: math.NaN()}
	if v.Source == nil {
		sv.backlog, sv.lag = 0, 0
		sv.arrival = cur.rate
		_, dt, _ := w.span(v.ID)
		switch {
		case !math.IsNaN(sv.arrival):
			sv.how = fmt.Sprintf("records read over the last %s (no Kafka backlog)", dur(dt))
		case math.IsNaN(cur.in):
			sv.why = "its " + named("records-in counter", v.RecordsIn) + " is missing"
		case dt <= 0:
			sv.why = "nothing earlier in this run to measure its records-in counter's rate against"
		default:
			sv.why = "its records-in counter went down since the last observation (reset by a failover), so its rate is unknown"
		}
		return sv
	}
	if math.IsNaN(cur.backlog) {
		sv.why = "its " + named("backlog", v.Source.Backlog) + " is missing"
		return sv
	}
	if _, dt, sinceRestart := w.span(v.ID); !sinceRestart {
		in, grow := cur.rate, w.rate(v.ID, cur.backlog, figBacklog)
		sv.grow = grow
		if a := max(0, in+grow); !math.IsNaN(in + grow) {
			sv.arrival, sv.how = a, fmt.Sprintf("%s rec/s read plus %s rec/s of backlog growth over the last %s", num(in), num(grow), dur(dt))
		}
	}
	if !math.IsNaN(cur.lag) && cur.lag >= d.o.refresh.Seconds()/2 {
		if a := cur.backlog / cur.lag; math.IsNaN(sv.arrival) || a > sv.arrival {
			sv.arrival, sv.how = a, fmt.Sprintf("%s records waiting over a lag of %s s", num(cur.backlog), num(cur.lag))
		}
	}
	_, _, sinceRestart := w.span(v.ID)
	switch {
	case math.IsNaN(sv.arrival) && math.IsNaN(cur.in):
		sv.why = "its " + named("records-in counter", v.RecordsIn) + " is missing"
	case math.IsNaN(sv.arrival) && !sinceRestart:
		sv.why = "its records-in counter went down since the last observation (reset by a failover), so its rate is unknown"
	case math.IsNaN(sv.arrival):
		sv.why = fmt.Sprintf("this is the first observation since the restart and its lag (%s s) is too short to measure arrivals by", num(cur.lag))
	case math.IsNaN(sv.lag) && sv.backlog <= 0:
		sv.lag = 0
	case math.IsNaN(sv.lag):
		sv.lag = sv.backlog / sv.arrival // the backlog's time (unbounded when nothing arrives) without Kafka's time lag
	}
	return sv
}

// steady reports whether a vertex's window can be trusted to measure
// capacity: it lies between two observations of the run (a window from the
// restart includes the time the tasks spent restoring state and the
// records spent reaching the vertex, and so reads low), and its pipeline's
// sources had a backlog at both ends (every vertex ran as fast as the
// slowest let it), or were caught up at both ends and the vertex's own load
// changed by less than a tenth, in busy time and in the rate records came
// in at over this window and the one before. Flink's busy time is the
// average of its last 5 s, served from the JobManager's metric cache, and
// the rate is over the window between two observations: when the load
// steps, one moves before the other and their ratio reads the capacity
// wrong (measured on the real stack: a rate dropping by a third at the end
// of a trace, with the busy time still the old one's, read a third of the
// true capacity).
func (d *Default) steady(w dwindow, id string, cur figs, sources []string, now map[string]*srcView) bool {
	prev, _, sinceRestart := w.span(id)
	if sinceRestart {
		return false
	}
	caughtUp, backlogged := true, true
	limit := d.o.refresh.Seconds()
	for _, s := range sources {
		sv := now[s]
		lagNow, lagPrev := waits(sv.lag, sv.backlog, sv.base), math.NaN()
		if p, ok := w.prev[s]; ok {
			lagPrev = waits(p.f.lag, p.f.backlog, sv.base)
		}
		caughtUp = caughtUp && lagNow < limit && lagPrev < limit
		backlogged = backlogged && lagNow >= limit && lagPrev >= limit
	}
	if backlogged || !caughtUp {
		return backlogged
	}
	return math.Abs(cur.busy-prev.busy) <= 0.1*max(prev.busy, cur.busy) &&
		math.Abs(cur.rate-prev.rate) <= 0.1*max(prev.rate, cur.rate)
}

// backlogged reports whether every source listed has had records waiting
// for at least a metric refresh (see waits).
func (d *Default) backlogged(sources []string, now map[string]*srcView) bool {
	for _, s := range sources {
		sv := now[s]
		if !(waits(sv.lag, sv.backlog, sv.base) >= d.o.refresh.Seconds()) {
			return false
		}
	}
	return len(sources) > 0
}

// waits is how long records have waited at a source as both its lag and
// its backlog say: the smaller of its time lag and its backlog over the
// rate records arrive at. A lag read through committed offsets (committed
// at checkpoints) runs ahead of what the source has read; the backlog, at
// the source's position, does not.
func waits(lag, backlog, rate float64) float64 {
	if rate > 0 && !math.IsNaN(backlog) {
		return min(lag, backlog/rate)
	}
	return lag
}

// measure adds vertex v's capacity in this window to its model: its input
// rate over its busy fraction is what it could take in, and the busiest
// subtask's share turns that into one subtask's capacity. A source with a
// backlog is never idle: it reads flat out or is backpressured, so its
// capacity is its rate over the time it is not backpressured, whatever its
// busy time says (some sources report too little, legacy ones none).
// After a scale-up of v, the first measurement at its new parallelism
// tells whether the scale-up raised its capacity (see effective).
func (d *Default) measure(v Vertex, keyed bool, cur figs, w dwindow, sources []string, now map[string]*srcView) {
	rate := cur.rate
	if _, dt, _ := w.span(v.ID); math.IsNaN(rate) || rate <= 0 || dt < d.o.refresh.Seconds() {
		return
	}
	if !d.steady(w, v.ID, cur, sources, now) {
		return
	}
	backlogged := d.backlogged(sources, now)
	busy, exact := cur.busy, false
	if v.Source != nil && backlogged && !math.IsNaN(cur.bp) {
		busy, exact = max(1-cur.bp, nanOr(cur.busy, 0)), true
	}
	if math.IsNaN(busy) {
		return
	}
	busy = max(0, busy)
	tpr := rate / (busy + busyResolution)
	m := d.st.caps[v.ID]
	if m == nil {
		m = &capModel{}
		d.st.caps[v.ID] = m
	}
	p := v.Parallelism
	if why := m.add(w.t, p, tpr*maxShare(v, keyed, p, backlogged), exact, busy); why != "" {
		delete(d.st.upFrom, v.ID)
		return
	}
	if up, ok := d.st.upFrom[v.ID]; ok && up.to == p && m.measured(up.from) && m.samples(p) >= verifySamples {
		delete(d.st.upFrom, v.ID)
		d.effective(w.t, v, keyed, m, up.from)
	}
}

// upCheck is a scale-up not yet verified: from and to which parallelism,
// for what demand (the need it was sized for), decided when.
type upCheck struct {
	from, to int
	need     float64
	at       time.Time
}

// verifySamples is how many measurements at its new parallelism verify a
// scale-up: one may be spoilt (a stale sample at an end of its window).
const verifySamples = 2

// verifying reports whether vertex v runs at the parallelism Default last
// scaled it up to and that is not yet verified, for at most three sustain
// windows after the decision (the measurements may never come: a vertex
// whose load keeps changing). A vertex is not scaled up again before that
// unless its demand (react) has outgrown what it was sized for: a
// measurement, not the demand, would be the reason, and one measurement
// may be spoilt.
func (d *Default) verifying(v Vertex, t time.Time, react float64) bool {
	up, ok := d.st.upFrom[v.ID]
	if ok && t.Sub(up.at) > 3*d.sustain() {
		delete(d.st.upFrom, v.ID)
		return false
	}
	return ok && v.Parallelism == up.to && !(react > up.need)
}

// effective checks a scale-up of v from parallelism from to its current
// one, now measured at both: when the capacity gained is less than a tenth
// of what the smaller share of the busiest subtask promised, more subtasks
// do not help it (a hot partition, a limit outside the job), and Default
// stops scaling it above from for two trend windows.
func (d *Default) effective(t time.Time, v Vertex, keyed bool, m *capModel, from int) {
	c, p := m.curve(), v.Parallelism
	before, after := c.capacity(v, keyed, from), c.capacity(v, keyed, p)
	promised := maxShare(v, keyed, from, false)/maxShare(v, keyed, p, false) - 1
	if after/before-1 < ineffectiveGain*promised {
		m.stop = &ineffective{from: from, to: p, before: before, at: after, when: t}
	}
}

// missing says which figures Default needs of v are missing now (see
// missingFigures), except a source's busy time while its backpressured
// time is there: what it reads while it has a backlog measures it then.
func (d *Default) missing(v Vertex) string {
	if v.Source != nil && math.IsNaN(nan(v.Busy)) && !math.IsNaN(nan(v.Backpressured)) {
		u := v
		u.Busy = Of(0)
		return missingFigures(u)
	}
	return missingFigures(v)
}

func nanOr(x, def float64) float64 {
	if math.IsNaN(x) {
		return def
	}
	return x
}

// ratioKey names an edge.
type ratioKey struct{ from, to string }

// learnRatios updates the records each edge carries per record into its
// upstream vertex: from's records out over its records in when the edge is
// from's only output and both are known, else to's records in over from's
// when from is to's only input, else from's records out over its records
// in; from the
// counters since the restart, once the run is ten metric refreshes old (so
// that the buffers filled at the start weigh little), or when nothing is
// known yet.
//
// What from sent and to has not yet taken in is in flight: in network
// buffers, which hold thousands of records, and ahead of them in a Kafka
// source's fetch queue. While to falls behind, that grows for tens of
// seconds before from is backpressured (measured on the real stack: 160
// rec/s for a whole 40 s spike, with the source's backlog at 0), and to's
// records in over from's reads as a filter that drops what to could not
// yet process: its demand falls to what it already processes, and the
// vertex that cannot keep up is never scaled. from's own counters carry no
// records in flight, so they are used wherever they measure the edge
// alone.
func (d *Default) learnRatios(obs Observation, cur map[string]figs, runAge float64) {
	for _, e := range obs.Edges {
		k := ratioKey{e.From, e.To}
		if _, known := d.st.ratios[k]; known && runAge < 10*d.o.refresh.Seconds() {
			continue
		}
		from, to := cur[e.From], cur[e.To]
		r := from.out / from.in
		if (len(obs.Outputs(e.From)) > 1 || math.IsNaN(r)) && len(obs.Inputs(e.To)) == 1 {
			r = to.in / from.in
		}
		if from.in > 0 && !math.IsNaN(r) && !math.IsInf(r, 0) {
			d.st.ratios[k] = r
		}
	}
}

// dur renders seconds as a duration for a reason: whole seconds, or
// tenths below 10 s (a job on a compressed time scale); "forever" for
// infinite or absurdly long times (beyond what a time.Duration holds, so
// never a wrapped-around negative), "an unknown time" for NaN.
func dur(secs float64) string {
	switch {
	case math.IsNaN(secs):
		return "an unknown time"
	case secs >= float64(math.MaxInt64/int64(time.Second)):
		return "forever"
	case secs <= -float64(math.MaxInt64/int64(time.Second)):
		return "-forever"
	}
	d := time.Duration(secs * float64(time.Second))
	if d < 10*time.Second {
		return d.Round(time.Second / 10).String()
	}
	return d.Round(time.Second).String()
}
