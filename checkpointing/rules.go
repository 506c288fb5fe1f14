package checkpointing

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// timeoutNearTail flags a current timeout that the observed p99 duration
// comes within near of, proposing suggested (never a lower timeout).
func timeoutNearTail(cur Settings, d Durations, near float64, suggested time.Duration) (Finding, bool) {
	if !cur.Enabled() {
		return Finding{}, false
	}
	e := cur.Effective()
	p99, known := d.Tail().Value()
	share := float64(p99) / float64(e.Timeout)
	if !known || share <= near {
		return Finding{}, false
	}
	sev := Warning
	if share >= (1+near)/2 {
		sev = Critical
	}
	next := e
	next.Timeout = max(suggested, e.Timeout)
	f := Finding{
		Code: CodeDurationNearTimeout, Severity: sev,
		Summary:  fmt.Sprintf("p99 checkpoint duration %v is %.0f%% of the %v timeout", p99.Round(time.Millisecond), 100*share, e.Timeout),
		Evidence: []Evidence{seconds("p99 duration", p99), seconds("timeout", e.Timeout), ratio("p99/timeout", share), count("completed summarised", int64(d.Count))},
		Change:   Diff(e, next),
		Action:   fmt.Sprintf("raise the timeout to %v so that a slow checkpoint completes instead of expiring, then find out why checkpoints are slow", next.Timeout),
	}
	if f.Change.IsZero() {
		f.Action = "find out why checkpoints are slow: one slower than usual will expire"
	}
	return f, true
}

// timeouts: several checkpoints in the history expired.
func (a *DefaultAdvisor) timeouts(v *view) (Finding, bool) {
	if v.timeouts < a.cfg.RepeatedTimeouts {
		return Finding{}, false
	}
	f := Finding{
		Code: CodeRepeatedTimeouts, Severity: Critical,
		Summary: fmt.Sprintf("%d of the last %d checkpoints expired after the %v timeout", v.timeouts, len(v.obs.History), v.s.Timeout),
		Evidence: slices.Concat([]Evidence{count("timeouts", int64(v.timeouts)), count("checkpoints in history", int64(len(v.obs.History))),
			seconds("timeout", v.s.Timeout)}, knownSeconds("p99 duration", v.d.P99), []Evidence{count("failed since start", v.obs.Failed)}),
	}
	next := v.s
	switch {
	case v.inFlight >= a.cfg.LargeInFlight:
		next.FinishBundleBeforeCheckpointing = true
		f.Action = "finish bundles before checkpointing: the open bundle's output buffered into every checkpoint is the likely cause (see " + string(CodeLargeInFlightBuffers) + ")"
	case v.s.Unaligned && v.obs.Facts.Source == SourceLegacy && isTrue(v.obs.Facts.Backpressured):
		next.Unaligned = false
		f.Action = "turn unaligned checkpoints off: barriers stall behind the legacy source under backpressure (see " + string(CodeUnalignedLegacySource) + ")"
	default:
		next.Timeout = max(2*v.s.Timeout, v.plan.Timeout)
		f.Action = fmt.Sprintf("raise the timeout to %v while finding out why checkpoints are slow (the checkpoint details name the subtasks that acknowledge last)", next.Timeout)
	}
	f.Change = Diff(v.s, next)
	return f, true
}

// stale: no checkpoint completed for several intervals; one may be stuck.
func (a *DefaultAdvisor) stale(v *view) (Finding, bool) {
	var ref time.Time
	for _, c := range v.obs.History {
		if c.Outcome == Completed && c.Trigger.After(ref) {
			ref = c.Trigger
		}
	}
	what := "since the last completed checkpoint started"
	if ref.IsZero() && len(v.obs.History) > 0 {
		ref, what = v.obs.History[0].Trigger, "since the oldest checkpoint in the history started, and none completed"
	}
	limit := max(time.Duration(a.cfg.StaleIntervals)*v.s.Interval, v.s.Timeout+v.s.Interval)
	age := v.now.Sub(ref)
	if ref.IsZero() || v.now.IsZero() || age <= limit {
		return Finding{}, false
	}
	return Finding{
		Code: CodeNoRecentCheckpoint, Severity: Critical,
		Summary: fmt.Sprintf("%v %s (interval %v)", age.Round(time.Second), what, v.s.Interval),
		Evidence: []Evidence{seconds("age", age), seconds("limit", limit), seconds("interval", v.s.Interval),
			count("in progress", v.obs.InProgress)},
		Action: "a checkpoint is stuck: look at the unacknowledged subtasks in the checkpoint details; with unaligned checkpoints and a legacy source under backpressure this is FLINK-26759",
	}, true
}

