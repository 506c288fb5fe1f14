package autoscale

import (
	"math"
	"time"
)

// figures are one vertex's figures in one sample, NaN where missing, as
// the operator's collector stores them (gauges rounded to 3 decimals).
type figures struct {
	in, out, busy, bp, lag float64
	// observedTPR is a source's observed true processing rate in this
	// sample (NaN when there is none).
	observedTPR float64
}

// sample is one observation as the window keeps it.
type sample struct {
	t time.Time
	v map[string]figures
}

// window holds the samples since the last restart, oldest first, trimmed
// to the metrics window once it is full, as the operator's history is.
type window struct {
	samples []sample
	// rates memoises rate until the samples change.
	rates map[rateKey]float64
}

type rateKey struct {
	id string
	f  field
}

// roundMetric rounds to 3 decimals but never to 0, as the operator's
// collector does with every figure it stores.
func roundMetric(x float64) float64 {
	r := math.Round(x*1000) / 1000
	if r == 0 {
		return x
	}
	return r
}

// field names one figure of a vertex's sample.
type field int

const (
	fIn field = iota
	fOut
	fBusy
	fLag
	fObservedTPR
)

// counter reports whether f is a record counter, which never goes down
// between restarts (the backlog, a gauge, may).
func (f field) counter() bool { return f == fIn || f == fOut }

// of returns the figure f of fs.
func (f field) of(fs figures) float64 {
	switch f {
	case fIn:
		return fs.in
	case fOut:
		return fs.out
	case fBusy:
		return fs.busy
	case fLag:
		return fs.lag
	}
	return fs.observedTPR
}

// latest returns the figure in the newest sample (NaN when missing).
func (w *window) latest(id string, f field) float64 {
	if len(w.samples) == 0 {
		return math.NaN()
	}
	v, ok := w.samples[len(w.samples)-1].v[id]
	if !ok {
		return math.NaN()
	}
	return f.of(v)
}

// rate is the operator's rate of a counter over the window:
// 1000 x (last - first) / max(1, ms between them), over the first and
// last samples where the counter is present. Unlike the operator, it is
// NaN when the newest sample lacks the counter (a policy never acts on a
// figure missing now), as it is with fewer than two samples, and when a
// record counter went down within the window: it was reset (a failover
// restarts the subtasks' counters while the job keeps running since the
// same time), so what it counted over the window is unknown.
func (w *window) rate(id string, f field) float64 {
	if r, ok := w.rates[rateKey{id, f}]; ok {
		return r
	}
	r := w.computeRate(id, f)
	if w.rates == nil {
		w.rates = map[rateKey]float64{}
	}
	w.rates[rateKey{id, f}] = r
	return r
}

func (w *window) computeRate(id string, f field) float64 {
	if math.IsNaN(w.latest(id, f)) {
		return math.NaN()
	}
	first, last, prev := math.NaN(), math.NaN(), math.Inf(-1)
	var t0, t1 time.Time
	for _, s := range w.samples {
		x := f.of(s.v[id])
		switch {
		case math.IsNaN(x):
			continue
		case f.counter() && x < prev:
			return math.NaN() // reset within the window: see rate
		}
		prev = x
		switch {
		case math.IsNaN(first):
			first, t0 = x, s.t
		default:
			last, t1 = x, s.t
		}
	}
	if math.IsNaN(last) {
		return math.NaN()
	}
	ms := max(t1.Sub(t0).Milliseconds(), 1)
	return 1000 * (last - first) / float64(ms)
}

// mean is the operator's average of a gauge over the window: NaN samples
// are skipped, infinite ones too unless nothing else is there (+Inf);
// fewer than minN finite samples give NaN. The caller checks whether the
// newest sample has the figure.
func (w *window) mean(id string, f field, minN int) float64 {
	sum, n, inf := 0.0, 0, false
	for _, s := range w.samples {
		x := f.of(s.v[id])
		switch {
		case math.IsNaN(x):
		case math.IsInf(x, 0):
			inf = true
		default:
			sum += x
			n++
		}
	}
	switch {
	case n == 0 && inf:
		return math.Inf(1)
	case n == 0 || n < minN:
		return math.NaN()
	}
	return sum / float64(n)
}

