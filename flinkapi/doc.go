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
//	details, err := c.JobDetails(ctx, jobID)
//	res, err := c.VertexMetrics(ctx, jobID, vertexID, flinkapi.MetricsQuery{
//		Names:        []string{"busyTimeMsPerSecond", "numRecordsInPerSecond"},
//		Aggregations: []flinkapi.Aggregation{flinkapi.AggMax, flinkapi.AggSum},
//	})
//	_, err = c.Rescale(ctx, jobID, map[flinkapi.VertexID]int{vertexID: 8})
//
// The zero Config (with a BaseURL) means: 10s per attempt, 4 retries with
// jittered exponential backoff from 100ms to 3s, 16 MiB response limit,
// metric names cached for a minute, logs discarded.
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
// endpoints, which the client reports as ErrCheckpointingDisabled.
//
// # Errors
//
// An HTTP error is an *Error (status, Flink's messages, method and path)
// matching one sentinel with errors.Is: ErrNotFound (404), ErrConflict
// (409, e.g. job already terminal), ErrUnavailable (408, 429, 502, 503, 504,
// a connection error or a body cut off mid-read, after the retries),
// ErrCheckpointingDisabled. A body that does not decode wraps ErrDecode, and
// also ErrNotJSON when it is not JSON at all (a proxy's page answered with
// 200); a body over the limit wraps ErrResponseTooLarge; a bad argument
// wraps ErrInvalidRequest before any I/O. IsTransient tells the errors that
// may pass on a later call (ErrUnavailable, ErrNotJSON, a 500) from those
// that will not.
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
// and never starts a second savepoint. Cancelling ctx stops at once, even
// mid-backoff. Header values (Authorization) are never logged.
//
// # Concurrency
//
// A Client is safe for concurrent use by multiple goroutines.
//
// The package flinktest provides an in-process fake JobManager with the same
// wire format and fault injection, for tests.
package flinkapi
