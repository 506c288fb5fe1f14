package flinkapi_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

const statusRoute = "GET /jobs/{jobid}/status"

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		faults     []flinktest.Fault
		disable    bool
		wantCalls  int
		wantErr    error // nil: success
		wantStatus int   // the *Error's status when the error is an HTTP answer
		transient  bool  // what IsTransient says of the error
	}{
		{"503 twice then success", []flinktest.Fault{{Status: 503, Times: 2}}, false, 3, nil, 0, false},
		{"dropped connection then success", []flinktest.Fault{{Drop: true}}, false, 2, nil, 0, false},
		{"502, 504, 429 then success", []flinktest.Fault{{Status: 502}, {Status: 504}, {Status: 429}}, false, 4, nil, 0, false},
		{"408 then success", []flinktest.Fault{{Status: 408}}, false, 2, nil, 0, false},
		{"503 beyond the retries", []flinktest.Fault{{Status: 503, Times: -1}}, false, 5, flinkapi.ErrUnavailable, 503, true},
		{"408 beyond the retries", []flinktest.Fault{{Status: 408, Times: -1}}, false, 5, flinkapi.ErrUnavailable, 408, true},
		{"dropped beyond the retries", []flinktest.Fault{{Drop: true, Times: -1}}, false, 5, flinkapi.ErrUnavailable, 0, true},
		{"404 is not retried", []flinktest.Fault{{Status: 404, Times: -1}}, false, 1, flinkapi.ErrNotFound, 404, false},
		{"409 is not retried", []flinktest.Fault{{Status: 409, Times: -1}}, false, 1, flinkapi.ErrConflict, 409, false},
		{"400 is not retried", []flinktest.Fault{{Status: 400, Times: -1}}, false, 1, errAny, 400, false},
		{"500 is not retried but transient", []flinktest.Fault{{Status: 500, Times: -1}}, false, 1, errAny, 500, true},
		{"retries disabled", []flinktest.Fault{{Status: 503}}, true, 1, flinkapi.ErrUnavailable, 503, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, flinktest.Config{}, func(c *flinkapi.Config) { c.DisableRetries = tt.disable })
			id, _ := e.addJob(t, pipeline())
			for _, f := range tt.faults {
				if err := e.srv.InjectFault(statusRoute, f); err != nil {
					t.Fatal(err)
				}
			}
			_, err := e.c.JobStatus(context.Background(), id)
			if got := e.srv.CountRequests(statusRoute); got != tt.wantCalls {
				t.Errorf("%d attempts, want %d", got, tt.wantCalls)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("err = %v, want success", err)
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			case tt.wantErr == errAny && err == nil:
				t.Error("err = nil, want an error")
			}
			var apiErr *flinkapi.Error
			if tt.wantStatus != 0 && (!errors.As(err, &apiErr) || apiErr.Status != tt.wantStatus) {
				t.Errorf("err = %v, want an *Error with status %d", err, tt.wantStatus)
			}
			if got := flinkapi.IsTransient(err); got != tt.transient {
				t.Errorf("IsTransient(%v) = %t, want %t", err, got, tt.transient)
			}
		})
	}
}

// errAny in a table means "some error, of no sentinel class".
var errAny = errors.New("any error")

// Cancelling ctx while the client waits between attempts returns at once:
// the backoff here is an hour, so only a prompt return lets the test end.
func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	e := newEnv(t, flinktest.Config{}, func(c *flinkapi.Config) {
		c.RetryWaitMin, c.RetryWaitMax = time.Hour, time.Hour
	})
	id, _ := e.addJob(t, pipeline())
	if err := e.srv.InjectFault(statusRoute, flinktest.Fault{Status: 503, Times: -1}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.c.JobStatus(ctx, id)
		done <- err
	}()
	for e.srv.CountRequests(statusRoute) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("JobStatus did not return after its ctx was cancelled")
	}
	if n := e.srv.CountRequests(statusRoute); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// Retry-After on a 429 is honoured (capped at RetryWaitMax).
