// Package livejob is the embedded world of the autopilot demo, internal to
// examples/autopilot: a Flink job of independent pipelines whose sources
// really read Kafka through sarama, run behind the fake JobManager of
// flinkapi/flinktest, fed by a producer that writes a traffic trace to a
// Kafka cluster in process (kfake). A controller reading Flink's REST API
// and Kafka's offsets sees it as it would see a real job, and every rescale
// it orders really stops the job, rewinds it to its last checkpoint and
// replays what was read since.
//
// # Time
//
// Everything runs on one virtual Clock that a driver goroutine (Env) moves
// in steps of EnvConfig.Step (50 ms): each step runs the job over the step
// (fetch from Kafka, process, checkpoint, publish metrics) and the producer
// (write what the trace makes due), then moves the clock and wakes its
// sleepers. The JobManager, the controller, the backlog readers and the
// drain all take that clock. The driver paces it to the wall clock when the
// machine keeps up, and lets it fall behind when the machine is loaded: so
// what the job does, and what the controller sees of it at each tick,
// depends on the steps alone and not on how goroutines were scheduled. A
// demo whose subtasks paced themselves on wall-clock timers ran below
// capacity on a loaded machine, and its controller, sampling at jittered
// instants, read noisy rates: it rescaled more there. Env.Controller is the
// controller's clock: it holds the time still from Start to the
// controller's first sleep and while each of its ticks runs, so ticks fall
// at the same instants of every run and observe, decide and act at one
// instant (see Holding).
//
// # The job
//
// Each Pipeline is Source -> keyed Transform -> Sink in a slot-sharing
// group of its own ("Source: hot", "Transform: hot", "Sink: hot"). Every
// step, sinks first, a subtask takes in what its input buffer holds, up to
// Pipeline.Capacity records/s over the step, and no more than its outputs'
// buffers (Config.BufferTime of their capacity) have room for:
//
//   - Source subtask i of p reads partitions i, i+p, ... of the topic, a
//     record from each in turn, from records fetched ahead from Kafka (one
//     Fetch request per leader broker per step, for the partitions running
//     low): what it cannot read waits in Kafka.
//   - Records go to transform subtask keyGroup x p / maxParallelism, the key
//     group being a hash of the record's key (Flink's keyBy), so the busiest
//     transform subtask holds ceil(K/p) of K key groups. The transform keeps
//     per-key state (its size is the checkpoints' size) and hands records to
//     the sinks round-robin (a rebalance edge).
//   - A sink marks each record's offset in a per-partition bitset: processed
//     counts distinct records, however often a replay delivers them.
//
// A subtask's busy time is the records it took in over its capacity; its
// backpressured time is the budget a full output left unused; the rest is
// idle: Flink's busyTimeMsPerSecond, backPressuredTimeMsPerSecond and
// idleTimeMsPerSecond.
//
// # Restarts, checkpoints and the drain
//
// Every step the job reads its state and parallelism from the JobManager.
// When the job turns RESTARTING (a rescale PUT resource-requirements, or a
// failover) the tasks are dropped with what is in flight, every partition
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
// When the job FINISHES (stop with drain) every record in flight reaches
// the sinks and the final positions are committed: nothing is lost and
// nothing is processed twice after the savepoint. A CANCELED or FAILED job
// drops what is in flight; its committed positions stay at the last
// checkpoint. Job.Done is closed then.
//
// # Metrics
//
// Job implements flinktest.MetricsProvider. Every Config.MetricRefresh of
// virtual time since it started it publishes what Flink's metric fetcher
// would, under flinkapi's names (metricnames.go): per subtask
// busyTimeMsPerSecond, backPressuredTimeMsPerSecond and idleTimeMsPerSecond
// over the last Config.MetricView, numRecordsIn and numRecordsOut since the
// job last started; for a source the operator-scoped
// "Source__<name>.numRecordsIn", ".numRecordsOut", ".pendingRecords" (its
// partitions' end offsets, read from Kafka, minus its positions) and each
// partition's currentOffset (flinkapi.KafkaPartitionMetric); and the
// vertices' read-records and write-records in the job details.
// Like Flink's, they are missing while the job restarts and until the first
// refresh after it runs again.
//
// # Accounting
//
// Stats reports, per partition, the end offset, the job's position and the
// committed position, and totals: records read, replayed, delivered to the
// sinks and processed (distinct), and lost (offsets below the committed
// position that no sink ever processed: 0 unless the job is broken).
//
// An Env, its Clock and its Job's Stats and MetricsProvider methods are
// safe for concurrent use; only the driver steps the job and the producer.
package livejob
