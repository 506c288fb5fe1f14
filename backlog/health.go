package backlog

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Status is a partition's lag health.
type Status int

// Statuses, in increasing severity of what they call for.
const (
	// StatusUnknown: nothing observed yet, or the offsets are unknown.
	StatusUnknown Status = iota
	// StatusOK: caught up, or progressing without a growing lag.
	StatusOK
	// StatusWarn: committing, but the lag grew at every commit in the window.
	StatusWarn
	// StatusStall: committing the same offset over the whole window while
	// behind.
	StatusStall
	// StatusStop: no commit for longer than the window spans while behind.
	StatusStop
	// StatusRewind: the committed offset moved back.
	StatusRewind
)

var statusNames = [...]string{"UNKNOWN", "OK", "WARN", "STALL", "STOP", "REWIND"}

// String returns the upper-case name, as Burrow prints it.
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// HealthConfig configures Health. The zero value means the defaults.
type HealthConfig struct {
	// Window is how many commits per partition are kept. Default: 10, as
	// Burrow.
	Window int
	// MinSpan is the shortest silence that counts as STOP, for windows that
	// span less (a single commit spans nothing). Default: 1 minute.
	MinSpan time.Duration
}

// commit is one observed commit and the lag at that moment.
type commit struct {
	at     time.Time
	offset int64
	lag    int64 // end - offset when committed; -1 when the end was unknown
}

type healthState struct {
	commits []commit // oldest first, at most Window
	end     int64
	hasEnd  bool
}

// PartitionHealth is one partition's evaluation.
type PartitionHealth struct {
	Key    Key
	Status Status
	// Lag is the current lag: latest end offset minus latest commit.
	Lag Figure[int64]
	// Detail says what the status rests on.
	Detail string
}

// Health evaluates lag health per partition from commits and end offsets,
// in the manner of LinkedIn's Burrow, with one fix its users asked for: the
// lag is refreshed from end offsets on their own, so a caught-up partition
// that receives no data (and so sees no commits) stays OK instead of turning
// STOP. Its methods take the time as an argument. Safe for concurrent use.
type Health struct {
	cfg   HealthConfig
	mu    sync.Mutex
	parts map[Key]*healthState
}

// Validate reports whether the Config is usable, wrapping
// ErrInvalidConfig when it is not.
func (c HealthConfig) Validate() error {
	if c.Window < 0 || c.MinSpan < 0 {
		return fmt.Errorf("%w: negative HealthConfig field: %+v", ErrInvalidConfig, c)
	}
	return nil
}

// NewHealth returns a Health, or an error wrapping ErrInvalidConfig.
func NewHealth(cfg HealthConfig) (*Health, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Window == 0 {
		cfg.Window = 10
	}
	if cfg.MinSpan == 0 {
		cfg.MinSpan = time.Minute
	}
	return &Health{cfg: cfg, parts: map[Key]*healthState{}}, nil
}

func (h *Health) state(k Key) *healthState {
	s := h.parts[k]
	if s == nil {
		s = &healthState{}
		h.parts[k] = s
	}
	return s
}

// ObserveEnd records a partition's end offset at now. A negative offset (no
// offset is) is ignored.
func (h *Health) ObserveEnd(now time.Time, k Key, end int64) {
	if end < 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.state(k)
	s.end, s.hasEnd = end, true
}

// ObserveCommit records one commit of offset at now, even of an offset
// already committed: a source that sees each commit (a consumer's own
// commit hook) calls it on every commit, which is what tells STALL from
// STOP. A negative offset (no offset is) is ignored.
func (h *Health) ObserveCommit(now time.Time, k Key, offset int64) {
	if offset < 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.addCommit(h.state(k), now, offset)
}

