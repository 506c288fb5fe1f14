package backlog

// movingAvg is Beam's moving average: each sample moves the average by
// (x - avg) / min(window, samples seen), so the first samples weigh fully
// and later ones decay like a window of the given size.
type movingAvg struct {
	window int
	n      int
	avg    float64
}

func (m *movingAvg) add(x float64) {
	m.n++
	m.avg += (x - m.avg) / float64(min(m.window, m.n))
}

// value returns the average, ok false before the first sample.
func (m *movingAvg) value() (float64, bool) { return m.avg, m.n > 0 }

// GapEstimator learns the average gap between consecutive offsets a reader
// sees in one partition: 0 on a normal topic, above 0 on a compacted one
// (compaction removes records but keeps offsets). Feed it every offset read,
// in order. Not safe for concurrent use; Tracker wraps it.
type GapEstimator struct {
	avg  movingAvg
	last int64
	seen bool
}

// NewGapEstimator returns an estimator averaging over about window offsets
// (Beam uses 1000). A window below 1 means 1000.
func NewGapEstimator(window int) *GapEstimator {
	if window < 1 {
		window = DefaultWindow
	}
	return &GapEstimator{avg: movingAvg{window: window}}
}

// DefaultWindow is the default number of samples of the moving averages.
const DefaultWindow = 1000

// Observe records the offset of a record read. An offset at or before the
// previous one (a seek back) restarts the sequence without a sample.
func (g *GapEstimator) Observe(offset int64) {
	if g.seen && offset > g.last {
		g.avg.add(float64(uint64(offset)-uint64(g.last)) - 1) // exact even across the int64 range
	}
	g.last, g.seen = offset, true
}

// Gap returns the average offset gap; 0 before two offsets were seen.
func (g *GapEstimator) Gap() float64 {
	v, _ := g.avg.value()
	return v
}

// SizeEstimator is a moving average of record sizes (key + value bytes) in
// one partition, fed by a reader or by samples. Not safe for concurrent
// use; Tracker wraps it.
type SizeEstimator struct{ avg movingAvg }

// NewSizeEstimator averages over about window records (default 1000 when
// window is below 1).
func NewSizeEstimator(window int) *SizeEstimator {
	if window < 1 {
		window = DefaultWindow
	}
	return &SizeEstimator{avg: movingAvg{window: window}}
}

// Observe records one record's size in bytes; negative sizes are ignored.
func (s *SizeEstimator) Observe(bytes int64) {
	if bytes >= 0 {
		s.avg.add(float64(bytes))
	}
}

// Bytes estimates the size of records records: unknown with the records'
// reason when they are unknown, InvalidValue when they are negative, and
// NoRecordSize before any sample. The estimate saturates at the largest
// int64 rather than wrapping around.
func (s *SizeEstimator) Bytes(records Figure[int64]) Figure[int64] {
	n, ok := records.Value()
	if !ok {
		return records
	}
	if n < 0 {
		return Unknown[int64](InvalidValue)
	}
	avg, ok := s.avg.value()
	if !ok {
		return Unknown[int64](NoRecordSize)
	}
	return Known(satFloat[int64](float64(n)*avg + 0.5))
}
