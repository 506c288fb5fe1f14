package flinkdrain

import (
	"context"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// begin starts an attempt: it looks at the job, waits (within the
// deadline) for it to be RUNNING, as right after a rescale, a failover or
// a leader change, and triggers a stop under a new trigger ID, saved
// before the trigger is sent. A job already ended gets no stop and no
// fallback cancel.
func (r *run) begin(ctx context.Context) error {
	b := r.newBackoff()
	for {
		st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
		if err == nil && st.IsGloballyTerminal() {
			return r.terminal(ctx, st, r.attemptsSoFar("job ended before an attempt"))
		}
		if err == nil && st == flinkapi.JobRunning {
			return r.trigger(ctx)
		}
		if err == nil {
			r.waitingFor(ctx, st)
		} else if done, err := r.failed(ctx, err, "job status"); done {
			return err
		}
		if r.expired() {
			why := fmt.Sprintf("job not RUNNING within %v (it is %s)", r.d.cfg.Timeout, st)
			if err != nil {
				why = fmt.Sprintf("job status unreadable for %v: %v", r.d.cfg.Timeout, err)
			}
			return r.fallback(ctx, r.attemptsSoFar(why))
		}
		if err := r.sleep(ctx, b, r.deadline); err != nil {
			return err
		}
	}
}

// trigger starts the next attempt of a RUNNING job, after a pause when an
// attempt failed before, unless the attempts are spent or the deadline
// passed.
func (r *run) trigger(ctx context.Context) error {
	n := r.op().Attempts()
	if limit := r.d.cfg.MaxAttempts; limit > 0 && n >= limit {
		return r.fallback(ctx, fmt.Sprintf("%d attempts failed; the last: %s", n, r.op().Reason))
	}
	if n > 0 {
		pause := r.d.cfg.PollMax << min(n-1, 4)
		if err := r.d.cfg.Clock.Sleep(ctx, min(pause, max(0, r.deadline.Sub(r.d.cfg.Clock.Now())))); err != nil {
			return err
		}
	}
	if r.expired() {
		return r.fallback(ctx, r.attemptsSoFar(fmt.Sprintf("no savepoint within %v", r.d.cfg.Timeout)))
	}
	return r.fire(ctx, drain.Event{Kind: drain.Trigger, TriggerID: string(flinkapi.NewTriggerID())})
}

// attemptsSoFar adds the failed attempts, if any, to a reason.
func (r *run) attemptsSoFar(why string) string {
	if n := r.op().Attempts(); n > 0 {
		return fmt.Sprintf("%s, after %d failed attempts (the last: %s)", why, n, r.op().Reason)
	}
	return why
}

// waitingFor logs, once per state, that the drain waits for RUNNING.
func (r *run) waitingFor(ctx context.Context, st flinkapi.JobState) {
	if st != r.seen {
		r.seen = st
		r.d.cfg.Logger.InfoContext(ctx, "flinkdrain: waiting for the job to run", "job", string(r.job),
			"state", string(st), "deadline", r.deadline)
	}
}

// failed handles a failed call: done is true when the drain ends or
// stops here (job gone, a refusal, ctx), with err what the step returns;
// false when the call is to be tried again.
func (r *run) failed(ctx context.Context, err error, what string) (done bool, _ error) {
	switch classify(ctx, err) {
	case answerCtx:
		return true, ctx.Err()
	case answerGone:
		return true, r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: reasonJobGone})
	case answerRefused, answerConflict:
		return true, r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: what + " refused: " + err.Error()})
	}
	r.d.cfg.Logger.DebugContext(ctx, "flinkdrain: transient failure", "job", string(r.job), "call", what, "err", err)
	return false, nil
}

