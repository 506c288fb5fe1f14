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
	// savepoint (the fallback). Operation.Reason says why.
	ErrCancelled = errors.New("flinkdrain: drain failed; job cancelled without a savepoint")
	// ErrFailed: the job was neither drained nor cancelled by this drain.
	ErrFailed = errors.New("flinkdrain: drain failed")
	// ErrJobGone: Flink does not know the job (404). Wrapped with ErrFailed.
	ErrJobGone = errors.New("flinkdrain: job not found")
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
// operation. It returns a nil error only when the job Drained, with the
// savepoint in Operation.Location; otherwise an error wrapping ErrCancelled
// (the fallback ran), ErrFailed (possibly with ErrJobGone), ctx's error, or
// a Store error, with the operation as far as it got.
//
// Drain is resumable and idempotent: every transition is saved before the
// next call to Flink, so calling Drain again after a crash or a ctx
// cancellation continues the recorded operation (re-sending the same
// triggerId, which Flink de-duplicates, or polling it), and calling it for
// a job already drained returns the recorded result without calling Flink.
// Use Config.Store's Delete to drain the same job ID again.
func (d *Drainer) Drain(ctx context.Context, job flinkapi.JobID) (drain.Operation, error) {
	if err := job.Validate(); err != nil {
		return drain.Operation{}, err
	}
	for {
		op, leaderGaveUp, err := d.drainOnce(ctx, job)
		if !leaderGaveUp {
			return op, err
		}
		// The drain this call joined ended with its own caller's ctx; this
		// caller's ctx is still live, so it carries the drain on.
	}
}

// drainOnce runs the drain, or joins the one in flight for job.
// leaderGaveUp reports a joined drain that stopped on its leader's ctx.
func (d *Drainer) drainOnce(ctx context.Context, job flinkapi.JobID) (op drain.Operation, leaderGaveUp bool, err error) {
	d.mu.Lock()
	f, joined := d.flights[job]
	if !joined {
		f = &flight{done: make(chan struct{})}
		d.flights[job] = f
	}
	d.mu.Unlock()
	if !joined {
		f.op, f.err = d.run(ctx, job)
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
	switch op.State {
	case drain.Drained:
		return nil
	case drain.Cancelled:
		return fmt.Errorf("%w: %s", ErrCancelled, op.Reason)
	case drain.Failed:
		if op.Reason == reasonJobGone {
			return fmt.Errorf("%w: %w", ErrFailed, ErrJobGone)
		}
		return fmt.Errorf("%w: %s", ErrFailed, op.Reason)
	}
	return fmt.Errorf("flinkdrain: operation not finished (%s)", op.State)
}
