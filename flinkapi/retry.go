package flinkapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Every call this client makes is safe to repeat, which is why every call is
// retried:
//   - GET reads;
//   - PUT resource-requirements replaces the whole map with the same body;
//   - PATCH cancel is idempotent (a second cancel answers 202 or 409);
//   - POST savepoint and POST stop always carry a client-generated triggerId,
//     and Flink starts at most one operation per triggerId (it keeps the
//     result for rest.async.store-duration, 5 minutes by default).
// A future call without such a guarantee must not go through the retrying
// transport.
//
// How attempts are counted: every attempt of a call runs in retryablehttp's
// one retry loop, so Config.MaxRetries bounds them all together (a call
// makes at most MaxRetries+1 attempts) whatever failed. A connection error
// or a retryable status is judged by checkRetry directly. The body is read
// inside that loop too, by the response handler Client.send sets on each
// request: a read that fails (connection reset or cut off mid-body, or the
// per-attempt timeout while reading) returns a *bodyReadError, which
// retryablehttp hands to checkRetry as well, and so the whole request is
// sent again after the same backoff, on the same attempt counter, and the
// wait ends at once when ctx is done. No second loop around retryablehttp
// is needed, so there is no second budget to reconcile with the first.

// retryable reports whether an HTTP status is worth another attempt: the
// JobManager or a proxy in front of it is temporarily unable to answer.
func retryable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// bodyReadError is a failure while reading a response body: the answer was
// lost on the way, so the request is worth another attempt. An answer over
// Config.MaxResponseBytes is not one (that is ErrResponseTooLarge).
type bodyReadError struct {
	status int
	err    error
}

func (e *bodyReadError) Error() string {
	return fmt.Sprintf("reading the response body (status %d): %v", e.status, e.err)
}

func (e *bodyReadError) Unwrap() error { return e.err }

// checkRetry is the retryablehttp.CheckRetry policy: retry transient
// connection errors, body-read failures and the statuses above; stop at
// once when ctx is done.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if errors.Is(err, ErrResponseTooLarge) {
		return false, nil
	}
	if _, ok := errors.AsType[*bodyReadError](err); ok {
		return true, nil
	}
	if err != nil {
		// retryablehttp's policy knows which transport errors are permanent
		// (bad scheme, certificate, redirect loop); with err set it looks at
		// nothing else.
		return retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	}
	return retryable(resp.StatusCode), nil
}

// backoff is exponential with jitter: attempt n waits a random duration in
// [d/2, d] with d = min(waitMin*2^n, waitMax). A Retry-After header on a 429
// or 503 lengthens the wait to what it asks, capped at waitMax; it never
// shortens it (Retry-After: 0 does not turn the retries into a burst), and
// a value too large to represent is the cap, not an overflow.
func backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
	d := waitMin
	for i := 0; i < attempt && d < waitMax; i++ {
		if d > waitMax/2 { // doubling would pass the cap (or overflow)
			d = waitMax
			break
		}
		d *= 2
	}
	d = min(d, waitMax)
	if d > 1 {
		half := d / 2
		d = half + rand.N(d-half+1)
	}
	if after, ok := retryAfter(resp, time.Now()); ok {
		d = max(d, min(after, waitMax))
	}
	return max(d, 0)
}

// retryAfter reads the Retry-After header of a 429 or 503: delay-seconds
// or an HTTP date. A delay beyond what a time.Duration holds is
// saturated, never wrapped around.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseUint(v, 10, 64); err == nil {
		if s > uint64(math.MaxInt64/int64(time.Second)) {
			return math.MaxInt64, true
		}
		return time.Duration(s) * time.Second, true
	} else if errors.Is(err, strconv.ErrRange) {
		return math.MaxInt64, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// newRetryClient wires the policy and logging into a retryablehttp client.
// retryablehttp's own logger stays off: it would log full URLs. Our hooks log
// method, path and attempt, never headers. With Config.OnCall set, the hooks
// also count each call's attempts and note the status of each answer, in
// the tally its ctx carries (see Client.observed): RequestLogHook runs
// before every attempt, CheckRetry after every attempt that got an answer.
func newRetryClient(hc *http.Client, cfg Config) *retryablehttp.Client {
	log := cfg.Logger
	observe := cfg.OnCall != nil
	check := checkRetry
	if observe {
		check = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			if resp != nil {
				tallyOf(ctx).answered(resp.StatusCode)
			}
			return checkRetry(ctx, resp, err)
		}
	}
	return &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.MaxRetries,
		CheckRetry:   check,
		Backoff:      backoff,
		// Hand the last response back so the caller can classify it (503
		// after the retries -> ErrUnavailable) and close its body.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			if observe {
				tallyOf(req.Context()).attempt()
			}
			if attempt > 0 {
				log.LogAttrs(req.Context(), slog.LevelInfo, "flinkapi: retrying request",
					slog.String("method", req.Method), slog.String("path", req.URL.Path), slog.Int("attempt", attempt+1))
				return
			}
			log.LogAttrs(req.Context(), slog.LevelDebug, "flinkapi: request",
				slog.String("method", req.Method), slog.String("path", req.URL.Path))
		},
		ResponseLogHook: func(_ retryablehttp.Logger, resp *http.Response) {
			log.LogAttrs(resp.Request.Context(), slog.LevelDebug, "flinkapi: response",
				slog.String("method", resp.Request.Method), slog.String("path", resp.Request.URL.Path),
				slog.Int("status", resp.StatusCode))
		},
	}
}
