package flinkdrain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// Reasons recorded for outcomes Drain recognises.
const (
	reasonJobGone = "job not found (404): it is gone"
)

// run is one drain: load or start the operation, then act on its state
// until it is terminal.
type run struct {
	d   *Drainer
	job flinkapi.JobID
	m   *drain.Machine
	// deadline is the one deadline of the stop and its attempts:
	// Requested + Timeout, fixed when the operation is loaded or started.
	deadline time.Time
	// missingSince is when the current trigger's status first answered
	// 404 in this run (zero while it answers).
	missingSince time.Time
	// seen is the last job state logged while waiting, to log each once.
	seen flinkapi.JobState
	// previous is the finished operation a new one replaced, if any.
	previous drain.Operation
}

func (d *Drainer) run(ctx context.Context, job flinkapi.JobID, resume bool) (drain.Operation, error) {
	// What was on record before the lock: a record that changed while this
	// call waited for the lock is another caller's drain of the job.
	before, _, _ := d.cfg.Store.Load(ctx, string(job))
	if l, ok := d.cfg.Store.(drain.Locker); ok {
		unlock, err := l.Lock(ctx, string(job))
		if err != nil {
			return drain.Operation{}, fmt.Errorf("flinkdrain: job %s: %w", job, err)
		}
		defer func() {
			if err := unlock(); err != nil {
				d.cfg.Logger.WarnContext(ctx, "flinkdrain: unlock", "job", string(job), "err", err)
			}
		}()
	}
	op, previous, err := d.load(ctx, job, resume, before)
	if err != nil || op.State.Terminal() {
		if err == nil {
			err = outcome(op)
		}
		return op, err
	}
	r := &run{d: d, job: job, m: drain.NewMachine(op, nil), deadline: op.Requested.Add(d.cfg.Timeout), previous: previous}
	for !r.op().State.Terminal() {
		if err := r.step(ctx); err != nil {
			return r.op(), err
		}
	}
	return r.op(), outcome(r.op())
}

// load returns the operation to act on: the recorded one, checked, when
// it is unfinished, when resume is set, or when it finished while this
// call waited for the lock (it differs from before); otherwise a new one,
// saved, with the finished one it replaces as previous.
func (d *Drainer) load(ctx context.Context, job flinkapi.JobID, resume bool, before drain.Operation) (op, previous drain.Operation, err error) {
	op, found, err := d.cfg.Store.Load(ctx, string(job))
	if err != nil {
		return drain.Operation{}, previous, fmt.Errorf("flinkdrain: load job %s: %w", job, err)
	}
	if found {
		if err := op.Check(string(job)); err != nil {
			return drain.Operation{}, previous, fmt.Errorf("flinkdrain: load job %s: %w", job, err)
		}
	}
	switch {
	case !found && resume:
		return drain.Operation{}, previous, fmt.Errorf("%w: %s", ErrNoOperation, job)
	case found && !op.State.Terminal():
		d.cfg.Logger.InfoContext(ctx, "flinkdrain: resuming drain", "job", string(job), "state", op.State.String(), "trigger", op.TriggerID)
		return op, previous, nil
	case found && (resume || !sameRecord(op, before)):
		return op, previous, nil
	case found:
		d.cfg.Logger.InfoContext(ctx, "flinkdrain: previous drain finished; starting a new one", "job", string(job),
			"previous", op.State.String(), "finished", op.Updated)
		previous = op
	}
	op = drain.NewOperation(string(job), d.cfg.Clock.Now())
	if err := d.cfg.Store.Save(ctx, op); err != nil {
		return op, previous, fmt.Errorf("flinkdrain: save job %s: %w", job, err)
	}
	d.cfg.Logger.InfoContext(ctx, "flinkdrain: drain requested", "job", string(job))
	return op, previous, nil
}

