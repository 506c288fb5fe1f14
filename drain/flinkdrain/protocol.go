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
}

func (d *Drainer) run(ctx context.Context, job flinkapi.JobID) (drain.Operation, error) {
	op, found, err := d.cfg.Store.Load(ctx, string(job))
	if err != nil {
		return drain.Operation{}, fmt.Errorf("flinkdrain: load job %s: %w", job, err)
	}
	r := &run{d: d, job: job}
	if !found {
		op = drain.NewOperation(string(job), d.cfg.Clock.Now())
		if err := d.cfg.Store.Save(ctx, op); err != nil {
			return op, fmt.Errorf("flinkdrain: save job %s: %w", job, err)
		}
		d.cfg.Logger.InfoContext(ctx, "flinkdrain: drain requested", "job", string(job))
	} else if !op.State.Terminal() {
		d.cfg.Logger.InfoContext(ctx, "flinkdrain: resuming drain", "job", string(job), "state", op.State.String(), "trigger", op.TriggerID)
	}
	r.m = drain.NewMachine(op, nil)
	for !r.op().State.Terminal() {
		if err := r.step(ctx); err != nil {
			return r.op(), err
		}
	}
	return r.op(), outcome(r.op())
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

// deadline is when the drain gives up on a savepoint.
func (r *run) deadline() time.Time { return r.op().Requested.Add(r.d.cfg.Timeout) }

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

// transient reports whether a Flink error may pass if tried again: the
// JobManager was unavailable (502, 503, 504, 429 or a connection error)
// through all of flinkapi's own retries.
func transient(err error) bool { return errors.Is(err, flinkapi.ErrUnavailable) }