func (h *Health) addCommit(s *healthState, now time.Time, offset int64) {
	lag := int64(-1)
	if s.hasEnd {
		lag = max(0, s.end-offset)
	}
	if len(s.commits) == h.cfg.Window {
		s.commits = slices.Delete(s.commits, 0, 1)
	}
	s.commits = append(s.commits, commit{at: now, offset: offset, lag: lag})
}

// Observe records a snapshot's end offsets, and its committed offsets where
// they changed. A poller that reads committed offsets (Kafka's OffsetFetch)
// cannot see a re-commit of the same offset, so an unchanged offset counts
// as no commit: a frozen consumer shows STOP once its silence outlasts the
// window, and STALL needs ObserveCommit. Negative offsets are ignored.
func (h *Health) Observe(snap Snapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range snap.Partitions {
		s := h.state(p.Key)
		if end, ok := p.Offsets.End.Value(); ok && end >= 0 {
			s.end, s.hasEnd = end, true
		}
		c, ok := p.Offsets.Committed.Value()
		if !ok || c < 0 {
			continue
		}
		if n := len(s.commits); n == 0 || s.commits[n-1].offset != c {
			h.addCommit(s, snap.Time, c)
		}
	}
}

// Evaluate returns k's health at now.
func (h *Health) Evaluate(now time.Time, k Key) PartitionHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.evaluate(now, k, h.parts[k])
}

// EvaluateAll returns every observed partition's health, sorted by key.
func (h *Health) EvaluateAll(now time.Time) []PartitionHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]PartitionHealth, 0, len(h.parts))
	for k, s := range h.parts {
		out = append(out, h.evaluate(now, k, s))
	}
	slices.SortFunc(out, func(a, b PartitionHealth) int { return a.Key.Compare(b.Key) })
	return out
}

func (h *Health) evaluate(now time.Time, k Key, s *healthState) PartitionHealth {
	ph := PartitionHealth{Key: k, Lag: Unknown[int64](MissingOffset)}
	if s == nil || len(s.commits) == 0 {
		ph.Detail = "no commit observed"
		if s != nil && s.hasEnd {
			ph.Lag = Unknown[int64](NoCommit)
		}
		return ph
	}
	last := s.commits[len(s.commits)-1]
	if !s.hasEnd {
		ph.Detail = "no end offset observed"
		return ph
	}
	lag := max(0, s.end-last.offset)
	ph.Lag = Known(lag)
	ph.Status, ph.Detail = h.judge(now, s.commits, lag)
	return ph
}

// judge applies the rules in order: REWIND, caught up (OK), STOP, STALL,
// WARN, OK.
func (h *Health) judge(now time.Time, cs []commit, lag int64) (Status, string) {
	for i := 1; i < len(cs); i++ {
		if cs[i].offset < cs[i-1].offset {
			return StatusRewind, fmt.Sprintf("committed offset moved back from %d to %d", cs[i-1].offset, cs[i].offset)
		}
	}
	if lag == 0 {
		return StatusOK, "caught up"
	}
	first, last := cs[0], cs[len(cs)-1]
	span := max(last.at.Sub(first.at), h.cfg.MinSpan)
	if silent := now.Sub(last.at); silent > span {
		return StatusStop, fmt.Sprintf("no commit for %v (window spans %v) with lag %d", silent, span, lag)
	}
	if len(cs) == h.cfg.Window && first.offset == last.offset {
		return StatusStall, fmt.Sprintf("offset %d committed %d times with lag %d", last.offset, len(cs), lag)
	}
	if growing(cs) {
		return StatusWarn, fmt.Sprintf("lag grew at each of %d commits, now %d", len(cs), lag)
	}
	return StatusOK, fmt.Sprintf("progressing, lag %d", lag)
}

// growing reports whether the lag rose at every commit of a window of at
// least three.
func growing(cs []commit) bool {
	if len(cs) < 3 {
		return false
	}
	for i := 1; i < len(cs); i++ {
		if cs[i-1].lag < 0 || cs[i].lag <= cs[i-1].lag {
			return false
		}
	}
	return true
}
