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
// the Kafka partition count from the KafkaSourceReader metric names. A
// failed call leaves its figures missing rather than failing the
// observation; a figure a subtask reports as negative or NaN is missing,
// never summed away. Both types are safe for concurrent use.
package flinkio
