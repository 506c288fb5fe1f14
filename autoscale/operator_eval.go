package autoscale

import (
	"fmt"
	"math"
)

// vertexEval is what the operator's ScalingMetricEvaluator derives for one
// vertex from the window. Rates are records per second; NaN is missing.
type vertexEval struct {
	source bool
	// inRate is the window rate of records in; load the mean busy fraction.
	inRate, load float64
	// busyTPR is inRate / load; observedTPR the sources' observed rate;
	// tpr the one used (observed when usedObserved).
	busyTPR, observedTPR, tpr float64
	usedObserved              bool
	// target is TARGET_DATA_RATE, catchUp CATCH_UP_DATA_RATE.
	target, catchUp float64
	// upThreshold and downThreshold are the capacities at the upper and
	// lower utilization bounds: below the first the vertex cannot keep up,
	// above the second it is over-provisioned.
	upThreshold, downThreshold float64
}

// capacity is the true processing rate as a Decision's Capacity: missing
// when the window gave none, or when nothing came in (the busy-time rate
// is then unbounded).
func (ev *vertexEval) capacity() Value {
	switch {
	case math.IsNaN(ev.tpr):
		return MissingBecause("the window gave no true processing rate")
	case math.IsInf(ev.tpr, 0):
		return MissingBecause("nothing came in over the window, so its true processing rate is unbounded")
	}
	return Of(ev.tpr)
}

// jobEval is the evaluation of the whole job.
type jobEval struct {
	vertices map[string]*vertexEval
	// backlog is the operator's backlog mode (bounds [0, 1]); why names
	// the source and its backlog in seconds, or why it is unknown.
	backlog, backlogUnknown bool
	why                     string
	// fatal is set when the operator would refuse to evaluate at all.
	fatal string
}

// evaluate runs the operator's evaluation over the window, vertices in
// topological order.
func (p *OperatorCompatible) evaluate(obs Observation) jobEval {
	je := jobEval{vertices: make(map[string]*vertexEval, len(obs.Vertices))}
	p.backlogMode(obs, &je)
	for _, v := range obs.Vertices {
		ev := &vertexEval{source: len(obs.Inputs(v.ID)) == 0, inRate: p.win.rate(v.ID, fIn)}
		if ev.source && math.IsNaN(ev.inRate) && je.fatal == "" {
			je.fatal = fmt.Sprintf("the input rate of source %s is missing in the window%s, and the operator evaluates nothing without it",
				v.ID, because(v.RecordsIn))
		}
		p.targetRate(obs, v.ID, ev, je.vertices)
		p.trueProcessingRate(v.ID, ev)
		lower, upper := p.o.utilMin, p.o.utilMax
		if je.backlog || je.backlogUnknown {
			lower, upper = 0, 1
		}
		ev.upThreshold = p.capacity(ev, upper, false)
		ev.downThreshold = p.capacity(ev, lower, true)
		je.vertices[v.ID] = ev
	}
	return je
}

// backlogMode sets the operator's backlog mode: some source's backlog is
// more than BacklogThreshold seconds of its input rate (a source whose
// input rate is missing does not count, as in the operator). Where the
// operator counts a missing backlog as 0, a source whose backlog is missing
// now makes the mode unknown, and unknown acts as on: it can only stop a
// scale-down, never cause a scaling.
func (p *OperatorCompatible) backlogMode(obs Observation, je *jobEval) {
	limit := float64(int64(p.o.backlogThreshold.Seconds()))
	for _, v := range obs.Vertices {
		if len(obs.Inputs(v.ID)) > 0 {
			continue
		}
		in := p.win.rate(v.ID, fIn)
		if math.IsNaN(in) {
			continue
		}
		lag := p.win.latest(v.ID, fLag)
		if math.IsNaN(lag) {
			if !je.backlog && !je.backlogUnknown {
				je.backlogUnknown = true
				je.why = fmt.Sprintf("the backlog of source %s is missing%s", v.ID, sourceBacklogWhy(v))
			}
			continue
		}
		if secs := lag / in; secs > limit {
			je.backlog, je.backlogUnknown = true, false
			je.why = fmt.Sprintf("source %s has %s s of backlog (threshold %s s)", v.ID, num(secs), num(limit))
			return
		}
	}
}

