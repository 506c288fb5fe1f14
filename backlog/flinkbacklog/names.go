package flinkbacklog

import "github.com/flinkscale/flinkscale/flinkapi"

// Metric-name shapes in a vertex's aggregated subtask metric list, as
// flinkapi names them (ParseBacklogMetric). Operator metrics appear as
// "<operator>.<metric>", the operator name with Flink's character
// replacements (a source "Source: orders" lists as
// "Source__orders.pendingRecords"). Beam's Flink runner registers a user
// metric (namespace, name) on the operator's group as "namespace.name",
// whose dots Flink's REST API lists as '_', so KafkaIO's gauges list as
// "<operator>.source_backlog_elements" and, per split,
// "<operator>.source_splits_<split>_backlog_elements".

// kind is what a metric name measures.
type kind = flinkapi.BacklogGauge

const (
	kindNone          = flinkapi.NotBacklog
	kindPending       = flinkapi.PendingRecords
	kindElements      = flinkapi.BeamElements
	kindBytes         = flinkapi.BeamBytes
	kindSplitElements = flinkapi.BeamSplitElements
	kindSplitBytes    = flinkapi.BeamSplitBytes
	kindPendingBytes  = flinkapi.PendingBytes
)

// metricName is a parsed metric name this package reads.
type metricName struct {
	name  string // as Flink lists it
	kind  kind
	split string // for the per-split kinds
}

// parseName classifies a listed metric name.
func parseName(name string) metricName {
	k, split := flinkapi.ParseBacklogMetric(name)
	return metricName{name: name, kind: k, split: split}
}
