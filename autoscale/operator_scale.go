package autoscale

import (
	"fmt"
	"math"
	"time"
)

// pending is a vertex's delayed scale-down: when it was first recommended,
// at which parallelism, and the recommendations since, kept as a sliding
// window maximum (parallelism decreasing, oldest first), as the operator's
// DelayedScaleDown keeps them.
type pending struct {
	first       time.Time
	parallelism int
	recs        []recommendation
}

type recommendation struct {
	t       time.Time
	p       int
	outside bool
}

// record adds a recommendation, dropping the older ones it dominates.
func (pd *pending) record(r recommendation) {
	for len(pd.recs) > 0 && pd.recs[len(pd.recs)-1].p <= r.p {
		pd.recs = pd.recs[:len(pd.recs)-1]
	}
	pd.recs = append(pd.recs, r)
}

// maxSince returns the largest recommendation made at or after from.
func (pd *pending) maxSince(from time.Time) recommendation {
	for len(pd.recs) > 1 && pd.recs[0].t.Before(from) {
		pd.recs = pd.recs[1:]
	}
	return pd.recs[0]
}

// outcome is one vertex's recommendation before the executor's gate.
type outcome struct {
	target  int
	outside bool
	text    string
}

// vertexOutcome is the operator's JobVertexScaler for one vertex: the
// scale factor, the new parallelism, and the delayed scale-down.
func (p *OperatorCompatible) vertexOutcome(now time.Time, obs Observation, v Vertex, ev *vertexEval) outcome {
	cur := v.Parallelism
	keep := func(why string) outcome { return outcome{target: cur, text: why + fmt.Sprintf("; keeps %d", cur)} }
	if math.IsNaN(ev.tpr) {
		if why := missingFigures(v); why != "" {
			return keep(describeMissingTPR(ev) + "; now " + why)
		}
		return keep(describeMissingTPR(ev))
	}
	want := p.capacity(ev, p.o.target, true)
	factor := want / ev.tpr
	if math.IsNaN(factor) {
		return keep(describeTPR(ev) + "; the target rate is missing")
	}
	factor = min(max(factor, 1-p.o.maxDown), 1+p.o.maxUp)
	newP, how := p.scale(v, keyedInput(obs, v.ID), factor)
	text := fmt.Sprintf("%s; %s -> capacity %s rec/s -> factor %s -> %s",
		describeTPR(ev), describeTarget(ev), num(want), num(factor), how)
	outside := ev.tpr < ev.upThreshold || ev.tpr > ev.downThreshold
	switch {
	case newP == cur:
		delete(p.pending, v.ID)
		return keep(text + "; " + describeBounds(ev))
	case newP > cur:
		delete(p.pending, v.ID)
		return outcome{target: newP, outside: outside, text: text + "; " + describeBounds(ev)}
	}
	return p.delayScaleDown(now, v, recommendation{t: now, p: newP, outside: outside}, text+"; "+describeBounds(ev))
}

// delayScaleDown applies scale-down.interval: a scale-down waits until its
// first recommendation is ScaleDownInterval old, then goes to the largest
// parallelism recommended within the last ScaleDownInterval.
func (p *OperatorCompatible) delayScaleDown(now time.Time, v Vertex, r recommendation, text string) outcome {
	if p.o.scaleDownInterval <= 0 {
		return outcome{target: r.p, outside: r.outside, text: text}
	}
	pd := p.pending[v.ID]
	if pd == nil {
		pd = &pending{first: now, parallelism: v.Parallelism}
		p.pending[v.ID] = pd
	}
	pd.record(r)
	from := now.Add(-p.o.scaleDownInterval)
	if from.Before(pd.first) {
		return outcome{target: v.Parallelism, text: fmt.Sprintf("%s; the scale-down waits until %s, %v after it was first recommended; keeps %d",
			text, hms(pd.first.Add(p.o.scaleDownInterval)), p.o.scaleDownInterval, v.Parallelism)}
	}
	best := pd.maxSince(from)
	return outcome{target: best.p, outside: best.outside, text: fmt.Sprintf(
		"%s; first recommended at %s, the scale-down goes to %d, the largest recommendation of the last %v",
		text, hms(pd.first), best.p, p.o.scaleDownInterval)}
}

// scale is the operator's JobVertexScaler.scale: ceil(factor x p) clamped
// to [min(p, VertexMinParallelism), min(MaxParallelism, max(p,
// VertexMaxParallelism))], then, for a source with known partitions or a
// vertex behind a keyBy, aligned to a divisor of N (the partitions, else
// the key groups). The search runs upward from the new parallelism to
// min(N, the upper limit) for a scale-up, and to the current parallelism
// for a scale-down; failing that, it falls back downward to the smallest
// parallelism giving each subtask the same share of N, and keeps the
// current parallelism when that would reverse the direction. It returns
// the parallelism and a note on how it was reached.
func (p *OperatorCompatible) scale(v Vertex, keyed bool, factor float64) (int, string) {
	cur := v.Parallelism
	lower, upper := min(cur, p.o.vertexMin), max(cur, p.o.vertexMax)
	maxP := v.MaxParallelism
	if maxP <= 0 {
		maxP = math.MaxInt32 // unknown: only the vertex limits apply
	}
	raw := int(min(math.Ceil(factor*float64(cur)), math.MaxInt32))
	bound := min(maxP, upper)
	newP := min(max(lower, raw), bound)
	note := fmt.Sprint(raw)
	if newP != raw {
		note = fmt.Sprintf("%d, clamped to %d in [%d, %d]", raw, newP, lower, bound)
	}
	partitions := 0
	if v.Source != nil {
		partitions = v.Source.Partitions
	}
	n, what := partitions, "partitions"
	if partitions <= 0 {
		n, what = v.MaxParallelism, "key groups"
	}
	if (partitions <= 0 && !keyed) || n <= 0 || newP == cur {
		return newP, note
	}
	aligned := align(cur, newP, n, min(n, bound), lower)
	switch {
	case aligned == newP:
		return newP, note
	case aligned == cur:
		return cur, fmt.Sprintf("%s (aligning to %d %s finds nothing in that direction, so it stays at %d)", note, n, what, cur)
	case n%aligned == 0:
		return aligned, fmt.Sprintf("%s (aligned to %d, a divisor of %d %s)", note, aligned, n, what)
	}
	return aligned, fmt.Sprintf("%s (aligned down to %d, the fewest subtasks for the same share of %d %s)", note, aligned, n, what)
}

// align is the operator's alignment of newP to n, searching no higher
// than limit and falling back no lower than lower.
func align(cur, newP, n, limit, lower int) int {
	end := limit
	if newP < cur {
		end = min(cur, limit)
	}
	for q := newP; q <= end; q++ {
		if n%q == 0 {
			return q
		}
	}
	q := newP
	for ; q > 0; q-- {
		if n/q > n/newP {
			if n%q != 0 {
				q++
			}
			break
		}
	}
	q = max(q, lower)
	if (newP > cur && q <= cur) || (newP < cur && q >= cur) {
		return cur
	}
	return q
}
