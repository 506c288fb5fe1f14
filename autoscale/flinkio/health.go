package flinkio

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// ErrNoCheckpoints is Shared.Checkpoints' error when the client it wraps
// cannot read checkpoint statistics.
var ErrNoCheckpoints = errors.New("flinkio: the client has no Checkpoints")

// Checkpointer is the call lag health needs from Flink beyond Flink's:
// the job's checkpoint statistics. *flinkapi.Client and *Shared have it.
type Checkpointer interface {
	Checkpoints(ctx context.Context, job flinkapi.JobID) (flinkapi.CheckpointStats, error)
}

var (
	_ Checkpointer = (*flinkapi.Client)(nil)
	_ Checkpointer = (*Shared)(nil)
)

// Checkpoints implements Checkpointer by passing the call through, when
// the wrapped client has it (else it fails with ErrNoCheckpoints).
func (s *Shared) Checkpoints(ctx context.Context, job flinkapi.JobID) (flinkapi.CheckpointStats, error) {
	c, ok := s.client.(Checkpointer)
	if !ok {
		return flinkapi.CheckpointStats{}, ErrNoCheckpoints
	}
	return c.Checkpoints(ctx, job)
}

// checkpointed reports whether the job completed a checkpoint since the
// previous observation: its KafkaSource then committed every split's
// offset again, moved or not, which is what makes a partition stuck
// behind one offset STALL rather than STOP. Unknown (a client without
// Checkpoints, a failed call, the first observation) is false.
func (o *Observer) checkpointed(ctx context.Context) bool {
	c, ok := o.cfg.Client.(Checkpointer)
	if !ok {
		return false
	}
	st, err := c.Checkpoints(ctx, o.cfg.Job)
	if err != nil {
		o.cfg.Logger.DebugContext(ctx, "flinkio: checkpoint statistics for lag health", "err", err)
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	rose := o.seen && st.Counts.Completed > o.completed
	o.seen, o.completed = true, st.Counts.Completed
	return rose
}

// health feeds the snapshot's Kafka partitions to the configured Health,
// marked Live when the job completed a checkpoint since the last
// observation and the partition's topic is among those committing (its
// source not backpressured), or when the backlog source says so, and
// returns per topic partition its evaluation. A partition not marked is
// judged as a consumer that does not commit: STOP after a silence, never
// STALL, so a backpressured source's delayed commits are not taken for a
// poison record.
func (o *Observer) health(ctx context.Context, snap backlog.Snapshot, committing map[string]bool) map[backlog.Key]backlog.PartitionHealth {
	live := o.checkpointed(ctx)
	marked := snap
	marked.Partitions = slices.Clone(snap.Partitions)
	for i := range marked.Partitions {
		p := &marked.Partitions[i]
		p.Live = p.Live || (live && p.Key.Vertex == "" && committing[p.Key.Topic])
	}
	o.cfg.Health.Observe(marked)
	out := make(map[backlog.Key]backlog.PartitionHealth, len(marked.Partitions))
	for _, p := range marked.Partitions {
		if p.Key.Vertex == "" {
			out[p.Key] = o.cfg.Health.Evaluate(snap.Time, p.Key)
		}
	}
	return out
}

// sourceHealth counts a source's topic partitions by status: what the
// stalled ones hold (records from the snapshot) and the time lag of the
// others.
func sourceHealth(topics []string, snap backlog.Snapshot, hs map[backlog.Key]backlog.PartitionHealth) autoscale.SourceHealth {
	h := autoscale.SourceHealth{Statuses: map[string]int{}}
	var stalled []backlog.Figure[int64]
	var lags []backlog.Figure[time.Duration]
	for _, p := range snap.Partitions {
		ph, ok := hs[p.Key]
		if !ok || !slices.Contains(topics, p.Key.Topic) {
			continue
		}
		h.Evaluated++
		h.Statuses[ph.Status.String()]++
		if ph.Status == backlog.StatusStall {
			h.Stalled++
			stalled = append(stalled, p.Records)
			continue
		}
		lags = append(lags, p.TimeLag)
	}
	if h.Evaluated == 0 {
		return autoscale.SourceHealth{}
	}
	h.StalledBacklog = autoscale.Of(0)
	if len(stalled) > 0 {
		h.StalledBacklog = value(backlog.Sum(stalled...), 1)
	}
	h.MovingTimeLag = value(backlog.Max(lags...), 1e-9)
	return h
}

// value turns a backlog figure into a Value in units of unit.
func value[T int64 | time.Duration](f backlog.Figure[T], unit float64) autoscale.Value {
	if x, ok := f.Value(); ok {
		return autoscale.Of(float64(x) * unit)
	}
	return autoscale.MissingBecause(string(f.Reason()))
}
