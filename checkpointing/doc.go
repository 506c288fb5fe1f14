// Package checkpointing reasons about the checkpoints of Beam pipelines on
// Flink: which bundle and checkpoint settings a job should run with, how
// large its checkpoints will be, and what is wrong with the settings it
// has. Every function is a pure decision over figures the caller supplies;
// nothing here reads a clock, a file or the network.
//
// # Settings
//
// Settings is the typed set of Beam Flink-runner options and Flink
// checkpoint keys the package reasons about: maxBundleSize,
// maxBundleTimeMills, finishBundleBeforeCheckpointing,
// checkpointingInterval, checkpointTimeoutMillis,
// minPauseBetweenCheckpoints, numConcurrentCheckpoints,
// unalignedCheckpointEnabled and checkpointingMode, with their Flink
// equivalents under execution.checkpointing.*. The zero Settings is Beam's
// streaming defaults (1000 elements or 1 s per bundle, bundles not finished
// before checkpointing, checkpointing off, Flink's 10 min timeout, no
// minimum pause, one checkpoint at a time, aligned, EXACTLY_ONCE).
// Settings render to Beam pipeline arguments (BeamArgs) and to Flink
// configuration (FlinkConfig), and parse back from either (ParseBeamArgs,
// ParseFlinkConfig, accepting Flink's duration forms "10 s", "10s",
// "10000 ms", "10000"); an invalid value, among them a duration beyond the
// 292 years a time.Duration holds (Beam takes any Java long, such as
// --checkpointingInterval=288230376151721744), is a *SettingError wrapping
// ErrInvalidConfig, never a value wrapped around. A Delta is a change to some settings (Diff, Apply,
// Merge) and renders only what changes.
//
// # Policies
//
// A BundlePolicy chooses bundle size, bundle time and
// finishBundleBeforeCheckpointing from per-element cost, input rate,
// per-bundle overhead and a latency budget (DefaultBundlePolicy), or returns
// a preset (BeamDefaultBundles: 1000 / 1 s; SeedBundles: 10,000 / 10 s).
// EvaluateBundle shows the trade-off of any bundle settings: per-bundle
// overhead against added latency against what a checkpoint must absorb (the
// open bundle's output when bundles are not finished first, or a barrier
// delayed by up to one bundle's processing time when they are).
//
// A CheckpointPolicy chooses interval, timeout and minimum pause from
// recent checkpoint durations, state size and a recovery objective, the
// replay acceptable after a failure (DefaultCheckpointPolicy): interval =
// objective - p99, timeout = 3 x p99 (at least 1 min), minimum pause half
// the interval, and it flags a current timeout that the observed p99 comes
// within half of.
//
// EstimateSize estimates one checkpoint: state, plus the open bundle's
// output when bundles are not finished first (elements in flight x element
// size), plus a copy of the serialized PipelineOptions per coder serializer
// (BEAM-8577), times the pipelines in the job. Both terms are the seed's
// Beam: on Beam 2.70.0 (measured on the real tier, docs/beam-checkpoints.md)
// the coder serializer no longer carries the options, and only output
// emitted while a bundle finishes is buffered, so a pipeline whose DoFns
// emit from @ProcessElement checkpoints its state alone whatever its bundle
// settings or options (SizeInputs says which inputs to zero). AnalyzeOptions reads
// PipelineOptions as Beam serializes them and reports their size, the
// largest entries, the application values among them and the bytes per
// checkpoint that trimming those would save: never negative, and nothing
// without application values. Byte figures saturate at math.MaxInt64
// rather than wrap around. With the seed deployment's
// inputs (see the package example) the estimate reproduces its history:
// 1.95 MB per pipeline, 149 KB once bundles are finished before
// checkpointing, 10.7 KB once application values leave PipelineOptions; for
// 100 pipelines 195 MB, 14.9 MB and 1.07 MB per checkpoint.
//
// # Advisor
//
// An Advisor looks at an Observation (the settings in force, Flink's
// checkpoint counts, duration summary and history, and optional Facts:
// source kind, backpressure, alignment time, bundle element size,
// pipelines, analysed options) and returns Findings, most severe first.
// Each finding has a stable Code, a Severity, its Evidence as figures, and
// the concrete change: a Delta of settings when a setting fixes it, and an
// Action in words always. DefaultAdvisor produces:
//
//	checkpointing-disabled   critical  no checkpoints; proposes an interval for a 1 min objective
//	repeated-timeouts        critical  >= 2 expired checkpoints in the history
//	no-recent-checkpoint     critical  nothing completed for max(3 intervals, timeout + interval)
//	duration-near-timeout    warning   p99 above half the timeout (critical above 75%); raise it to 3 x p99
//	size-growing             warning   state grew >= 25% over >= 5 completed checkpoints, mostly rising
//	long-alignment           warning   aligned, backpressured, alignment >= 10 s; enable unaligned
//	                                   checkpoints, unless the source is a legacy SourceFunction
//	unaligned-legacy-source  critical  unaligned + legacy SourceFunction + backpressure: barriers are
//	                                   seen late (FLINK-26759); turn unaligned off (info when the
//	                                   source kind is unknown)
//	large-in-flight-buffers  warning   >= 256 KiB of bundle output per pipeline buffered into each
//	                                   checkpoint; set finishBundleBeforeCheckpointing
//	application-options      warning   trimming application values from PipelineOptions saves
//	                                   >= 64 KiB per checkpoint
//
// Changes merges the findings' deltas, most severe first.
//
// # Unknown figures
//
// A figure nobody measured is unknown with a reason, never a 0 that reads
// as a measurement: Durations' percentiles, Facts' Alignment, ElementBytes
// and Backpressured, and the bundles' BundleWorkload.ElementBytes and
// BundleTradeOff.CheckpointBytes are Figures, known (a 0 s alignment, a
// 0 ms checkpoint, not backpressured are known values) or unknown with a
// Reason (NotGiven for the zero Figure, NoCompletedCheckpoints,
// NotReported, InvalidValue, ReadFailed). A rule that needs an unknown
// figure stays silent, and a finding's Evidence lists only known figures.
// Figure and Reason are aliases of figure.Figure and figure.Reason, the
// module's one known-or-unknown type (this package's Figure also holds a
// yes/no fact), so a figure or a reason from backlog or adaptivetimeout is
// the same type here and passes intact, without conversion; the zero
// Figure's reason, NotGiven, is figure.NotGiven.
//
// # Layering
//
// This package imports only the standard library. Flink's statistics come
// in as this package's own small types (Observation, Checkpoint,
// Durations); the adapter checkpointing/flinkadvice converts flinkapi's
// CheckpointStats and CheckpointConfig into them and reads them from a
// JobManager. checkpointing/checkpointingtest holds the conformance suites
// for BundlePolicy, CheckpointPolicy and Advisor.
//
// # Concurrency
//
// Settings, Delta, plans, findings, observations and reports are plain
// values: safe to share as long as no one modifies them (their slices
// included). The policies and the advisor hold only their configuration
// and are safe for concurrent use; so are the Func adapters when the
// functions are. Nothing in the package starts a goroutine.
//
// # Example
//
//	adv, _ := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
//	findings, err := adv.Advise(now, obs)
//	next := checkpointing.Changes(findings).Apply(obs.Settings)
//	args, err := next.BeamArgs() // --maxBundleSize=... --finishBundleBeforeCheckpointing=true ...
package checkpointing
