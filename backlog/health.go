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
	// StatusWarn: committing, but the lag grew at every commit in the
	// window.
	StatusWarn
	// StatusStall: committing the same offset again and again, behind at
	// every commit in the window.
	StatusStall
	// StatusStop: behind, and no commit for longer than the window spans
	// (counted from when the lag appeared, if later).
	StatusStop
	// StatusRewind: behind, and the committed offset moved back and has not
	// yet returned to where it was.
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
	// lagging is set from the first observation that showed a lag after
	// one that showed none (or after none at all), at lagSince; a
	// caught-up observation clears it.
	lagging  bool
	lagSince time.Time
}

// track notes when the current lag appeared, after an observation at now.
func (s *healthState) track(now time.Time) {
	if !s.hasEnd || len(s.commits) == 0 {
		return
	}
	if s.end-s.commits[len(s.commits)-1].offset <= 0 {
		s.lagging = false
		return
	}
	if !s.lagging {
		s.lagging, s.lagSince = true, now
	}
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
// with the statuses and, where the package doc's table does not say
// otherwise, the rules of LinkedIn's Burrow. Its methods take the time as an
// argument. Safe for concurrent use.
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
	s.track(now)
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
	s := h.state(k)
	h.addCommit(s, now, offset)
	s.track(now)
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

// Observe records a snapshot's end offsets, and its committed offsets as
// commits where they changed. A poller that reads committed offsets
// (Kafka's OffsetFetch, which carries no commit time) cannot see a re-commit
// of the same offset, so an unchanged offset counts as a commit only when
// the partition is Live (a live consumer holds it and commits its position
// even when it does not move: see Partition.Live); otherwise it is no
// commit, and a consumer whose offset does not move shows STOP once its
// silence outlasts the window. Negative offsets are ignored.
func (h *Health) Observe(snap Snapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range snap.Partitions {
		s := h.state(p.Key)
		if end, ok := p.Offsets.End.Value(); ok && end >= 0 {
			s.end, s.hasEnd = end, true
		}
		c, ok := p.Offsets.Committed.Value()
		if ok && c >= 0 {
			n := len(s.commits)
			switch {
			case n == 0 || s.commits[n-1].offset != c:
				h.addCommit(s, snap.Time, c)
			case p.Live && snap.Time.After(s.commits[n-1].at):
				h.addCommit(s, snap.Time, c) // re-committed by a live consumer
			}
		}
		s.track(snap.Time)
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
	ph.Status, ph.Detail = h.judge(now, s, lag)
	return ph
}

// judge applies the rules in order (lag is the current lag, above 0 once
// caught up is ruled out): caught up (OK); STOP; REWIND; and, when every
// commit in the window was behind, STALL and WARN; else OK.
func (h *Health) judge(now time.Time, s *healthState, lag int64) (Status, string) {
	cs := s.commits
	if lag == 0 {
		return StatusOK, "caught up"
	}
	first, last := cs[0], cs[len(cs)-1]
	span := max(last.at.Sub(first.at), h.cfg.MinSpan)
	since := last.at
	if s.lagging && s.lagSince.After(since) {
		since = s.lagSince // caught up until then: silence while caught up is no fault
	}
	if silent := now.Sub(since); silent > span {
		return StatusStop, fmt.Sprintf("no commit for %v (window spans %v) with lag %d", now.Sub(last.at), span, lag)
	}
	for i := 1; i < len(cs); i++ {
		if cs[i].offset < cs[i-1].offset && !recovered(cs[i:], cs[i-1].offset) {
			return StatusRewind, fmt.Sprintf("committed offset moved back from %d to %d, lag %d", cs[i-1].offset, cs[i].offset, lag)
		}
	}
	if !behindThroughout(cs) {
		return StatusOK, fmt.Sprintf("caught up within the window, lag %d", lag)
	}
	if len(cs) >= min(h.cfg.Window, 3) && same(cs) {
		return StatusStall, fmt.Sprintf("offset %d committed %d times, behind at each, lag %d", last.offset, len(cs), lag)
	}
	if growing(cs) {
		return StatusWarn, fmt.Sprintf("lag grew at each of %d commits, now %d", len(cs), lag)
	}
	return StatusOK, fmt.Sprintf("progressing, lag %d", lag)
}

// recovered reports whether a commit after a rewind reached back to from.
func recovered(after []commit, from int64) bool {
	for _, c := range after {
		if c.offset >= from {
			return true
		}
	}
	return false
}

// behindThroughout reports whether no commit in the window was caught up
// (a commit whose lag was unknown, made before any end offset was seen,
// counts as behind, as Burrow counts a commit without lag).
func behindThroughout(cs []commit) bool {
	for _, c := range cs {
		if c.lag == 0 {
			return false
		}
	}
	return true
}

// same reports whether every commit in the window has one offset.
func same(cs []commit) bool {
	for _, c := range cs[1:] {
		if c.offset != cs[0].offset {
			return false
		}
	}
	return true
}

// growing reports whether the lag rose at every commit whose lag is known,
// with at least three such commits (commits made before any end offset was
// seen have no lag and are skipped, not counted against the rule).
func growing(cs []commit) bool {
	n, prev := 0, int64(-1)
	for _, c := range cs {
		if c.lag < 0 {
			continue
		}
		if n > 0 && c.lag <= prev {
			return false
		}
		n, prev = n+1, c.lag
	}
	return n >= 3
}
