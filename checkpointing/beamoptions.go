package checkpointing

import "slices"

// beamOptions are option names declared by Beam's own PipelineOptions
// interfaces that a Flink-runner job commonly carries: PipelineOptions,
// ApplicationNameOptions, StreamingOptions, ExperimentalOptions,
// PortablePipelineOptions, SdkHarnessOptions, MetricsOptions and
// FlinkPipelineOptions. Sorted; never modified.
var beamOptions = [...]string{
	"allowNonRestoredState", "appName", "attachedMode", "autoBalanceWriteFilesShardingEnabled",
	"autoWatermarkInterval", "checkpointTimeoutMillis", "checkpointingInterval", "checkpointingMode",
	"defaultEnvironmentConfig", "defaultEnvironmentType", "defaultSdkHarnessLogLevel", "disableMetrics",
	"enableStableInputDrain", "environmentCacheMillis", "environmentExpirationMillis", "environmentOptions",
	"executionModeForBatch", "executionRetryDelay", "experiments", "externalizedCheckpointsEnabled",
	"failOnCheckpointingErrors", "fasterCopy", "filesToStage", "finishBundleBeforeCheckpointing",
	"flinkConfDir", "flinkMaster", "forceUnalignedCheckpointEnabled", "jobCheckIntervalInSecs",
	"jobEndpoint", "jobName", "jobServerTimeout", "latencyTrackingInterval", "loadBalanceBundles",
	"maxBundleSize", "maxBundleTimeMills", "maxParallelism", "metricsHttpSinkUrl", "metricsPushPeriod",
	"metricsSink", "minPauseBetweenCheckpoints", "numConcurrentCheckpoints", "numberOfExecutionRetries",
	"objectReuse", "operatorChaining", "optionsId", "outputExecutablePath", "parallelism",
	"reIterableGroupByKeyResult", "reportCheckpointDuration", "retainExternalizedCheckpointsOnCancellation",
	"runner", "savepointPath", "sdkHarnessLogLevelOverrides", "sdkWorkerParallelism",
	"shutdownSourcesAfterIdleMs", "stableUniqueNames", "stateBackend", "stateBackendFactory",
	"stateBackendStoragePath", "streaming", "tempLocation", "tolerableCheckpointFailureNumber",
	"unalignedCheckpointEnabled", "updateCompatibilityVersion", "useDataStreamForBatch", "userAgent",
}

// IsBeamOption reports whether name is an option declared by one of Beam's
// own interfaces commonly set on Flink-runner jobs (core, streaming,
// portability, SDK harness, metrics and FlinkPipelineOptions).
func IsBeamOption(name string) bool {
	_, ok := slices.BinarySearch(beamOptions[:], name)
	return ok
}