func TestRetryAfterIsCapped(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, `{"status":"RUNNING"}`)
	}))
	defer srv.Close()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if st, err := c.JobStatus(ctx, "7a7c3291accebd10b6be8d4f8c8d8dfc"); err != nil || st != flinkapi.JobRunning {
		t.Errorf("JobStatus = %q, %v; want RUNNING after one capped wait", st, err)
	}
}

// Answers that are not what the call expects are errors, never zero values.
func TestBadAnswers(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		limit     int64
		want      error
		notJSON   bool // the error also wraps ErrNotJSON
		transient bool // what IsTransient says of the error
	}{
		{"malformed JSON", 200, `{"jid": "7a7c3291accebd10b6be8d4f8c8d8dfc", "vertices": [`, 0, flinkapi.ErrDecode, true, true},
		{"wrong shape", 200, `[1, 2, 3]`, 0, flinkapi.ErrDecode, false, false},
		{"empty body", 200, ``, 0, flinkapi.ErrDecode, true, true},
		{"blank body", 200, " \r\n", 0, flinkapi.ErrDecode, true, true},
		{"garbage", 200, `jid=7a7c3291accebd10b6be8d4f8c8d8dfc`, 0, flinkapi.ErrDecode, true, true},
		{"HTML page with status 200 from a proxy", 200, `<html><body>Please log in</body></html>`, 0, flinkapi.ErrDecode, true, true},
		{"well-formed but no jid", 200, `{"name": "x"}`, 0, flinkapi.ErrDecode, false, false},
		{"oversize body", 200, `{"jid":"7a7c3291accebd10b6be8d4f8c8d8dfc","name":"` + strings.Repeat("x", 200) + `"}`, 128, flinkapi.ErrResponseTooLarge, false, false},
		{"HTML error page from a proxy", 502, `<html><body>Bad Gateway</body></html>`, 0, flinkapi.ErrUnavailable, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true, MaxResponseBytes: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			d, err := c.JobDetails(context.Background(), "7a7c3291accebd10b6be8d4f8c8d8dfc")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := errors.Is(err, flinkapi.ErrNotJSON); got != tt.notJSON {
				t.Errorf("errors.Is(%v, ErrNotJSON) = %t, want %t", err, got, tt.notJSON)
			}
			if got := flinkapi.IsTransient(err); got != tt.transient {
				t.Errorf("IsTransient(%v) = %t, want %t", err, got, tt.transient)
			}
			if d.ID != "" || d.Vertices != nil {
				t.Errorf("value with the error = %+v, want zero", d)
			}
			var apiErr *flinkapi.Error
			if tt.status != 200 && (!errors.As(err, &apiErr) || !strings.Contains(apiErr.Body, "Bad Gateway")) {
				t.Errorf("err = %#v, want *Error keeping the start of the body", err)
			}
		})
	}
}

