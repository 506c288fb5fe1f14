package flinkio

import (
	"context"
	"fmt"
	"strings"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// OriginFlink is the Source.Origin of a backlog read from the source's
// own pendingRecords: with no Backlog configured, and as the fallback when
// the Backlog fails or has no entries for the source.
const OriginFlink = "flink"

// noTimeLag is a source's time lag when only Flink is asked: a job does not
// report one.
var noTimeLag = autoscale.MissingBecause("Flink reports no time lag (configure a Kafka backlog source for it)")

// metricsQuery is what the Observer asks of every vertex: the busiest
// subtask's gauges (MAX) and, for sources, sums checked for a negative
// subtask (SUM, MIN).
var metricsQuery = []flinkapi.Aggregation{flinkapi.AggMax, flinkapi.AggSum, flinkapi.AggMin}

// sourceMetrics are the metric names a source vertex lists that the
// Observer reads: its first operator's input counter, the backlog gauges
// (for itself and for a flinkbacklog Source sharing the read), and the
// partitions its Kafka reader reports.
type sourceMetrics struct {
	in, pending, backlog []string
	partitions           int
}

// vertexMetrics reads a vertex's gauges, and for a source its input
// counter, backlog and partition count. What fails stays missing, with the
// failure as its reason.
func (o *Observer) vertexMetrics(ctx context.Context, v *autoscale.Vertex) {
	id := flinkapi.VertexID(v.ID)
	names := []string{flinkapi.MetricBusyTime, flinkapi.MetricBackPressuredTime}
	var sm sourceMetrics
	if v.Source != nil {
		listed, err := o.cfg.Client.VertexMetricNames(ctx, o.cfg.Job, id)
		if err != nil {
			o.cfg.Logger.DebugContext(ctx, "flinkio: metric names", "vertex", v.ID, "err", err)
			failed(v, "listing its metrics failed: "+err.Error())
			return
		}
		sm = listSource(v.Name, listed)
		names = append(append(names, sm.in...), sm.backlog...)
		v.Source.Partitions = sm.partitions
	}
	res, err := o.cfg.Client.VertexMetrics(ctx, o.cfg.Job, id, flinkapi.MetricsQuery{Names: names, Aggregations: metricsQuery})
	if err != nil {
		o.cfg.Logger.DebugContext(ctx, "flinkio: vertex metrics", "vertex", v.ID, "err", err)
		failed(v, "reading its metrics failed: "+err.Error())
		return
	}
	v.Busy = ratio(res, flinkapi.MetricBusyTime)
	v.Backpressured = ratio(res, flinkapi.MetricBackPressuredTime)
	if v.Source != nil {
		v.RecordsIn = sum(res, sm.in, "its source operator's "+flinkapi.MetricNumRecordsIn)
		v.Source.Backlog = sum(res, sm.pending, flinkapi.MetricPendingRecords)
	}
}

// failed makes the figures a vertex's metrics give missing for why.
func failed(v *autoscale.Vertex, why string) {
	x := autoscale.MissingBecause(why)
	v.Busy, v.Backpressured = x, x
	if v.Source != nil {
		v.RecordsIn, v.Source.Backlog = x, x
	}
}

// listSource picks a source vertex's metrics from its listed names: the
// input counter of its first operator (the scope flinkapi.OperatorScope
// gives its name; failing that, of the operators scoped as sources), the
// pendingRecords gauges, every backlog gauge, and the distinct Kafka
// partitions its reader reports current offsets for.
func listSource(vertexName string, listed []string) sourceMetrics {
	var sm sourceMetrics
	first := flinkapi.OperatorScope(vertexName)
	var sources []string
	seen := map[flinkapi.KafkaPartition]bool{}
	for _, n := range listed {
		if scope, metric, ok := flinkapi.CutOperatorMetric(n); ok && metric == flinkapi.MetricNumRecordsIn {
			switch {
			case scope == first:
				sm.in = append(sm.in, n)
			case strings.HasPrefix(scope, flinkapi.SourceScopePrefix):
				sources = append(sources, n)
			}
		}
		switch g, _ := flinkapi.ParseBacklogMetric(n); g {
		case flinkapi.NotBacklog:
		case flinkapi.PendingRecords:
			sm.pending = append(sm.pending, n)
			sm.backlog = append(sm.backlog, n)
		default:
			sm.backlog = append(sm.backlog, n)
		}
		if p, ok := flinkapi.ParseKafkaPartitionMetric(n); ok && p.Metric == flinkapi.MetricKafkaCurrentOffset {
			p.Scope, p.Metric = "", ""
			seen[p] = true
		}
	}
	if len(sm.in) == 0 {
		sm.in = sources
	}
	sm.partitions = len(seen)
	return sm
}

// ratio is a per-second millisecond gauge's MAX over subtasks as a
// fraction of a second.
func ratio(res flinkapi.VertexMetricsResult, name string) autoscale.Value {
	m, ok := res.Metrics[name]
	if !ok {
		return autoscale.MissingBecause(name + " not reported")
	}
	v, ok := m.Value(flinkapi.AggMax)
	if !ok || v < 0 {
		return autoscale.MissingBecause(fmt.Sprintf("%s: invalid value reported (%v)", name, m.Max))
	}
	return autoscale.Of(min(v, 1000) / 1000)
}

// sum adds non-negative gauges or counters over subtasks and operators;
// missing when none is reported or any is invalid (a negative value from a
// subtask hides in a plain sum, so MIN is checked). what names the figure
// in the reason.
func sum(res flinkapi.VertexMetricsResult, names []string, what string) autoscale.Value {
	if len(names) == 0 {
		return autoscale.MissingBecause(what + " not reported")
	}
	total := 0.0
	for _, n := range names {
		m, ok := res.Metrics[n]
		if !ok {
			return autoscale.MissingBecause(n + " not reported")
		}
		s, okSum := m.Value(flinkapi.AggSum)
		lo, okMin := m.Value(flinkapi.AggMin)
		if !okSum || !okMin || lo < 0 {
			return autoscale.MissingBecause(fmt.Sprintf("%s: invalid value reported (a subtask reports %v)", n, m.Min))
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
