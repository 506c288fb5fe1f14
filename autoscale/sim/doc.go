// Package sim is a deterministic, seeded, discrete-time simulator of a
// Flink job reading Kafka, to measure autoscaling policies: it produces the
// autoscale.Observation a policy would see in production, applies the
// policy's decisions with their real costs (downtime, replay), and sums up
// what the policy cost (slot-hours, rescales) and how well the job kept up
// (time over the lag SLO).
//
// # The model
//
// Time moves in ticks (Config.Tick, 1 s); within a tick rates are
// constant. A Sim is virtual time only: it runs no goroutines and reads no
// clock, and the same Config (Seed included), Job and Trace give the same
// results.
//
// Kafka. Each source reads a topic of Source.Partitions partitions; a
// Trace gives the records/s arriving in each partition at each moment, and
// every tick each partition receives that rate times a uniform noise
// (Config.Noise, 5% standard deviation, mean-preserving) and times the
// source's Wander (correlated over minutes, none by default), in whole
// records with the fraction carried over. A partition keeps its log end offset, the
// source's position, and the position of the last completed checkpoint,
// and remembers when each tick's records arrived (one cohort per tick, kept
// back to the checkpoint's position): the time lag of a partition is the
// age of its oldest unread record (interpolated within its tick, 0 when
// caught up), and a source's time lag is its largest partition's. That is
// what Kafka reports and policies observe; the SLO figures of a run
// (Summary.SLOViolation, MaxLag) add the wait of the records read but not
// yet processed, in the buffers before each vertex (BufferTime), so that a
// source reading ahead of a vertex that cannot keep up, with no backlog
// in Kafka, is not counted as keeping up.
//
// Vertices. A vertex is a chain of operators run as one task. At
// parallelism p a subtask takes in Capacity x p^(e-1) records/s
// (ScalingExponent e < 1 models sub-linear scaling: coordination, state
// access, external services) and emits Selectivity records per record to
// each output. Skew limits a vertex by its busiest subtask: source subtask
// i reads partitions i, i+p, ... so the busiest reads ceil(N/p) of N
// partitions; behind a keyBy edge subtask i gets Flink's key-group range
// (KeyGroupRangeAssignment), so the busiest holds ceil(K/p) of K =
// MaxParallelism key groups and the vertex takes in at most
// perSubtask x K / ceil(K/p) records/s. Otherwise records are spread
// evenly. A source subtask reads its partitions in proportion to their
// backlog.
//
// Backpressure. Each vertex has an input buffer of Config.BufferTime (at
// least two ticks) of its capacity. Every tick the vertices run sinks
// first: a vertex takes in what its buffer holds, up to its capacity, and
// no more than the room left in its outputs' buffers allows; a source
// reads Kafka the same way. A slow vertex thus fills its buffer and
// throttles its upstream, and the backlog ends up in Kafka. The busiest
// subtask's busy time is the records it took in over its capacity; its
// backpressured time is the records it had and could take in but could not
// emit, over its capacity; the rest is idle.
//
// Metrics, as Flink emits them. Busy, backpressured and idle time per
// second are averaged over 5 s views, as Flink's gauges update
// (MetricView), busy time with noise (Config.Metrics.BusyNoise) and the
// vertex's bias, or NaN for a vertex without it; numRecordsIn/Out are counters since the job last became
// RUNNING, with 60 s rate meters; a source's pendingRecords is its
// partitions' backlog and its numRecordsIn is its operator's (records read
// from Kafka). The JobManager's metric cache copies all of them every
// Config.MetricPeriod (10 s, metrics.fetcher.update-interval, on multiples
// of the period since the start): Observe and Metrics report the cache, so
// a gauge holds its value for 10 s and a counter lags by up to 10 s. The
// cache is emptied by a restart and filled again at the first refresh after
// the job runs: until then Flink's figures are missing. A refresh may miss
// a vertex, the cache may freeze, a metric may be lost until the next
// refresh (Config.Metrics). A source's TimeLag comes from Kafka, read at
// the moment, at the source's position or (Metrics.CommittedLag) at the
// last checkpoint's (Source.Origin is Origin). Slots:
// the cluster is sized to the job (an elastic cluster, as the Kubernetes
// operator provisions one): per slot-sharing group the largest parallelism,
// summed, on as many TaskManagers of Config.SlotsPerTaskManager slots as
// that takes; a decision is never refused for lack of slots, but may wait
// for them (Restarts.SlotArrival).
//
// Restarts. Apply with a decision that changes any parallelism restarts the
// job. InPlace (the adaptive scheduler, default) restores from the last
// completed checkpoint (one triggered every Config.CheckpointInterval,
// 60 s, while running; an aligned one, it completes once its barrier has
// passed the records buffered ahead of it, seconds under backpressure, and
// expires after 10 min; a restart before it completes restores the one
// before) after Config.InPlaceDowntime
// (30 s); Redeploy takes a savepoint at the decision and restores it after
// Config.RedeployDowntime (3 min). Config.Restarts adds to that base: a
// second per vertex changed, the job's state (Vertex.StateBytes) over a
// restore rate, and 10% jitter either way; then the job warms up from half
// its capacity to full over 30 s. During the downtime the job is not
// running, nothing is processed, arrivals go on and the metrics are gone.
// Sources go back to the restored positions: what they had read since is
// read again and counted in Summary.RecordsReplayed; records in flight
// between vertices are dropped (the replay produces them again). No record
// is lost: Summary.RecordsLost checks it from independent totals. Counters
// restart from zero and Observation.LastRestart is when the job became
// RUNNING again. Failover is a restart without a rescale; a Config.Deploys
// entry is a savepoint redeploy at a set time that changes vertices'
// per-record cost and perhaps the job's ID.
//
// # Realism, and where each default comes from
//
// The simulator is meant to be no kinder than Flink (issue 18). Each
// effect is a Config field, documented with its default; Config.Idealized
// turns them all off (the simulator as it was, for exact tests):
//
//	effect                              field                           default      source
//	downtime per vertex changed         Restarts.PerChangedVertex       1 s          placeholder: issue 17's in-place rescale measurement
//	state restored on every restart     Restarts.RestoreRate            100 MB/s     placeholder (issue 17); Flink's local recovery is off by default
//	downtime jitter                     Restarts.Jitter                 +-10%        placeholder (issue 17)
//	warm-up after a restart             Restarts.WarmUp, WarmUpFrom     30 s from 50% placeholder (issue 17): JIT, cold caches
//	slots that take time to arrive      Restarts.SlotArrival            0 (spare)    a session cluster; 30 s-2 min for a Kubernetes pod
//	noise in busy time                  Metrics.BusyNoise               0.02         placeholder (issue 17)
//	bias in busy time                   Vertex.BusyBias                 0            users report sources under-reporting (REFERENCE 3)
//	no busy time (NaN)                  Vertex.NoBusyTime               false        legacy SourceFunction (Beam's UnboundedSourceWrapper on the seed's stack)
//	busy time with a floor              Vertex.BusyFloor                0            Beam 2.70.0's UnboundedSourceWrapper on Flink 1.19.3: 0.24-0.36 idle
//	stale cache entries                 Metrics.StaleRefresh            0            a fault to inject
//	frozen metric cache                 Metrics.FreezeEvery, FreezeFor  never        a fault to inject
//	metric gaps                         Metrics.Gaps                    0            a fault to inject
//	lag through committed offsets       Metrics.CommittedLag            false        Kafka tools read committed offsets
//	correlated arrival noise            Config.Wander                   none         a workload property (issue 18: 15-30%/min)
//	checkpoint failures                 Config.CheckpointFailure        0            a fault to inject
//	skewed partitions                   the Skewed trace                even         a workload property
//	per-record cost change at a deploy  Config.Deploys                  none         a workload property
//
// The placeholders are the constants named Uncalibrated...: the real
// tier's measurement of an in-place rescale (issue 17) replaces them.
// Random effects draw from streams of their own, seeded by Config.Seed, so
// turning one on does not change another's draws; Oracle replays the
// Wander's draws.
//
// # Summaries and baselines
//
// Run drives a Sim with an autoscale.Policy, deciding every
// Config.DecisionInterval (60 s, as the operator samples), and returns a
// Summary: SLO-violation time (some source's lag above Config.SLO, 120 s),
// slot-hours, rescales, the most rescales in any 3 h, flaps (a rescale
// reversing a vertex's move within 15 min), max lag, records arrived,
// processed, replayed and lost. Oracle is the lower bound: at every tick
// the smallest parallelism per vertex that keeps up with that moment's
// rates (KeepUp), with free rescales; its SLO violation is 0 by
// construction, and Unmet is the time no parallelism keeps up (an
// infeasible workload). SimulatedOracle runs that schedule through the
// simulator, rescales still free, as a simulated bound. StaticAtPeak is the
// "provision for the peak" baseline: the smallest fixed parallelism that
// keeps up at every moment (PeakParallelism), held by autoscale.Static.
//
// # Standard workloads
//
// Steady, Diurnal (24 h, peak 5x the trough), Spike (4x for 10 min),
// Bursty (seeded random bursts) and MultiPipeline (several pipelines in
// one job peaking at different times) are the standard traces; OrdersJob
// (10 vertices) and PipelinesJob are the standard jobs; Scenarios pairs
// them with durations. A day of OrdersJob simulates in a fraction of a
// second (BenchmarkDay).
//
// A Sim is not safe for concurrent use. Run, Oracle, KeepUp and the traces
// are safe to call concurrently (they share nothing).
//
// Example:
//
//	sc := sim.Scenarios()[1] // diurnal
//	cfg := sc.Config(sim.Config{Seed: 1})
//	job, static, _ := sim.StaticAtPeak(cfg, sc.Job, sc.Trace)
//	summary, err := sim.Run(cfg, job, sc.Trace, static)
//	oracle, _ := sim.Oracle(cfg, sc.Job, sc.Trace)
//	fmt.Println(summary.SlotHours, oracle.SlotHours, err)
package sim
