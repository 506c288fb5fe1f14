package flinkdrain

import (
	"context"
	"errors"
	"fmt"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// cancel runs the fallback: cancel the job without a savepoint (again
// after a restart: cancelling is idempotent) and wait until Flink reports
// it CANCELED. A job that turns out FINISHED may have completed the drain
// after all; terminal checks its savepoint.
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
			case ctx.Err() != nil:
				return ctx.Err()
			case errors.Is(err, flinkapi.ErrNotFound):
				return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: reasonJobGone})
			case errors.Is(err, flinkapi.ErrConflict):
				return r.settle(ctx, "cancel answered 409")
			case !transient(err):
				return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: "cancel refused: " + err.Error()})
			}
		}
		if sent {
			if done, err := r.cancelled(ctx); done || err != nil {
				return err
			}
		}
		if !r.d.cfg.Clock.Now().Before(until) {
			return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: fmt.Sprintf("cancel not confirmed within %v", r.d.cfg.CancelTimeout)})
		}
		if err := r.sleep(ctx, b, until); err != nil {
			return err
		}
	}
}

// cancelled checks whether the cancelled job reached a terminal state and
// records it; done is false while it is still CANCELLING.
func (r *run) cancelled(ctx context.Context) (done bool, err error) {
	st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
	switch {
	case err == nil && st == flinkapi.JobCanceled:
		return true, r.fire(ctx, drain.Event{Kind: drain.Cancel, Reason: r.op().Reason})
	case err == nil && st.IsGloballyTerminal():
		return true, r.terminal(ctx, st, "while cancelling")
	case err == nil:
		return false, nil
	case ctx.Err() != nil:
		return true, ctx.Err()
	case errors.Is(err, flinkapi.ErrNotFound):
		return true, r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: reasonJobGone})
	case transient(err):
		return false, nil
	}
	return true, r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: "job status unreadable while cancelling: " + err.Error()})
}
