package flinkapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/flinkscale/flinkscale"
)

// Sentinel errors. Every error the client returns wraps at most one of the
// status classes (ErrNotFound, ErrConflict, ErrUnavailable,
// ErrCheckpointingDisabled, ErrRedirect) so that errors.Is answers the
// question a caller acts on.
var (
	// ErrInvalidConfig is wrapped by every error New and Config.Validate
	// return for a bad Config. It wraps flinkscale.ErrInvalidConfig, so
	// errors.Is holds for both.
	ErrInvalidConfig = fmt.Errorf("flinkapi: %w", flinkscale.ErrInvalidConfig)
	// ErrInvalidRequest is wrapped when a call is refused before any I/O: a
	// malformed ID, a parallelism below 1, an unknown vertex.
	ErrInvalidRequest = errors.New("flinkapi: invalid request")
	// ErrNotFound: Flink answered 404 (unknown job, vertex or trigger ID),
	// or 500 with a FlinkJobNotFoundException, as Flink 1.20 and 2.2 answer
	// GET /jobs/{jobid}/status and /jobs/{jobid}/resource-requirements for
	// an unknown job (their handlers let the exception through).
	ErrNotFound = errors.New("flinkapi: not found")
	// ErrConflict: Flink answered 409, for example cancelling a job that has
	// already reached another terminal state.
	ErrConflict = errors.New("flinkapi: conflict")
	// ErrUnavailable: the JobManager could not serve the call and the retries
	// were spent: it answered 408, 429, 502, 503 or 504, the connection
	// failed, or every answer's body was cut off mid-read (the error then
	// also wraps the read error, e.g. io.ErrUnexpectedEOF). The same call
	// may pass later (see IsTransient).
	ErrUnavailable = errors.New("flinkapi: unavailable")
	// ErrCheckpointingDisabled: the job runs without checkpointing, so it has
	// no checkpoint configuration. Flink 1.20 and 2.2 answer a streaming
	// job's checkpoint configuration with 200 and the interval
	// Long.MAX_VALUE (the client reports that as ErrCheckpointingDisabled);
	// older versions, and a batch job, answer 404 with an explanatory
	// message, which the client tells apart from an unknown job.
	ErrCheckpointingDisabled = errors.New("flinkapi: checkpointing is not enabled for the job")
	// ErrDecode: the response body was not the JSON the call expects. A
	// decode failure never yields a zero value.
	ErrDecode = errors.New("flinkapi: cannot decode response")
	// ErrNotJSON: the body of a successful answer is not JSON at all (empty,
	// cut short, or a page from a proxy answered with 200). Such an error
	// wraps ErrDecode too. Unlike well-formed JSON that lacks a field, it
	// says nothing about the JobManager's answer and may pass on another
	// call (see IsTransient).
	ErrNotJSON = errors.New("flinkapi: response body is not JSON")
	// ErrInvalidAnswer: the body decoded but cannot be a true answer to the
	// call: job details of another job, a vertex listed twice, a
	// parallelism below 1, a malformed ID. Such an error wraps ErrDecode
	// too. It is not transient: the JobManager (or whatever answered in its
	// place) would answer the same again.
	ErrInvalidAnswer = errors.New("flinkapi: impossible answer")
	// ErrResponseTooLarge: the response body exceeded Config.MaxResponseBytes.
	ErrResponseTooLarge = errors.New("flinkapi: response body too large")
	// ErrRedirect: the answer was a redirect (3xx) the client did not
	// follow. The *Error carries the Location. By default no redirect is
	// followed; see Config.FollowRedirects for the ones that may be.
	ErrRedirect = errors.New("flinkapi: redirect not followed")
	// ErrClosed: the Client was closed (Client.Close) before or during the
	// call.
	ErrClosed = errors.New("flinkapi: client closed")
	// ErrOperationFailed is wrapped by *OperationError: an asynchronous
	// operation (savepoint, stop) completed with a failure cause.
	ErrOperationFailed = errors.New("flinkapi: asynchronous operation failed")
)

// Error is an HTTP error answer from the JobManager. Use errors.As to read
// it; errors.Is matches it against the sentinel of its status class.
// Errors, Body and Location never hold a Config.Header value: a proxy that
// echoes one sees it replaced by "[REDACTED]".
type Error struct {
	// Method and Path name the call ("GET", "/jobs/<id>"), without the query.
	Method string
	Path   string
	// Status is the HTTP status code.
	Status int
	// Errors holds Flink's error strings from an {"errors": [...]} body.
	Errors []string
	// Body is the start of the body (at most 512 bytes) when it was not
	// Flink's error format, for example an HTML page from a proxy.
	Body string
	// Location is the target of a redirect that was not followed (Status
	// 3xx, the error wraps ErrRedirect), resolved against the request URL,
	// without user information.
	Location string
	// Redirect explains why the redirect to Location was not followed.
	Redirect string

	class error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "flinkapi: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	switch {
	case e.Status >= 300 && e.Status < 400:
		fmt.Fprintf(&b, ": redirect to %q not followed: %s", e.Location, e.Redirect)
	case len(e.Errors) > 0:
		b.WriteString(": ")
		b.WriteString(firstLine(strings.Join(e.Errors, "; ")))
	case e.Body != "":
		b.WriteString(": ")
		b.WriteString(firstLine(e.Body))
	}
	return b.String()
}