// sameRecord reports whether a and b are the same version of a record.
func sameRecord(a, b drain.Operation) bool {
	return a.Job == b.Job && a.State == b.State && a.Requested.Equal(b.Requested) && a.Updated.Equal(b.Updated) && len(a.History) == len(b.History)
}

func (r *run) op() drain.Operation { return r.m.Operation() }

// step acts once on the current state.
func (r *run) step(ctx context.Context) error {
	switch r.op().State {
	case drain.Requested:
		return r.begin(ctx)
	case drain.Stopping:
		return r.stop(ctx)
	case drain.Waiting:
		return r.wait(ctx)
	case drain.Finishing:
		return r.finishing(ctx)
	case drain.Cancelling:
		return r.cancel(ctx)
	}
	return fmt.Errorf("flinkdrain: no step for state %s", r.op().State)
}

// fire applies e, saves the operation, and reports the transition. The
// transition counts only once saved: a Store error stops the drain with
// the previous state on record.
func (r *run) fire(ctx context.Context, e drain.Event) error {
	prev := r.op()
	if err := r.m.Fire(r.d.cfg.Clock.Now(), e); err != nil {
		return fmt.Errorf("flinkdrain: job %s: %w", r.job, err)
	}
	op := r.op()
	if err := r.d.cfg.Store.Save(ctx, op); err != nil {
		r.m = drain.NewMachine(prev, nil)
		return fmt.Errorf("flinkdrain: save job %s: %w", r.job, err)
	}
	r.missingSince, r.seen = time.Time{}, ""
	step := op.History[len(op.History)-1]
	r.d.cfg.Logger.InfoContext(ctx, "flinkdrain: transition", "job", string(r.job),
		"from", step.From.String(), "to", step.To.String(), "event", step.Event.String(), "reason", step.Reason)
	if r.d.cfg.OnTransition != nil {
		r.d.cfg.OnTransition(op, step)
	}
	return nil
}

// fallback ends a drain that cannot finish: cancel, or fail.
func (r *run) fallback(ctx context.Context, reason string) error {
	if r.d.cfg.Fallback == FallbackNone {
		return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: reason + "; fallback: none"})
	}
	return r.fire(ctx, drain.Event{Kind: drain.Fallback, Reason: reason})
}

// expired reports whether the drain's deadline has passed.
func (r *run) expired() bool { return !r.d.cfg.Clock.Now().Before(r.deadline) }

// backoff doubles from PollMin to PollMax.
type backoff struct {
	cur, max time.Duration
}

func (r *run) newBackoff() *backoff { return &backoff{cur: r.d.cfg.PollMin, max: r.d.cfg.PollMax} }

// sleep waits the current delay, but never past until, and doubles it.
func (r *run) sleep(ctx context.Context, b *backoff, until time.Time) error {
	d := min(b.cur, max(0, until.Sub(r.d.cfg.Clock.Now())))
	b.cur = min(2*b.cur, b.max)
	return r.d.cfg.Clock.Sleep(ctx, d)
}

// answer is what a Flink error means to a drain.
type answer int

const (
	answerRetry    answer = iota // may pass if asked again: retry until the deadline
	answerGone                   // 404: the job (or trigger) is unknown
	answerConflict               // 409
	answerRefused                // a definite refusal; asking again will not help
	answerCtx                    // the caller's ctx ended
)

// classify sorts a non-nil error from a Flink call. Transient answers
// (flinkapi.IsTransient: 429, 408, 500, 502-504, a connection reset, a
// body cut off mid-read, a body that is not JSON) are retried; a request
// Flink refused for good (400, 401, 403, an answer missing what the call
// needs) is not, and never justifies a cancel.
func classify(ctx context.Context, err error) answer {
	switch {
	case ctx.Err() != nil:
		return answerCtx
	case errors.Is(err, flinkapi.ErrNotFound):
		return answerGone
	case errors.Is(err, flinkapi.ErrConflict):
		return answerConflict
	case flinkapi.IsTransient(err):
		return answerRetry
	}
	return answerRefused
}
