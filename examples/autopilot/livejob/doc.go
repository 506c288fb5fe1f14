// Package livejob is the streaming job of the autopilot demo: a Flink job
// of independent pipelines whose sources really read Kafka through sarama,
// run behind the fake JobManager of flinkapi/flinktest, so that a controller
// reading Flink's REST API and Kafka's offsets sees it as it would see a real
// job, and every rescale it orders really stops the job, rewinds it to its
// last checkpoint and replays what was read since.
//
// # The job
//
// Each Pipeline is Source -> keyed Transform -> Sink in a slot-sharing
// group of its own ("Source: hot", "Transform: hot", "Sink: hot"). Every
// subtask is a goroutine that processes at most Pipeline.Capacity records/s
// (it paces itself), with an input buffer of Config.BufferTime of its
// capacity:
//
//   - Source subtask i of p reads partitions i, i+p, ... of the topic with
//     its own adaptivetimeout/kafkaread Reader (its own sarama client, as a
//     Flink source subtask has its own consumer), serving them one at a time
//     with the reader's batch loop; its handler paces the batch and hands it
//     on, so a subtask never exceeds its capacity and what it cannot read
//     waits in Kafka.
//   - Records go to transform subtask keyGroup x p / maxParallelism, the key
//     group being a hash of the record's key (Flink's keyBy), so the busiest
//     transform subtask holds ceil(K/p) of K key groups. The transform keeps
//     per-key state (its size is the checkpoints' size) and hands records to
//     the sinks round-robin (a rebalance edge).
//   - A sink marks each record's offset in a per-partition bitset: processed
//     counts distinct records, however often a replay delivers them.
//
// A full input buffer blocks the subtask feeding it: that time is its
// backpressured time; its busy time is the nominal processing time of the
// records it handled (records over capacity, so a loaded machine's timer
// overshoot does not read as work); the rest (waiting for input) is idle:
// Flink's busyTimeMsPerSecond, backPressuredTimeMsPerSecond and
// idleTimeMsPerSecond.
//
// # Restarts, checkpoints and the drain
//
// Run polls the JobManager (JobState, Parallelism). When the job turns
// RESTARTING (a rescale PUT resource-requirements, or a failover) the
// running tasks are dropped with what is in flight, every partition
// rewinds to the last completed checkpoint, and when the job is RUNNING
// again the tasks start at the parallelism the JobManager reports. Records
// read again count as replayed.
//
// Every Config.CheckpointInterval the job takes an aligned checkpoint: the
// barrier is every partition's position at the trigger, and the checkpoint
// completes once every record before it has reached a sink (its duration is
// that alignment). It then commits the positions to the Kafka consumer
// group Config.Group (so lag read from Kafka sees them) and records the
// checkpoint, with its state size, in the JobManager's statistics
// (AddCheckpoint). A checkpoint the job restarts under fails, as in Flink.
//
// When the job FINISHES (stop with drain) the sources stop after the batch
// in hand, every record in flight is flushed to the sinks, and the final
// positions are committed: nothing is lost and nothing is processed twice
// after the savepoint. A CANCELED or FAILED job drops what is in flight;
// its committed positions stay at the last checkpoint.
//
// # Metrics
//
// Job implements flinktest.MetricsProvider. Every Config.MetricRefresh it
// publishes what Flink's metric fetcher would: per subtask
// busyTimeMsPerSecond, backPressuredTimeMsPerSecond and idleTimeMsPerSecond
// over the last Config.MetricView, numRecordsIn and numRecordsOut since the
// job last started; for a source the operator-scoped
// "Source__<name>.numRecordsIn", ".numRecordsOut", ".pendingRecords" (its
// partitions' end offsets, read from Kafka, minus its positions) and
// ".KafkaSourceReader.topic.<t>.partition.<n>.currentOffset"; and the
// vertices' read-records and write-records in the job details. Like
// Flink's, they are missing while the job restarts and until the first
// refresh after it runs again.
//
// # Accounting
//
// Stats reports, per partition, the end offset, the job's position and the
// committed position, and totals: records read, replayed, delivered to the
// sinks and processed (distinct), and lost (offsets below the committed
// position that no sink ever processed: 0 unless the job is broken).
//
// A Job is safe for concurrent use: Run runs once, Stats and the
// MetricsProvider methods may be called from any goroutine meanwhile.
package livejob