// Unwrap returns the sentinel of the error's status class, or nil.
func (e *Error) Unwrap() error { return e.class }

// Messages that Flink's checkpoint handlers send with a 404 when the job has
// no checkpointing, as opposed to the job being unknown.
var checkpointingDisabledMessages = []string{
	"Checkpointing has not been enabled",    // GET /jobs/:jobid/checkpoints
	"Checkpointing is not enabled for this", // GET /jobs/:jobid/checkpoints/config
}

// jobNotFoundException is the exception Flink's status and
// resource-requirements handlers let through as a 500 for an unknown job;
// its class name is in the answer's second error string ("<Exception on
// server side: ...").
const jobNotFoundException = "FlinkJobNotFoundException"

// classify picks the sentinel for an HTTP error status.
func classify(status int, messages []string) error {
	switch status {
	case http.StatusNotFound:
		for _, m := range messages {
			for _, want := range checkpointingDisabledMessages {
				if strings.Contains(m, want) {
					return ErrCheckpointingDisabled
				}
			}
		}
		return ErrNotFound
	case http.StatusInternalServerError:
		for _, m := range messages {
			if strings.Contains(m, jobNotFoundException) {
				return ErrNotFound
			}
		}
		return nil
	case http.StatusConflict:
		return ErrConflict
	}
	if status >= 300 && status < 400 {
		return ErrRedirect
	}
	if retryable(status) { // the statuses the client retries: one list
		return ErrUnavailable
	}
	return nil
}

// OperationError reports an asynchronous operation that completed with a
// failure. It wraps ErrOperationFailed.
//
// For a stop-with-savepoint, a failure can still carry a savepoint: when the
// savepoint succeeded but the tasks did not finish, Flink fails the job over
// and reports the savepoint path inside the cause. Callers that care (the
// drain package) inspect Cause.
type OperationError struct {
	JobID     JobID
	TriggerID TriggerID
	Cause     FailureCause
}

// Error implements error.
func (e *OperationError) Error() string {
	return fmt.Sprintf("flinkapi: operation %s on job %s failed: %s", e.TriggerID, e.JobID, e.Cause.Summary())
}

// Unwrap returns ErrOperationFailed.
func (e *OperationError) Unwrap() error { return ErrOperationFailed }

// FailureCause is Flink's serialized exception. On the wire it carries the
// exception class and its stack trace as text besides the Java-serialized
// bytes (the spec lists only the latter).
type FailureCause struct {
	// Class is the Java exception class, e.g. "java.util.concurrent.CompletionException".
	Class string `json:"class,omitempty"`
	// StackTrace is the printed stack trace, causes included.
	StackTrace string `json:"stack-trace,omitempty"`
	// SerializedThrowable is the Java-serialized exception (base64); opaque to Go.
	SerializedThrowable string `json:"serialized-throwable,omitempty"`
}

// Summary returns a one-line description: the first line of the stack trace
// (which names the class and message), or the class alone.
func (f FailureCause) Summary() string {
	if line := firstLine(f.StackTrace); line != "" {
		return line
	}
	if f.Class != "" {
		return f.Class
	}
	return "unknown cause"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// stoppingExceptionPrefix starts the message of Flink's
// StopWithSavepointStoppingException: the savepoint was written but the job
// failed while its tasks were finishing.
const stoppingExceptionPrefix = "A savepoint has been created at: "

// SavepointPath returns the savepoint path a stop-with-savepoint failure
// carries when the savepoint itself succeeded and only the stopping failed
// (Flink's StopWithSavepointStoppingException). Flink's Kubernetes operator
// treats that case as a completed savepoint at this path.
func (f FailureCause) SavepointPath() (string, bool) {
	i := strings.Index(f.StackTrace, stoppingExceptionPrefix)
	if i < 0 {
		return "", false
	}
	rest := f.StackTrace[i+len(stoppingExceptionPrefix):]
	end := strings.Index(rest, ", but the corresponding job")
	if end <= 0 {
		return "", false
	}
	return rest[:end], true
}
