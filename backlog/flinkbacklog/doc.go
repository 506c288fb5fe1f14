// Package flinkbacklog is a backlog.Source that reads the backlog a Flink
// job reports about its own sources, through the Flink REST API
// (package flinkapi): Flink's standard pendingRecords metric (FLIP-33, on
// FLIP-27 sources such as KafkaSource) and Beam's backlog_elements and
// backlog_bytes gauges (KafkaIO, total and per split).
//
// Each entry is keyed by source vertex (backlog.VertexSplit), or by vertex
// and split when Beam reports per-split gauges, because a job's metrics are
// per reader, not per Kafka partition. Missing metrics are unknown
// (backlog.MetricMissing), never zero: the operator autoscaler's "missing
// pendingRecords means no lag" blocks scale-down on idle topics and hides a
// broken metric path, the failure that lost Beam's backlog on Flink (the
// gauges were set where Flink never looked). A negative or NaN value
// (Beam's BACKLOG_UNKNOWN is -1) is unknown (backlog.InvalidValue), and so
// is an infinite or absurdly large one (above 2^62); the total of several
// chained operators' gauges saturates at the largest int64 rather than
// wrapping around (backlog.Sum). Metric names are untrusted input: their
// parser is fuzzed (FuzzParseName), as is the whole mapping from names and
// values to figures (FuzzEntries). The job
// reports no time lag. Combine this Source with backlog/kafkalag through
// backlog.Fallback or backlog.Merge.
//
// A snapshot costs one job-details call plus one aggregated-metrics call
// per source vertex once flinkapi's metric-name cache is warm (one more per
// vertex to list names when it is cold). Given an autoscale/flinkio.Shared
// as its Client, and observed through the Observer sharing it, it costs
// nothing more: the Observer reads the job details and each source's
// metrics once per observation, the backlog gauges included, and the
// Source's calls are answered from that read. The metric names are
// flinkapi's (ParseBacklogMetric), the same the fakes report. A Source is
// safe for concurrent use.
package flinkbacklog
