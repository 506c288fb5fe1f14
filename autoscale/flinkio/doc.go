// Package flinkio connects the autoscale core to a Flink JobManager: an
// Observer that builds autoscale.Observations from the REST API (package
// flinkapi), optionally with a backlog.Source for the sources' backlog and
// time lag, and Rescale, an autoscale.Actuator that rescales in place
// through the adaptive scheduler's resource requirements.
//
// The Observer reads what Flink's Kubernetes operator reads: accumulated
// read-records and write-records from the job details, busyTimeMsPerSecond
// and backPressuredTimeMsPerSecond (MAX over subtasks) per vertex, and for
// sources the operator-scoped numRecordsIn and pendingRecords (summed) and
// the Kafka partition count from the KafkaSourceReader metric names, all
// under the names package flinkapi gives them (the names the fakes,
// flinktest and autoscale/sim/simflink, report). A failed call leaves its
// figures missing rather than failing the observation, and a figure a
// subtask reports as negative or NaN is missing, never summed away: each
// missing figure says why (autoscale.Value.Reason), the failed call's
// error, a metric not reported, or the backlog source's own reason
// (backlog.Figure's), carried across intact. Source.Origin says only where
// a backlog came from.
//
// One read of each REST resource per observation: give the Observer and a
// backlog/flinkbacklog Source the same Shared client, and the Source's
// calls during an observation are answered from the Observer's reads. With
// the Flink and Kafka backlog sources merged, as the README wires them, an
// observation of a job of V vertices costs V+3 REST requests (job
// details, one metrics call per vertex, overview, TaskManagers) once
// flinkapi's metric-name cache is warm; BenchmarkObservation measures it.
//
// ObserverConfig.Topics says which Kafka topics a source vertex reads, by
// its 32-hex ID; TopicsByName says it by the vertex's name, resolved
// against the job details at every observation (ResolveTopics).
//
// Observer, Shared and Rescale are safe for concurrent use.
package flinkio
