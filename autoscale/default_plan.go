package autoscale

import (
	"fmt"
	"math"
	"time"
)

// pipeline is a Pipeline as Default decides it.
type pipeline struct {
	Pipeline
	lagging string // why its lag alone makes it scale up now
}

// urgent reports whether p must scale up now.
func (p *pipeline) urgent(plans map[string]*vtxPlan) bool {
	if p.lagging != "" {
		return true
	}
	for _, id := range p.Vertices {
		if plans[id].urgent != "" {
			return true
		}
	}
	return false
}

// pipelines splits the job into its pipelines.
func pipelines(obs Observation) []*pipeline {
	ps := obs.Pipelines()
	out := make([]*pipeline, len(ps))
	for i, p := range ps {
		out[i] = &pipeline{Pipeline: p}
	}
	return out
}

// demand is what must flow into a vertex, in records/s: now (the latest
// arrival rate); the level it must sustain (the mean over the sustain
// window); the base it is sized from (the level, or the latest rate after
// a step beyond the noise) and the peak it must take at once (the base
// plus the noise); the base expected before a new configuration could
// run (react) and over the sizing horizon; and the extra rate
// that drains, within CatchUpTime, the backlog a rescale now would start
// with.
type demand struct {
	now, level, base, peak, react, horizon, drain float64
}

func (a demand) plus(b demand, ratio float64) demand {
	return demand{a.now + b.now*ratio, a.level + b.level*ratio, a.base + b.base*ratio, a.peak + b.peak*ratio,
		a.react + b.react*ratio, a.horizon + b.horizon*ratio, a.drain + b.drain*ratio}
}

// capped is the demand an upstream vertex can pass on when it can deliver
// at most c records/s: every rate capped at c, and the drain at what c
// leaves beyond the base.
func (a demand) capped(c float64) demand {
	return demand{min(a.now, c), min(a.level, c), min(a.base, c), min(a.peak, c), min(a.react, c), min(a.horizon, c),
		max(0, min(a.base+a.drain, c)-min(a.base, c))}
}

func unknownDemand() demand {
	n := math.NaN()
	return demand{n, n, n, n, n, n, n}
}

// vtxPlan is one vertex's evaluation.
type vtxPlan struct {
	v       Vertex
	keyed   bool
	missing string // why its own figures are missing
	dem     demand
	demWhy  string // why its demand is unknown
	curve   curve
	capNow  float64 // records/s it takes in at its parallelism (NaN unknown)
	need    float64 // the capacity it is sized for
	ideal   int     // the parallelism it is sized at
	reach   bool    // whether ideal's capacity reaches need
	urgent  string  // why it forces a scale-up
	src     *srcView
	stop    *ineffective // a scale-up that did not help: no more than stop.from
	// verifying is set while its last scale-up is not verified: no more
	// than its parallelism.
	verifying bool
	capped    string // which upstream vertex caps its demand ("" none)
	model     *capModel
}

// horizon is how far ahead a source's rising arrival rate is projected:
// the step length that balances the restart's cost against the slots
// provisioned ahead (a relative growth g costs g x h^2 / 2 of the job's
// slot-time over a step of h, a restart RestartCost: h = sqrt(2 x
// RestartCost / g)), within [the reaction time, MaxHorizon].
func (d *Default) horizon(sv *srcView, react time.Duration) time.Duration {
	if sv.slope <= 0 || !(sv.arrival > 0) {
		return react
	}
	g := sv.slope / sv.arrival
	h := time.Duration(math.Sqrt(2*d.restartCost().Seconds()/g) * float64(time.Second))
	return min(max(h, react), max(react, d.o.maxHorizon))
}

// sourceDemand is a source's demand: its base and the trend (what is
// expected before a new configuration could run, and for sizing), the base
// plus the noise (the peak it takes at once, the
// backlog absorbing swings beyond), and the drain of the backlog a rescale
// would start with (what waits, plus the base rate over the restart's
// downtime and half a checkpoint interval of replay).
func (d *Default) sourceDemand(sv *srcView, react time.Duration) demand {
	if math.IsNaN(sv.arrival) {
		return unknownDemand()
	}
	rise := max(0, sv.slope)
	restart := d.downtime().Seconds() + d.o.checkpoint.Seconds()/2
	return demand{
		now:     sv.arrival,
		level:   sv.level,
		base:    sv.base,
		peak:    sv.base + sv.noise,
		react:   sv.base + rise*react.Seconds(),
		horizon: sv.base + rise*d.horizon(sv, react).Seconds(),
		drain:   (sv.backlog + sv.base*restart) / d.o.catchUp.Seconds(),
	}
}

