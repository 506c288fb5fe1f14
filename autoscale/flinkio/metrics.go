package flinkio

import (
	"context"
	"strings"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// Metric names: task metrics by their plain names; a source operator's
// metrics scoped by operator name ("Source__orders.numRecordsIn"), as
// Flink's Kubernetes operator matches them.
const (
	busyName          = "busyTimeMsPerSecond"
	backpressuredName = "backPressuredTimeMsPerSecond"
	sourcePrefix      = "Source__"
	numRecordsIn      = ".numRecordsIn"
	pendingRecords    = ".pendingRecords"
	kafkaPartition    = ".KafkaSourceReader.topic."
)

// vertexMetrics reads a vertex's gauges, and for a source its input
// counter, backlog and partition count. What fails stays missing.
func (o *Observer) vertexMetrics(ctx context.Context, v *autoscale.Vertex) {
	id := flinkapi.VertexID(v.ID)
	names := []string{busyName, backpressuredName}
	var in, pending []string
	if v.Source != nil {
		listed, err := o.cfg.Client.VertexMetricNames(ctx, o.cfg.Job, id)
		if err != nil {
			o.cfg.Logger.DebugContext(ctx, "flinkio: metric names", "vertex", v.ID, "err", err)
			return
		}
		in, pending = sourceNames(listed)
		names = append(append(names, in...), pending...)
		v.Source.Partitions = partitionCount(listed)
	}
	res, err := o.cfg.Client.VertexMetrics(ctx, o.cfg.Job, id, flinkapi.MetricsQuery{
		Names: names, Aggregations: []flinkapi.Aggregation{flinkapi.AggMax, flinkapi.AggSum, flinkapi.AggMin},
	})
	if err != nil {
		o.cfg.Logger.DebugContext(ctx, "flinkio: vertex metrics", "vertex", v.ID, "err", err)
		return
	}
	v.Busy = ratio(res, busyName)
	v.Backpressured = ratio(res, backpressuredName)
	if v.Source != nil {
		v.RecordsIn = sum(res, in)
		v.Source.Backlog = sum(res, pending)
	}
}

// sourceNames finds a source vertex's operator-scoped input counters and
// pendingRecords gauges.
func sourceNames(listed []string) (in, pending []string) {
	for _, n := range listed {
		switch {
		case strings.HasPrefix(n, sourcePrefix) && strings.HasSuffix(n, numRecordsIn):
			in = append(in, n)
		case strings.HasSuffix(n, pendingRecords):
			pending = append(pending, n)
		}
	}
	return in, pending
}

// partitionCount counts the distinct Kafka partitions a FLIP-27 Kafka
// source reports offsets for ("...KafkaSourceReader.topic.<t>.partition.<n>.currentOffset").
func partitionCount(listed []string) int {
	seen := map[string]bool{}
	for _, n := range listed {
		i := strings.Index(n, kafkaPartition)
		if i < 0 || !strings.HasSuffix(n, ".currentOffset") {
			continue
		}
		seen[strings.TrimSuffix(n[i+len(kafkaPartition):], ".currentOffset")] = true
	}
	return len(seen)
}

// ratio is a per-second millisecond gauge's MAX over subtasks as a
// fraction of a second.
func ratio(res flinkapi.VertexMetricsResult, name string) autoscale.Value {
	m, ok := res.Metrics[name]
	if !ok {
		return autoscale.Missing
	}
	v, ok := m.Value(flinkapi.AggMax)
	if !ok || v < 0 {
		return autoscale.Missing
	}
	return autoscale.Of(min(v, 1000) / 1000)
}

// sum adds non-negative gauges or counters over subtasks and operators;
// missing when none is reported or any is invalid (a negative value from a
// subtask hides in a plain sum, so MIN is checked).
func sum(res flinkapi.VertexMetricsResult, names []string) autoscale.Value {
	if len(names) == 0 {
		return autoscale.Missing
	}
	total := 0.0
	for _, n := range names {
		m, ok := res.Metrics[n]
		if !ok {
			return autoscale.Missing
		}
		s, okSum := m.Value(flinkapi.AggSum)
		lo, okMin := m.Value(flinkapi.AggMin)
		if !okSum || !okMin || lo < 0 {
			return autoscale.Missing
		}
		total += s
	}
	return autoscale.Of(total)
}

// resources reads the cluster's slots; what fails stays zero (unknown).
func (o *Observer) resources(ctx context.Context) autoscale.Resources {
	var r autoscale.Resources
	if ov, err := o.cfg.Client.Overview(ctx); err == nil {
		r.TaskManagers, r.SlotsTotal, r.SlotsAvailable = ov.TaskManagers, ov.SlotsTotal, ov.SlotsAvailable
	} else {
		o.cfg.Logger.DebugContext(ctx, "flinkio: overview", "err", err)
	}
	if tms, err := o.cfg.Client.TaskManagers(ctx); err == nil && len(tms) > 0 {
		r.SlotsPerTaskManager = tms[0].SlotsNumber
	}
	return r
}

// backlog replaces the sources' backlog with the backlog source's, when
// one is configured: per source vertex, the entries keyed by the vertex or
// by a topic it reads.
func (o *Observer) backlog(ctx context.Context, obs *autoscale.Observation) {
	if o.cfg.Backlog == nil {
		return
	}
	snap, err := o.cfg.Backlog.Backlog(ctx)
	for i := range obs.Vertices {
		src := obs.Vertices[i].Source
		if src == nil {
			continue
		}
		if err != nil {
			src.Backlog, src.TimeLag, src.Origin = autoscale.Missing, autoscale.Missing, "backlog source failed"
			continue
		}
		o.sourceBacklog(obs.Vertices[i].ID, snap, src)
	}
}

// sourceBacklog sums the matching entries: those keyed by the vertex (the
// job's own view, as flinkbacklog's) and those keyed by a topic it reads
// (Kafka's, as kafkalag's). A merged snapshot may hold both: the records
// then come from the vertex's entries when they know them (Flink first,
// Kafka as the fallback), and the time lag, which a job does not report,
// from the partitions. A missing figure in any entry of a kind makes that
// kind's total missing (backlog never turns unknown into zero).
func (o *Observer) sourceBacklog(id string, snap backlog.Snapshot, src *autoscale.Source) {
	topics := o.cfg.Topics[flinkapi.VertexID(id)]
	var byVertex, byTopic []backlog.Partition
	for _, p := range snap.Partitions {
		switch {
		case p.Key.Vertex == id:
			byVertex = append(byVertex, p)
		case p.Key.Vertex == "" && contains(topics, p.Key.Topic):
			byTopic = append(byTopic, p)
		}
	}
	src.Origin = snap.Source
	src.Backlog, src.TimeLag = autoscale.Missing, autoscale.Missing
	if len(snap.Errors) > 0 {
		return
	}
	vt, tt := totals(byVertex), totals(byTopic)
	for _, t := range []*backlog.Totals{vt, tt} {
		if t == nil || src.Backlog.Valid() {
			continue
		}
		if n, ok := t.Records.Value(); ok {
			src.Backlog = autoscale.Of(float64(n))
		}
	}
	for _, t := range []*backlog.Totals{tt, vt} {
		if t == nil || src.TimeLag.Valid() {
			continue
		}
		if d, ok := t.TimeLag.Value(); ok {
			src.TimeLag = autoscale.Of(d.Seconds())
		}
	}
	if len(topics) > 0 && len(byTopic) > 0 {
		src.Partitions = len(byTopic)
	}
}

// totals sums entries; nil when there are none.
func totals(ps []backlog.Partition) *backlog.Totals {
	if len(ps) == 0 {
		return nil
	}
	t := backlog.Snapshot{Partitions: ps}.Totals()
	return &t
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
