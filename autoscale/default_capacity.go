package autoscale

import (
	"cmp"
	"math"
	"slices"
	"sort"
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
)

// capPoint holds the per-subtask capacities measured at one parallelism,
// oldest first.
type capPoint struct {
	p int
	s []float64
}

// capModel is what Default knows of a vertex's capacity: per-subtask
// capacities (records/s a subtask takes in) measured at each parallelism it
// ran at, kept across restarts.
type capModel struct {
	pts []capPoint // by parallelism
}

// add records a per-subtask capacity measured at parallelism p.
func (m *capModel) add(p int, s float64) {
	i, found := slices.BinarySearchFunc(m.pts, p, func(c capPoint, p int) int { return cmp.Compare(c.p, p) })
	if !found {
		m.pts = slices.Insert(m.pts, i, capPoint{p: p})
	}
	pt := &m.pts[i]
	if len(pt.s) == capSamples {
		copy(pt.s, pt.s[1:])
		pt.s = pt.s[:capSamples-1]
	}
	pt.s = append(pt.s, s)
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
		c.s = append(c.s, median(pt.s))
	}
	return c
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
// reaches need, or, when none does, the one with the most capacity (and
// false). Raising p without lowering the busiest subtask's share buys
// nothing, so the answer is aligned to partitions and key groups by
// construction, without wasting subtasks on divisors. The scan starts
// where even an even spread would first reach need.
func (c curve) smallest(v Vertex, keyed bool, limit int, need float64) (int, bool) {
	from := sort.Search(limit, func(i int) bool { return c.perSubtask(i+1)*float64(i+1) >= need }) + 1
	best, bestP := -1.0, limit
	for p := max(1, min(from, limit)); p <= limit; p++ {
		capa := c.capacity(v, keyed, p)
		if capa >= need {
			return p, true
		}
		if capa > best {
			best, bestP = capa, p
		}
	}
	return bestP, false
}