// trim drops the samples older than from.
func (w *window) trim(from time.Time) {
	i := 0
	for i < len(w.samples) && w.samples[i].t.Before(from) {
		i++
	}
	w.samples = append(w.samples[:0:0], w.samples[i:]...)
	clear(w.rates)
}

// add records obs at t: figures per vertex, and for sources (vertices
// without inputs) the observed true processing rate. A source without
// Source information reads no Kafka: its backlog is 0, as the operator
// takes a source without pendingRecords. A sample at the time
// of the newest one replaces it, as in the operator's sorted history.
func (w *window) add(t time.Time, obs Observation, o opts) {
	clear(w.rates)
	if n := len(w.samples); n > 0 && w.samples[n-1].t.Equal(t) {
		w.samples = w.samples[:n-1]
	}
	s := sample{t: t, v: make(map[string]figures, len(obs.Vertices))}
	for _, v := range obs.Vertices {
		f := figures{
			in: nan(v.RecordsIn), out: nan(v.RecordsOut),
			busy: roundMetric(max(0, nan(v.Busy))), bp: nan(v.Backpressured),
			lag: math.NaN(), observedTPR: math.NaN(),
		}
		source := len(obs.Inputs(v.ID)) == 0
		switch {
		case v.Source != nil:
			f.lag = roundMetric(nan(v.Source.Backlog))
		case source:
			f.lag = 0 // a source that reads no Kafka has no backlog to miss
		}
		if source {
			f.observedTPR = roundMetric(w.observedTPR(v.ID, t, obs.LastRestart, f, o))
		}
		s.v[v.ID] = f
	}
	w.samples = append(w.samples, s)
}

// observedTPR is the operator's per-sample observed true processing rate
// of a source. Its input rate stands for Flink's numRecordsInPerSecond:
// the counter's rate since the previous sample (or since the restart, when
// the counter started at 0). No input gives +Inf. While the backlog is at
// least ObservedTPRLagThreshold seconds of that rate, the rate is divided
// by the time not backpressured; otherwise, or when that cannot be
// measured, the sample carries the average of the earlier ones (at least
// ObservedTPRMinObservations of them). A missing backlog counts as 0 here,
// as in the operator: it can only stop a measurement, never cause one.
func (w *window) observedTPR(id string, t, restart time.Time, cur figures, o opts) float64 {
	now := w.inputRateSince(id, t, restart, cur.in)
	switch {
	case math.IsNaN(now):
		return math.NaN()
	case now == 0:
		return math.Inf(1)
	}
	lag := cur.lag
	if math.IsNaN(lag) {
		lag = 0
	}
	catchingUp := lag >= float64(int64(o.observeLag.Seconds()))*now
	if catchingUp && !math.IsNaN(cur.bp) && cur.bp < 1 {
		return now / (1 - cur.bp)
	}
	return w.mean(id, fObservedTPR, o.minObs)
}

// inputRateSince is the records-in rate between the newest sample (or the
// restart, from 0) and t.
func (w *window) inputRateSince(id string, t, restart time.Time, in float64) float64 {
	if math.IsNaN(in) {
		return math.NaN()
	}
	prevIn, prevT := 0.0, restart
	if n := len(w.samples); n > 0 {
		prevIn, prevT = w.samples[n-1].v[id].in, w.samples[n-1].t
	}
	if math.IsNaN(prevIn) || prevT.IsZero() || !prevT.Before(t) || in < prevIn {
		return math.NaN() // unknown; or the counter went down: reset, see rate
	}
	return 1000 * (in - prevIn) / float64(max(t.Sub(prevT).Milliseconds(), 1))
}
