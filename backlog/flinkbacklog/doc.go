// Package flinkbacklog is a backlog.Source that reads the backlog a Flink
// job reports about its own sources, through the Flink REST API
// (package flinkapi): Flink's standard pendingRecords metric (FLIP-33, on
// FLIP-27 sources such as KafkaSource), Beam's backlog_elements and
// backlog_bytes gauges (KafkaIO, total and per split), and Flink's
// pendingBytes, which keeps Beam's gauges up to date.
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
// Measured on Beam 2.70.0's classic FlinkRunner (KafkaIO's
// KafkaUnboundedReader in the runner's UnboundedSourceWrapper) on Flink
// 1.19.3 (realstack.BeamJob; beam_realstack_test.go, and
// docs/beam-fidelity.md). Flink's metric query service replaces the dots
// in a metric's own name, so KafkaIO's gauges (namespace "source.splits",
// names "<split>.backlog_elements" and "<split>.backlog_bytes") are listed
// as "<operator>.source_splits_<split>_backlog_elements" and
// "..._backlog_bytes", the split being the reader's index; older readers'
// totals as "<operator>.source_backlog_elements" and "..._bytes" (still
// read when no split gauge is listed). The operator scope is the source's
// name cut to 80 characters ("Source__ReadKafka/KafkaIO_Read/..."). The
// runner lists no pendingRecords, but it does list Flink's pendingBytes on
// the source operator, and the two differ in freshness:
//
//   - KafkaIO sets its split gauges only when a checkpoint is taken: they
//     trailed the records left to read by up to 480 records at 940 records/s
//     with 2 s checkpoints, and once the source caught up they kept their
//     last value (300-500 records, with Kafka's lag 0) for as long as the
//     run lasted. Before the readers know every partition's end they are -1.
//   - pendingBytes is read from the readers on every metrics fetch: 0 once
//     caught up, and otherwise the bytes left to read.
//
// So a vertex listing pendingBytes has its Beam gauges brought up to date
// with it: 0 records when it is 0, else each split's records and bytes
// scaled by pendingBytes over the splits' bytes (the gauges' own average
// record size). That tracked Kafka's lag within about 100 records over the
// whole drain, where the gauges alone were up to 480 records off. A burst
// shows up 0.25-3 s after it is written, when the reader's offset
// fetcher next learns the partitions' end offsets. pendingBytes -1 (not
// known yet) leaves the gauges as they are; pendingBytes above 0 with
// splits that show no bytes makes their records unknown. The SDF read's
// per-partition gauges ("KafkaIOReader_rawSize/<topic>-<partition>", also
// listed by the classic reader) are sizes, not backlogs, and are not read.
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
