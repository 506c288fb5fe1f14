package flinkapi

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
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
	// variables apply) configured from TLS. When set, TLS must be empty:
	// configure TLS on your client's transport instead.
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
	// between attempts. A Retry-After header on 429/503 is honoured up to
	// RetryWaitMax. Defaults: 100ms and 3s (Flink's own client waits 3s).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration

	// Header is added to every request, for example Authorization for a
	// JobManager behind an authenticating proxy. Header values are never
	// logged. Default: none.
	Header http.Header

	// TLS configures the default transport for an https BaseURL. Default:
	// the system roots, no client certificate.
	TLS TLSConfig

	// Logger receives debug lines for each attempt and info lines for
	// retries (method, path, attempt, status; never headers). Default:
	// discard.
	Logger *slog.Logger

	// MaxResponseBytes bounds a response body; a larger body is an error
	// wrapping ErrResponseTooLarge. Default: 16 MiB.
	MaxResponseBytes int64

	// MetricNamesTTL is how long the list of a vertex's metric names is
	// cached before VertexMetrics lists them again. Default: 1 minute.
	MetricNamesTTL time.Duration
}

// TLSConfig holds TLS settings as Kubernetes usually mounts them: PEM files,
// or PEM bytes read by the caller. Zero means the system roots and no client
// certificate.
type TLSConfig struct {
	// CAFile or CAPEM (not both) holds the trusted CA certificates (PEM);
	// when set, only they are trusted, not the system roots.
	CAFile string
	CAPEM  []byte
	// CertFile and KeyFile (or CertPEM and KeyPEM) are the client certificate
	// and key for mutual TLS. Set both or neither, each as a file or as
	// bytes, not both.
	CertFile string
	KeyFile  string
	CertPEM  []byte
	KeyPEM   []byte
	// ServerName overrides the name checked against the server certificate.
	ServerName string
	// InsecureSkipVerify disables server certificate verification. For tests
	// only.
	InsecureSkipVerify bool
}

func (t TLSConfig) isZero() bool {
	return t.CAFile == "" && len(t.CAPEM) == 0 && t.CertFile == "" && t.KeyFile == "" &&
		len(t.CertPEM) == 0 && len(t.KeyPEM) == 0 && t.ServerName == "" && !t.InsecureSkipVerify
}

// build turns the settings into a *tls.Config, reading the files.
func (t TLSConfig) build() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	caPEM, err := pemFrom(t.CAPEM, t.CAFile)
	if err != nil {
		return nil, err
	}
	if caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("%w: TLS CA holds no PEM certificate", ErrInvalidConfig)
		}
		tc.RootCAs = pool
	}
	certPEM, err := pemFrom(t.CertPEM, t.CertFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := pemFrom(t.KeyPEM, t.KeyFile)
	if err != nil {
		return nil, err
	}
	if (certPEM == nil) != (keyPEM == nil) {
		return nil, fmt.Errorf("%w: TLS needs both a client certificate and its key, or neither", ErrInvalidConfig)
	}
	if certPEM != nil {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("%w: TLS client certificate: %w", ErrInvalidConfig, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// pemFrom returns inline bytes, else the file's contents, else nil.
func pemFrom(inline []byte, file string) ([]byte, error) {
	if len(inline) > 0 && file != "" {
		return nil, fmt.Errorf("%w: TLS: set a PEM file or inline PEM bytes, not both (file %q)", ErrInvalidConfig, file)
	}
	if len(inline) > 0 {
		return inline, nil
	}
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: TLS: %w", ErrInvalidConfig, err)
	}
	return b, nil
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
	if c.RetryWaitMin > 0 && c.RetryWaitMax > 0 && c.RetryWaitMin > c.RetryWaitMax {
		return fmt.Errorf("%w: RetryWaitMin %v exceeds RetryWaitMax %v", ErrInvalidConfig, c.RetryWaitMin, c.RetryWaitMax)
	}
	if c.HTTPClient != nil && !c.TLS.isZero() {
		return fmt.Errorf("%w: TLS is set together with HTTPClient; configure TLS on the HTTPClient's transport", ErrInvalidConfig)
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
	if c.RetryWaitMin == 0 {
		c.RetryWaitMin = min(DefaultRetryWaitMin, max(c.RetryWaitMax, time.Millisecond))
	}
	if c.RetryWaitMax == 0 {
		c.RetryWaitMax = max(DefaultRetryWaitMax, c.RetryWaitMin)
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.MetricNamesTTL == 0 {
		c.MetricNamesTTL = DefaultMetricNamesTTL
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// httpClient returns the client that sends requests: a copy of the caller's
// (never modified in place) or one built from TLS.
func (c Config) httpClient() (*http.Client, error) {
	var hc http.Client
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		if !c.TLS.isZero() {
			tc, err := c.TLS.build()
			if err != nil {
				return nil, err
			}
			tr.TLSClientConfig = tc
		}
		hc.Transport = tr
	}
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
