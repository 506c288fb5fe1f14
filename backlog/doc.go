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
// Health evaluates each partition over a window of commits with the
// statuses of LinkedIn's Burrow: OK, WARN (lag growing), STALL (committing
// the same offset while behind), STOP (behind and no commit for longer than
// the window), REWIND (the offset moved back). It follows Burrow's rules
// (core/internal/evaluator, 1.9): a partition with no lag now is OK whatever
// its history; STOP comes first, then REWIND until the consumer is back
// where it was, then, only when every commit in the window was behind,
// STALL and WARN. Like Burrow since 1.0, it recomputes the lag from end
// offsets at every observation, so a caught-up partition that receives no
// data, and so sees no commits, stays OK: neither tool calls an idle
// partition stopped.
//
// A poller reading committed offsets (kafkalag) sees no commit time: Kafka's
// OffsetFetch answer has none, where Burrow reads every commit from
// __consumer_offsets. An unchanged offset is therefore no commit unless the
// snapshot marks the partition Live (a live consumer holds it and commits
// its position: kafkalag.Config.Liveness, from DescribeGroups; for a Flink
// job, a checkpoint completed since the previous snapshot), which is what
// makes STALL reachable on the poll path; a source that sees each commit
// calls ObserveCommit.
//
// Where Health deliberately differs from Burrow's rules:
//
//	scenario                          Health                              Burrow's rule
//	constant non-zero lag             OK: a Flink job commits on          WARN: the lag never decreased
//	                                  checkpoints, so at a steady rate     over the window
//	                                  its committed offset trails by a
//	                                  checkpoint's records for ever
//	lag grows at every commit         WARN after three commits with a     WARN when the lag never
//	                                  known lag, each larger              decreased (equal counts)
//	the same offset committed while   STALL after three such commits      STALL after two
//	behind                            (two may be one re-commit of a
//	                                  checkpoint)
//	no commit while behind            STOP when the silence outlasts      STOP when the silence outlasts
//	                                  the window's span, at least         the window's span (none for a
//	                                  MinSpan (1 min), counted from        single commit), unless the end
//	                                  when the lag appeared               offset was at or below the last
//	                                                                      commit in the recent broker
//	                                                                      offsets it keeps
//	a commit seen before any end      has no lag: skipped by WARN,        has no lag: skipped
//	offset                            counts as behind for STALL
//	a partition added, a group that   UNKNOWN with a reason (NoCommit)    not reported until committed
//	never committed                   and the backlog from the reset
//	                                  policy
//	lag growing while commits go on   WARN (measured beside Burrow        the lag stored at commits
//	                                  1.2.1 and 1.9.5 on the same          saw-tooths, and missed it
//	                                  produces and commits)
//
// This package imports only the standard library. Unless a type says
// otherwise it is not safe for concurrent use; Tracker and Health are.
package backlog