// growth: the state grows over the history.
func (a *DefaultAdvisor) growth(v *view) (Finding, bool) {
	cs := v.obs.completed()
	n := len(cs)
	if n < a.cfg.MinGrowthPoints {
		return Finding{}, false
	}
	size := func(c Checkpoint) int64 {
		if c.StateBytes > 0 {
			return c.StateBytes
		}
		return c.CheckpointedBytes
	}
	first, last := size(cs[0]), size(cs[n-1])
	ups := 0
	for i := 1; i < n; i++ {
		if size(cs[i]) > size(cs[i-1]) {
			ups++
		}
	}
	if first <= 0 || float64(last-first) < a.cfg.GrowthThreshold*float64(first) || ups*10 < (n-1)*7 {
		return Finding{}, false
	}
	growth := float64(last-first) / float64(first)
	ev := []Evidence{bytesOf("first", first), bytesOf("last", last), ratio("growth", growth),
		bytesOf("per checkpoint", (last-first)/int64(n-1)), count("checkpoints", int64(n))}
	if span := cs[n-1].Trigger.Sub(cs[0].Trigger); span > 0 {
		ev = append(ev, bytesOf("per hour", int64(float64(last-first)*float64(time.Hour)/float64(span))))
	}
	return Finding{
		Code: CodeSizeGrowing, Severity: Warning,
		Summary:  fmt.Sprintf("checkpointed state grew %.0f%% over the last %d checkpoints, in %d of %d steps", 100*growth, n, ups, n-1),
		Evidence: ev,
		Action:   "find the state that is never cleared: set a state TTL, check timers and windows that never fire (allowed lateness) and keys drawn from unbounded IDs",
	}, true
}

// alignment: aligned checkpoints wait long for barriers under backpressure.
func (a *DefaultAdvisor) alignment(v *view) (Finding, bool) {
	f := v.obs.Facts
	align, known := f.Alignment.Value()
	if v.s.Unaligned || v.s.Mode == AtLeastOnce || !isTrue(f.Backpressured) || !known || align < a.cfg.LongAlignment {
		return Finding{}, false
	}
	out := Finding{
		Code: CodeLongAlignment, Severity: Warning,
		Summary:  fmt.Sprintf("barriers wait %v for alignment behind backpressured data", align.Round(time.Millisecond)),
		Evidence: slices.Concat([]Evidence{seconds("alignment", align), seconds("threshold", a.cfg.LongAlignment)}, knownSeconds("p99 duration", v.d.P99)),
	}
	if f.Source == SourceLegacy {
		out.Action = "keep aligned checkpoints: with a legacy SourceFunction unaligned barriers stall under backpressure (FLINK-26759); relieve the backpressure (scale out the slowest operator) or move the source to FLIP-27"
		return out, true
	}
	next := v.s
	next.Unaligned = true
	out.Change = Diff(v.s, next)
	out.Action = "enable unaligned checkpoints: barriers overtake the buffered data, so a checkpoint no longer waits for the backlog"
	if f.Source == SourceUnknown {
		out.Action += " (first check that the sources are FLIP-27: a legacy SourceFunction stalls them, FLINK-26759)"
	}
	if v.s.FinishBundleBeforeCheckpointing {
		out.Action += "; finishing bundles before checkpointing still delays each barrier by up to one bundle's processing time"
	}
	return out, true
}

