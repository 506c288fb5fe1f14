// Package backlog measures how far a consumer group is behind: per Kafka
// partition (or per reader of a Flink source) the records, bytes and time
// it has still to read, and whether its progress is healthy.
//
// The autoscaler's most important input must never be silently wrong, so
// every figure is a Figure: known, or unknown with a Reason (aliases of
// figure.Figure and figure.Reason, the module's one such type, shared with
// checkpointing and adaptivetimeout). Totals never turn an unknown into
// zero; a Snapshot says which Source produced it.
// Beam once lost its backlog metrics because they were set on one code path
// that Flink never called: here a job's own metrics (backlog/flinkbacklog)
// and Kafka's offsets (backlog/kafkalag) are two Sources, and Fallback and
// Merge combine them so a missing or stale one is noticed and replaced.
//
// # Estimators
//
// Records follows Beam's KafkaIO: ceil((end - committed) / (1 + average
// offset gap)), the gap learnt from a compacted topic's offsets
// (GapEstimator). Bytes multiplies by a moving average record size
// (SizeEstimator, default 1000 records). TimeLag interpolates a bounded
// table of (end offset, time) points per partition (TimeLagTable, default 60
// points, flat runs compressed): exactly 0 when caught up, unknown with too
// few points, and a bounded extrapolation during bursts. Tracker keeps these
// per partition and turns offsets into a Partition. All of them are pure:
// they take the time as an argument and never read a clock.
//
// No figure wraps around or goes negative: a sum (Sum, Totals), a byte
// estimate or an extrapolated time lag that would pass the largest int64
// (about 292 years for a duration) saturates there, since such a figure
// only comes from absurd inputs and "enormous" is still what a consumer
// should act on; a negative offset or a known negative figure, which no
// backlog is, is unknown (InvalidValue) or ignored (Health, TimeLagTable).
// Native fuzz targets (fuzz_test.go) hold these properties for NaN,
// infinite, negative, huge and missing inputs.
//
// # Health
//
// Health evaluates each partition over a window of commits, in the manner
// of LinkedIn's Burrow: OK, WARN (lag growing), STALL (committing the same
// offset while behind), STOP (no commit for longer than the window while
// behind), REWIND (the offset moved back). A caught-up idle partition is
// OK, never STOP, because lag is refreshed from end offsets, not only when
// the group commits.
//
// This package imports only the standard library. Unless a type says
// otherwise it is not safe for concurrent use; Tracker and Health are.
package backlog
