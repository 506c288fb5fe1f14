package flinkapi

import (
	"strconv"
	"strings"
)

// Flink's metric names, in one place: the readers (autoscale/flinkio,
// backlog/flinkbacklog, checkpointing/flinkadvice) look these up, and the
// fakes (flinktest, autoscale/sim/simflink) report them, so the two cannot
// drift apart.
//
// A task's own metrics are listed under their plain names
// (MetricBusyTime). An operator's metrics are listed scoped by the
// operator's name, "<scope>.<metric>" (OperatorMetric): the scope is the
// operator's name as OperatorScope renders it, so a FLIP-27 source
// "Source: orders" lists its backlog as "Source__orders.pendingRecords".
const (
	// MetricBusyTime is a task's busy time in ms per second.
	MetricBusyTime = "busyTimeMsPerSecond"
	// MetricBackPressuredTime is a task's backpressured time in ms per
	// second.
	MetricBackPressuredTime = "backPressuredTimeMsPerSecond"
	// MetricIdleTime is a task's idle time in ms per second.
	MetricIdleTime = "idleTimeMsPerSecond"
	// MetricNumRecordsIn counts the records a task (or, operator-scoped,
	// an operator) took in. A source task reads no network input: its
	// records read from Kafka are its source operator's numRecordsIn.
	MetricNumRecordsIn = "numRecordsIn"
	// MetricNumRecordsInPerSecond is MetricNumRecordsIn's rate.
	MetricNumRecordsInPerSecond = "numRecordsInPerSecond"
	// MetricNumRecordsOut counts the records a task or operator emitted.
	MetricNumRecordsOut = "numRecordsOut"
	// MetricNumRecordsOutPerSecond is MetricNumRecordsOut's rate.
	MetricNumRecordsOutPerSecond = "numRecordsOutPerSecond"
	// MetricPendingRecords is a source operator's backlog (FLIP-33): the
	// records it has yet to read, summed over its splits. Operator-scoped.
	MetricPendingRecords = "pendingRecords"
	// MetricPendingBytes is a source operator's backlog in bytes (FLIP-33).
	// Beam's classic Flink runner (2.70.0 on Flink 1.19.3, measured)
	// registers it on its unbounded source operator and reads it live from
	// the readers' split backlog in bytes, while KafkaIO's own backlog
	// gauges change only when a checkpoint is taken; -1 while unknown.
	// Operator-scoped.
	MetricPendingBytes = "pendingBytes"
	// MetricCheckpointAlignmentTime is the ns a task's last checkpoint
	// barrier alignment took.
	MetricCheckpointAlignmentTime = "checkpointAlignmentTime"
	// MetricCheckpointStartDelay is the ns from a checkpoint's creation to
	// the task starting it.
	MetricCheckpointStartDelay = "checkpointStartDelayNanos"

	// MetricNumRestarts is a job's restart count (job scope).
	MetricNumRestarts = "numRestarts"
	// MetricUptime is how long, in ms, a job has been RUNNING since it last
	// switched to RUNNING, 0 when it is not running (job scope).
	MetricUptime = "uptime"

	// MetricKafkaCurrentOffset is a FLIP-27 Kafka source's position in a
	// partition (KafkaPartitionMetric).
	MetricKafkaCurrentOffset = "currentOffset"
	// MetricKafkaCommittedOffset is the offset a FLIP-27 Kafka source last
	// committed for a partition (KafkaPartitionMetric).
	MetricKafkaCommittedOffset = "committedOffset"

	// MetricBeamBacklogElements is Beam KafkaIO's backlog in records: a
	// user metric (namespace "source", name "backlog_elements") that Beam's
	// Flink runner registers on the operator's group as
	// "source.backlog_elements", which Flink's REST API lists as
	// "<scope>.source_backlog_elements": the metric query service replaces
	// the dots within a metric's name, as it does in operator names
	// (measured on Flink 1.19.3 with Beam 2.70.0). Older KafkaIO readers set
	// this total; current Beam's KafkaUnboundedReader sets only the
	// per-split gauges (BeamSplitMetric: namespace "source.splits", name
	// "<split>.backlog_elements", listed as
	// "<scope>.source_splits_<split>_backlog_elements").
	MetricBeamBacklogElements = beamNamespace + "_" + BeamBacklogElements
	// MetricBeamBacklogBytes is Beam KafkaIO's backlog in bytes, listed as
	// "<scope>.source_backlog_bytes".
	MetricBeamBacklogBytes = beamNamespace + "_" + BeamBacklogBytes
	// BeamBacklogElements names Beam's backlog gauge in records within its
	// namespace, as a split's gauge is named (BeamSplitMetric).
	BeamBacklogElements = "backlog_elements"
	// BeamBacklogBytes names Beam's backlog gauge in bytes likewise.
	BeamBacklogBytes = "backlog_bytes"
)

