package flinkdrain

import (
	"context"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// finishing waits, after Flink confirmed the savepoint, to see the job
// FINISHED: only then is it Drained. A job that restarts instead (its
// tasks did not finish, it failed over) ends the attempt with the
// savepoint kept as written; one still RUNNING is watched until the
// deadline.
func (r *run) finishing(ctx context.Context) error {
	b := r.newBackoff()
	for {
		st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
		switch {
		case err == nil && st == flinkapi.JobFinished:
			return r.fire(ctx, drain.Event{Kind: drain.Finish})
		case err == nil && st.IsGloballyTerminal():
			return r.terminal(ctx, st, "after its savepoint")
		case err == nil && st != flinkapi.JobRunning:
			return r.fire(ctx, drain.Event{Kind: drain.Retry,
				Reason: fmt.Sprintf("savepoint written, then the job did not finish: it is %s", st)})
		case err != nil:
			if done, err := r.failed(ctx, err, "job status"); done {
				return err
			}
		}
		if r.expired() {
			return r.fallback(ctx, fmt.Sprintf("savepoint written, but the job did not finish within %v", r.d.cfg.Timeout))
		}
		if err := r.sleep(ctx, b, r.deadline); err != nil {
			return err
		}
	}
}

// terminal records the outcome of a job that reached a terminal state
// without this drain seeing it finish after a confirmed savepoint.
// FINISHED counts as drained only with a savepoint of the drain's kind
// (SYNC_SAVEPOINT) in the job's checkpoint history, completed since the
// drain was requested.
func (r *run) terminal(ctx context.Context, st flinkapi.JobState, why string) error {
	switch st {
	case flinkapi.JobCanceled:
		return r.fire(ctx, drain.Event{Kind: drain.Cancel, Reason: why + "; job is CANCELED"})
	case flinkapi.JobFinished:
		if r.op().State == drain.Finishing {
			return r.fire(ctx, drain.Event{Kind: drain.Finish})
		}
		requested := r.op().Requested.Truncate(time.Millisecond)
		loc, ok := r.findSavepoint(ctx, func(c flinkapi.Checkpoint) bool {
			return !c.TriggerTimestamp.Time().Before(requested) && !c.LatestAckTimestamp.Time().Before(requested)
		})
		found := "; savepoint found in the job's checkpoint history"
		if p := r.previous; !ok && p.State == drain.Drained && p.Location != "" {
			// The job this operation found FINISHED is the one the previous
			// operation drained: its own history holds that savepoint.
			loc, ok = r.findSavepoint(ctx, func(c flinkapi.Checkpoint) bool { return c.ExternalPath == p.Location })
			found = fmt.Sprintf("; already drained by the operation requested at %s (its savepoint is in the job's checkpoint history)",
				p.Requested.Format(time.RFC3339))
		}
		if ok {
			if err := r.fire(ctx, drain.Event{Kind: drain.Savepoint, Location: loc, Reason: why + found}); err != nil {
				return err
			}
			return r.fire(ctx, drain.Event{Kind: drain.Finish})
		}
		return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: why + "; job FINISHED without a confirmed savepoint"})
	}
	return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: fmt.Sprintf("%s; job is %s", why, st)})
}

// syncSavepoint is the checkpoint type Flink's statistics give a
// stop-with-savepoint's savepoint (RestAPICheckpointType), as opposed to
// "SAVEPOINT" for one triggered without stopping.
const syncSavepoint = "SYNC_SAVEPOINT"

// findSavepoint finds, in the job's checkpoint history, a completed
// stop-with-savepoint savepoint (SYNC_SAVEPOINT) that match accepts, when
// the Flink client can tell.
func (r *run) findSavepoint(ctx context.Context, match func(flinkapi.Checkpoint) bool) (string, bool) {
	h, ok := r.d.cfg.Flink.(SavepointHistory)
	if !ok {
		return "", false
	}
	stats, err := h.Checkpoints(ctx, r.job)
	if err != nil {
		r.d.cfg.Logger.WarnContext(ctx, "flinkdrain: checkpoint history unreadable", "job", string(r.job), "err", err)
		return "", false
	}
	candidates := stats.History
	if sp := stats.Latest.Savepoint; sp != nil {
		candidates = append([]flinkapi.Checkpoint{*sp}, candidates...)
	}
	for _, c := range candidates {
		if c.Status == flinkapi.CheckpointCompleted && c.IsSavepoint && c.CheckpointType == syncSavepoint && c.ExternalPath != "" && match(c) {
			return c.ExternalPath, true
		}
	}
	return "", false
}

// settle reads the final state of a job Flink called already terminal,
// until the cancel deadline.
func (r *run) settle(ctx context.Context, why string, until time.Time) error {
	b := r.newBackoff()
	for {
		st, err := r.d.cfg.Flink.JobStatus(ctx, r.job)
		switch {
		case err == nil && st.IsGloballyTerminal():
			return r.terminal(ctx, st, why)
		case err != nil:
			if done, err := r.failed(ctx, err, "job status"); done {
				return err
			}
		}
		if !r.d.cfg.Clock.Now().Before(until) {
			return r.fire(ctx, drain.Event{Kind: drain.Fail, Reason: fmt.Sprintf("%s; job still %s after %v", why, st, r.d.cfg.CancelTimeout)})
		}
		if err := r.sleep(ctx, b, until); err != nil {
			return err
		}
	}
}
