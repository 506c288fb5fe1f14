// Package flinkapi is a typed, retrying, context-aware client for the Flink
// JobManager REST API (Flink 1.18+ and 2.x), covering what an autoscaler or
// an operator needs: cluster and job overviews, job details with the vertex
// DAG, metrics (plain and aggregated over subtasks), checkpoint statistics
// and configuration, savepoints, stop-with-savepoint (with drain), cancel,
// TaskManagers, and in-place rescaling through the adaptive scheduler's
// resource requirements.
//
// # Using it
//
//	c, err := flinkapi.New(flinkapi.Config{BaseURL: "http://flink-jobmanager:8081"})
//	if err != nil { ... }
//	defer c.Close()
//	details, err := c.JobDetails(ctx, jobID)
//	res, err := c.VertexMetrics(ctx, jobID, vertexID, flinkapi.MetricsQuery{
//		Names:        []string{"busyTimeMsPerSecond", "numRecordsInPerSecond"},
//		Aggregations: []flinkapi.Aggregation{flinkapi.AggMax, flinkapi.AggSum},
//	})
//	_, err = c.Rescale(ctx, jobID, map[flinkapi.VertexID]int{vertexID: 8})
//
// The zero Config (with a BaseURL) means: 10s per attempt, 4 retries with
// jittered exponential backoff from 100ms to 3s, at most 16 connections to
// the JobManager, 16 MiB response limit, no redirects followed, TLS 1.2 or
// later with the system roots, metric names cached for a minute, logs
// discarded, calls not observed (no OnCall).
//
// # Wire quirks handled
//
// Flink's OpenAPI spec is experimental and the wire differs from it; the
// client follows the wire. Metric endpoints answer bare arrays. The
// aggregated subtask-metrics endpoint answers an empty array for the whole
// request when any requested name is missing, so VertexMetrics lists the
// vertex's metric names first (cached), asks only for names that exist, and
// reports the others in Missing. Non-finite doubles arrive as the strings
// "NaN" and "Infinity" (type Float). A savepoint's failure-cause carries the
// exception class and stack trace. Error bodies {"errors": [...]} are parsed
// into *Error. A job without checkpointing answers 404 on its checkpoint
// endpoints (a batch job, older versions) or, on Flink 1.20 and 2.2, 200
// with empty statistics and the interval Long.MAX_VALUE; CheckpointConfig
// reports both as ErrCheckpointingDisabled. An unknown job answers 404,
// except GET status and resource-requirements, which answer 500 with a
// FlinkJobNotFoundException: both are ErrNotFound.
//
// # Errors
//
// An HTTP error is an *Error (status, Flink's messages, method and path)
// matching one sentinel with errors.Is: ErrNotFound (404, or a 500 naming
// FlinkJobNotFoundException), ErrConflict
// (409, e.g. job already terminal), ErrUnavailable (408, 429, 502, 503, 504,
// a connection error or a body cut off mid-read, after the retries),
// ErrCheckpointingDisabled, ErrRedirect (a 3xx not followed; the *Error
// names its Location). A body that does not decode wraps ErrDecode, and
// also ErrNotJSON when it is not JSON at all (a proxy's page answered with
// 200); a body over the limit wraps ErrResponseTooLarge; a bad argument
// wraps ErrInvalidRequest before any I/O; a call on a closed Client wraps
// ErrClosed. IsTransient tells the errors that may pass on a later call
// (ErrUnavailable, ErrNotJSON, a 500) from those that will not.
//
// No error text carries a Config.Header value: what the client takes from
// an answer (Flink's messages, a proxy's page, a decode error, a
// redirect's Location) has every header value, the token of "Bearer
// <token>" and a Basic password replaced by "[REDACTED]", so a proxy that
// echoes the request cannot leak a credential into logs.
//
// # Answers that cannot be true
//
// A decoded answer is checked before it is returned, so a caller never acts
// on nonsense: job details must be of the job asked for, with a state, and
// vertices with valid, distinct IDs and a parallelism of at least 1; vertex
// details must be of the vertex asked for, with subtasks numbered within
// its parallelism, each once; a jobs overview must name valid job IDs with
// a state; requirements that Rescale would write back must be writable. A refusal wraps ErrDecode
// and ErrInvalidAnswer and is not transient. Metrics Flink sends without
// being asked for are dropped.
//
// A state name the client does not know (a later Flink may add one) is not
// an error: it decodes as JobUnknown or ExecUnknown, which is neither
// running nor terminal, so a caller waits and looks again as it would for
// a transitional state; JobState.Known tells the states Flink defines.
//
// # Retries
//
// Every call the client makes is safe to repeat, and is retried on
// connection errors, on a response body cut off mid-read, and on 408, 429,
// 502, 503 and 504; MaxRetries bounds all of these together. A 500 is not
// retried: Flink answers it for any unexpected exception, some permanent
// (IsTransient lets a caller decide). Reads are idempotent, PUT
// resource-requirements writes the same whole map, PATCH cancel is
// idempotent, and savepoint and stop triggers always carry a
// client-generated triggerId, so a retried POST names the same operation
// and never starts a second savepoint. A Retry-After header on a 429 or
// 503 lengthens the wait up to RetryWaitMax, never shortens it, and a
// value too large to represent is the cap. Cancelling ctx stops at once,
// even mid-backoff. Header values (Authorization) are never logged.
//
// # Redirects
//
// A JobManager answers no redirects; one comes from a proxy or a wrong
// BaseURL, and following it blindly would send Authorization and
// Config.Header to wherever it points, in plain text after an https to
// http redirect, and turn a POST stop into a GET on a 301 or 302. So no
// redirect is followed: the call fails with an *Error wrapping ErrRedirect
// that names the Location. Config.FollowRedirects follows only a redirect
// to the BaseURL's own scheme, host and port that keeps the method (307,
// 308, or 301/302/303 of a GET), at most 10 in a row.
//
// # Limits and lifecycle
//
// Each attempt is bounded by RequestTimeout, each call by its ctx. The
// default transport holds at most MaxConnsPerHost (16) connections to the
// JobManager; calls beyond that wait for one. A response body over
// MaxResponseBytes (16 MiB) is refused. Client.Close cancels the calls in
// flight and the background listing of metric names, and closes the idle
// connections; concurrent callers asking for the same vertex's metric
// names share one listing, which is cancelled as soon as no caller waits
// for it.
//
// # Observing calls
//
// Config.OnCall, when set, receives a Call after every REST call the
// client makes, its background listings of metric names included: the
// method, the route, the status of the last answer, how many attempts were
// made, how long the call took with its retries and backoff, and the error
// the method returned. A call refused for an invalid argument is reported
// too, with no attempt and status 0. The route is the path template of
// Flink's REST API specification ("/jobs/{jobid}/vertices/{vertexid}",
// never the path with its IDs), one of a small fixed set, so a metrics
// adapter can use it as a label of bounded cardinality. flinkapi itself
// imports no metrics library; a Prometheus adapter lives in a package of
// its own.
//
// # TLS
//
// TLS 1.2 is the minimum version. Certificates from files (TLSConfig's
// CAFile, CertFile, KeyFile) are re-read when they change on disk, as
// Kubernetes rotates a mounted secret, without a new Client: the client
// certificate at each handshake that asks for it, the CA at each new
// connection's verification; a half-written rotation keeps the last good
// certificates.
//
// # Concurrency
//
// A Client is safe for concurrent use by multiple goroutines.
//
// The package flinktest provides an in-process fake JobManager with the same
// wire format and fault injection, for tests.
package flinkapi
