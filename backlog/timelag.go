package backlog

import (
	"sort"
	"time"
)

// DefaultTimePoints is the default size of a TimeLagTable, as in
// kafka-lag-exporter.
const DefaultTimePoints = 60

// point is an end offset and when it was observed.
type point struct {
	offset int64
	at     time.Time
}

// TimeLagTable turns an offset into a time lag for one partition. It keeps a
// bounded table of (end offset, time) observations and answers "how long
// ago did the end offset pass this offset?" by linear interpolation.
//
// Unlike kafka-lag-exporter, which it otherwise follows, it answers exactly
// 0 when the group is caught up (not NaN on a quiet topic), a typed unknown
// (TooFewPoints) when the table cannot tell, and, for an offset older than
// the whole table, it extrapolates with the table's average rate and caps
// the extrapolated part at the table's own time span, so a burst cannot
// produce an absurd lag. A lag is never negative: one past the largest
// duration (about 292 years) saturates there. Flat runs (the same end offset observed again) are
// compressed to their first and last observation, so a quiet topic keeps a
// long history. Not safe for concurrent use; Tracker wraps it.
type TimeLagTable struct {
	// points is a ring of n points starting at head, oldest first, with
	// non-decreasing offsets.
	points []point
	head   int
	n      int
}

// NewTimeLagTable keeps at most size points (DefaultTimePoints when size is
// below 2).
func NewTimeLagTable(size int) *TimeLagTable {
	if size < 2 {
		size = DefaultTimePoints
	}
	return &TimeLagTable{points: make([]point, size)}
}

// at returns the i-th point, oldest first.
func (t *TimeLagTable) at(i int) *point { return &t.points[(t.head+i)%len(t.points)] }

// Observe records the end offset seen at now. Observations must come in
// time order; an older one is ignored, and so is a negative end offset
// (no offset is). An end offset below the last one (the topic was
// recreated or truncated) restarts the table.
func (t *TimeLagTable) Observe(now time.Time, end int64) {
	if end < 0 {
		return
	}
	if t.n > 0 {
		last := t.at(t.n - 1)
		switch {
		case now.Before(last.at):
			return
		case end < last.offset:
			t.head, t.n = 0, 0
		case end == last.offset && t.n >= 2 && t.at(t.n-2).offset == end:
			last.at = now // extend the flat run
			return
		}
	}
	if t.n == len(t.points) {
		t.head = (t.head + 1) % len(t.points)
		t.n--
	}
	*t.at(t.n) = point{end, now}
	t.n++
}

// Lag returns how long ago, at now, the record at offset next (the next one
// the group will read) arrived: 0 when next is at or past the newest end
// offset, unknown (InvalidValue) for a negative next.
func (t *TimeLagTable) Lag(now time.Time, next int64) Figure[time.Duration] {
	if next < 0 {
		return Unknown[time.Duration](InvalidValue)
	}
	if t.n == 0 {
		return Unknown[time.Duration](TooFewPoints)
	}
	if next >= t.at(t.n-1).offset {
		return Known[time.Duration](0)
	}
	if next < t.at(0).offset {
		return t.extrapolate(now, next)
	}
	// The first point past next, and the one before it, bracket next.
	i := sort.Search(t.n, func(i int) bool { return t.at(i).offset > next })
	a, b := t.at(i-1), t.at(i)
	frac := float64(next-a.offset) / float64(b.offset-a.offset)
	at := a.at.Add(satFloat[time.Duration](frac * float64(b.at.Sub(a.at))))
	return Known(max(0, now.Sub(at)))
}

// extrapolate estimates the lag of an offset older than the table. The
// extrapolated part is capped at the span in floating point, before any
// conversion to a duration: a quiet topic far behind (a low rate, many
// records) once overflowed the conversion to about -292 years.
func (t *TimeLagTable) extrapolate(now time.Time, next int64) Figure[time.Duration] {
	first, last := t.at(0), t.at(t.n-1)
	span := last.at.Sub(first.at)
	if last.offset == first.offset || span <= 0 {
		return Unknown[time.Duration](TooFewPoints)
	}
	rate := float64(last.offset-first.offset) / span.Seconds() // records per second, > 0
	extra := span
	if e := float64(first.offset-next) / rate * float64(time.Second); e < float64(span) {
		extra = satFloat[time.Duration](e)
	}
	return Known(satAdd(max(0, now.Sub(first.at)), extra))
}

// Len returns the number of points held.
func (t *TimeLagTable) Len() int { return t.n }
