package adaptivetimeout

import "time"

// Beam's constants, from KafkaUnboundedReader and PR #29400.
const (
	// BeamDequeueTimeout is RECORDS_DEQUEUE_POLL_TIMEOUT, the legacy
	// reader's fixed wait for a batch from its poll thread, and the
	// adaptive rule's starting wait.
	BeamDequeueTimeout = 10 * time.Millisecond
	// BeamMinTimeout and BeamMaxTimeout bound the adaptive rule's wait.
	BeamMinTimeout = 1 * time.Millisecond
	BeamMaxTimeout = 20 * time.Millisecond
	// BeamStep is the adaptive rule's change per wait.
	BeamStep = 1 * time.Millisecond
)

// Fixed waits the same time on every visit, whatever happened before: the
// legacy behaviour of Beam's KafkaUnboundedReader, which waits
// BeamDequeueTimeout (10 ms) for a batch from its poll thread. With many
// idle readers on one thread, every pass pays each idle reader's full wait.
// Safe for concurrent use; its readers are stateless.
type Fixed struct {
	// Wait is the wait. Default: BeamDequeueTimeout (10ms). Zero means
	// default; use NoWait for a policy that never waits.
	Wait time.Duration
}

func (f Fixed) wait() time.Duration {
	if f.Wait <= 0 {
		return BeamDequeueTimeout
	}
	return f.Wait
}

// NewReader returns a reader that always waits f.Wait.
func (f Fixed) NewReader() Reader {
	w := f.wait()
	return Func(func(time.Time, Outcome) time.Duration { return w })
}

// Bounds returns f.Wait twice.
func (f Fixed) Bounds() (lo, hi time.Duration) { return f.wait(), f.wait() }

// NoWait never waits: the loop only looks whether a reader holds a record.
// Safe for concurrent use.
type NoWait struct{}

// NewReader returns a reader that always returns 0.
func (NoWait) NewReader() Reader {
	return Func(func(time.Time, Outcome) time.Duration { return 0 })
}

// Bounds returns 0, 0.
func (NoWait) Bounds() (lo, hi time.Duration) { return 0, 0 }

// BeamAIAD is a faithful model of Beam's adaptive dequeue timeout (PR
// #29400): each reader starts at BeamDequeueTimeout (10 ms); a wait that
// found a batch adds BeamStep (1 ms), an empty one subtracts it; the wait
// stays within [BeamMinTimeout, BeamMaxTimeout] = [1, 20] ms. Nothing else
// is taken into account: not the backlog, not the latency, not how long
// the reader has been idle, so a reader that wakes after a long idle spell
// starts from 1 ms. Safe for concurrent use; each reader has its own wait.
type BeamAIAD struct{}

// NewReader returns a reader starting at 10 ms.
func (BeamAIAD) NewReader() Reader { return &beamReader{wait: BeamDequeueTimeout} }

// Bounds returns 1 ms and 20 ms.
func (BeamAIAD) Bounds() (lo, hi time.Duration) { return BeamMinTimeout, BeamMaxTimeout }

type beamReader struct{ wait time.Duration }

// Next applies the previous wait's result, then returns the wait.
func (r *beamReader) Next(_ time.Time, last Outcome) time.Duration {
	if last.Start.IsZero() {
		return r.wait
	}
	if last.Records > 0 {
		r.wait = min(r.wait+BeamStep, BeamMaxTimeout)
	} else {
		r.wait = max(r.wait-BeamStep, BeamMinTimeout)
	}
	return r.wait
}
