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
// # Against a real KafkaSource
//
// The real tier (realstack_test.go, Flink 1.20.5, flink-connector-kafka,
// Kafka 4.4) checks the figures against Kafka's lag read independently
// and found: pendingRecords sums the Kafka consumer's records-lag of the
// partitions it has polled at least once, so until every assigned
// partition has returned a fetch it understates the backlog (down to 0%
// of it in the run recorded: 37 of 61 samples while draining 20,000
// records); a source that never read a record lists no pendingRecords at
// all (unknown here, never 0); once caught up it is 0 within a fetch. The
// operator-scoped currentEmitEventTimeLag keeps its last value while the
// source idles (39 s in that run), so it is no time lag, and the
// committedOffset gauges move only when a checkpoint completes. Merge with
// backlog/kafkalag, which reads every partition's end and committed
// offsets, where the first seconds after a (re)start matter.
//
// # Which Beam names, which Beam
//
// Current Beam (KafkaIO's KafkaUnboundedReader, which the Flink runner
// uses unless the pipeline opts into the SDF read with the use_sdf_read
// experiment or runs portably) reports per split only:
// "<operator>.source.splits.<split>.backlog_elements" and
// "...backlog_bytes", where the split is the reader's index. It sets them
// when the runner takes a checkpoint mark, and the runner forwards them to
// Flink then, so a figure is as old as the last checkpoint (a job that
// does not checkpoint reports none). It sets no vertex total. Between
// checkpoints its backlog_bytes holds one partition's backlog in records
// (it is overwritten on every record), and before the first checkpoint it
// is 0 while backlog_elements is not reported yet: a split's bytes are
// read only beside its records and above them when records are positive,
// otherwise unknown (backlog.InvalidValue). Older readers, the seed's
// among them, set the totals "<operator>.source.backlog_elements" and
// "...backlog_bytes"; they are still read when no split gauge is listed.
// Beam's Flink runner publishes no pendingRecords for its sources. The
// SDF read's per-partition gauge ("KafkaIOReader.rawSize/backlogBytes_"
// plus the topic-partition, on the reading DoFn's operator) is not read:
// bytes only, and on a vertex that need not be a source. Names taken from
// Beam's source, not yet from a running Beam job (the Beam issue runs one).
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
