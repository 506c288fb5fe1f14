package flinkdrain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// begin looks at the job before stopping it: a job already terminal or
// gone gets no stop (and no fallback cancel); a live one gets a trigger ID,
// saved before the trigger is sent.
func (r *run) begin(ctx context.Context) error {
	b := r.newBackoff()
	for {
		st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
		switch {
		case err == nil && st.IsGloballyTerminal():
			return r.terminal(ctx, st, "job already terminal before the drain")
		case err == nil:
			return r.fire(ctx, drain.Event{Kind: drain.Trigger, TriggerID: string(flinkapi.NewTriggerID())})
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, flinkapi.ErrNotFound):
			return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: reasonJobGone})
		case !transient(err):
			return r.fallback(ctx, "job status unreadable: "+err.Error())
		case !r.d.cfg.Clock.Now().Before(r.deadline()):
			return r.fallback(ctx, fmt.Sprintf("job status unreadable for %v: %v", r.d.cfg.Timeout, err))
		}
		if err := r.sleep(ctx, b, r.deadline()); err != nil {
			return err
		}
	}
}

// stop sends the stop-with-savepoint (drain) trigger under the recorded
// triggerId, again and again while the JobManager is unavailable: Flink
// starts at most one operation per triggerId, so a trigger sent twice (a
// lost answer, a crash before Waiting was saved) starts one savepoint.
func (r *run) stop(ctx context.Context) error {
	b := r.newBackoff()
	for {
		req := flinkapi.StopRequest{Drain: true, TargetDirectory: r.d.cfg.TargetDirectory, TriggerID: flinkapi.TriggerID(r.op().TriggerID)}
		tid, err := r.d.cfg.Flink.StopWithSavepoint(ctx, r.job, req)
		switch {
		case err == nil:
			return r.fire(ctx, drain.Event{Kind: drain.Accept, TriggerID: string(tid)})
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, flinkapi.ErrNotFound):
			return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: reasonJobGone})
		case errors.Is(err, flinkapi.ErrConflict):
			return r.settle(ctx, "stop answered 409")
		case !transient(err):
			return r.fallback(ctx, "stop refused: "+err.Error())
		case !r.d.cfg.Clock.Now().Before(r.deadline()):
			return r.fallback(ctx, fmt.Sprintf("stop not accepted within %v: %v", r.d.cfg.Timeout, err))
		}
		if err := r.sleep(ctx, b, r.deadline()); err != nil {
			return err
		}
	}
}

// wait polls the operation until it completes, Flink forgets it, or the
// drain times out.
func (r *run) wait(ctx context.Context) error {
	b := r.newBackoff()
	for {
		o, err := r.d.cfg.Flink.SavepointStatus(ctx, r.job, flinkapi.TriggerID(r.op().TriggerID))
		switch {
		case err == nil && o.Status == flinkapi.OperationCompleted:
			return r.completed(ctx, o)
		case err == nil:
			// in progress
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, flinkapi.ErrNotFound):
			return r.forgotten(ctx)
		case !transient(err):
			return r.fallback(ctx, "savepoint status unreadable: "+err.Error())
		}
		if !r.d.cfg.Clock.Now().Before(r.deadline()) {
			return r.fallback(ctx, fmt.Sprintf("no savepoint within %v", r.d.cfg.Timeout))
		}
		if err := r.sleep(ctx, b, r.deadline()); err != nil {
			return err
		}
	}
}

// completed reads a finished operation. A failure whose cause carries the
// savepoint path (the savepoint was written, then the tasks did not
// finish and the job failed over) counts as drained with that path, as
// Flink's Kubernetes operator treats it. Any other failure means the
// savepoint failed and the job keeps running: fall back.
func (r *run) completed(ctx context.Context, o flinkapi.Operation) error {
	switch {
	case o.FailureCause == nil && o.Location != "":
		return r.fire(ctx, drain.Event{Kind: drain.Savepoint, Location: o.Location})
	case o.FailureCause == nil:
		return r.fallback(ctx, "operation completed without a savepoint location")
	}
	if path, ok := o.FailureCause.SavepointPath(); ok {
		return r.fire(ctx, drain.Event{Kind: drain.Savepoint, Location: path,
			Reason: "savepoint written, then the job failed while stopping: " + o.FailureCause.Summary()})
	}
	why := "savepoint failed: " + o.FailureCause.Summary()
	if st, err := r.d.cfg.Flink.JobStatus(ctx, r.job); err == nil && st.IsGloballyTerminal() {
		return r.terminal(ctx, st, why) // it ended meanwhile: nothing to cancel
	}
	return r.fallback(ctx, why)
}

