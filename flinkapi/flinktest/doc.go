// Package flinktest is an in-process fake Flink JobManager for tests, in
// the style of net/http/httptest: NewServer (or Start, in a test) listens
// on loopback and serves the JobManager REST endpoints that flinkapi uses,
// with Flink's wire format and its quirks:
//
//   - metric endpoints answer bare JSON arrays; without ?get= they list the
//     metric names; the aggregated subtask endpoint answers an empty array
//     for the whole request when any requested name is missing;
//   - non-finite numbers are sent as the strings "NaN", "Infinity";
//   - errors are {"errors": [...]} with 400, 404, 409, 500 or 503;
//   - an unknown job is 404, except GET status and resource-requirements
//     (500 with a FlinkJobNotFoundException), the metric endpoints (200,
//     []) and a savepoint or stop trigger (202; the operation then fails
//     with a FlinkJobNotFoundException);
//   - a job without checkpointing answers both checkpoint endpoints with
//     200: empty statistics, and the interval Long.MAX_VALUE with mode
//     at_least_once;
//   - a vertex's subtasks also carry the deprecated start_time, and
//     TaskManager IDs have a standalone cluster's form "<host>:<port>-<6 hex>";
//   - savepoint and stop are asynchronous operations, de-duplicated by
//     triggerId, that complete after a configurable delay, succeed, fail
//     with the job still running, or (stop) write the savepoint and then
//     fail the job over;
//   - PUT resource-requirements replaces every vertex's bounds and rescales
//     the job through RESTARTING -> RUNNING with new timestamps;
//   - PATCH /jobs/{jobid}/rescaling always answers 503, as Flink does.
//
// A job is a DAG of vertices (JobSpec); AddJob returns its ID and its
// vertices' IDs, those it derived included. Metric values come from a
// MetricsProvider: the server's own MetricStore by default, or one a
// simulator supplies, under the names flinkapi gives them
// (flinkapi.MetricBusyTime, flinkapi.OperatorMetric, ...), the names its
// readers look up. Time comes from Config.Clock (a clock.Clock; only its
// Now is read), and every state change (operation completion, restart,
// cancel) is applied lazily when a request or a test method looks at the
// job, so a virtual clock (clocktest.Virtual) makes the server
// deterministic and it runs no goroutines of its own.
//
// Faults are injected per route (InjectFault): an HTTP status for the next
// N calls, added latency, a dropped connection, a raw body such as a
// proxy's HTML page (Fault.Body), extra header fields such as a
// Retry-After or a redirect's Location (Fault.Header), or an answer cut
// off mid-body after the handler ran (Fault.Truncate). A job can be held in
// a state other than RUNNING for a while (HoldState, Fail), and its
// savepoints can fail in a given sequence (SavepointBehavior.Sequence); a
// triggerId re-sent after its operation failed is answered 409, as Flink
// does. Every request is logged (Requests, CountRequests) for tests to
// assert on.
//
// The server's own answers are ones Flink could give: they pass every
// check flinkapi makes of an answer (the job asked for, known states,
// parallelism of at least 1, each vertex and subtask once), and it answers
// no redirects. To see how a caller copes with an answer that cannot be
// true, an unknown state or a redirect, inject it with Fault.Body and
// Fault.Header.
//
// The zero Config is a ready cluster; every field, and every field of
// JobSpec, VertexSpec, Input, CheckpointingSpec, SavepointBehavior and
// Fault, documents its default, and a test checks each one.
//
// # Fidelity
//
// Measured against Flink 1.20.5 and 2.2.1 (standalone session cluster,
// adaptive scheduler) by one scripted sequence of calls sent to both, shape
// by shape (keys present, JSON types) and status by status; the report is
// docs/flinktest-fidelity.md and the test, flinkapi's
// TestFlinktestFidelity (build tag realstack), fails when a difference
// outside its allow-list appears.
//
//	What                              Flink 1.20.5 / 2.2.1              flinktest
//	status codes of the sequence      (reference)                       the same, every step
//	answer shapes (keys, JSON types)  (reference)                       the same, but the fields below
//	unknown job: status, requirements 500 FlinkJobNotFoundException     the same
//	unknown job or vertex: metrics    200 []                            the same
//	unknown job: savepoint            202, the operation fails          the same (stop too: not measured)
//	unknown job: other routes         404                               the same
//	checkpointing off                 200, interval Long.MAX_VALUE      the same
//	cancel                            202 {}; 409 once FINISHED, but    202 {}; 409 as soon as
//	                                  202 (nothing happens) while the   FINISHED
//	                                  finished job is cleaned up
//	PUT requirements, terminal job    500                               the same
//	re-sent savepoint triggerId       202, the same id                  the same
//	in-progress operation             "operation": null                 the same
//	subtasks' start_time              written                           written
//	TaskManager resource IDs          "<host>:<port>-<6 hex>"           the same form
//	slotSharingGroupName              not written                       not written
//	rescale RESTARTING -> RUNNING     3.9-6.3 s (all tasks RUNNING)     Config.RestartDelay (default 0)
//	stop while RESTARTING             fails at once: FlinkException     the same
//	                                  "Stop with savepoint operation
//	                                  could not be completed." (1.20.5)
//	timestamps after a restart        RESTARTING 0 (the adaptive        the same
//	                                  scheduler's new execution graph;
//	                                  RUNNING moves forward)
//	savepoint IN_PROGRESS->COMPLETED  170-250 ms                        SavepointBehavior.Delay (default 0)
//	stop-with-savepoint               0.5-0.9 s, then FINISHED          SavepointBehavior.Delay (default 0)
//	cancel CANCELLING -> CANCELED     120-370 ms                        Config.CancelDelay (default 0)
//	metrics before the first fetch    empty until metrics.fetcher runs  not reproduced: served at once
//	metric names and values           the job's                         what the test or MetricsProvider sets
//	fields flinkapi does not read     job-type, pending-operators (2.2), not written
//	                                  optimizer_properties, aggregated,
//	                                  status-duration, host (1.20),
//	                                  memoryConfiguration,
//	                                  extendedResources, changelog_*
//	checkpoint statistics' tasks      per-vertex statistics             {}
//	latest.restored after a rescale   the checkpoint restored from      null
//	periodic checkpoints              every interval; the one in        none: a test adds them
//	                                  progress when a rescale restarts  (AddCheckpoint, FAILED
//	                                  the job is FAILED (now and then)  ones too)
//
// The figures are from a loaded 2-core machine; a test that depends on
// Flink's timings sets the delays above.
//
// A Server is safe for concurrent use.
package flinktest
