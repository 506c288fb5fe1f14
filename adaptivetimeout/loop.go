package adaptivetimeout

import (
	"context"
	"time"
)

// Source is a loop's view of the readers it serves: n readers, each
// holding records fetched for it in the background (by a poll thread, or
// sarama's partition consumers). The loop runs in one goroutine and is the
// only caller of a Source's methods. Package sim implements Source in
// virtual time; package kafkaread over sarama partition consumers.
type Source interface {
	// Len returns the number of readers, fixed for the loop's run.
	Len() int
	// Now returns the current time: the wall clock, or a simulator's
	// virtual clock.
	Now() time.Time
	// Wait waits until reader i holds at least one record, d has passed,
	// or ctx is done, and reports what the reader holds. d <= 0 only looks.
	// Waiting may hand the reader a batch from its poll thread.
	Wait(ctx context.Context, i int, d time.Duration) (Ready, error)
	// Emit delivers reader i's next n held records downstream, in order;
	// n is at most the Records of the latest Ready of reader i minus what
	// was emitted since.
	Emit(ctx context.Context, i, n int) error
	// WaitAny waits until any reader holds a record, d has passed, or ctx
	// is done.
	WaitAny(ctx context.Context, d time.Duration) error
	// Sleep waits d, or until ctx is done, whatever the readers receive.
	Sleep(ctx context.Context, d time.Duration) error
}

// Ready is what one reader holds after a Wait. It is a plain value.
type Ready struct {
	// Records is how many records the reader holds, ready to emit.
	Records int
	// Since is when the oldest of them became ready (zero if none).
	Since time.Time
	// Backlog is how many records Kafka holds for the reader beyond those
	// fetched, as of the latest fetch response, or unknown with a reason
	// (NoFetchResponse before the first response); never -1 or a 0 that
	// was not measured.
	Backlog Figure[int64]
}

// Loop is a source loop: one goroutine visiting many readers, asking p
// how long to wait on each. Run returns when ctx is done (ctx.Err()) or a
// Source method fails (that error). BeamLoop and BatchLoop are safe for
// concurrent use: each Run keeps its state to itself.
type Loop interface {
	Run(ctx context.Context, src Source, p Policy) error
}

var (
	_ Loop = BeamLoop{}
	_ Loop = BatchLoop{}
)

// reader is a loop's bookkeeping for one reader: what it holds, and the
// Outcome it is gathering for the policy's next call.
type reader struct {
	policy  Reader
	held    int           // records ready, as far as the loop knows
	backlog Figure[int64] // latest Ready.Backlog
	out     Outcome
	// dryAt is when the reader was first found empty since it last held a
	// record (zero: it was not); dryBacklog its backlog then.
	dryAt      time.Time
	dryBacklog Figure[int64]
}

func newReaders(n int, p Policy) []reader {
	rs := make([]reader, n)
	for i := range rs {
		rs[i] = reader{policy: p.NewReader(), backlog: Unknown[int64](NoFetchResponse),
			out: Outcome{Latency: Unknown[time.Duration](NoPreviousWait), Backlog: Unknown[int64](NoFetchResponse)}}
	}
	return rs
}

// next asks the policy for the wait and starts a new Outcome.
func (r *reader) next(now time.Time) time.Duration {
	o := r.out
	o.Backlog = r.backlog
	w := max(0, r.policy.Next(now, o))
	r.out = Outcome{Start: now, Latency: Unknown[time.Duration](NotMeasured)}
	return w
}

// wait waits up to d, the wait next returned, for reader i and records
// what it found.
func (r *reader) wait(ctx context.Context, src Source, i int, d time.Duration) error {
	start := src.Now()
	rd, err := src.Wait(ctx, i, d)
	if err != nil {
		return err
	}
	r.out.Waited = src.Now().Sub(start)
	r.observe(start, rd)
	return nil
}

// observe updates the bookkeeping with a Wait that began at start.
func (r *reader) observe(start time.Time, rd Ready) {
	before := r.backlog
	r.held, r.backlog = rd.Records, rd.Backlog
	if rd.Records == 0 {
		if r.dryAt.IsZero() {
			r.dryAt, r.dryBacklog = start, rd.Backlog
		}
		return
	}
	from, backlog := r.dryAt, r.dryBacklog
	if from.IsZero() && !rd.Since.Before(start) {
		from, backlog = start, before // the records came during this wait
	}
	if _, behind := positive(backlog); !from.IsZero() && behind {
		r.out.Latency = Known(max(0, rd.Since.Sub(from)))
	}
	r.dryAt = time.Time{}
}

// emit delivers n held records of reader i.
func (r *reader) emit(ctx context.Context, src Source, i, n int) error {
	if err := src.Emit(ctx, i, n); err != nil {
		return err
	}
	r.held -= n
	r.out.Records += n
	return nil
}
