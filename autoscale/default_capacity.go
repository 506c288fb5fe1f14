package autoscale

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

const (
	// capSamples is how many per-subtask capacity measurements Default
	// keeps per parallelism of a vertex; their median is the estimate, so
	// one measurement spoilt by a change of load in its window is outvoted.
	capSamples = 5
	// priorExponent is the scaling exponent Default assumes above the
	// parallelisms it has measured a vertex at, until two of them give one:
	// at parallelism p a subtask takes in c x p^(e-1), so a vertex's
	// capacity grows as p^e. Below them it assumes 1 whatever was measured
	// (a subtask does no better with fewer peers), since a measurement that
	// reads low, safe where it was taken, would otherwise promise too much
	// below it. Both err on the side of more subtasks.
	priorExponent = 0.9
	// minSpan is how far apart (as a ratio) two measured parallelisms must
	// be for their capacities to give a scaling exponent.
	minSpan = 1.25
	// busyResolution is the resolution of busy time: Flink reports whole
	// milliseconds per second. A capacity is measured as rate / (busy +
	// this), never more than the truth.
	busyResolution = 0.001
	// shiftRatio is how far (as a ratio either way) a capacity measured
	// may lie from the ones measured before at that parallelism before it
	// counts as a sign that the per-record cost changed (a deploy):
	// shiftStrikes times in a row, or once after a restart Default did not
	// cause, and the vertex's older measurements are dropped. Measurement noise (busy
	// time to the millisecond, a few percent of jitter) stays well within
	// it; a changed cost of a third or more does not.
	shiftRatio   = 1.3
	shiftStrikes = 3
	// shiftMinBusy is the busy time below which a busy-time measurement is
	// too coarse to reveal a shift.
	shiftMinBusy = 0.25
	// ineffectiveGain is the share of a scale-up's expected gain below
	// which it counts as ineffective (the operator's threshold: 10%).
	ineffectiveGain = 0.1
)

// capPoint holds the per-subtask capacities measured at one parallelism,
// oldest first: from busy time (s), and read flat out by a source with a
// backlog (x, exact: what it read over the time it was not backpressured).
type capPoint struct {
	p    int
	s, x []float64
}

// estimate is the point's per-subtask capacity: the median of its exact
// measurements, else of its busy-time ones (busy time can be biased; what
// a source reads flat out cannot).
func (pt capPoint) estimate() float64 {
	if len(pt.x) > 0 {
		return median(pt.x)
	}
	return median(pt.s)
}

// capModel is what Default knows of a vertex's capacity: per-subtask
// capacities (records/s a subtask takes in) measured at each parallelism it
// ran at, kept across restarts until they disagree with new measurements
// (a changed per-record cost).
type capModel struct {
	pts []capPoint // by parallelism
	// suspect is set by a restart Default did not cause (a deploy, a
	// failover): the next measurement that disagrees replaces the model.
	suspect bool
	// strikes counts consecutive measurements that disagreed, in the
	// direction dir (1 above, -1 below).
	strikes, dir int
	// shifted says when and how the model was last replaced ("" never).
	shifted string
	// stop is set when a scale-up did not raise the vertex's capacity:
	// Default no longer scales it above stop.from.
	stop *ineffective
}

// ineffective is a scale-up that did not help: from and to parallelism,
// the capacities measured at each, and when.
type ineffective struct {
	from, to   int
	before, at float64
	when       time.Time
}

// add records a per-subtask capacity s measured at parallelism p (exact:
// read flat out) with the busiest subtask busy busy. A measurement that
// disagrees with the model (see shiftRatio) twice in a row, or once while
// the model is suspect, replaces the model: it returns why, else "".
func (m *capModel) add(t time.Time, p int, s float64, exact bool, busy float64) string {
	why := ""
	if exp := m.at(p, exact); !math.IsNaN(exp) && (exact || busy >= shiftMinBusy) {
		r, dir := s/exp, 0
		switch {
		case r > shiftRatio:
			dir = 1
		case r < 1/shiftRatio:
			dir = -1
		}
		switch {
		case dir == 0:
			m.strikes = 0
		case dir == m.dir:
			m.strikes++
		default:
			m.strikes, m.dir = 1, dir
		}
		if dir != 0 && (m.suspect || m.strikes >= shiftStrikes) {
			why = fmt.Sprintf("at %s a subtask at %d took in %s times the %s rec/s expected, so the measurements before were dropped (its per-record cost changed)",
				hms(t), p, num(r), num(exp))
			*m = capModel{shifted: why}
		}
	}
	m.suspect = false
	i, found := slices.BinarySearchFunc(m.pts, p, func(c capPoint, p int) int { return cmp.Compare(c.p, p) })
	if !found {
		m.pts = slices.Insert(m.pts, i, capPoint{p: p})
	}
	pt := &m.pts[i]
	if exact {
		pt.x = appendSample(pt.x, s)
	} else {
		pt.s = appendSample(pt.s, s)
	}
	return why
}

// exact reports whether any of the model's capacities was measured reading
// flat out (a source with a backlog).
func (m *capModel) exact() bool {
	for _, pt := range m.pts {
		if len(pt.x) > 0 {
			return true
		}
	}
	return false
}

func appendSample(xs []float64, x float64) []float64 {
	if len(xs) == capSamples {
		copy(xs, xs[1:])
		xs = xs[:capSamples-1]
	}
	return append(xs, x)
}

