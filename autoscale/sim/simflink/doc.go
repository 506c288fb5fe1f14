// Package simflink puts a simulated job (autoscale/sim) behind the fake
// JobManager's REST API (flinkapi/flinktest): Provider implements
// flinktest.MetricsProvider from a running simulation, so a controller that
// reads Flink through flinkapi sees the simulated job as it would a real
// one.
//
// Wiring: create the simulation, wrap it in a Provider, start a
// flinktest.Server whose Config.Metrics is the Provider and whose
// Config.Clock is a virtual clock (clocktest.Virtual) starting at the
// simulation's Config.Start (or the system clock, with the simulation
// started at time.Now()), and add Provider.JobSpec to the server. On every metric
// request the Provider advances the simulation to the server's time.
//
// Rescales go through the server: a PUT of resource-requirements restarts
// the server's job, and when the server then reports a vertex at another
// parallelism the Provider applies it to the simulation, which restarts
// with its own downtime and replay. Leave the server's RestartDelay at 0:
// the job shows RUNNING again at once while the simulated tasks deploy and
// restore (as Flink's job turns RUNNING before its tasks do), and their
// metrics are missing until the simulated JobManager cache is refreshed
// after the downtime. A failover injected with Server.Fail does not reach
// the simulation; call Sim.Failover through Provider.Do as well.
//
// Metric names, flinkapi's (the names the readers autoscale/flinkio and
// backlog/flinkbacklog look up), per vertex (one value per subtask, from
// the simulation's 10 s metric cache): busyTimeMsPerSecond, backPressuredTimeMsPerSecond,
// idleTimeMsPerSecond, numRecordsIn, numRecordsOut, numRecordsInPerSecond,
// numRecordsOutPerSecond; and for a source, whose task reads no network
// input (its task-level numRecordsIn is 0 and job details' read-records is
// 0, as in Flink), the operator-scoped "<op>.numRecordsIn",
// "<op>.numRecordsInPerSecond", "<op>.numRecordsOut",
// "<op>.numRecordsOutPerSecond", "<op>.pendingRecords" and
// "<op>.KafkaSourceReader.topic.<topic>.partition.<n>.currentOffset",
// where <op> is flinkapi.OperatorScope of the vertex name
// ("Source__orders"). The
// fake server reports a metric per subtask index from 0, so a partition's
// currentOffset shows 0 on the subtasks before the one reading it: its sum
// and max are right, its min is not. Job details carry read-records,
// write-records and the accumulated busy, backpressured and idle times
// (milliseconds summed over subtasks). Vertex IDs are VertexID of the
// simulated IDs. The simulation's metric faults reach the REST API as
// Flink would show them: a vertex without busy time (sim.Vertex.NoBusyTime)
// reports busyTimeMsPerSecond and idleTimeMsPerSecond as NaN, a metric
// lost to a gap (sim.MetricFaults.Gaps) is not reported, and a stale or
// frozen cache serves its old values.
//
// A Provider is safe for concurrent use; it locks the simulation while it
// serves a request (Do runs a function under the same lock).
package simflink
