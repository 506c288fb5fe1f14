package livejob

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// chunk is records of one partition on their way from a source to a sink:
// their offsets and their keys' hashes.
type chunk struct {
	part int // index into Job.parts
	offs []int64
	keys []uint32
}

// queue is a subtask's input buffer, bounded in records (a chunk is
// accepted while the buffer holds fewer than its capacity). Any number of
// goroutines may put and get; close ends it once emptied.
type queue struct {
	mu       sync.Mutex
	items    []chunk
	n, limit int
	closed   bool
	notEmpty chan struct{} // a token when it may have turned non-empty or closed
	notFull  chan struct{} // a token when it may have room
}

func newQueue(limit int) *queue {
	return &queue{limit: max(limit, 1), notEmpty: make(chan struct{}, 1), notFull: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// put adds c, waiting for room, and returns how long it waited: the
// sender's backpressured time.
func (q *queue) put(ctx context.Context, c chunk) (time.Duration, error) {
	var start time.Time
	for {
		q.mu.Lock()
		if q.n < q.limit {
			q.items = append(q.items, c)
			q.n += len(c.offs)
			room := q.n < q.limit
			q.mu.Unlock()
			signal(q.notEmpty)
			if room {
				signal(q.notFull) // pass the token on to another waiting sender
			}
			if start.IsZero() {
				return 0, nil
			}
			return time.Since(start), nil
		}
		q.mu.Unlock()
		if start.IsZero() {
			start = time.Now()
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-q.notFull:
		}
	}
}

// get takes the oldest chunk, waiting for one; false once the queue is
// closed and empty, or ctx is done.
func (q *queue) get(ctx context.Context) (chunk, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			c := q.items[0]
			q.items[0] = chunk{}
			q.items = q.items[1:]
			q.n -= len(c.offs)
			more := len(q.items) > 0
			q.mu.Unlock()
			signal(q.notFull)
			if more {
				signal(q.notEmpty)
			}
			return c, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return chunk{}, false
		}
		select {
		case <-ctx.Done():
			return chunk{}, false
		case <-q.notEmpty:
		}
	}
}

// close lets the readers finish once the queue is empty.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	signal(q.notEmpty)
}

// taskStats are one subtask's counters since its execution started.
type taskStats struct {
	busy, backpressured atomic.Int64 // nanoseconds
	in, out             atomic.Int64 // records
	view                []viewPoint  // busy and backpressured over time; publisher only
}

type viewPoint struct {
	t             time.Time
	busy, blocked int64
}

// pacer keeps a subtask at its capacity: work(n) returns once n records'
// worth of time has passed on the subtask's schedule.
type pacer struct {
	perRecord float64 // nanoseconds
	next      time.Time
}

// paceSlack is how far behind its schedule a subtask may fall and still
// catch up (timer overshoot, a loaded machine); beyond it, lost time
// stays lost.
const paceSlack = 50 * time.Millisecond

func newPacer(capacity float64) pacer { return pacer{perRecord: 1e9 / capacity} }

// work paces n records and adds their nominal time (n over the capacity)
// to busy: the subtask's busy time is the work it did, not the timer's
// overshoot, which the schedule makes up for within paceSlack.
func (p *pacer) work(ctx context.Context, n int, busy *atomic.Int64) error {
	d := time.Duration(float64(n) * p.perRecord)
	now := time.Now()
	if p.next.Before(now.Add(-paceSlack)) {
		p.next = now.Add(-paceSlack)
	}
	p.next = p.next.Add(d)
	busy.Add(int64(d))
	wait := p.next.Sub(now)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