// samples is how many measurements the model holds at p.
func (m *capModel) samples(p int) int {
	i, found := slices.BinarySearchFunc(m.pts, p, func(c capPoint, p int) int { return cmp.Compare(c.p, p) })
	if !found {
		return 0
	}
	return len(m.pts[i].s) + len(m.pts[i].x)
}

// measured reports whether the model holds a measurement at p.
func (m *capModel) measured(p int) bool {
	_, found := slices.BinarySearchFunc(m.pts, p, func(c capPoint, p int) int { return cmp.Compare(c.p, p) })
	return found
}

// curve is a capModel reduced to one estimate per measured parallelism.
type curve struct {
	p []int
	s []float64
}

func (m *capModel) curve() curve {
	var c curve
	for _, pt := range m.pts {
		c.p = append(c.p, pt.p)
		c.s = append(c.s, pt.estimate())
	}
	return c
}

// at is the median of the exact measurements at p, or of the busy-time
// ones; NaN when there are none (a parallelism not measured says nothing
// of a changed cost: what it gives is the model's guess).
func (m *capModel) at(p int, exact bool) float64 {
	i, found := slices.BinarySearchFunc(m.pts, p, func(c capPoint, p int) int { return cmp.Compare(c.p, p) })
	if !found {
		return math.NaN()
	}
	xs := m.pts[i].s
	if exact {
		xs = m.pts[i].x
	}
	if len(xs) == 0 {
		return math.NaN()
	}
	return median(xs)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// perSubtask estimates the records/s one subtask takes in at parallelism
// p: measured there; interpolated between measured parallelisms (a power
// law between them); below them, the fewest's; above them, extrapolated
// with the exponent of the largest two (clamped to [0.5, 1]) or, when they
// are too close, the prior. NaN when nothing was measured.
func (c curve) perSubtask(p int) float64 {
	n := len(c.p)
	if n == 0 {
		return math.NaN()
	}
	i, found := slices.BinarySearch(c.p, p)
	switch {
	case found:
		return c.s[i]
	case i > 0 && i < n:
		return powerLaw(c.p[i-1], c.s[i-1], p, exponent(c.p[i-1], c.s[i-1], c.p[i], c.s[i], 1, false))
	case i == 0:
		return c.s[0] // below: no better than the fewest subtasks measured
	}
	e := priorExponent
	if n > 1 {
		e = exponent(c.p[n-2], c.s[n-2], c.p[n-1], c.s[n-1], priorExponent, true)
	}
	return powerLaw(c.p[n-1], c.s[n-1], p, e)
}

// exponent is the scaling exponent between two measurements, clamped to
// [0.5, 1]; when they are too close to tell and clamp is set, it is def.
func exponent(pa int, sa float64, pb int, sb float64, def float64, clamp bool) float64 {
	span := float64(pb) / float64(pa)
	if span < minSpan && clamp {
		return def
	}
	e := 1 + math.Log(sb/sa)/math.Log(span)
	if !clamp {
		return e
	}
	return min(1, max(0.5, e))
}

// powerLaw moves a per-subtask capacity s measured at p0 to p with
// exponent e.
func powerLaw(p0 int, s float64, p int, e float64) float64 {
	return s * math.Pow(float64(p)/float64(p0), e-1)
}

// maxShare is the busiest subtask's share of a vertex's input at
// parallelism p: a source's busiest subtask reads ceil(N/p) of its N
// partitions while it is caught up (while it has a backlog, every subtask
// reads as fast as it can, 1/p each); behind a keyBy the busiest holds
// ceil(K/p) of K key groups; otherwise records are spread evenly.
func maxShare(v Vertex, keyed bool, p int, backlogged bool) float64 {
	switch {
	case v.Source != nil && v.Source.Partitions > 0 && !backlogged:
		n := v.Source.Partitions
		return float64((n+p-1)/p) / float64(n)
	case v.Source == nil && keyed && v.MaxParallelism > 0:
		k := v.MaxParallelism
		return float64((k+p-1)/p) / float64(k)
	}
	return 1 / float64(p)
}

// capacity is the records/s vertex v takes in at parallelism p, limited by
// its busiest subtask while caught up.
func (c curve) capacity(v Vertex, keyed bool, p int) float64 {
	return c.perSubtask(p) / maxShare(v, keyed, p, false)
}

// smallest returns the smallest parallelism in [1, limit] whose capacity
// reaches need, or, when none does, the smallest within 2% of the most
// capacity (and false): a subtask that adds less than that is not worth
// its slot. Raising p without lowering the busiest subtask's share buys
// nothing, so the answer is aligned to partitions and key groups by
// construction, without wasting subtasks on divisors. The scan starts
// where even an even spread would first reach need.
func (c curve) smallest(v Vertex, keyed bool, limit int, need float64) (int, bool) {
	from := sort.Search(limit, func(i int) bool { return c.perSubtask(i+1)*float64(i+1) >= need }) + 1
	best := -1.0
	for p := max(1, min(from, limit)); p <= limit; p++ {
		capa := c.capacity(v, keyed, p)
		if capa >= need {
			return p, true
		}
		best = max(best, capa)
	}
	for p := 1; p <= limit; p++ {
		if c.capacity(v, keyed, p) >= 0.98*best {
			return p, false
		}
	}
	return limit, false
}