// plan evaluates every vertex of the job: its demand (propagated from the
// sources through the edges' ratios), its capacity now, the parallelism
// it would be sized at, and whether it forces a scale-up.
func (d *Default) plan(obs Observation, cur map[string]figs, src map[string]*srcView, react time.Duration) map[string]*vtxPlan {
	plans := make(map[string]*vtxPlan, len(obs.Vertices))
	for _, v := range obs.Vertices {
		vp := &vtxPlan{v: v, keyed: keyedInput(obs, v.ID), ideal: v.Parallelism, capNow: math.NaN(), need: math.NaN()}
		vp.missing = d.missing(v)
		if m := d.st.caps[v.ID]; m != nil {
			if m.stop != nil && obs.Time.Sub(m.stop.when) > 2*d.o.trendWindow {
				m.stop = nil // try again: the bottleneck may have moved
			}
			vp.model, vp.stop = m, m.stop
			vp.curve = m.curve()
			vp.capNow = vp.curve.capacity(v, vp.keyed, v.Parallelism)
		}
		d.propagate(obs, vp, plans, src, react)
		band, rising := d.band(obs, v.ID, src)
		d.size(vp, band, rising)
		plans[v.ID] = vp
	}
	return plans
}

// propagate sets a vertex's demand: a source's own, or the sum over its
// inputs of their demand times the edge's ratio, each capped at what the
// input can deliver at its size when that falls short of its own demand
// (more subtasks downstream of a bottleneck only idle).
func (d *Default) propagate(obs Observation, vp *vtxPlan, plans map[string]*vtxPlan, src map[string]*srcView, react time.Duration) {
	inputs := obs.Inputs(vp.v.ID)
	if len(inputs) == 0 {
		vp.src = src[vp.v.ID]
		vp.dem = d.sourceDemand(vp.src, react)
		if math.IsNaN(vp.dem.now) {
			vp.demWhy = fmt.Sprintf("its arrival rate is unknown: %s", src[vp.v.ID].why)
		}
		return
	}
	for _, e := range inputs {
		up := plans[e.From]
		ratio, known := d.st.ratios[ratioKey{e.From, e.To}]
		switch {
		case math.IsNaN(up.dem.now):
			vp.dem, vp.demWhy = unknownDemand(), fmt.Sprintf("the demand of %s is unknown", e.From)
			return
		case !known && up.dem.now+up.dem.horizon+up.dem.drain > 0:
			vp.dem, vp.demWhy = unknownDemand(), fmt.Sprintf("how many records %s passes on per record is not known yet", e.From)
			return
		}
		vp.dem = vp.dem.plus(up.passes(), ratio)
		if up.bounded() {
			vp.capped = e.From
		} else if up.capped != "" && vp.capped == "" {
			vp.capped = up.capped
		}
	}
}

// bounded reports whether the vertex cannot take all its demand at its
// size: it passes on what it can take.
func (vp *vtxPlan) bounded() bool {
	return !vp.reach && !math.IsNaN(vp.need) && len(vp.curve.p) > 0
}

// passes is the demand a vertex passes on: its own, capped at its
// capacity at its size when it is bounded.
func (vp *vtxPlan) passes() demand {
	if !vp.bounded() {
		return vp.dem
	}
	return vp.dem.capped(vp.curve.capacity(vp.v, vp.keyed, vp.ideal))
}

// size chooses the parallelism a vertex would get if the job rescaled now:
// the smallest whose capacity covers the demand projected over the horizon
// at the target utilization, the base plus draining the backlog a rescale
// would start with, and the peak (swings beyond it the backlog absorbs);
// never above where a scale-up stopped helping.
// It says whether the vertex forces a scale-up: it cannot keep up with the
// level expected before a new configuration could run, by more than the
// band (see band) or while the trend rises.
func (d *Default) size(vp *vtxPlan, band float64, rising bool) {
	if vp.missing != "" || math.IsNaN(vp.dem.now) {
		return
	}
	vp.need = max(vp.dem.horizon/d.o.utilization, vp.dem.base+vp.dem.drain, vp.dem.peak)
	limit := d.limit(vp.v)
	if vp.stop != nil {
		limit = min(limit, vp.stop.from)
	}
	if vp.verifying = d.verifying(vp.v, d.st.lastCall, vp.dem.react); vp.verifying {
		limit = min(limit, max(vp.v.Parallelism, 1))
	}
	switch {
	case vp.need <= 0:
		vp.ideal, vp.reach = 1, true
	case len(vp.curve.p) == 0:
		return // capacity never measured: keep
	default:
		vp.ideal, vp.reach = vp.curve.smallest(vp.v, vp.keyed, limit, vp.need)
	}
	if vp.capNow < vp.dem.react && (vp.capNow*(1+band) < vp.dem.react || rising) && !d.keepsUpUnproven(vp) {
		vp.urgent = fmt.Sprintf("at %s it takes in up to %s rec/s, less than the %s rec/s expected before a new configuration could run",
			plural(vp.v.Parallelism, "subtask"), num(vp.capNow), num(vp.dem.react))
	}
}

// keepsUpUnproven reports whether vp is a source whose capacity rests on
// busy time alone (never measured reading flat out) and that has no
// records waiting: it reads all that arrives, so a demand above that
// capacity proves it wrong rather than short. A source's busy time is
// biased both ways: a FLIP-27 source's reads low (its fetcher works off
// the task thread), and Beam's legacy source's does not fall with the rate
// (24-36% busy while reading nothing, measured on Beam 2.70.0 on Flink
// 1.19.3, docs/beam-fidelity.md), so that at 20 rec/s it reads a capacity
// of 66 rec/s for a source that takes 20,000. Such a source becomes urgent
// once records wait (its capacity is then measured exactly), or through
// the lag.
func (d *Default) keepsUpUnproven(vp *vtxPlan) bool {
	if vp.v.Source == nil || vp.src == nil || vp.model == nil || vp.model.exact() {
		return false
	}
	return !(waits(vp.src.lag, vp.src.backlog, vp.src.base) >= d.o.refresh.Seconds())
}

