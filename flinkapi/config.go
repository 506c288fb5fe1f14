package flinkapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for the zero Config.
const (
	DefaultRequestTimeout   = 10 * time.Second
	DefaultMaxRetries       = 4
	DefaultRetryWaitMin     = 100 * time.Millisecond
	DefaultRetryWaitMax     = 3 * time.Second
	DefaultMaxResponseBytes = 16 << 20
	DefaultMetricNamesTTL   = time.Minute
	DefaultMaxConnsPerHost  = 16
)

// Config configures a Client. Only BaseURL is required; every other zero
// field means its documented default.
type Config struct {
	// BaseURL is the JobManager's REST endpoint, for example
	// "http://flink-jobmanager:8081". A path prefix is kept, so a JobManager
	// behind a path-routing proxy ("https://gw.example/flink/") works.
	// Required; the scheme must be http or https.
	BaseURL string

	// HTTPClient sends the requests. Default: a client with its own pooled
	// transport (cloned from http.DefaultTransport, so proxy environment
	// variables apply) configured from TLS and MaxConnsPerHost. When set,
	// TLS and MaxConnsPerHost must be zero: configure your client's
	// transport instead. The client works on a copy of it, whose
	// CheckRedirect it wraps (see FollowRedirects).
	HTTPClient *http.Client

	// RequestTimeout bounds each attempt (connect, send, read the whole
	// answer). The ctx passed to each call bounds the call with its retries.
	// Default: 10s, or the HTTPClient's own Timeout when that is set.
	RequestTimeout time.Duration

	// MaxRetries is how many times a failed attempt is retried: a call
	// makes at most MaxRetries+1 attempts in all, whatever failed (a
	// connection error, a retryable status, a body cut off mid-read), each
	// retry after the backoff. Default: 4.
	MaxRetries int
	// DisableRetries makes every call a single attempt.
	DisableRetries bool
	// RetryWaitMin and RetryWaitMax bound the jittered exponential backoff
	// between attempts: retry n waits between half and all of
	// min(RetryWaitMin x 2^n, RetryWaitMax). A Retry-After header on a 429
	// or 503 (seconds or an HTTP date) lengthens that wait to what it asks,
	// up to RetryWaitMax; it never shortens it. Defaults: 100ms and 3s
	// (Flink's own client waits 3s). When only one is set, the other's
	// default is clamped to it: RetryWaitMax 50ms alone gives RetryWaitMin
	// 50ms, RetryWaitMin 5s alone gives RetryWaitMax 5s.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration

	// Header is added to every request, for example Authorization for a
	// JobManager behind an authenticating proxy. Header values are never
	// logged, never sent to another scheme, host or port (see
	// FollowRedirects), and never appear in a returned error: a value (4
	// characters or longer), the credentials after an auth scheme ("Bearer
	// <token>") and a Basic password are replaced by "[REDACTED]" in the
	// texts the client takes from an answer. Default: none.
	Header http.Header

	// FollowRedirects makes the client follow a redirect that stays on the
	// BaseURL's scheme, host and port and keeps the method (a 307 or 308,
	// or a 301, 302 or 303 answering a GET), at most 10 in a row; Header
	// goes along, as the redirect stays with the same server. Any other
	// redirect is not followed: the call fails with an *Error wrapping
	// ErrRedirect that names the Location, and nothing is sent there.
	// Default: false: no redirect is followed (a JobManager answers none;
	// one comes from a proxy or a wrong BaseURL). When HTTPClient is set,
	// its CheckRedirect is consulted after this policy, never instead.
	FollowRedirects bool

	// MaxConnsPerHost caps the connections the default transport holds to
	// the JobManager (dialling, in use or idle); a call beyond the cap waits
	// for a connection, within its ctx. Default: 16. It cannot be set
	// together with HTTPClient: configure your transport instead.
	MaxConnsPerHost int

	// TLS configures the default transport for an https BaseURL: TLS 1.2
	// or later, certificate files re-read as they change (see TLSConfig).
	// Default: the system roots, no client certificate, TLS 1.2 minimum.
	TLS TLSConfig

	// Logger receives debug lines for each attempt and info lines for
	// retries (method, path, attempt, status; never headers). Default:
	// discard.
	Logger *slog.Logger

	// OnCall, if set, is called once after every REST call the client
	// makes (including its background listings of metric names), on the
	// goroutine that made it, with the call's route template, status,
	// attempts, duration and error (see Call); a call a method refuses
	// before sending it, for an invalid argument, is reported too, with no
	// attempt. It lets a metrics adapter count and time the calls without
	// this package importing a metrics library. It must be fast and safe
	// for concurrent use. Default: none.
	OnCall func(Call)

	// MaxResponseBytes bounds a response body; a larger body is an error
	// wrapping ErrResponseTooLarge. Default: 16 MiB.
	MaxResponseBytes int64

	// MetricNamesTTL is how long the list of a vertex's metric names is
	// cached before VertexMetrics lists them again. Default: 1 minute.
	MetricNamesTTL time.Duration
}

