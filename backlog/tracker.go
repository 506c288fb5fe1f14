package backlog

import (
	"fmt"
	"sync"
	"time"
)

// TrackerConfig configures a Tracker. The zero value means the defaults.
type TrackerConfig struct {
	// GapWindow is the moving-average window of offset gaps. Default: 1000.
	GapWindow int
	// SizeWindow is the moving-average window of record sizes. Default: 1000.
	SizeWindow int
	// TimePoints is the size of each partition's end-offset table.
	// Default: 60.
	TimePoints int
}

// Validate reports whether the Config is usable, wrapping
// ErrInvalidConfig when it is not.
func (c TrackerConfig) Validate() error {
	if c.GapWindow < 0 || c.SizeWindow < 0 || c.TimePoints < 0 {
		return fmt.Errorf("%w: negative TrackerConfig field: %+v", ErrInvalidConfig, c)
	}
	if c.TimePoints == 1 {
		return fmt.Errorf("%w: TimePoints must be 0 (default) or at least 2", ErrInvalidConfig)
	}
	return nil
}

// Tracker keeps what the estimators learn per partition (offset gaps, record
// sizes, end-offset history) and turns a partition's offsets into its
// backlog. Readers feed it records; a Kafka adapter feeds it end offsets.
// Its methods take the time as an argument. Safe for concurrent use. One
// Tracker can serve every consumer group reading the same topics.
type Tracker struct {
	cfg   TrackerConfig
	mu    sync.Mutex
	parts map[Key]*partitionState
}

type partitionState struct {
	gap  *GapEstimator
	size *SizeEstimator
	ends *TimeLagTable
}

// NewTracker returns a Tracker, or an error wrapping ErrInvalidConfig.
func NewTracker(cfg TrackerConfig) (*Tracker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Tracker{cfg: cfg, parts: map[Key]*partitionState{}}, nil
}

func (t *Tracker) state(k Key) *partitionState {
	s := t.parts[k]
	if s == nil {
		s = &partitionState{
			gap:  NewGapEstimator(t.cfg.GapWindow),
			size: NewSizeEstimator(t.cfg.SizeWindow),
			ends: NewTimeLagTable(t.cfg.TimePoints),
		}
		t.parts[k] = s
	}
	return s
}

// ObserveRecord records a record a reader read: its offset (for the gap)
// and its key + value size in bytes.
func (t *Tracker) ObserveRecord(k Key, offset, size int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.state(k)
	s.gap.Observe(offset)
	s.size.Observe(size)
}

// ObserveSize records a sampled record size, without offset information.
func (t *Tracker) ObserveSize(k Key, size int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state(k).size.Observe(size)
}

// ObserveEnd records a partition's end offset seen at now.
func (t *Tracker) ObserveEnd(now time.Time, k Key, end int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state(k).ends.Observe(now, end)
}

// Forget drops what the Tracker learnt about k (a deleted topic).
func (t *Tracker) Forget(k Key) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.parts, k)
}

// ForgetTopic drops what the Tracker learnt about every partition of a
// Kafka topic (deleted, or recreated with fresh offsets).
func (t *Tracker) ForgetTopic(topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.parts {
		if k.Vertex == "" && k.Topic == topic {
			delete(t.parts, k)
		}
	}
}

// Estimate returns k's backlog at now from its offsets: records (see
// Records), bytes from the average record size, and time lag from the
// end-offset history. It does not record o.End; call ObserveEnd first.
func (t *Tracker) Estimate(now time.Time, k Key, o Offsets, reset ResetPolicy) Partition {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.state(k)
	p := Partition{Key: k, Offsets: o}
	p.Records, p.NoCommit = Records(o, reset, s.gap.Gap())
	p.Bytes = s.size.Bytes(p.Records)
	p.TimeLag = timeLag(now, s.ends, o, reset, p.Records)
	return p
}

// timeLag asks the table how old the next record the group reads is.
func timeLag(now time.Time, ends *TimeLagTable, o Offsets, reset ResetPolicy, records Figure[int64]) Figure[time.Duration] {
	n, ok := records.Value()
	if !ok {
		return Unknown[time.Duration](records.Reason())
	}
	if n == 0 {
		return Known[time.Duration](0)
	}
	next, _, _ := nextOffset(o, reset) // known, or records would be unknown
	return ends.Lag(now, next)
}