// beamNamespace is the namespace of Beam KafkaIO's source metrics and
// beamSplits starts a per-split gauge's name, both as Flink lists them
// (dots replaced by '_').
const (
	beamNamespace = "source"
	beamSplits    = beamNamespace + "_splits_"
)

// SourceScopePrefix starts the scope of a source operator named as Flink
// names sources ("Source: orders" is "Source__orders").
const SourceScopePrefix = "Source__"

// maxOperatorName is how many characters of an operator's name Flink keeps
// in its metric scope (TaskMetricGroup.METRICS_OPERATOR_NAME_MAX_LENGTH).
const maxOperatorName = 80

// kafkaReaderScope is the group a FLIP-27 Kafka source registers its
// per-partition metrics under, below the operator's scope.
const kafkaReaderScope = "KafkaSourceReader"

// OperatorScope is the scope of a vertex's first operator in its metric
// names: the operator's name (the vertex name up to the first " -> " of a
// chain), cut to the 80 characters Flink keeps, with ' ', '.', ':' and ','
// replaced by '_' as Flink's metric query service does ("Source: orders
// -> Map" is "Source__orders").
func OperatorScope(vertexName string) string {
	op, _, _ := strings.Cut(vertexName, " -> ")
	if len(op) > maxOperatorName {
		op = op[:maxOperatorName]
	}
	return FilterMetricName(op)
}

// FilterMetricName replaces the characters Flink does not keep in a metric
// name's components (' ', '.', ':' and ',') with '_': how an operator's or
// a topic's name appears in a metric name.
func FilterMetricName(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', ':', ',':
			return '_'
		}
		return r
	}, s)
}

// OperatorMetric is the name an operator-scoped metric is listed under:
// "<scope>.<metric>", scope as OperatorScope gives it.
func OperatorMetric(scope, metric string) string { return scope + "." + metric }

// CutOperatorMetric splits an operator-scoped metric name at its first dot
// into the operator's scope and the metric: "Source__orders.pendingRecords"
// is ("Source__orders", "pendingRecords"). A scope holds no dot, so the cut
// is unambiguous; ok is false for a name without a dot or with an empty
// scope or metric. A task metric whose own name holds dots (Flink's
// "buffers.inPoolUsage") cuts too: compare the scope with the one you
// expect.
func CutOperatorMetric(name string) (scope, metric string, ok bool) {
	scope, metric, ok = strings.Cut(name, ".")
	if !ok || scope == "" || metric == "" {
		return "", "", false
	}
	return scope, metric, true
}

// KafkaPartitionMetric is the name of a FLIP-27 Kafka source's metric for
// one partition, under the source operator's scope:
// "<scope>.KafkaSourceReader.topic.<topic>.partition.<n>.<metric>", the
// topic's name filtered as FilterMetricName does; metric is
// MetricKafkaCurrentOffset or MetricKafkaCommittedOffset.
func KafkaPartitionMetric(scope, topic string, partition int32, metric string) string {
	return scope + "." + kafkaReaderScope + ".topic." + FilterMetricName(topic) +
		".partition." + strconv.FormatInt(int64(partition), 10) + "." + metric
}

// KafkaPartition is a FLIP-27 Kafka source's per-partition metric name,
// parsed.
type KafkaPartition struct {
	// Scope is the source operator's scope.
	Scope string
	// Topic is the topic's name as the metric shows it (filtered: a '.' in
	// the topic's name shows as '_').
	Topic string
	// Partition is the partition number.
	Partition int32
	// Metric is what the name measures (MetricKafkaCurrentOffset, ...).
	Metric string
}