// legacyStall: unaligned checkpoints, a legacy source and backpressure.
func (a *DefaultAdvisor) legacyStall(v *view) (Finding, bool) {
	f := v.obs.Facts
	if !v.s.Unaligned || !isTrue(f.Backpressured) || f.Source == SourceFLIP27 {
		return Finding{}, false
	}
	out := Finding{
		Code:     CodeUnalignedLegacySource,
		Evidence: slices.Concat(knownSeconds("p99 duration", v.d.P99), []Evidence{seconds("timeout", v.s.Timeout), count("timeouts", int64(v.timeouts))}),
	}
	if f.Source == SourceUnknown {
		out.Severity = Info
		out.Summary = "unaligned checkpoints under backpressure with sources of unknown kind"
		out.Action = "find out whether the sources are legacy SourceFunctions (Beam's Flink runner wraps an UnboundedSource such as KafkaIO's in one): if so, barriers stall under backpressure (FLINK-26759)"
		return out, true
	}
	out.Severity = Critical
	out.Summary = "unaligned checkpoints with a legacy SourceFunction under backpressure: barriers are seen late (FLINK-26759)"
	next := v.s
	next.Unaligned = false
	out.Change = Diff(v.s, next)
	out.Action = "turn unaligned checkpoints off, and leave execution.checkpointing.aligned-checkpoint-timeout unset (it switches back to unaligned), until the source is FLIP-27: a legacy SourceFunction does not wait for a free output buffer and the upstream fix was rejected"
	return out, true
}

// inFlight: the open bundle's output buffered into each checkpoint is large.
func (a *DefaultAdvisor) inFlight(v *view) (Finding, bool) {
	if v.inFlight < a.cfg.LargeInFlight || v.inFlight == 0 {
		return Finding{}, false
	}
	p := int64(v.obs.pipelines())
	elementBytes, _ := v.obs.Facts.ElementBytes.Value() // known: inFlight is 0 otherwise
	ev := []Evidence{count("elements in flight", v.inFlightElements), bytesOf("element size", elementBytes),
		bytesOf("per pipeline", v.inFlight), count("pipelines", p), bytesOf("per checkpoint", v.inFlight*p)}
	if size := v.obs.latestSize(); size > 0 {
		ev = append(ev, ratio("share of last checkpoint", float64(v.inFlight*p)/float64(size)))
	}
	next := v.s
	next.FinishBundleBeforeCheckpointing = true
	return Finding{
		Code: CodeLargeInFlightBuffers, Severity: Warning,
		Summary:  fmt.Sprintf("each checkpoint buffers the open bundle's output: %s per pipeline, %s per checkpoint", FormatBytes(v.inFlight), FormatBytes(v.inFlight*p)),
		Evidence: ev,
		Change:   Diff(v.s, next),
		Action:   "finish bundles before checkpointing: the barrier then waits for the open bundle (up to one bundle's processing time) instead of the checkpoint carrying its output",
	}, true
}

// options: application values in PipelineOptions copied into checkpoints.
func (a *DefaultAdvisor) options(v *view) (Finding, bool) {
	r := v.obs.Facts.Options
	if r == nil || r.SavedPerCheckpoint < a.cfg.LargeOptions {
		return Finding{}, false
	}
	ev := []Evidence{bytesOf("options", int64(r.TotalBytes)), bytesOf("application values", int64(r.ApplicationBytes)),
		count("copies per checkpoint", int64(r.Copies)), bytesOf("saved per checkpoint", r.SavedPerCheckpoint)}
	if size := v.obs.latestSize(); size > 0 {
		ev = append(ev, ratio("share of last checkpoint", float64(r.SavedPerCheckpoint)/float64(size)))
	}
	keys := r.Application
	if len(keys) > 5 {
		keys = append(keys[:5:5], fmt.Sprintf("and %d more", len(r.Application)-5))
	}
	return Finding{
		Code: CodeApplicationOptions, Severity: Warning,
		Summary: fmt.Sprintf("application values make up %s of the %s PipelineOptions, copied %d times into each checkpoint (BEAM-8577)",
			FormatBytes(int64(r.ApplicationBytes)), FormatBytes(int64(r.TotalBytes)), r.Copies),
		Evidence: ev,
		Action: "move the application values out of PipelineOptions (pass them to the DoFns that need them, or read them from a file or a side input): " +
			strings.Join(keys, ", "),
	}, true
}