// targetRate sets TARGET_DATA_RATE and CATCH_UP_DATA_RATE. At a source:
// max(0, inRate + d(backlog)/dt) and backlog / CatchUpDuration (the latter
// 0 when catch-up is disabled). Downstream: the sum over inputs of the
// input's rates times the edge's output ratio.
func (p *OperatorCompatible) targetRate(obs Observation, id string, ev *vertexEval, done map[string]*vertexEval) {
	if ev.source {
		ev.target = max(0, ev.inRate+p.win.rate(id, fLag)) // NaN stays NaN, as in Java
		ev.catchUp = 0
		if secs := int64(p.o.catchUp.Seconds()); secs > 0 {
			ev.catchUp = p.win.latest(id, fLag) / float64(secs)
		}
		return
	}
	for _, e := range obs.Inputs(id) {
		from := done[e.From]
		ratio := p.outputRatio(obs, e.From, id)
		ev.target += from.target * ratio
		ev.catchUp += from.catchUp * ratio
	}
}

// outputRatio is the operator's records out on edge from->to per record
// into from. Flink reports no per-edge counts, so the edge's rate comes
// from vertex counters as the operator takes it: to's records in when from
// is to's only input; else to's records in less the records out of its
// other inputs, when each of those has no other output; else from's
// records out (all of them, whatever its other outputs). No input gives 0.
func (p *OperatorCompatible) outputRatio(obs Observation, from, to string) float64 {
	in := p.win.rate(from, fIn)
	switch {
	case math.IsNaN(in):
		return math.NaN()
	case in == 0:
		return 0
	}
	return p.edgeRate(obs, from, to) / in
}

func (p *OperatorCompatible) edgeRate(obs Observation, from, to string) float64 {
	inputs := obs.Inputs(to)
	if len(inputs) == 1 {
		return p.win.rate(to, fIn)
	}
	others := 0.0
	for _, e := range inputs {
		if e.From == from {
			continue
		}
		if len(obs.Outputs(e.From)) != 1 {
			return p.win.rate(from, fOut)
		}
		others += p.win.rate(e.From, fOut)
	}
	return p.win.rate(to, fIn) - others
}

// trueProcessingRate sets LOAD and TRUE_PROCESSING_RATE. The busy-time
// rate is inRate / mean busy (+Inf when nothing comes in). A source's
// observed rate (the mean of its samples' observed rates, needing at least
// ObservedTPRMinObservations) replaces it when the busy-time rate is
// missing or infinite, or exceeds it by more than ObservedTPRSwitch.
func (p *OperatorCompatible) trueProcessingRate(id string, ev *vertexEval) {
	ev.load = math.NaN()
	if !math.IsNaN(p.win.latest(id, fBusy)) {
		ev.load = p.win.mean(id, fBusy, 1)
	}
	ev.busyTPR = ev.inRate / ev.load
	if ev.inRate == 0 {
		ev.busyTPR = math.Inf(1)
	}
	ev.observedTPR = math.NaN()
	if ev.source && !math.IsNaN(p.win.latest(id, fIn)) {
		ev.observedTPR = p.win.mean(id, fObservedTPR, p.o.minObs)
	}
	ev.tpr = ev.busyTPR
	switch {
	case math.IsNaN(ev.observedTPR):
	case math.IsInf(ev.busyTPR, 0) || math.IsNaN(ev.busyTPR),
		ev.busyTPR > ev.observedTPR*(1+p.o.switchThreshold):
		ev.tpr, ev.usedObserved = ev.observedTPR, true
	}
}

// capacity is the operator's target processing capacity at utilization u:
// round(catchUp + target x RestartTime / CatchUpDuration + target / u),
// the restart term only withRestart and while catch-up is enabled; +Inf
// at u = 0; u is clamped to [0, 1].
func (p *OperatorCompatible) capacity(ev *vertexEval, u float64, withRestart bool) float64 {
	if math.IsNaN(ev.catchUp) || math.IsNaN(ev.target) {
		return math.NaN()
	}
	u = min(1, max(0, u))
	if u == 0 {
		return math.Inf(1)
	}
	restart := 0.0
	if catchUp := int64(p.o.catchUp.Seconds()); withRestart && catchUp > 0 {
		restart = ev.target * float64(int64(p.o.restart.Seconds())) / float64(catchUp)
	}
	return math.Floor(ev.catchUp + restart + ev.target/u + 0.5) // Java's Math.round
}

// sourceBacklogWhy is why a source's backlog is missing now, as a
// parenthetical (see because).
func sourceBacklogWhy(v Vertex) string {
	if v.Source == nil {
		return ""
	}
	return because(v.Source.Backlog)
}