// ParseKafkaPartitionMetric parses a name KafkaPartitionMetric builds; ok
// is false for any other name.
func ParseKafkaPartitionMetric(name string) (KafkaPartition, bool) {
	scope, rest, ok := CutOperatorMetric(name)
	if !ok {
		return KafkaPartition{}, false
	}
	rest, ok = strings.CutPrefix(rest, kafkaReaderScope+".topic.")
	if !ok {
		return KafkaPartition{}, false
	}
	// The topic is filtered (no dots): ".partition." after it is the first.
	topic, rest, ok := strings.Cut(rest, ".partition.")
	if !ok || topic == "" {
		return KafkaPartition{}, false
	}
	num, metric, ok := strings.Cut(rest, ".")
	if !ok || metric == "" || strings.Contains(metric, ".") {
		return KafkaPartition{}, false
	}
	n, err := strconv.ParseInt(num, 10, 32)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != num {
		return KafkaPartition{}, false
	}
	return KafkaPartition{Scope: scope, Topic: topic, Partition: int32(n), Metric: metric}, true
}

// BeamSplitMetric is the name Flink lists a Beam KafkaIO per-split backlog
// gauge (gauge BeamBacklogElements or BeamBacklogBytes) under within the
// operator's scope: "source_splits_<split>_<gauge>", the split filtered
// as FilterMetricName does (KafkaIO's splits are reader indexes: "0").
func BeamSplitMetric(split, gauge string) string {
	return beamSplits + FilterMetricName(split) + "_" + gauge
}

// ParseBeamSplitMetric recognises a per-split backlog gauge in a metric
// name as Flink lists it, operator-scoped or not:
// "...source_splits_<split>_backlog_elements" (or backlog_bytes). The
// split's ID may itself hold '_'; ok is false for any other name or an
// empty split.
func ParseBeamSplitMetric(name string) (split, gauge string, ok bool) {
	i := strings.LastIndex(name, "."+beamSplits)
	switch {
	case strings.HasPrefix(name, beamSplits) && strings.Count(name, ".") == 0:
		i = 0
	case i >= 0:
		i++
	default:
		return "", "", false
	}
	rest := name[i+len(beamSplits):]
	if strings.Contains(rest, ".") {
		return "", "", false
	}
	for _, g := range []string{BeamBacklogElements, BeamBacklogBytes} {
		if split, ok := strings.CutSuffix(rest, "_"+g); ok && split != "" {
			return split, g, true
		}
	}
	return "", "", false
}

// BacklogGauge is which of a source's backlog gauges a metric name is
// (ParseBacklogMetric).
type BacklogGauge int

// The backlog gauges a source may report.
const (
	// NotBacklog: the name is no backlog gauge.
	NotBacklog BacklogGauge = iota
	// PendingRecords is Flink's MetricPendingRecords (FLIP-33), total over
	// the operator's splits.
	PendingRecords
	// BeamElements is Beam KafkaIO's total backlog in records,
	// MetricBeamBacklogElements.
	BeamElements
	// BeamBytes is Beam KafkaIO's total backlog in bytes,
	// MetricBeamBacklogBytes.
	BeamBytes
	// BeamSplitElements is Beam KafkaIO's backlog in records of one split
	// (BeamSplitMetric with BeamBacklogElements).
	BeamSplitElements
	// BeamSplitBytes is Beam KafkaIO's backlog in bytes of one split.
	BeamSplitBytes
	// PendingBytes is Flink's MetricPendingBytes (FLIP-33), total over the
	// operator's splits.
	PendingBytes
)

// ParseBacklogMetric says which backlog gauge a listed metric name is,
// operator-scoped or not ("Source__orders.pendingRecords",
// "pendingRecords"), with the split of a per-split gauge. Metric names are
// untrusted input: any string is accepted.
func ParseBacklogMetric(name string) (g BacklogGauge, split string) {
	is := func(metric string) bool { return name == metric || strings.HasSuffix(name, "."+metric) }
	switch {
	case is(MetricPendingRecords):
		return PendingRecords, ""
	case is(MetricPendingBytes):
		return PendingBytes, ""
	case is(MetricBeamBacklogElements):
		return BeamElements, ""
	case is(MetricBeamBacklogBytes):
		return BeamBytes, ""
	}
	split, gauge, ok := ParseBeamSplitMetric(name)
	switch {
	case !ok:
		return NotBacklog, ""
	case gauge == BeamBacklogElements:
		return BeamSplitElements, split
	}
	return BeamSplitBytes, split
}
