package flinkdrain

import (
	"context"
	"fmt"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// cancel runs the fallback: cancel the job without a savepoint (again
// after a restart: cancelling is idempotent) and wait until Flink reports
// it CANCELED, until CancelTimeout after the fallback began. A job that
// turns out FINISHED may have completed the drain after all; terminal
// checks its savepoint.
func (r *run) cancel(ctx context.Context) error {
	until := r.op().Updated.Add(r.d.cfg.CancelTimeout) // Updated: when Cancelling began
	b := r.newBackoff()
	sent := false
	for {
		if !sent {
			err := r.d.cfg.Flink.Cancel(ctx, r.job)
			switch {
			case err == nil:
				sent = true
			case classify(ctx, err) == answerConflict:
				return r.settle(ctx, "cancel answered 409", until)
			default:
				if done, err := r.failed(ctx, err, "cancel"); done {
					return err
				}
			}
		}
		if sent {
			done, running, err := r.cancelled(ctx)
			if done || err != nil {
				return err
			}
			// A job still RUNNING did not get the cancel (a proxy answered
			// it, or a new leader lost it): cancelling is idempotent, so
			// send it again.
			sent = !running
		}
		if !r.d.cfg.Clock.Now().Before(until) {
			return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: fmt.Sprintf("%s; cancel not confirmed within %v", r.op().Reason, r.d.cfg.CancelTimeout)})
		}
		if err := r.sleep(ctx, b, until); err != nil {
			return err
		}
	}
}

// cancelled checks whether the cancelled job reached a terminal state and
// records it; done is false while it is not terminal, and running tells
// whether it still runs as if no cancel had reached it.
func (r *run) cancelled(ctx context.Context) (done, running bool, err error) {
	st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
	switch {
	case err == nil && st == flinkapi.JobCanceled:
		return true, false, r.fire(ctx, drain.Event{Kind: drain.Cancel, Reason: r.op().Reason})
	case err == nil && st.IsGloballyTerminal():
		return true, false, r.terminal(ctx, st, "while cancelling")
	case err == nil:
		return false, st == flinkapi.JobRunning, nil
	}
	done, err = r.failed(ctx, err, "job status")
	return done, false, err
}