// limit is the most subtasks vertex v may get.
func (d *Default) limit(v Vertex) int {
	n := 1 << 15 // Flink's largest max parallelism
	if v.MaxParallelism > 0 {
		n = v.MaxParallelism
	}
	if v.Source != nil && v.Source.Partitions > 0 {
		n = min(n, v.Source.Partitions)
	}
	if d.o.maxParallelism > 0 {
		n = min(n, d.o.maxParallelism)
	}
	return max(n, 1)
}

// band is how far above a vertex's estimated capacity the level expected
// before a new configuration could run may lie before that alone makes it
// urgent, as a fraction: 5% (the estimate's own uncertainty: the busiest
// of several subtasks' noisy busy times reads high) plus the noise of its
// sources' rates relative to their level (a level over a few minutes of a
// noisy rate strays by about that). Within it only a rising trend makes it
// urgent; a swing that lasts shows in the lag (lagUrgency).
func (d *Default) band(obs Observation, id string, src map[string]*srcView) (band float64, rising bool) {
	if sv, ok := src[id]; ok {
		band = 0.05
		if sv.level > 0 {
			band += sv.noise / sv.level
		}
		return band, sv.slope > 0
	}
	for _, e := range obs.Inputs(id) {
		b, r := d.band(obs, e.From, src)
		band, rising = max(band, b), rising || r
	}
	return band, rising
}

// lagUrgency says why a source's lag makes the pipeline scale up now: a
// restart now would keep its lag within the SLO, but waiting for the next
// call would not (the lag grows at the rate the pipeline falls short, and
// a restart adds its downtime and half a checkpoint of replay); or it is
// over the SLO and would take longer than CatchUpTime
// to drain at the pipeline's capacity, and a rescale, its downtime
// included, would bring it under the SLO sooner. A rescale that would not
// (no size drains faster, or the restart costs more than it gains) is not
// urgent.
func (d *Default) lagUrgency(p *pipeline, plans map[string]*vtxPlan, src map[string]*srcView) string {
	slo := d.o.slo.Seconds()
	now, sized := math.Inf(1), math.Inf(1) // the pipeline's capacity over its base demand, as it is and at its sizes
	for _, id := range p.Vertices {
		vp := plans[id]
		if vp.dem.base > 0 && !math.IsNaN(vp.capNow) {
			now = min(now, vp.capNow/vp.dem.base)
			sized = min(sized, vp.curve.capacity(vp.v, vp.keyed, vp.ideal)/vp.dem.base)
		}
	}
	if math.IsInf(now, 1) {
		return ""
	}
	restart := d.downtime().Seconds() + d.o.checkpoint.Seconds()/2
	for _, id := range p.Sources {
		sv := src[id]
		if plans[id].missing != "" || math.IsNaN(sv.lag) {
			continue
		}
		keep := math.Inf(1) // seconds until the lag is under the SLO as the job is
		if now > 1 {
			keep = max(0, sv.lag-slo) / (now - 1)
		}
		rescale := math.Inf(1) // seconds until it is, rescaling now
		if sized > 1 {
			rescale = d.downtime().Seconds() + max(0, sv.lag+restart-slo)/(sized-1)
		}
		if rescale >= keep || sized <= now*1.02 {
			continue
		}
		if wait := sv.lag + d.period().Seconds()*max(0, 1-now) + restart; now < 1 && sv.lag+restart < slo && wait >= slo {
			return fmt.Sprintf("source %s lags %s s, and waiting for the next call, at %s times its input, would let a restart take it to %s s, over the %s s SLO",
				id, num(sv.lag), num(now), num(wait), num(slo))
		}
		if sv.lag > slo && keep > d.o.catchUp.Seconds() {
			drains := fmt.Sprintf("the excess would take %s to drain (more than %s)", dur(keep), d.o.catchUp)
			if math.IsInf(keep, 1) {
				drains = "the excess would never drain"
			}
			return fmt.Sprintf("source %s lags %s s, over the %s s SLO, and at %s times its input %s; rescaling, a restart of %s included, takes %s",
				id, num(sv.lag), num(slo), num(now), drains, dur(d.downtime().Seconds()), dur(rescale))
		}
	}
	return ""
}

// slotsOf is the slots a job needs at targets: per slot-sharing group the
// largest parallelism, summed.
func slotsOf(obs Observation, targets map[string]int) int {
	d := Decision{Targets: targets}
	d.Size(obs)
	return d.Slots
}

// plural renders a count of things.
func plural(n int, what string) string {
	switch {
	case n == 1:
		return "1 " + what
	case what == "vertex":
		return fmt.Sprintf("%d vertices", n)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
