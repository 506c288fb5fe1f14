// Package flinktest is an in-process fake Flink JobManager for tests, in
// the style of net/http/httptest: NewServer (or Start, in a test) listens
// on loopback and serves the JobManager REST endpoints that flinkapi uses,
// with Flink's wire format and its quirks:
//
//   - metric endpoints answer bare JSON arrays; without ?get= they list the
//     metric names; the aggregated subtask endpoint answers an empty array
//     for the whole request when any requested name is missing;
//   - non-finite numbers are sent as the strings "NaN", "Infinity";
//   - errors are {"errors": [...]} with 400, 404, 409 or 503;
//   - checkpoint endpoints answer 404 with Flink's messages when the job has
//     checkpointing disabled;
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
// A Server is safe for concurrent use.
package flinktest
