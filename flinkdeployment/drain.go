package flinkdeployment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkscale/flinkscale/drain"
)

// Operator configuration keys Drain sets for the suspend, both dynamic
// (read from the current spec, changing them alone redeploys nothing),
// and removes again once the drain has ended if it added them.
const (
	// DrainKey makes the operator's stop-with-savepoint drain (advance
	// to MAX_WATERMARK, flushing windows and timers) on every savepoint
	// suspend, upgrade or deletion: so Drain removes it afterwards.
	// Operator 1.7+.
	DrainKey = "kubernetes.operator.job.drain-on-savepoint-deletion"
	// FallbackKey, left at its default true, lets the operator suspend a
	// job that is not running with its last checkpoint instead of a
	// savepoint. Drain sets it false: a suspend without a savepoint is
	// never a drain. Operator 1.1+.
	FallbackKey = "kubernetes.operator.job.upgrade.last-state-fallback.enabled"
)

// Annotations Drain writes on the FlinkDeployment with the suspend, so
// that a restarted controller knows what it asked for.
const (
	// AnnotationTrigger holds the drain's trigger ID.
	AnnotationTrigger = "flinkscale.io/drain-trigger"
	// AnnotationPrevious holds the savepoint the status named before the
	// suspend: a savepoint is the drain's only when it is another.
	AnnotationPrevious = "flinkscale.io/drain-previous-savepoint"
	// AnnotationRestore lists what Drain changed to restore afterwards:
	// "upgradeMode=<mode>", "state=<job state>", "added=<key>" and
	// "was=<key>=<value>" entries, ";"-separated.
	AnnotationRestore = "flinkscale.io/drain-restore"
)

// lastStateMarker is the path the operator records after a last-state
// deploy: never a savepoint.
const lastStateMarker = "KUBERNETES_OPERATOR_LAST_STATE"

// Drain suspends the deployment's job with a drained savepoint the
// operator's way: one update sets spec.job.state suspended, upgradeMode
// savepoint, DrainKey true and FallbackKey false (with the annotations
// above), and the operator stops the job with --drain. Drain then waits
// for the status to show the suspend done (reconciled, lifecycle
// SUSPENDED), the job FINISHED and a savepoint that is not the previous
// one, and removes the keys it added. It never reports success without
// that savepoint; every step is recorded in DrainConfig.Store as a
// drain.Operation, so a Drain called again (after a restart) resumes it,
// and never sends a second suspend.
//
// When the drain cannot finish by DrainConfig.Timeout it fails with
// ErrNotDrained and cancels nothing, unless DrainConfig.Fallback is
// FallbackCancel: then it sets upgradeMode stateless (the operator
// cancels the job) and returns ErrCancelled once the job has stopped.
// A job someone else cancelled is ErrCancelled too.
func (d *Deployment) Drain(ctx context.Context) (drain.Operation, error) {
	st, err := d.Read(ctx)
	if err != nil {
		return drain.Operation{}, err
	}
	if st.JobID == "" {
		return drain.Operation{}, fmt.Errorf("%w: the FlinkDeployment's status names no job", ErrInvalidSpec)
	}
	store := d.cfg.Drain.Store
	op, found, err := store.Load(ctx, st.JobID)
	if err != nil {
		return op, err
	}
	if !found {
		op = drain.NewOperation(st.JobID, d.cfg.Clock.Now())
		if err := store.Save(ctx, op); err != nil {
			return op, err
		}
	}
	var saveErr error
	m := drain.NewMachine(op, func(o drain.Operation, s drain.Step) {
		if err := store.Save(context.WithoutCancel(ctx), o); err != nil && saveErr == nil {
			saveErr = err
		}
		d.cfg.Logger.InfoContext(ctx, "flinkdeployment: drain", "job", o.Job, "from", s.From.String(), "to", s.To.String(), "reason", s.Reason)
		if d.cfg.Drain.OnTransition != nil {
			d.cfg.Drain.OnTransition(o, s)
		}
	})
	dr := &drainRun{d: d, m: m}
	err = dr.run(ctx)
	if saveErr != nil && err == nil {
		err = fmt.Errorf("flinkdeployment: persisting the drain record: %w", saveErr)
	}
	return m.Operation(), err
}

type drainRun struct {
	d *Deployment
	m *drain.Machine
}

func (r *drainRun) fire(e drain.Event) error { return r.m.Fire(r.d.cfg.Clock.Now(), e) }

