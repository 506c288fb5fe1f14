package flinkapi

import (
	"errors"
	"net/http"
)

// IsTransient reports whether err, returned by a Client method, may pass if
// the same call is made again later: the JobManager, or the network or a
// proxy in front of it, failed in a way that says nothing about the call
// itself. A caller that must not give up lightly (a stop-with-drain that
// would otherwise cancel a job it could still drain) retries a transient
// error at its own pace, and acts on any other.
//
// True for:
//   - errors wrapping ErrUnavailable: Flink or a proxy answered 408, 429,
//     502, 503 or 504, the connection failed, or the response body was cut
//     off mid-read, on every attempt the Config allowed;
//   - an *Error with Status 500: Flink answers "Internal server error." for
//     any unexpected exception in a handler, such as an RPC to the
//     JobMaster timing out while it is busy, except a 500 that names a
//     FlinkJobNotFoundException (it wraps ErrNotFound). Some 500s are permanent, which
//     is why the client does not retry them itself (Flink's own Java client
//     retries only 503 and connection errors); a caller that retries them
//     should bound its retries;
//   - errors wrapping ErrNotJSON: a successful status whose body was not
//     JSON at all, typically a proxy's page or a truncated answer.
//
// False for nil and for everything else, in particular: the caller's ctx
// being cancelled or expired (the client returns context.Canceled or
// context.DeadlineExceeded as such, never wrapped in ErrUnavailable);
// ErrNotFound, ErrConflict, ErrCheckpointingDisabled and any other 4xx
// answer; ErrRedirect; ErrInvalidRequest and ErrInvalidConfig;
// ErrResponseTooLarge; ErrDecode for well-formed JSON that lacks what the
// call needs or cannot be true (ErrInvalidAnswer); ErrClosed; a TLS
// certificate that does not verify; and *OperationError, an asynchronous
// operation that ran and failed.
//
// An attempt that outlived Config.RequestTimeout is not the caller's ctx
// expiring: after the retries it wraps ErrUnavailable and is transient,
// even though net/http's timeout error also matches
// context.DeadlineExceeded. IsTransient therefore looks at the client's
// classification first.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotJSON) {
		return true
	}
	apiErr, ok := errors.AsType[*Error](err)
	return ok && apiErr.Status == http.StatusInternalServerError && apiErr.class == nil
}