// stop sends the stop-with-savepoint (drain) trigger under the recorded
// triggerId, again and again while the answer is transient: Flink starts
// at most one operation per triggerId, so a trigger sent twice (a lost
// answer, a crash before Waiting was saved) starts one savepoint. A 409 is
// Flink's answer to a triggerId whose operation already ended (failed):
// its status says how.
func (r *run) stop(ctx context.Context) error {
	b := r.newBackoff()
	for {
		req := flinkapi.StopRequest{Drain: true, TargetDirectory: r.d.cfg.TargetDirectory, TriggerID: flinkapi.TriggerID(r.op().TriggerID)}
		tid, err := r.d.cfg.Flink.StopWithSavepoint(ctx, r.job, req)
		switch {
		case err == nil && !drain.ValidTriggerID(string(tid)):
			return fmt.Errorf("%w: job %s: stop answered with trigger ID %q (sent %s)", ErrBadAnswer, r.job, tid, r.op().TriggerID)
		case err == nil:
			return r.fire(ctx, drain.Event{Kind: drain.Accept, TriggerID: string(tid)})
		case classify(ctx, err) == answerConflict:
			return r.fire(ctx, drain.Event{Kind: drain.Accept, Reason: "stop answered 409: the trigger's operation already ended"})
		}
		if done, err := r.failed(ctx, err, "stop"); done {
			return err
		}
		if r.expired() {
			return r.fallback(ctx, r.attemptsSoFar(fmt.Sprintf("stop not accepted within %v: %v", r.d.cfg.Timeout, err)))
		}
		if err := r.sleep(ctx, b, r.deadline); err != nil {
			return err
		}
	}
}

// wait polls the attempt's operation until it completes, Flink forgets
// it, or the deadline passes.
func (r *run) wait(ctx context.Context) error {
	b := r.newBackoff()
	for {
		o, err := r.d.cfg.Flink.SavepointStatus(ctx, r.job, flinkapi.TriggerID(r.op().TriggerID))
		switch {
		case err == nil && o.Status == flinkapi.OperationCompleted:
			return r.completed(ctx, o)
		case err == nil:
			r.missingSince = time.Time{} // in progress
		case classify(ctx, err) == answerGone:
			if done, err := r.missing(ctx); done {
				return err
			}
		default:
			if done, err := r.failed(ctx, err, "savepoint status"); done {
				return err
			}
		}
		if r.expired() {
			return r.fallback(ctx, r.attemptsSoFar(fmt.Sprintf("no savepoint within %v", r.d.cfg.Timeout)))
		}
		if err := r.sleep(ctx, b, r.deadline); err != nil {
			return err
		}
	}
}

// completed reads a finished operation. A location without a failure is
// a confirmed savepoint: Finishing, until the job is seen FINISHED. A
// failure that carries the savepoint path (written, then the tasks did not
// finish and the job failed over) or any other failure (the savepoint
// expired, was declined, the job was not RUNNING) ends the attempt; the job
// lives on, so another attempt follows while time remains.
func (r *run) completed(ctx context.Context, o flinkapi.Operation) error {
	if o.FailureCause == nil && o.Location != "" {
		return r.fire(ctx, drain.Event{Kind: drain.Savepoint, Location: o.Location})
	}
	why, written := "operation completed without a savepoint location", ""
	if o.FailureCause != nil {
		why = "savepoint failed: " + o.FailureCause.Summary()
		if path, ok := o.FailureCause.SavepointPath(); ok {
			why, written = "savepoint written, then the job failed while stopping: "+o.FailureCause.Summary(), path
		}
	}
	st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
	if err == nil && st.IsGloballyTerminal() {
		return r.terminal(ctx, st, why) // it ended meanwhile: nothing to retry or cancel
	}
	return r.fire(ctx, drain.Event{Kind: drain.Retry, Location: written, Reason: why})
}

// missing handles a 404 for the attempt's trigger. The job's own state
// tells whether it ended; while it has not, the 404 is transient until it
// persisted ForgetAfter (a JobManager failover lost the operation), and
// only then does another attempt start: a transient 404 is never answered
// with a second stop.
func (r *run) missing(ctx context.Context) (done bool, _ error) {
	now := r.d.cfg.Clock.Now()
	if r.missingSince.IsZero() {
		r.missingSince = now
	}
	st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
	switch {
	case err == nil && st.IsGloballyTerminal():
		return true, r.terminal(ctx, st, "trigger forgotten")
	case err != nil:
		return r.failed(ctx, err, "job status")
	case now.Sub(r.missingSince) >= r.d.cfg.ForgetAfter:
		return true, r.fire(ctx, drain.Event{Kind: drain.Retry,
			Reason: fmt.Sprintf("Flink forgot trigger %s (404 for %v); job is %s", r.op().TriggerID, now.Sub(r.missingSince), st)})
	}
	return false, nil
}