func (r *drainRun) run(ctx context.Context) error {
	cfg := r.d.cfg.Drain
	deadline := r.m.Operation().Requested.Add(cfg.Timeout)
	var cancelBy time.Time
	for {
		op := r.m.Operation()
		switch op.State {
		case drain.Drained:
			r.restore(ctx, false)
			return nil
		case drain.Cancelled:
			r.restore(ctx, false)
			return fmt.Errorf("%w: %s", ErrCancelled, op.Reason)
		case drain.Failed:
			r.restore(ctx, true)
			return fmt.Errorf("%w: %s", ErrNotDrained, op.Reason)
		}
		st, err := r.d.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			if errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
				return r.fire(drain.Event{Kind: drain.Fail, Reason: err.Error()})
			}
			r.d.cfg.Logger.WarnContext(ctx, "flinkdeployment: drain: reading the status failed", "err", err)
		} else if err := r.advance(ctx, op, st, deadline, &cancelBy); err != nil {
			return err
		}
		if now := r.m.Operation().State; now != op.State && (now == drain.Requested || now == drain.Stopping || now.Terminal()) {
			continue // act on the new state at once
		}
		if err := r.d.cfg.Clock.Sleep(ctx, cfg.Poll); err != nil {
			return err
		}
	}
}

// advance takes the drain one step on the status st.
func (r *drainRun) advance(ctx context.Context, op drain.Operation, st Status, deadline time.Time, cancelBy *time.Time) error {
	now := r.d.cfg.Clock.Now()
	switch op.State {
	case drain.Requested:
		if st.DesiredState == "suspended" {
			return r.fire(drain.Event{Kind: drain.Fail, Reason: "the FlinkDeployment was already suspended by someone else"})
		}
		if !now.Before(deadline) {
			return r.fallback(fmt.Sprintf("not started within %v", r.d.cfg.Drain.Timeout))
		}
		return r.fire(drain.Event{Kind: drain.Trigger, TriggerID: newTriggerID()})
	case drain.Stopping:
		if err := r.suspend(ctx, op.TriggerID); err != nil {
			if errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrInvalidSpec) {
				return r.fire(drain.Event{Kind: drain.Fail, Reason: err.Error()})
			}
			return err
		}
		return r.fire(drain.Event{Kind: drain.Accept, TriggerID: op.TriggerID})
	case drain.Waiting, drain.Finishing:
		if done, where := r.suspended(st); done {
			if op.State == drain.Waiting {
				if err := r.fire(drain.Event{Kind: drain.Savepoint, Location: where}); err != nil {
					return err
				}
			}
			return r.fire(drain.Event{Kind: drain.Finish, Reason: "the operator suspended the job: FINISHED, lifecycle SUSPENDED"})
		}
		if st.JobState == "CANCELED" {
			return r.fire(drain.Event{Kind: drain.Cancel, Reason: "the job was cancelled by someone else"})
		}
		if !now.Before(deadline) {
			why := fmt.Sprintf("no drained savepoint within %v (lifecycle %s, job %s", r.d.cfg.Drain.Timeout, orUnknown(st.LifecycleState), orUnknown(st.JobState))
			if st.Error != "" {
				why += ", operator error: " + st.Error
			}
			return r.fallback(why + ")")
		}
	case drain.Cancelling:
		if cancelBy.IsZero() {
			*cancelBy = now.Add(r.d.cfg.Drain.CancelTimeout)
			if err := r.cancel(ctx); err != nil {
				return r.fire(drain.Event{Kind: drain.Fail, Reason: "the fallback could not be written: " + err.Error()})
			}
		}
		if st.Reconciling() == "" && st.LifecycleState == "SUSPENDED" && (st.JobState == "CANCELED" || st.JobState == "FINISHED") {
			return r.fire(drain.Event{Kind: drain.Cancel, Reason: "suspended without a savepoint by the fallback (upgradeMode stateless)"})
		}
		if !now.Before(*cancelBy) {
			return r.fire(drain.Event{Kind: drain.Fail, Reason: fmt.Sprintf("the fallback did not stop the job within %v", r.d.cfg.Drain.CancelTimeout)})
		}
	}
	return nil
}

// suspended reports whether st shows the suspend done with a savepoint
// of this drain, and where it is.
func (r *drainRun) suspended(st Status) (bool, string) {
	if st.Reconciling() != "" || st.LifecycleState != "SUSPENDED" || st.JobState != "FINISHED" {
		return false, ""
	}
	sp := st.Savepoint
	if sp == "" || sp == lastStateMarker || sp == st.previous {
		return false, ""
	}
	return true, sp
}

