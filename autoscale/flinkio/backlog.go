package flinkio

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// backlog replaces the sources' backlog with the backlog source's, when
// one is configured: per source vertex, the entries keyed by the vertex or
// by a topic it reads. A source the backlog source failed for keeps its
// own pendingRecords, its time lag missing for the failure.
func (o *Observer) backlog(ctx context.Context, obs *autoscale.Observation, topics map[flinkapi.VertexID][]string) {
	if o.cfg.Backlog == nil {
		return
	}
	snap, err := o.cfg.Backlog.Backlog(ctx)
	if err != nil {
		o.cfg.Logger.DebugContext(ctx, "flinkio: backlog source", "err", err)
	}
	var hs map[backlog.Key]backlog.PartitionHealth
	if err == nil && o.cfg.Health != nil {
		hs = o.health(ctx, snap, committing(obs, topics))
	}
	for i := range obs.Vertices {
		v := &obs.Vertices[i]
		if v.Source == nil {
			continue
		}
		if err != nil {
			v.Source.TimeLag = autoscale.MissingBecause("the backlog source failed: " + err.Error())
			continue
		}
		ts := topics[flinkapi.VertexID(v.ID)]
		sourceBacklog(v, ts, snap)
		if hs != nil {
			v.Source.Health = sourceHealth(ts, snap, hs)
		}
	}
}

// committing returns the topics whose source vertex is known to spend
// less than half its time backpressured: a KafkaSource commits its
// offsets when a checkpoint completes through its split fetcher, and a
// backpressured fetcher does not poll, so its commits wait (measured on
// Flink 1.20.5: the group's offsets did not move for 15 s across two
// completed checkpoints while the source was backpressured throughout).
// Only these topics' partitions count as re-committed by a checkpoint.
func committing(obs *autoscale.Observation, topics map[flinkapi.VertexID][]string) map[string]bool {
	out := map[string]bool{}
	for _, v := range obs.Vertices {
		if bp, ok := v.Backpressured.Get(); v.Source != nil && ok && bp < 0.5 {
			for _, t := range topics[flinkapi.VertexID(v.ID)] {
				out[t] = true
			}
		}
	}
	return out
}

// sourceBacklog sums the matching entries: those keyed by the vertex (the
// job's own view, as flinkbacklog's) and those keyed by a topic it reads
// (Kafka's, as kafkalag's). A merged snapshot may hold both: the records
// then come from the vertex's entries when they know them (Flink first,
// Kafka as the fallback), and the time lag, which a job does not report,
// from the partitions. A missing figure in any entry of a kind makes that
// kind's total missing, for the entries' reason (backlog never turns
// unknown into zero); so does a snapshot error about the vertex or one of
// its topics. A vertex without entries keeps its own pendingRecords.
func sourceBacklog(v *autoscale.Vertex, topics []string, snap backlog.Snapshot) {
	var byVertex, byTopic backlog.Snapshot
	for _, p := range snap.Partitions {
		switch {
		case p.Key.Vertex == v.ID:
			byVertex.Partitions = append(byVertex.Partitions, p)
		case p.Key.Vertex == "" && slices.Contains(topics, p.Key.Topic):
			byTopic.Partitions = append(byTopic.Partitions, p)
		}
	}
	for _, e := range snap.Errors {
		switch {
		case e.Scope == "vertex "+v.ID:
			byVertex.Errors = append(byVertex.Errors, e)
		case slices.Contains(topics, e.Scope):
			byTopic.Errors = append(byTopic.Errors, e)
		}
	}
	src := v.Source
	if len(byVertex.Partitions)+len(byVertex.Errors)+len(byTopic.Partitions)+len(byTopic.Errors) == 0 {
		src.TimeLag = autoscale.MissingBecause(fmt.Sprintf("the backlog source (%s) has no entries for this source", snap.Source))
		return // its own pendingRecords stand
	}
	src.Origin = snap.Source
	var records, lags []autoscale.Value
	for _, part := range []backlog.Snapshot{byVertex, byTopic} {
		if len(part.Partitions)+len(part.Errors) == 0 {
			continue
		}
		t := part.Totals()
		records = append(records, figure(t.Records, 1, part, func(p backlog.Partition) backlog.Reason { return p.Records.Reason() }))
		lags = append(lags, figure(t.TimeLag, 1e-9, part, func(p backlog.Partition) backlog.Reason { return p.TimeLag.Reason() }))
	}
	src.Backlog = first(records)
	slices.Reverse(lags) // the partitions' time lag first
	src.TimeLag = first(lags)
	if len(topics) > 0 && len(byTopic.Partitions) > 0 {
		src.Partitions = len(byTopic.Partitions)
	}
}

// figure turns a backlog total into a Value in units of unit (1e-9 for a
// duration in seconds): missing for the total's reason, and what made it
// unknown: the unknown entries (reason gives an entry's reason) with their
// details, up to three, and the snapshot's errors about them.
func figure[T int64 | time.Duration](f backlog.Figure[T], unit float64, part backlog.Snapshot, reason func(backlog.Partition) backlog.Reason) autoscale.Value {
	if x, ok := f.Value(); ok {
		return autoscale.Of(float64(x) * unit)
	}
	var why []string
	unknown := 0
	for _, p := range part.Partitions {
		r := reason(p)
		if r == "" {
			continue
		}
		if unknown++; unknown > 3 {
			continue
		}
		w := string(r)
		if p.Detail != "" {
			w += " (" + p.Detail + ")"
		}
		why = append(why, p.Key.String()+": "+w)
		if len(part.Partitions) == 1 && len(part.Errors) == 0 {
			return autoscale.MissingBecause(w) // the one entry's reason is the total's
		}
	}
	if unknown > 3 {
		why = append(why, fmt.Sprintf("and %d more", unknown-3))
	}
	for _, e := range part.Errors {
		why = append(why, e.Error())
	}
	switch {
	case len(why) == 0:
		return autoscale.MissingBecause(string(f.Reason()))
	case len(part.Partitions) == 0: // only errors: they are the reason
		return autoscale.MissingBecause(strings.Join(why, "; "))
	}
	return autoscale.MissingBecause(string(f.Reason()) + ": " + strings.Join(why, "; "))
}

// first returns the first known Value, else the first one (with its
// reason).
func first(xs []autoscale.Value) autoscale.Value {
	for _, x := range xs {
		if x.Valid() {
			return x
		}
	}
	if len(xs) == 0 {
		return autoscale.Missing
	}
	return xs[0]
}
