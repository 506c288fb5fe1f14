// Package autoscale decides the parallelism of Flink jobs that read Kafka,
// and runs those decisions in a controller loop. It imports only the
// standard library and the module's root (flinkscale.ErrInvalidConfig,
// which ErrInvalidConfig wraps) and clock packages.
//
// # Model
//
// An Observation is what a policy sees of a job: its graph (vertices with
// parallelism, max parallelism (key groups) and slot-sharing group; keyed
// and unkeyed edges), accumulated record counters, busy and backpressured
// time ratios, and per source the Kafka partition count, backlog, time lag
// and where those came from. Every figure is a Value: known, or missing
// with a reason (MissingBecause) that an Observer carries across intact
// from where it failed, such as a backlog.Figure's reason. A figure that
// is missing, not finite or negative counts as missing, and no policy may
// act on it: a vertex whose figures are missing keeps its parallelism, and
// its reason says which and why. Observation.Pipelines splits a job into
// the parts that scale on their own (vertices joined by edges or a
// slot-sharing group), as Default decides them.
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
//     backlog over the lag), taken at the level of its Theil-Sen trend
//     line (so noise that the backlog absorbs moves nothing) unless a
//     confirmed step leaves the noise behind, projected over a horizon that
//     balances a restart against provisioning ahead, plus the noise and
//     the drain of the backlog a restart leaves, at utilization 0.9, with
//     capacities measured from busy time (or, for a source with a backlog,
//     from what it reads while not backpressured), corrected for the
//     busiest subtask's share of partitions or key groups, kept across
//     restarts and dropped when they stop agreeing (a changed per-record
//     cost); it scales up when a vertex cannot keep up or the lag would
//     break the SLO, never further a vertex a scale-up did not help, and
//     scales down once the slots wasted pay for a restart (rent or buy),
//     pricing restarts at the downtime it measures. It decides one call
//     after a restart, decides per pipeline and piggybacks the others'
//     changes on a forced rescale. DefaultConfig holds every duration it
//     uses, so a compressed time scale is a config away
//     (DefaultConfig.Scaled). It is safe for concurrent use; use one per
//     job. The sections below describe it in full.
//
// The conformance suite autoscale/autoscaletest checks any Policy: it never
// acts on missing or non-finite figures, respects min/max and partition
// limits, is deterministic, and explains every vertex.
//
// # Default: what it measures
//
// Each call compares the observation with the previous one of the same run
// (counters start from zero at every restart):
//
//   - A source's arrival rate: the records it read plus its backlog's
//     growth between the two; and, once its lag is at least half
//     MetricRefresh, its backlog over its lag (those records arrived within
//     the lag, so this is their mean arrival rate: the freshest figure, and
//     the one available a single call after a restart). It takes the
//     larger. Over TrendWindow it fits a Theil-Sen line (the median slope,
//     and the median intercept), which a short burst hardly moves, and the
//     noise around it (the residuals' median absolute deviation). A slope
//     within three times the noise over the window is taken as none. The
//     level the job must sustain is the line's value now; the base it is
//     sized from is that level, or, after a step of more than three times
//     the noise, the rate after it once confirmed (a step up by the lag or
//     by the rate before, a step down by the rate before): one rate alone
//     may be a spoilt window.
//   - A source's stalled partitions (Source.Health, when the observer
//     evaluates lag health: flinkio's ObserverConfig.Health) are left out:
//     their records leave the backlog, and the lag is the other
//     partitions'. A partition a live consumer keeps committing at one
//     offset while behind (a poison record) grows its backlog whatever the
//     parallelism, so counting it would size for demand that more subtasks
//     cannot serve (KEDA's excludePersistentLag, for the same reason).
//     When every partition is stalled nothing is left out: that is a
//     job-wide stall, not a poison record. OperatorCompatible, as the
//     operator, counts them. Without lag health Default counts them too,
//     and on such a partition it rescales and flaps (BENCHMARKS.md,
//     poison-partition).
//   - A vertex's capacity: its input rate over its busy fraction, in
//     windows where that is meaningful: between two observations of a run
//     (a window from the restart reads low, as tasks restore state and
//     records take time to reach the vertex), while the pipeline had a
//     backlog at both ends (its sources' lag and backlog both say records
//     wait) or was caught up at both ends under a steady load. Busy time
//     is the busiest subtask's, so the figure is turned into one subtask's
//     capacity by that subtask's share: ceil(N/p) of a source's N
//     partitions, ceil(K/p) of K key groups behind a keyBy, else 1/p. A
//     source with a backlog is never idle, so its capacity is its rate over
//     the time it is not backpressured, whatever busy time it reports (some
//     report too little, legacy ones none); those measurements are kept
//     apart and preferred. Busy time also reads too much: Beam's legacy
//     Kafka source is 24-36% busy while reading nothing. So a source whose
//     capacity rests on busy time alone never makes the job scale up while
//     no record waits at it: it reads all that arrives, whatever its
//     estimate says; records waiting, or the lag, do. Capacities are kept per parallelism across
//     restarts (the median of the last five, so one spoilt window is
//     outvoted); between measured parallelisms a power law interpolates,
//     above them the largest two give the scaling exponent (sub-linear
//     scaling is common; 0.9 until they are far enough apart), and below
//     them a subtask is assumed to do no better than at the fewest
//     measured: both err towards more subtasks. Three measurements in a row
//     more than 30% off those before at the same parallelism (one, after a
//     restart Default did not cause: a deploy, a failover) drop the
//     vertex's older measurements: its per-record cost changed. After a
//     scale-up, two measurements at the new parallelism tell whether it
//     raised the vertex's capacity; when it gained less than a tenth of
//     what the busiest subtask's smaller share promised (a hot partition, a
//     limit outside the job), Default does not scale that vertex above its
//     former parallelism for two trend windows, and says so.
//   - Each edge's ratio of records out to records in (from the counters
//     since the restart), to carry demand through the graph: the upstream
//     vertex's own records out over its records in when the edge is its
//     only output, since the downstream vertex's records in lag behind by
//     the records in flight (thousands in network buffers while it falls
//     behind), which would read as a filter.
//   - Each restart it decided: its downtime, from the decision (or the
//     last call after it that still saw the job running as it was) to the
//     job's RUNNING again. The longest of the last three replaces
//     RestartDowntime, and each second beyond it adds 1 / (1 -
//     TargetUtilization) seconds to RestartCost (the downtime and its
//     catch-up at the headroom).
//
// # Default: what it decides
//
// Demand flows from the sources through the edges' ratios, capped at what
// a vertex that cannot take all of its own can deliver at its size (more
// subtasks downstream of a bottleneck only idle). Each vertex is sized at
// the smallest parallelism whose capacity, limited by its busiest
// subtask, covers the base projected over the horizon at
// TargetUtilization, the base plus draining, within CatchUpTime, the
// backlog a rescale would start with (what waits, plus the restart's
// downtime and half a checkpoint interval of replay), and the base plus the
// noise (swings beyond it the backlog absorbs). Raising p without lowering
// ceil(N/p) buys nothing, so sizes align to partitions and key groups by
// construction, without wasting slots on divisors of 128; when no size
// reaches the demand, the smallest within 2% of the most useful one is
// taken. The horizon of a rising trend balances a restart against
// provisioning ahead: with relative growth g, a step of h wastes g x h^2 /
// 2 of the job's slot-time and a restart costs RestartCost, so h = sqrt(2
// x RestartCost / g), within [the reaction time, MaxHorizon]; a falling
// trend is sized for now.
//
// A pipeline (vertices joined by edges or by a slot-sharing group) must
// scale up when some vertex cannot keep up with the base expected before a
// new configuration could run (one call period plus the downtime ahead) by
// more than 5% plus its sources' noise relative to their level (the
// estimate's own uncertainty), or at all while the trend rises; or when a
// restart now would keep a source's lag within LagSLO but waiting a call
// would not; or when a lag above LagSLO would take longer than
// CatchUpTime to drain and a rescale, its downtime included, would bring
// it under sooner. It does so only when a vertex that cannot keep up would
// grow (or the lag would drain sooner): otherwise the job cannot keep up
// and its decision says so, naming the bottleneck. Scale-up triggers at
// utilization 1 and sizes at TargetUtilization: that band is the
// hysteresis that keeps a job near its size from flapping. A vertex just
// scaled up is not scaled up again before that scale-up is verified
// (above), unless its demand outgrew what it was sized for.
//
// Scaling down is a rent-or-buy choice: keeping surplus slots is renting,
// a restart is buying. Default accumulates the slot-time the job wastes
// against its sizes (while it is over-provisioned and nothing is urgent)
// and rescales once that reaches the cost of a restart, RestartCost (as
// priced above) times the job's slots. Without knowing how long demand
// will stay low, this never pays more than twice what the best choice in
// hindsight would, the classic bound of rent or buy; and the sizes it goes
// to already include the rising trend, the noise and the headroom, so a
// dip does not trigger it, nor does a job that merely fluctuates. A call
// with a missing figure pauses the count (it neither adds nor restarts)
// and never scales down.
//
// A rescale restarts the whole job, so when one pipeline forces one, every
// pipeline goes to its own size at once (piggybacking), and a scale-down
// weighs the whole job's waste. Pipelines otherwise scale independently.
//
// # Default against the operator's autoscaler
//
// OperatorCompatible waits 20 minutes after every restart, sizes at 0.7
// utilization (about 1.6 times the input rate once it has scaled), aligns
// to divisors of the key groups, delays scale-downs by an hour and then
// takes its largest recommendation, and sizes a burst for the rate it has
// seen. Default decides a call after a restart from the capacity it kept
// and the backlog over the lag, sizes at 0.9 with headroom that drains the
// restart, takes the fewest subtasks for the busiest one's share, scales
// down when the waste pays for the restart, and sizes a burst for its
// arrival rate measured from the backlog, plus its drain.
//
// # Default: missing figures
//
// Default never acts on a missing figure (a negative one counts as
// missing): a vertex whose records in, busy time (except a source's, whose
// backpressured time is there: see above) or (for a source) backlog is
// missing keeps its parallelism, and so does everything whose demand
// depends on a source whose arrival rate is unknown; a vertex whose
// capacity was never measured keeps its parallelism unless nothing arrives
// for it. A stale sample counts as missing: a vertex whose records-in
// counter has not moved over at least MetricRefresh while it reports being
// busy (or, for a source, while records wait and its backlog has not moved
// either), as a stuck JobManager metric cache serves them. A records-in
// counter that went down since the last observation was reset (a failover
// restarts the subtasks' counters while the job keeps running since the
// same time): its rate over that window is unknown. An observation not
// newer than the one before is ignored. A vertex's reason names each
// missing figure with the reason its Value gives ("its backlog is missing
// (metric not reported)"). Kafka's TimeLag is used when present; without
// it the backlog's time is its size over the arrival rate. Rates come from
// counters at both ends of a window, so the metric cache's delay, the same
// at both ends, cancels out; a window spoilt by a stale end is outvoted
// (capacities) or waits for confirmation (steps).
//
// # Controller
//
// A Controller runs Observer -> Policy -> Actuator every Interval on an
// injected clock.Clock, keeps a bounded history of Records (each with the
// Observation its decision rests on), logs each decision
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