// Validate reports the first problem with c. Every error wraps
// ErrInvalidConfig. Validate does not read TLS files; New does.
func (c Config) Validate() error {
	_, err := c.baseURL()
	if err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"RequestTimeout", c.RequestTimeout}, {"RetryWaitMin", c.RetryWaitMin}, {"RetryWaitMax", c.RetryWaitMax}, {"MetricNamesTTL", c.MetricNamesTTL}} {
		if d.v < 0 {
			return fmt.Errorf("%w: %s is negative (%v)", ErrInvalidConfig, d.name, d.v)
		}
	}
	if c.MaxRetries < 0 {
		return fmt.Errorf("%w: MaxRetries is negative (%d); use DisableRetries for no retries", ErrInvalidConfig, c.MaxRetries)
	}
	if c.MaxResponseBytes < 0 {
		return fmt.Errorf("%w: MaxResponseBytes is negative (%d)", ErrInvalidConfig, c.MaxResponseBytes)
	}
	if c.MaxConnsPerHost < 0 {
		return fmt.Errorf("%w: MaxConnsPerHost is negative (%d)", ErrInvalidConfig, c.MaxConnsPerHost)
	}
	if c.HTTPClient != nil && c.MaxConnsPerHost != 0 {
		return fmt.Errorf("%w: MaxConnsPerHost is set together with HTTPClient; cap the connections on the HTTPClient's transport", ErrInvalidConfig)
	}
	if c.RetryWaitMin > 0 && c.RetryWaitMax > 0 && c.RetryWaitMin > c.RetryWaitMax {
		return fmt.Errorf("%w: RetryWaitMin %v exceeds RetryWaitMax %v", ErrInvalidConfig, c.RetryWaitMin, c.RetryWaitMax)
	}
	if c.HTTPClient != nil && !c.TLS.isZero() {
		return fmt.Errorf("%w: TLS is set together with HTTPClient; configure TLS on the HTTPClient's transport", ErrInvalidConfig)
	}
	if err := c.TLS.Validate(); err != nil {
		return err
	}
	for name, values := range c.Header {
		if !validHeaderName(name) {
			return fmt.Errorf("%w: Header name %q is not a valid HTTP token", ErrInvalidConfig, name)
		}
		for _, v := range values {
			if strings.ContainsAny(v, "\r\n\x00") {
				return fmt.Errorf("%w: Header %q has a value with a control character", ErrInvalidConfig, name)
			}
		}
	}
	return nil
}

func (c Config) baseURL() (*url.URL, error) {
	if c.BaseURL == "" {
		return nil, fmt.Errorf("%w: BaseURL is required", ErrInvalidConfig)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%w: BaseURL: %w", ErrInvalidConfig, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: BaseURL %q: scheme must be http or https", ErrInvalidConfig, c.BaseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: BaseURL %q has no host", ErrInvalidConfig, c.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: BaseURL %q must not have a query or fragment", ErrInvalidConfig, c.BaseURL)
	}
	if u.Scheme == "http" && !c.TLS.isZero() {
		return nil, fmt.Errorf("%w: TLS is set but BaseURL %q is plain http", ErrInvalidConfig, c.BaseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// withDefaults returns c with every zero field replaced by its default.
func (c Config) withDefaults() Config {
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.DisableRetries {
		c.MaxRetries = 0
	}
	// The maximum first: the minimum's default is clamped to it, so it
	// must not be clamped to a maximum that is still zero.
	if c.RetryWaitMax == 0 {
		c.RetryWaitMax = max(DefaultRetryWaitMax, c.RetryWaitMin)
	}
	if c.RetryWaitMin == 0 {
		c.RetryWaitMin = min(DefaultRetryWaitMin, c.RetryWaitMax)
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.MetricNamesTTL == 0 {
		c.MetricNamesTTL = DefaultMetricNamesTTL
	}
	if c.MaxConnsPerHost == 0 && c.HTTPClient == nil {
		c.MaxConnsPerHost = DefaultMaxConnsPerHost
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// httpClient returns the client that sends requests to base: a copy of the
// caller's (never modified in place) or one built from TLS and
// MaxConnsPerHost; either way with the redirect policy of
// FollowRedirects.
func (c Config) httpClient(base *url.URL) (*http.Client, error) {
	var hc http.Client
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxConnsPerHost = c.MaxConnsPerHost
		tr.MaxIdleConnsPerHost = c.MaxConnsPerHost
		tc, err := c.TLS.build(base.Hostname(), c.Logger)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = tc
		hc.Transport = tr
	}
	hc.CheckRedirect = redirectPolicy(base, c.FollowRedirects, hc.CheckRedirect)
	switch {
	case c.RequestTimeout > 0:
		hc.Timeout = c.RequestTimeout
	case hc.Timeout == 0:
		hc.Timeout = DefaultRequestTimeout
	}
	return &hc, nil
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
