package flinkdrain

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// Outcome errors of Drain. A drain that ends Drained returns a nil error.
var (
	// ErrCancelled: the drain failed and the job was cancelled without a
	// drained savepoint (the fallback, or someone else cancelled it).
	// Operation.Reason says why.
	ErrCancelled = errors.New("flinkdrain: drain failed; job cancelled without a savepoint")
	// ErrFailed: the job was neither drained nor cancelled by this drain.
	ErrFailed = errors.New("flinkdrain: drain failed")
	// ErrJobGone: Flink does not know the job (404). Wrapped with ErrFailed.
	ErrJobGone = errors.New("flinkdrain: job not found")
	// ErrNotStopped: an attempt wrote a savepoint but the job did not stop
	// (its tasks did not finish, it failed over and runs again), and no
	// later attempt drained it. Wrapped with ErrFailed (FallbackNone: the
	// job runs on) or ErrCancelled (the fallback cancelled it);
	// Operation.WrittenSavepoint holds the savepoint.
	ErrNotStopped = errors.New("flinkdrain: savepoint written but the job did not stop")
	// ErrNoOperation: Resume found no recorded operation for the job.
	ErrNoOperation = errors.New("flinkdrain: no drain recorded for the job")
	// ErrBadAnswer: Flink answered the stop in a form that cannot be
	// followed (a malformed trigger ID). The operation stays Stopping, with
	// nothing cancelled; a later Drain sends the same trigger again.
	ErrBadAnswer = errors.New("flinkdrain: unexpected answer from the JobManager")
)

// Drainer drains Flink jobs: stop with a savepoint after MAX_WATERMARK
// (drain), or, when that fails, the configured fallback. Safe for
// concurrent use: concurrent Drain calls for one job share one drain.
type Drainer struct {
	cfg Config

	mu      sync.Mutex
	flights map[flinkapi.JobID]*flight
}

// flight is one drain in progress that callers for the same job join.
type flight struct {
	done chan struct{}
	op   drain.Operation
	err  error
}

// New returns a Drainer, or an error wrapping ErrInvalidConfig.
func New(cfg Config) (*Drainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Drainer{cfg: cfg.withDefaults(), flights: map[flinkapi.JobID]*flight{}}, nil
}

// Drain stops job with a drained savepoint and returns the finished
// operation. It returns a nil error only when the job Drained: a savepoint
// confirmed at Operation.Location and the job seen FINISHED after it.
// Otherwise the error wraps ErrCancelled (the job was cancelled), ErrFailed
// (possibly with ErrJobGone or ErrNotStopped), ErrBadAnswer, a record error
// wrapping drain.ErrInvalidRecord (nothing was sent to Flink), ctx's error,
// or a Store error, with the operation as far as it got.
//
// Drain resumes an unfinished operation of the job recorded in the Store
// (after a crash or a ctx cancellation): it re-sends the same triggerId,
// which Flink de-duplicates, or polls it, and keeps the deadline counted
// from the first request. A finished operation (drained, cancelled,
// failed) is history: Drain starts a new one, since job IDs are reused (an
// application cluster with HA keeps its fixed ID), unless that operation
// finished while this call waited for it (another caller's drain of the
// job, in this process or, through a drain.Locker store, another one);
// then its result is this call's. Use Resume to read or continue the
// recorded operation without ever starting a new one.
func (d *Drainer) Drain(ctx context.Context, job flinkapi.JobID) (drain.Operation, error) {
	return d.call(ctx, job, false)
}

// Resume continues the job's recorded operation, or returns its result
// when it has finished, without ever starting a new drain; with no record
// the error wraps ErrNoOperation.
func (d *Drainer) Resume(ctx context.Context, job flinkapi.JobID) (drain.Operation, error) {
	return d.call(ctx, job, true)
}

func (d *Drainer) call(ctx context.Context, job flinkapi.JobID, resume bool) (drain.Operation, error) {
	if err := job.Validate(); err != nil {
		return drain.Operation{}, err
	}
	for {
		op, leaderGaveUp, err := d.drainOnce(ctx, job, resume)
		if !leaderGaveUp {
			return op, err
		}
		// The drain this call joined ended with its own caller's ctx; this
		// caller's ctx is still live, so it carries the drain on.
	}
}

// drainOnce runs the drain, or joins the one in flight for job.
// leaderGaveUp reports a joined drain that stopped on its leader's ctx.
func (d *Drainer) drainOnce(ctx context.Context, job flinkapi.JobID, resume bool) (op drain.Operation, leaderGaveUp bool, err error) {
	d.mu.Lock()
	f, joined := d.flights[job]
	if !joined {
		f = &flight{done: make(chan struct{})}
		d.flights[job] = f
	}
	d.mu.Unlock()
	if !joined {
		f.op, f.err = d.run(ctx, job, resume)
		d.mu.Lock()
		delete(d.flights, job)
		d.mu.Unlock()
		close(f.done)
		return f.op, false, f.err
	}
	select {
	case <-f.done:
		gaveUp := ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded))
		return f.op, gaveUp, f.err
	case <-ctx.Done():
		return drain.Operation{}, false, ctx.Err()
	}
}

// outcome turns a terminal operation into Drain's error.
func outcome(op drain.Operation) error {
	written := ""
	if op.WrittenSavepoint != "" {
		written = fmt.Sprintf(" (a savepoint was written at %s, but the job did not stop)", op.WrittenSavepoint)
	}
	switch op.State {
	case drain.Drained:
		return nil
	case drain.Cancelled:
		if written != "" {
			return fmt.Errorf("%w: %w: %s%s", ErrCancelled, ErrNotStopped, op.Reason, written)
		}
		return fmt.Errorf("%w: %s", ErrCancelled, op.Reason)
	case drain.Failed:
		switch {
		case op.Reason == reasonJobGone:
			return fmt.Errorf("%w: %w", ErrFailed, ErrJobGone)
		case written != "":
			return fmt.Errorf("%w: %w: %s%s", ErrFailed, ErrNotStopped, op.Reason, written)
		}
		return fmt.Errorf("%w: %s", ErrFailed, op.Reason)
	}
	return fmt.Errorf("flinkdrain: operation not finished (%s)", op.State)
}
