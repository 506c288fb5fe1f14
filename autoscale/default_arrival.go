package autoscale

import (
	"math"
	"slices"
	"time"
)

// How Default reads a source's arrival rate over time: its recent rates,
// their trend line and noise, and the base it sizes from.

// point is one arrival-rate measurement.
type point struct {
	t time.Time
	a float64
}

// recent keeps a source's arrival rates over the sustain window.
type recent struct{ pts []point }

// add records a measurement and forgets those older than the window.
func (r *recent) add(t time.Time, a float64, window time.Duration) {
	from := t.Add(-window)
	i := slices.IndexFunc(r.pts, func(p point) bool { return p.t.After(from) })
	if i < 0 {
		i = len(r.pts)
	}
	r.pts = append(r.pts[i:], point{t, a})
}

// last returns the latest n rates kept (fewer when fewer are), oldest
// first.
func (r *recent) last(n int) []point { return r.pts[max(0, len(r.pts)-n):] }

// level is the mean of the rates kept.
func (r *recent) level() float64 {
	s := 0.0
	for _, p := range r.pts {
		s += p.a
	}
	return s / float64(len(r.pts))
}

// base is the rate a source's demand is sized from: its level, or after a
// step (a rate more than three times the noise from the level, which noise
// hardly makes) the rate after it, once confirmed: a step up by the
// source falling behind (its lag, or its backlog growing by more than
// the noise: records pile up in Kafka, which no noise in a rate makes) or
// by the rate before; a step down by the rate before, while it keeps up
// (the larger of the two). One rate alone may be a spoilt window (a stale
// sample at one end of it).
func (d *Default) base(sv srcView, rc *recent) float64 {
	pts, far := rc.last(2), 3*sv.noise
	up, down := sv.arrival > sv.level+far, sv.arrival < sv.level-far
	confirmed := len(pts) == 2
	if confirmed {
		prev := pts[0].a
		confirmed = (up && prev > sv.level+far) || (down && prev < sv.level-far)
	}
	caughtUp := sv.lag < d.o.refresh.Seconds()
	piling := sv.grow > far // NaN (unknown growth) is not piling up
	switch {
	case up && (confirmed || !caughtUp || piling):
		return sv.arrival
	case down && confirmed && caughtUp:
		return max(pts[0].a, pts[1].a)
	}
	return sv.level
}

// sustain is the window over which a rate must hold to count as the level
// the job must sustain: a twelfth of TrendWindow (5 min at the defaults),
// and at least one call period. A swing shorter than it moves the level
// little.
func (d *Default) sustain() time.Duration { return max(d.o.trendWindow/12, d.period()) }

// trend keeps a source's arrival rates over the trend window, at most
// trendPoints of them, evenly thinned.
type trend struct{ pts []point }

const trendPoints = 30

// add records a measurement and forgets those older than the window.
func (tr *trend) add(t time.Time, a float64, window time.Duration) {
	from := t.Add(-window)
	i := slices.IndexFunc(tr.pts, func(p point) bool { return !p.t.Before(from) })
	if i < 0 {
		i = len(tr.pts)
	}
	tr.pts = tr.pts[i:]
	if n := len(tr.pts); n > 0 && t.Sub(tr.pts[n-1].t) < window/trendPoints {
		return
	}
	tr.pts = append(tr.pts, point{t, a})
}

// slope is the Theil-Sen estimate of the trend (the median of the slopes
// between every two measurements, records/s per second): a burst shorter
// than about a quarter of the window moves it little. It needs four
// measurements spanning half the window.
func (tr *trend) slope(window time.Duration) (float64, bool) {
	n := len(tr.pts)
	if n < 4 || tr.pts[n-1].t.Sub(tr.pts[0].t) < window/2 {
		return 0, false
	}
	secs := tr.secs()
	slopes := make([]float64, 0, n*(n-1)/2)
	for i := range n {
		for j := i + 1; j < n; j++ {
			slopes = append(slopes, (tr.pts[j].a-tr.pts[i].a)/(secs[j]-secs[i]))
		}
	}
	return median(slopes), true
}

func (tr *trend) secs() []float64 {
	secs := make([]float64, len(tr.pts))
	for i, p := range tr.pts {
		secs[i] = p.t.Sub(tr.pts[0].t).Seconds()
	}
	return secs
}

// fit is the trend line (slope and the median intercept) at t, and the
// noise of the rates around it: the median absolute deviation of the
// residuals, times 1.4826 (a standard deviation for Gaussian noise). A
// burst over less than half the points hardly moves either; noise that
// lasts moves the noise. ok is false with fewer than four measurements.
func (tr *trend) fit(slope float64, t time.Time) (at, noise float64, ok bool) {
	if len(tr.pts) < 4 {
		return 0, 0, false
	}
	secs := tr.secs()
	res := make([]float64, len(tr.pts))
	for i, p := range tr.pts {
		res[i] = p.a - slope*secs[i]
	}
	mid := median(res)
	for i := range res {
		res[i] = math.Abs(res[i] - mid)
	}
	return mid + slope*t.Sub(tr.pts[0].t).Seconds(), 1.4826 * median(res), true
}
