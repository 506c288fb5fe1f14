// Package flinkadvice feeds the checkpointing advisor from a Flink
// JobManager: it converts flinkapi's checkpoint statistics
// (flinkapi.CheckpointStats) and configuration (flinkapi.CheckpointConfig)
// into the checkpointing package's own Observation, and reads them through
// the two REST calls it needs (Flink, which *flinkapi.Client satisfies).
//
// The checkpointing core imports only the standard library; this adapter
// is where it meets flinkapi. Flink reports the checkpoint settings, the
// counts, a duration summary and the last checkpoints (newest first; the
// Observation holds them oldest first). What Flink cannot report comes
// from the caller in a Job: the Beam bundle options the job was submitted
// with (maxBundleSize, maxBundleTimeMills, finishBundleBeforeCheckpointing)
// and the Facts (source kind, element size, pipelines, analysed
// PipelineOptions). Alignment time and source backpressure are measured
// from Flink's task metrics (checkpointAlignmentTime,
// checkpointStartDelayNanos, backPressuredTimeMsPerSecond) when the caller
// leaves them unknown and the client can read them (TaskMetrics). A job
// without checkpointing (Flink answers 404, or reports the Long.MAX_VALUE
// interval of disabled periodic checkpoints) is an Observation with
// checkpointing off, which the advisor reports as checkpointing-disabled;
// it is not an error.
//
// What Flink reports is known, 0 included (a 0 ms percentile, a 0 ns
// alignment); what it does not is unknown with a reason, never 0: the
// duration summary of a job with no completed checkpoint
// (checkpointing.NoCompletedCheckpoints), a NaN percentile or a task metric
// the job does not have (checkpointing.NotReported), a negative or
// infinite figure (checkpointing.InvalidValue), a fact a failed call left
// unmeasured (checkpointing.ReadFailed).
//
// Observe costs two REST calls (one when checkpointing is disabled), plus
// one job-details call and one call per vertex to measure facts.
// Every function is safe for concurrent use.
package flinkadvice