// RequestTimeout bounds each attempt: a JobManager that hangs once is
// retried, and the call succeeds.
func TestRequestTimeoutPerAttempt(t *testing.T) {
	e := newEnv(t, flinktest.Config{}, func(c *flinkapi.Config) {
		c.HTTPClient.Timeout = 0
		c.RequestTimeout = 50 * time.Millisecond
	})
	id, _ := e.addJob(t, pipeline())
	if err := e.srv.InjectFault(statusRoute, flinktest.Fault{Latency: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	st, err := e.c.JobStatus(context.Background(), id)
	if err != nil || st != flinkapi.JobRunning {
		t.Errorf("JobStatus = %q, %v; want RUNNING from the second attempt", st, err)
	}
	// The server logs the abandoned first attempt once it notices the
	// client went away; wait for that (bounded) rather than race it.
	for deadline := time.Now().Add(10 * time.Second); e.srv.CountRequests(statusRoute) < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if n := e.srv.CountRequests(statusRoute); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

// A Retry-After too large for a time.Duration once overflowed into a
// negative wait, which removed the backoff altogether (5 attempts in 2 ms).
// Whatever it says, the backoff stays: at least 10+20+20+20 ms between the
// first and the fifth attempt with waits from 20 to 40 ms, and at most the
// cap each time.
func TestHugeRetryAfterKeepsTheBackoff(t *testing.T) {
	for _, ra := range []string{
		"9223372037",                    // seconds x 1e9 overflows int64
		"18446744073709551615",          // the largest uint64
		"99999999999999999999999999999", // beyond any integer type
		"Fri, 31 Dec 9999 23:59:59 GMT", // an HTTP date far away
		"0",                             // "now" must not turn the retries into a burst
		"-5",
		"soon",
	} {
		t.Run(ra, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			var first, last atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				now := time.Now().UnixNano()
				if calls.Add(1) == 1 {
					first.Store(now)
				}
				last.Store(now)
				if calls.Load() <= 4 {
					w.Header().Set("Retry-After", ra)
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				fmt.Fprint(w, `{"status":"RUNNING"}`)
			}))
			defer srv.Close()
			c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, RetryWaitMin: 20 * time.Millisecond, RetryWaitMax: 40 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := c.JobStatus(ctx, "7a7c3291accebd10b6be8d4f8c8d8dfc"); err != nil {
				t.Fatal(err)
			}
			took := time.Duration(last.Load() - first.Load())
			if calls.Load() != 5 || took < 70*time.Millisecond || took > 30*time.Second {
				t.Errorf("%d attempts in %v, want 5 in at least 70ms (and nowhere near the Retry-After)", calls.Load(), took)
			}
		})
	}
}

// The wait before a retry: the jittered exponential backoff, lengthened by
// a Retry-After on a 429 or 503 up to RetryWaitMax, never shortened, never
// negative.
func TestBackoff(t *testing.T) {
	const ms = time.Millisecond
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	soon := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name             string
		waitMin, waitMax time.Duration
		attempt          int
		resp             *http.Response
		lo, hi           time.Duration
	}{
		{"first retry", 100 * ms, 3000 * ms, 0, nil, 50 * ms, 100 * ms},
		{"third retry doubles twice", 100 * ms, 3000 * ms, 2, nil, 200 * ms, 400 * ms},
		{"capped", 100 * ms, 3000 * ms, 10, nil, 1500 * ms, 3000 * ms},
		{"huge attempt", 100 * ms, 3000 * ms, 1 << 30, nil, 1500 * ms, 3000 * ms},
		{"doubling near the int64 limit", time.Duration(math.MaxInt64 / 3), time.Duration(math.MaxInt64), 5, nil, time.Duration(math.MaxInt64 / 2), time.Duration(math.MaxInt64)},
		{"Retry-After honoured", 1 * ms, 5000 * ms, 0, resp(503, "2"), 2000 * ms, 2000 * ms},
		{"Retry-After on 429", 1 * ms, 5000 * ms, 0, resp(429, "1"), 1000 * ms, 1000 * ms},
		{"Retry-After as a date", 1 * ms, 5000 * ms, 0, resp(503, soon), 1000 * ms, 3000 * ms},
		{"Retry-After capped", 1 * ms, 5000 * ms, 0, resp(503, "3600"), 5000 * ms, 5000 * ms},
		{"Retry-After overflowing", 1 * ms, 5000 * ms, 0, resp(503, "9223372037"), 5000 * ms, 5000 * ms},
		{"Retry-After 0 keeps the backoff", 100 * ms, 3000 * ms, 1, resp(503, "0"), 100 * ms, 200 * ms},
		{"Retry-After ignored on a 502", 100 * ms, 3000 * ms, 0, resp(502, "2"), 50 * ms, 100 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 20 { // the jitter
				if got := flinkapi.Backoff(tt.waitMin, tt.waitMax, tt.attempt, tt.resp); got < tt.lo || got > tt.hi {
					t.Fatalf("backoff = %v, want within [%v, %v]", got, tt.lo, tt.hi)
				}
			}
		})
	}
}
