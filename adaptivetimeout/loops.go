package adaptivetimeout

import (
	"context"
	"fmt"
	"time"
)

// Defaults of the loops.
const (
	// BeamIdleSleep is how long Beam's loop sleeps after a pass in which no
	// reader had data.
	BeamIdleSleep = 50 * time.Millisecond
	// DefaultBatch is BatchLoop's smallest record budget per visit: Kafka's
	// max.poll.records, what one poll hands over.
	DefaultBatch = 500
	// DefaultMaxVisit is how long one BatchLoop visit may last.
	DefaultMaxVisit = 10 * time.Millisecond
	// DefaultIdleWait bounds BatchLoop's wait for any reader after an empty
	// pass; data ends the wait at once.
	DefaultIdleWait = 50 * time.Millisecond
)

// BeamLoop models the Flink runner's UnboundedSourceWrapper: one task
// thread round-robins its readers and takes one record per reader per pass.
// A reader's wait (Beam's dequeue poll) happens only when the records it
// was handed are used up; a pass in which no reader had data ends with a
// Sleep of 50 ms. The cost of a pass is the sum of its idle readers'
// waits: with 20 idle readers at 10 ms, a hot reader emits about 5 records
// per second. The zero value is Beam's loop. Safe for concurrent use.
type BeamLoop struct {
	// Sleep is the pause after a pass in which no reader had data.
	// Default: BeamIdleSleep (50ms). Zero means default.
	Sleep time.Duration
}

// Validate reports whether l is usable, wrapping ErrInvalidConfig if not.
func (l BeamLoop) Validate() error {
	if l.Sleep < 0 {
		return fmt.Errorf("%w: BeamLoop.Sleep %v is negative", ErrInvalidConfig, l.Sleep)
	}
	return nil
}

// Run drives src with p until ctx is done or src fails.
func (l BeamLoop) Run(ctx context.Context, src Source, p Policy) error {
	if err := l.Validate(); err != nil {
		return err
	}
	pause := l.Sleep
	if pause == 0 {
		pause = BeamIdleSleep
	}
	rs := newReaders(src.Len(), p)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		had := false
		for i := range rs {
			r := &rs[i]
			if r.held == 0 {
				if err := r.wait(ctx, src, i, r.next(src.Now())); err != nil {
					return err
				}
			}
			if r.held > 0 {
				had = true
				if err := r.emit(ctx, src, i, 1); err != nil {
					return err
				}
			}
		}
		if !had {
			if err := src.Sleep(ctx, pause); err != nil {
				return err
			}
		}
	}
}

// BatchLoop is this package's loop. It visits the readers round robin. A
// visit waits for the reader as the policy says when it holds nothing,
// then delivers up to a budget of records: the reader's held records plus
// its Kafka backlog, at least Batch and at most MaxBatch, so a reader far
// behind gets more per visit than one nearly caught up. When the reader
// runs dry within its budget the visit waits again as the policy says:
// a reader whose next batch is on its way keeps the thread, an idle one
// (which a good policy does not wait for) gives it up at once. A visit
// lasts at most MaxVisit, waits included, so one hot reader cannot hold
// up the others' fresh records for long. There is no fixed sleep: after a
// pass in which no reader had data the loop waits until any reader has
// some (at most IdleWait, then passes again). With a policy that does not
// wait on idle readers (Default, NoWait), a pass over idle readers costs
// only looks, and a hot reader keeps nearly the throughput it has alone.
//
// The zero value uses the defaults. Safe for concurrent use.
type BatchLoop struct {
	// Batch is the smallest record budget of a visit. Default:
	// DefaultBatch (500).
	Batch int
	// MaxBatch is the largest record budget of a visit, given to a reader
	// whose held records and backlog reach it. Default: 4 x Batch.
	MaxBatch int
	// MaxVisit ends a visit this long after its first wait ended, waits
	// for further batches included, whatever its budget. Default:
	// DefaultMaxVisit (10ms).
	MaxVisit time.Duration
	// IdleWait bounds the wait for any reader after a pass in which none
	// had data. Default: DefaultIdleWait (50ms).
	IdleWait time.Duration
}

// Validate reports whether l is usable, wrapping ErrInvalidConfig if not.
func (l BatchLoop) Validate() error {
	d := l.withDefaults()
	if l.Batch < 0 || l.MaxBatch < 0 || l.MaxVisit < 0 || l.IdleWait < 0 {
		return fmt.Errorf("%w: negative field in %+v", ErrInvalidConfig, l)
	}
	if d.MaxBatch < d.Batch {
		return fmt.Errorf("%w: MaxBatch %d below Batch %d", ErrInvalidConfig, d.MaxBatch, d.Batch)
	}
	return nil
}

func (l BatchLoop) withDefaults() BatchLoop {
	if l.Batch == 0 {
		l.Batch = DefaultBatch
	}
	if l.MaxBatch == 0 {
		l.MaxBatch = 4 * l.Batch
	}
	if l.MaxVisit == 0 {
		l.MaxVisit = DefaultMaxVisit
	}
	if l.IdleWait == 0 {
		l.IdleWait = DefaultIdleWait
	}
	return l
}

// Run drives src with p until ctx is done or src fails.
func (l BatchLoop) Run(ctx context.Context, src Source, p Policy) error {
	if err := l.Validate(); err != nil {
		return err
	}
	l = l.withDefaults()
	rs := newReaders(src.Len(), p)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		had := false
		for i := range rs {
			n, err := l.visit(ctx, src, &rs[i], i)
			if err != nil {
				return err
			}
			had = had || n > 0
		}
		if !had {
			if err := src.WaitAny(ctx, l.IdleWait); err != nil {
				return err
			}
		}
	}
}

// visit serves reader i once and returns how many records it delivered.
func (l BatchLoop) visit(ctx context.Context, src Source, r *reader, i int) (int, error) {
	if r.held == 0 {
		if err := r.wait(ctx, src, i, r.next(src.Now())); err != nil {
			return 0, err
		}
	}
	budget := l.budget(r)
	start := src.Now()
	got := 0
	for r.held > 0 {
		n := min(r.held, budget-got)
		if err := r.emit(ctx, src, i, n); err != nil {
			return got, err
		}
		got += n
		now := src.Now()
		if got >= budget || now.Sub(start) >= l.MaxVisit {
			break
		}
		if r.held == 0 { // ran dry within its budget: wait as the policy says, within MaxVisit
			w := min(r.next(now), l.MaxVisit-now.Sub(start))
			if err := r.wait(ctx, src, i, w); err != nil {
				return got, err
			}
		}
	}
	return got, nil
}

// budget is the visit's record budget: held records plus backlog (none
// when unknown), within [Batch, MaxBatch].
func (l BatchLoop) budget(r *reader) int {
	backlog, _ := positive(r.backlog)
	if backlog >= int64(l.MaxBatch) {
		return l.MaxBatch
	}
	want := r.held + int(max(backlog, 0))
	return min(max(want, l.Batch), l.MaxBatch)
}
