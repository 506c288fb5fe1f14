// Package autoscale decides the parallelism of Flink jobs that read Kafka,
// and runs those decisions in a controller loop. It imports only the
// standard library.
//
// # Model
//
// An Observation is what a policy sees of a job: its graph (vertices with
// parallelism, max parallelism (key groups) and slot-sharing group; keyed
// and unkeyed edges), accumulated record counters, busy and backpressured
// time ratios, and per source the Kafka partition count, backlog, time lag
// and where those came from. A figure that is missing, not finite or
// negative counts as missing, and no policy may act on it: a vertex whose
// figures are missing keeps its parallelism, and its reason says so.
// Default and OperatorCompatible also ignore a stale observation (one
// taken before the latest they were given), and a record counter that went
// down (reset by a failover while the job kept running) gives no rate.
//
// A Policy decides: Decide(now, obs) returns a Decision with a target
// parallelism and a reason for every vertex (including why nothing
// changes), and the slots and TaskManagers the targets need. Policies may
// keep state across calls (metric windows, pending scale-downs) but must be
// deterministic for the same sequence of calls. Implementations:
//
//   - Static: fixed parallelism (the "provision for the peak" baseline).
//   - OperatorCompatible: a faithful model of the Flink Kubernetes
//     operator's autoscaler with its defaults: true processing rate from
//     busy time, target rate with backlog growth and a 30 min catch-up,
//     utilization 0.7 within [0.4, 1.0], backlog mode, propagation through
//     the DAG, alignment to partitions and key groups, 5 min stabilization
//     and a 15 min window, and a 1 h delayed scale-down. It is the yardstick
//     the package's other policies are measured against in autoscale/sim.
//   - Default: the package's own policy. It sizes each vertex for the
//     sources' arrival rate (records read plus backlog growth, or the
//     backlog over the lag), its Theil-Sen trend over a horizon that
//     balances a restart against provisioning ahead, and draining the
//     backlog a restart leaves, at utilization 0.9, with capacities measured
//     from busy time, corrected for the busiest subtask's share of
//     partitions or key groups and kept across restarts; it scales up when a
//     vertex cannot keep up or a lag over the SLO would drain too slowly, and
//     scales down once the slots wasted pay for a restart (rent or buy). It
//     decides one call after a restart, decides per pipeline and piggybacks
//     the others' changes on a forced rescale. DefaultConfig holds every
//     duration it uses, so a compressed time scale is a config away. It is
//     safe for concurrent use; use one per job.
//
// The conformance suite autoscale/autoscaletest checks any Policy: it never
// acts on missing or non-finite figures, respects min/max and partition
// limits, is deterministic, and explains every vertex.
//
// # Controller
//
// A Controller runs Observer -> Policy -> Actuator every Interval on an
// injected Clock, keeps a bounded history of Records, logs each decision
// with log/slog, and stops when its ctx ends. Actuators: DryRun records
// decisions without acting (the safe default), keeping the latest
// MaxDecisions (1000 by default); it implements the optional Recorder
// interface, so the Controller records its steps with DryRun set and
// Applied false, and logs "would rescale (dry run)" where a real actuator's
// step logs "rescaled". ParallelismOverrides renders
// pipeline.jobvertex-parallelism-overrides as a JSON merge patch of a
// FlinkDeployment for the caller's Kubernetes client; autoscale/flinkio
// provides an Observer over the Flink REST API and Rescale, which rescales
// in place through the adaptive scheduler.
//
// # Concurrency
//
// Controller, DryRun and OperatorCompatible are safe for concurrent use
// (OperatorCompatible serialises calls, but holds one job's history: use
// one per job). Observation and Decision are values.
package autoscale