// forgotten handles a trigger Flink no longer knows (its result expired
// after rest.async.store-duration, or a JobManager failover lost it): the
// job's own state tells what happened; a job still running is triggered
// again under a new triggerId.
func (r *run) forgotten(ctx context.Context) error {
	st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
	switch {
	case err == nil && !st.IsGloballyTerminal():
		if !r.d.cfg.Clock.Now().Before(r.deadline()) {
			return r.fallback(ctx, fmt.Sprintf("no savepoint within %v (trigger forgotten, job %s)", r.d.cfg.Timeout, st))
		}
		return r.fire(ctx, drain.Event{Kind: drain.Trigger, TriggerID: string(flinkapi.NewTriggerID()),
			Reason: fmt.Sprintf("Flink forgot trigger %s; job is %s", r.op().TriggerID, st)})
	case err == nil:
		return r.terminal(ctx, st, "trigger forgotten")
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, flinkapi.ErrNotFound):
		return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: reasonJobGone})
	case transient(err):
		return r.d.cfg.Clock.Sleep(ctx, r.d.cfg.PollMin) // the caller's loop asks again
	}
	return r.fallback(ctx, "job status unreadable: "+err.Error())
}

// settle reads the final state of a job Flink called already terminal.
func (r *run) settle(ctx context.Context, why string) error {
	b := r.newBackoff()
	for {
		st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
		switch {
		case err == nil && st.IsGloballyTerminal():
			return r.terminal(ctx, st, why)
		case err == nil:
			// still CANCELLING or FAILING: its final state is near
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, flinkapi.ErrNotFound):
			return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: reasonJobGone})
		case !transient(err):
			return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: why + "; job status unreadable: " + err.Error()})
		}
		until := r.d.cfg.Clock.Now().Add(r.d.cfg.CancelTimeout)
		if err := r.sleep(ctx, b, until); err != nil {
			return err
		}
	}
}

// terminal records the outcome of a job that reached a terminal state
// without this drain seeing the savepoint complete. FINISHED counts as
// drained only with a savepoint confirmed in the job's history, taken since
// the drain was requested.
func (r *run) terminal(ctx context.Context, st flinkapi.JobState, why string) error {
	switch st {
	case flinkapi.JobCanceled:
		return r.fire(ctx, drain.Event{Kind: drain.Cancel, Reason: why + "; job is CANCELED"})
	case flinkapi.JobFinished:
		if loc, ok := r.latestSavepoint(ctx); ok {
			return r.fire(ctx, drain.Event{Kind: drain.Savepoint, Location: loc, Reason: why + "; savepoint found in the job's checkpoint history"})
		}
		return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: why + "; job FINISHED without a confirmed savepoint"})
	}
	return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: fmt.Sprintf("%s; job is %s", why, st)})
}

// latestSavepoint finds a completed savepoint triggered since the drain
// was requested, when the Flink client can tell.
func (r *run) latestSavepoint(ctx context.Context) (string, bool) {
	h, ok := r.d.cfg.Flink.(SavepointHistory)
	if !ok {
		return "", false
	}
	stats, err := h.Checkpoints(ctx, r.job)
	if err != nil {
		r.d.cfg.Logger.WarnContext(ctx, "flinkdrain: checkpoint history unreadable", "job", string(r.job), "err", err)
		return "", false
	}
	sp := stats.Latest.Savepoint
	requested := r.op().Requested.Truncate(time.Millisecond)
	if sp == nil || sp.ExternalPath == "" || sp.TriggerTimestamp.Time().Before(requested) {
		return "", false
	}
	return sp.ExternalPath, true
}
