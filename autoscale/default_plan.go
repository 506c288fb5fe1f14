package autoscale

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// pipeline is a set of vertices Default decides together: connected by
// edges or by a slot-sharing group (whose slots they share).
type pipeline struct {
	ids     []string // in the observation's (topological) order
	sources []string // vertices without inputs
	lagging string   // why its lag alone makes it scale up now
}

// urgent reports whether p must scale up now.
func (p *pipeline) urgent(plans map[string]*vtxPlan) bool {
	if p.lagging != "" {
		return true
	}
	for _, id := range p.ids {
		if plans[id].urgent != "" {
			return true
		}
	}
	return false
}

// pipelines splits the job into its pipelines.
func pipelines(obs Observation) []*pipeline {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			parent[x] = find(p)
			return parent[x]
		}
		parent[x] = x
		return x
	}
	union := func(a, b string) { parent[find(a)] = find(b) }
	groups := map[string]string{}
	for _, v := range obs.Vertices {
		find(v.ID)
		if first, ok := groups[v.SlotSharingGroup]; ok {
			union(v.ID, first)
		} else {
			groups[v.SlotSharingGroup] = v.ID
		}
	}
	for _, e := range obs.Edges {
		union(e.From, e.To)
	}
	var out []*pipeline
	index := map[string]*pipeline{}
	for _, v := range obs.Vertices {
		r := find(v.ID)
		p := index[r]
		if p == nil {
			p = &pipeline{}
			index[r] = p
			out = append(out, p)
		}
		p.ids = append(p.ids, v.ID)
		if len(obs.Inputs(v.ID)) == 0 {
			p.sources = append(p.sources, v.ID)
		}
	}
	return out
}

// demand is what must flow into a vertex, in records/s: now; the most
// expected before a new configuration could run (react); the most
// expected over the sizing horizon; and the extra rate that drains, within
// CatchUpTime, the backlog a rescale now would start with.
type demand struct {
	now, react, horizon, drain float64
}

func (a demand) plus(b demand, ratio float64) demand {
	return demand{a.now + b.now*ratio, a.react + b.react*ratio, a.horizon + b.horizon*ratio, a.drain + b.drain*ratio}
}

func unknownDemand() demand { return demand{math.NaN(), math.NaN(), math.NaN(), math.NaN()} }

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
	h := time.Duration(math.Sqrt(2*d.o.restartCost.Seconds()/g) * float64(time.Second))
	return min(max(h, react), max(react, d.o.maxHorizon))
}

// sourceDemand is a source's demand.
func (d *Default) sourceDemand(sv *srcView, react time.Duration) demand {
	if math.IsNaN(sv.arrival) {
		return unknownDemand()
	}
	rise := max(0, sv.slope)
	restart := d.o.downtime.Seconds() + d.o.checkpoint.Seconds()/2
	return demand{
		now:     sv.arrival,
		react:   sv.arrival + rise*react.Seconds(),
		horizon: sv.arrival + rise*d.horizon(sv, react).Seconds(),
		drain:   (sv.backlog + sv.arrival*restart) / d.o.catchUp.Seconds(),
	}
}

// plan evaluates every vertex of the job: its demand (propagated from the
// sources through the edges' ratios), its capacity now, the parallelism
// it would be sized at, and whether it forces a scale-up.
func (d *Default) plan(obs Observation, cur map[string]figs, src map[string]*srcView, react time.Duration) map[string]*vtxPlan {
	plans := make(map[string]*vtxPlan, len(obs.Vertices))
	for _, v := range obs.Vertices {
		vp := &vtxPlan{v: v, keyed: keyedInput(obs, v.ID), ideal: v.Parallelism, capNow: math.NaN(), need: math.NaN()}
		vp.missing = missingFigures(v, cur[v.ID])
		if m := d.st.caps[v.ID]; m != nil {
			vp.curve = m.curve()
			vp.capNow = vp.curve.capacity(v, vp.keyed, v.Parallelism)
		}
		d.propagate(obs, vp, plans, src, react)
		d.size(vp)
		plans[v.ID] = vp
	}
	return plans
}

// missingFigures says which of the figures Default needs of a vertex are
// missing now.
func missingFigures(v Vertex, f figs) string {
	var miss []string
	if math.IsNaN(f.in) {
		miss = append(miss, "records in")
	}
	if math.IsNaN(f.busy) {
		miss = append(miss, "busy time")
	}
	if v.Source != nil && math.IsNaN(f.backlog) {
		miss = append(miss, "backlog")
	}
	if len(miss) == 0 {
		return ""
	}
	return fmt.Sprintf("its %s %s missing", joinAnd(miss), map[bool]string{true: "is", false: "are"}[len(miss) == 1])
}

// propagate sets a vertex's demand: a source's own, or the sum over its
// inputs of their demand times the edge's ratio.
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
		vp.dem = vp.dem.plus(up.dem, ratio)
	}
}

// size chooses the parallelism a vertex would get if the job rescaled now:
// the smallest whose capacity covers the demand projected over the horizon
// at the target utilization, and the demand now plus draining the backlog
// a rescale would start with; and it says whether the vertex forces a
// scale-up: it cannot keep up with what is expected before a new
// configuration could run.
func (d *Default) size(vp *vtxPlan) {
	if vp.missing != "" || math.IsNaN(vp.dem.now) {
		return
	}
	vp.need = max(vp.dem.horizon/d.o.utilization, vp.dem.now+vp.dem.drain)
	switch {
	case vp.need <= 0:
		vp.ideal, vp.reach = 1, true
	case len(vp.curve.p) == 0:
		return // capacity never measured: keep
	default:
		vp.ideal, vp.reach = vp.curve.smallest(vp.v, vp.keyed, d.limit(vp.v), vp.need)
	}
	if vp.capNow < vp.dem.react {
		vp.urgent = fmt.Sprintf("at %s it takes in up to %s rec/s, less than the %s rec/s expected before a new configuration could run",
			plural(vp.v.Parallelism, "subtask"), num(vp.capNow), num(vp.dem.react))
	}
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

// lagUrgency says whether a source's lag above the SLO would take longer
// than CatchUpTime to drain at the pipeline's current capacity (a source
// that cannot keep up at all is urgent by size already).
func (d *Default) lagUrgency(p *pipeline, plans map[string]*vtxPlan, src map[string]*srcView) string {
	slo := d.o.slo.Seconds()
	factor := math.Inf(1) // the pipeline's capacity over its demand now
	for _, id := range p.ids {
		if vp := plans[id]; vp.dem.now > 0 && !math.IsNaN(vp.capNow) {
			factor = min(factor, vp.capNow/vp.dem.now)
		}
	}
	for _, id := range p.sources {
		sv := src[id]
		if !(sv.lag > slo) || factor <= 1 || math.IsInf(factor, 1) || plans[id].missing != "" {
			continue
		}
		if drain := (sv.lag - slo) / (factor - 1); drain > d.o.catchUp.Seconds() {
			return fmt.Sprintf("source %s lags %s s, over the %s s SLO, and at %s times its input the excess would take %s to drain (more than %s)",
				id, num(sv.lag), num(slo), num(factor), dur(drain), d.o.catchUp)
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

// joinAnd joins words as a list in a sentence.
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