// suspend writes the suspend (once: an object already carrying trigger
// was written by an earlier run of this drain).
func (r *drainRun) suspend(ctx context.Context, trigger string) error {
	return r.d.update(ctx, "suspend with a drained savepoint", func(obj *unstructured.Unstructured, st Status) (bool, error) {
		ann := obj.GetAnnotations()
		if ann[AnnotationTrigger] == trigger {
			return false, nil
		}
		if _, ok, _ := unstructured.NestedMap(obj.Object, "spec", "job"); !ok {
			return false, fmt.Errorf("%w: no spec.job (a session cluster has no job to suspend)", ErrInvalidSpec)
		}
		c := confOf(obj)
		restore := []string{"upgradeMode=" + st.UpgradeMode, "state=" + st.DesiredState}
		for _, kv := range [][2]string{{DrainKey, "true"}, {FallbackKey, "false"}} {
			if v, at, err := c.lookup(kv[0]); err != nil {
				return false, err
			} else if at == nil {
				restore = append(restore, "added="+kv[0])
			} else if v != kv[1] {
				restore = append(restore, "was="+kv[0]+"="+v)
			}
			if err := c.set(kv[0], kv[1]); err != nil {
				return false, err
			}
		}
		if err := unstructured.SetNestedField(obj.Object, map[string]any(c), "spec", "flinkConfiguration"); err != nil {
			return false, err
		}
		if err := unstructured.SetNestedField(obj.Object, "suspended", "spec", "job", "state"); err != nil {
			return false, err
		}
		if err := unstructured.SetNestedField(obj.Object, "savepoint", "spec", "job", "upgradeMode"); err != nil {
			return false, err
		}
		if ann == nil {
			ann = map[string]string{}
		}
		ann[AnnotationTrigger], ann[AnnotationPrevious], ann[AnnotationRestore] = trigger, st.Savepoint, strings.Join(restore, ";")
		obj.SetAnnotations(ann)
		return true, nil
	})
}

// cancel writes the fallback: suspend without a savepoint.
func (r *drainRun) cancel(ctx context.Context) error {
	return r.d.update(ctx, "suspend without a savepoint (the drain's fallback)", func(obj *unstructured.Unstructured, st Status) (bool, error) {
		if st.UpgradeMode == "stateless" && st.DesiredState == "suspended" {
			return false, nil
		}
		if err := unstructured.SetNestedField(obj.Object, "suspended", "spec", "job", "state"); err != nil {
			return false, err
		}
		return true, unstructured.SetNestedField(obj.Object, "stateless", "spec", "job", "upgradeMode")
	})
}

// fallback cancels when configured to, or fails the drain.
func (r *drainRun) fallback(why string) error {
	if r.d.cfg.Drain.Fallback == FallbackCancel {
		return r.fire(drain.Event{Kind: drain.Fallback, Reason: why})
	}
	return r.fire(drain.Event{Kind: drain.Fail, Reason: why + "; nothing was cancelled (DrainConfig.Fallback is FallbackNone)"})
}

// restore removes what the drain added to the spec once it has ended:
// the keys it added, the values it replaced, the upgradeMode it set (the
// fallback's stateless too, so that resuming the job later restores its
// state as the user's mode says), and its annotations. A drained or
// cancelled job stays suspended; after a failed drain, a job that still
// runs gets its job state back (running), so that the operator does not
// go on suspending it, without a savepoint once FallbackKey is restored. Best effort: a failure is
// logged, the drain's outcome stands.
func (r *drainRun) restore(ctx context.Context, failed bool) {
	err := r.d.update(context.WithoutCancel(ctx), "restore the spec after the drain", func(obj *unstructured.Unstructured, st Status) (bool, error) {
		ann := obj.GetAnnotations()
		rs, ok := ann[AnnotationRestore]
		if !ok {
			return false, nil
		}
		c := confOf(obj)
		for _, e := range strings.Split(rs, ";") {
			kind, val, _ := strings.Cut(e, "=")
			switch kind {
			case "added":
				c.remove(val)
			case "was":
				key, old, _ := strings.Cut(val, "=")
				if err := c.set(key, old); err != nil {
					return false, err
				}
			case "state": // a failed drain of a job still running leaves it running, as it was
				if failed && val != "" && val != "suspended" && (st.JobState == "RUNNING" || st.JobState == "RESTARTING" || st.JobState == "CREATED" || st.JobState == "INITIALIZING") {
					if err := unstructured.SetNestedField(obj.Object, val, "spec", "job", "state"); err != nil {
						return false, err
					}
				}
			case "upgradeMode": // also after the fallback: a later resume then restores state as before
				if val == "" {
					unstructured.RemoveNestedField(obj.Object, "spec", "job", "upgradeMode")
				} else if err := unstructured.SetNestedField(obj.Object, val, "spec", "job", "upgradeMode"); err != nil {
					return false, err
				}
			}
		}
		if len(c) == 0 {
			unstructured.RemoveNestedField(obj.Object, "spec", "flinkConfiguration")
		} else if err := unstructured.SetNestedField(obj.Object, map[string]any(c), "spec", "flinkConfiguration"); err != nil {
			return false, err
		}
		for _, k := range []string{AnnotationTrigger, AnnotationPrevious, AnnotationRestore} {
			delete(ann, k)
		}
		obj.SetAnnotations(ann)
		return true, nil
	})
	if err != nil {
		r.d.cfg.Logger.WarnContext(ctx, "flinkdeployment: restoring the spec after the drain failed", "err", err)
	}
}

// newTriggerID returns 32 random hex digits.
func newTriggerID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
