package adaptivetimeout

import (
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale"
)

// ErrInvalidConfig is wrapped by every error about a bad configuration of
// a policy or a loop. It wraps flinkscale.ErrInvalidConfig, so errors.Is
// holds for both; the sentinels of packages kafkaread and sim wrap this
// one.
var ErrInvalidConfig = fmt.Errorf("adaptivetimeout: %w", flinkscale.ErrInvalidConfig)

// Outcome is what happened to one reader since the loop last asked its
// policy for a wait: how the wait went and what the reader delivered after
// it. The loop fills it in; a policy only reads it.
//
// The zero Start means there was no previous wait (the reader is new): only
// Backlog is then meaningful, and Latency is unknown (NoPreviousWait when a
// loop of this package builds the Outcome). A figure the loop could not
// measure is unknown with its reason, never 0 or -1. It is a plain value.
type Outcome struct {
	// Start is when the previous wait began.
	Start time.Time
	// Waited is how long the previous wait lasted: until the reader held a
	// record, or the whole wait when none came.
	Waited time.Duration
	// Records is how many records the reader delivered since the previous
	// wait began: those that wait found and any taken from the reader
	// afterwards without waiting. 0 means the wait ended empty.
	Records int
	// Latency is how long records that Kafka already held for the reader
	// took to become ready after the reader ran out of them: the part of a
	// fetch's round trip the loop could not hide. It is measured only when
	// the reader ran out while Backlog was positive (otherwise the time
	// until the next record is the producers' doing, not the fetch's), and
	// is unknown (NotMeasured) when it was not measured since the previous
	// wait began. A known 0 is a fetch that took no time.
	Latency Figure[time.Duration]
	// Backlog is how many records Kafka holds for the reader beyond those
	// it has fetched (high watermark minus the next offset to fetch), as of
	// the latest fetch response, or unknown with the Source's reason
	// (NoFetchResponse before the first response). A known 0 means the
	// reader is caught up.
	Backlog Figure[int64]
}

// Reader is one reader's wait state, created by a Policy. The loop calls
// Next each time it would wait for the reader's data (the reader has no
// record ready that the loop knows of), passing what happened since the
// previous call. Not safe for concurrent use: one loop drives it; distinct
// Readers of one Policy are independent and may be used concurrently.
type Reader interface {
	// Next returns how long the loop may wait for the reader's next record
	// now, learning from last, the outcome of the previous wait. It never
	// returns a negative duration; 0 means look without waiting.
	Next(now time.Time, last Outcome) time.Duration
}

// Policy decides how long a reader may wait for data, from what happened
// on its previous waits. It keeps no per-reader state itself: every reader
// gets its own from NewReader. Implementations in this package (Fixed,
// NoWait, BeamAIAD, Default, Func, and those Clamp returns) are safe for
// concurrent use and pass the conformance suite in package
// adaptivetimeouttest.
type Policy interface {
	// NewReader returns the wait state of one new reader.
	NewReader() Reader
}

// Bounded is implemented by policies that know the least and the most any
// of their readers will wait. The conformance suite checks every wait
// against these bounds. Every Policy of this package but Func implements
// it.
type Bounded interface {
	Policy
	// Bounds returns the shortest and the longest wait, 0 <= lo <= hi.
	Bounds() (lo, hi time.Duration)
}

// Func adapts a stateless function to both Reader and Policy: every reader
// shares the function, which sees only the last outcome. It is safe for
// concurrent use if the function is. A negative result is returned as 0.
type Func func(now time.Time, last Outcome) time.Duration

// Next returns f(now, last), or 0 if that is negative.
func (f Func) Next(now time.Time, last Outcome) time.Duration {
	return max(0, f(now, last))
}

// NewReader returns f itself: a Func has no per-reader state.
func (f Func) NewReader() Reader { return f }

var (
	_ Policy  = Func(nil)
	_ Reader  = Func(nil)
	_ Bounded = Fixed{}
	_ Bounded = NoWait{}
	_ Bounded = BeamAIAD{}
	_ Bounded = (*Default)(nil)
	_ Bounded = (*clamped)(nil)
)

// Clamp returns a policy whose readers wait what p's readers wait, raised
// to lo and cut to hi. The result implements Bounded: its bounds are lo and
// hi narrowed by p's own when p is Bounded. It is safe for concurrent use
// if p is. Clamp returns an error wrapping ErrInvalidConfig unless
// 0 <= lo <= hi.
func Clamp(p Policy, lo, hi time.Duration) (Policy, error) {
	if p == nil || lo < 0 || hi < lo {
		return nil, fmt.Errorf("%w: Clamp needs a policy and 0 <= lo <= hi, got lo %v, hi %v", ErrInvalidConfig, lo, hi)
	}
	return &clamped{p: p, lo: lo, hi: hi}, nil
}

type clamped struct {
	p      Policy
	lo, hi time.Duration
}

func (c *clamped) NewReader() Reader {
	r := c.p.NewReader()
	return Func(func(now time.Time, last Outcome) time.Duration {
		return min(max(r.Next(now, last), c.lo), c.hi)
	})
}

func (c *clamped) Bounds() (lo, hi time.Duration) {
	lo, hi = c.lo, c.hi
	if b, ok := c.p.(Bounded); ok {
		plo, phi := b.Bounds()
		lo, hi = min(max(plo, c.lo), c.hi), min(max(phi, c.lo), c.hi)
	}
	return lo, hi
}
