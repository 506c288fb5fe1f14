package flinkapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/hashicorp/go-retryablehttp"
)

// userAgent identifies the client to the JobManager and to proxies.
const userAgent = "flinkscale-flinkapi/1"

// Client talks to one Flink JobManager's REST API. Every method takes a ctx
// first, returns promptly when it is cancelled, and retries only what is safe
// to repeat (see Config). A Client is safe for concurrent use; create one per
// JobManager, share it, and Close it when done.
type Client struct {
	base    *url.URL
	http    *retryablehttp.Client
	header  http.Header
	maxBody int64
	log     *slog.Logger
	redact  redactor
	follow  bool
	onCall  func(Call)

	names     *nameCache
	nameGroup flightGroup[map[string]struct{}]

	life context.Context // cancelled by Close
	stop context.CancelFunc
}

// New returns a Client for cfg, or an error wrapping ErrInvalidConfig.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	base, err := cfg.baseURL()
	if err != nil {
		return nil, err
	}
	hc, err := cfg.httpClient(base)
	if err != nil {
		return nil, err
	}
	life, stop := context.WithCancel(context.Background())
	return &Client{
		base:    base,
		http:    newRetryClient(hc, cfg),
		header:  cfg.Header.Clone(),
		maxBody: cfg.MaxResponseBytes,
		log:     cfg.Logger,
		redact:  newRedactor(cfg.Header),
		follow:  cfg.FollowRedirects,
		onCall:  cfg.OnCall,
		names:   newNameCache(cfg.MetricNamesTTL),
		life:    life,
		stop:    stop,
	}, nil
}

// Close stops the client: calls in flight return an error wrapping
// ErrClosed, as does every later call; the background work of shared
// metric-name listings is cancelled and waited for; idle connections are
// closed. Close is safe to call more than once and concurrently with
// calls; it always returns nil.
func (cl *Client) Close() error {
	cl.stop()
	cl.nameGroup.close()
	cl.http.HTTPClient.CloseIdleConnections()
	return nil
}

// call describes one REST call.
type call struct {
	method string
	route  string // path's template in Flink's REST API spec, for Config.OnCall
	path   string // escaped path below the base URL, starting with "/"
	query  url.Values
	body   any   // JSON-encoded when non-nil
	want   []int // statuses that mean success; default 200
	out    any   // JSON-decoded into when non-nil
	// check, when set, runs after out was decoded and refuses an answer
	// that cannot be true (see invalidAnswer).
	check func() error
}

// do performs c: it encodes the body, sends it with its retries (send),
// classifies a failure, decodes and checks the answer. No error it returns
// carries a Config.Header value. It reports the call to Config.OnCall
// when that is set.
func (cl *Client) do(ctx context.Context, c call) error {
	if cl.onCall != nil {
		return cl.observed(ctx, c)
	}
	return cl.redact.error(cl.exchange(ctx, c))
}

func (cl *Client) exchange(ctx context.Context, c call) error {
	if cl.life.Err() != nil {
		return fmt.Errorf("flinkapi: %s %s: %w", c.method, c.path, ErrClosed)
	}
	if err := ctx.Err(); err != nil { // no attempt with a ctx already ended
		return fmt.Errorf("flinkapi: %s %s: %w", c.method, c.path, err)
	}
	// Close cancels the calls in flight too.
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(cl.life, cancel)()
	ans, err := cl.send(callCtx, c)
	if err != nil {
		return cl.transportError(ctx, c, err)
	}
	want := c.want
	if want == nil {
		want = []int{http.StatusOK}
	}
	if !slices.Contains(want, ans.status) {
		return cl.newError(c, ans)
	}
	if c.out == nil {
		return nil
	}
	if err := cl.decodeAnswer(c, ans, c.out); err != nil {
		return err
	}
	if c.check != nil {
		return c.check()
	}
	return nil
}

// answer is the final response of a call, its body read and closed.
type answer struct {
	status int
	header http.Header
	body   []byte
	url    *url.URL // where the final request went
}

// send performs the request with its retries and returns the last answer.
// The body is read inside retryablehttp's retry loop by a response handler,
// so a body cut off mid-read is retried like a connection error, within the
// same attempts (see the comment at the top of retry.go). The handler is not
// called for the last answer when it has a retryable status and the retries
// are spent (a 503 after the retries); send reads that body itself.
func (cl *Client) send(ctx context.Context, c call) (answer, error) {
	req, err := cl.newRequest(ctx, c)
	if err != nil {
		return answer{}, err
	}
	var read *http.Response // the response whose body is in body
	var body []byte
	req.SetResponseHandler(func(resp *http.Response) error {
		var err error
		read = resp
		body, err = cl.readBody(resp)
		if err != nil {
			cl.log.LogAttrs(ctx, slog.LevelDebug, "flinkapi: reading the response failed", slog.String("method", c.method),
				slog.String("path", c.path), slog.Int("status", resp.StatusCode), slog.String("error", err.Error()))
		}
		return err
	})
	resp, err := cl.http.Do(req)
	if err == nil && resp != read {
		body, err = cl.readBody(resp)
	}
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close() // already closed when read; closing again is harmless
		}
		return answer{}, err
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body, url: resp.Request.URL}, nil
}

func (cl *Client) newRequest(ctx context.Context, c call) (*retryablehttp.Request, error) {
	u := *cl.base
	u.Path = cl.base.Path + c.path
	u.RawQuery = c.query.Encode()
	var body any
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return nil, fmt.Errorf("flinkapi: %s %s: encode request: %w", c.method, c.path, err)
		}
		body = b
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, c.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("flinkapi: %s %s: %w", c.method, c.path, err)
	}
	for k, vs := range cl.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Accept", "application/json")
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// readBody reads and closes resp.Body, refusing more than maxBody bytes. A
// failed read is a *bodyReadError (worth another attempt); a body over the
// limit wraps ErrResponseTooLarge (not worth one).
func (cl *Client) readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, cl.maxBody+1))
	if err != nil {
		return nil, &bodyReadError{status: resp.StatusCode, err: err}
	}
	if int64(len(b)) > cl.maxBody {
		return nil, fmt.Errorf("%w: status %d, more than %d bytes", ErrResponseTooLarge, resp.StatusCode, cl.maxBody)
	}
	return b, nil
}

// transportError wraps an error from the transport or from reading the
// body. After Close it wraps ErrClosed; the caller's ctx cancelled or
// expired is returned as such; a transient error that outlived the retries
// (a connection error, a body cut off mid-read) also wraps ErrUnavailable.
func (cl *Client) transportError(ctx context.Context, c call, err error) error {
	if cl.life.Err() != nil {
		return fmt.Errorf("flinkapi: %s %s: %w", c.method, c.path, ErrClosed)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("flinkapi: %s %s: %w", c.method, c.path, ctxErr)
	}
	if transient, _ := checkRetry(ctx, nil, err); transient {
		return fmt.Errorf("flinkapi: %s %s: %w: %w", c.method, c.path, ErrUnavailable, err)
	}
	return fmt.Errorf("flinkapi: %s %s: %w", c.method, c.path, err)
}

// newError builds the *Error for an unexpected status, parsing Flink's
// {"errors": [...]} body when there is one, with header values redacted.
func (cl *Client) newError(c call, ans answer) *Error {
	e := &Error{Method: c.method, Path: c.path, Status: ans.status}
	var eb struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(ans.body, &eb) == nil && len(eb.Errors) > 0 {
		e.Errors = make([]string, len(eb.Errors))
		for i, m := range eb.Errors {
			e.Errors[i] = cl.redact.string(m)
		}
	} else if len(ans.body) > 0 {
		e.Body = cl.excerpt(ans.body, 512)
	}
	if ans.status >= 300 && ans.status < 400 {
		cl.redirectError(e, c, ans.url, ans.header.Get("Location"))
	}
	e.class = classify(ans.status, eb.Errors)
	return e
}

// excerpt returns the start of body, at most n bytes, with header values
// redacted (before the cut, so that no part of one is left).
func (cl *Client) excerpt(body []byte, n int) string {
	longest := 0
	if len(cl.redact.secrets) > 0 {
		longest = len(cl.redact.secrets[0])
	}
	s := cl.redact.string(string(body[:min(len(body), n+longest)]))
	return s[:min(len(s), n)]
}

// decodeAnswer decodes the body of a successful answer into out. A body
// that is not JSON at all (empty, a proxy's HTML page, garbage, JSON cut
// short) wraps ErrNotJSON besides ErrDecode; well-formed JSON of the wrong
// shape wraps ErrDecode alone. The body is checked only after a failed
// decode, so a good answer is scanned once.
func (cl *Client) decodeAnswer(c call, ans answer, out any) error {
	err := json.Unmarshal(ans.body, out)
	if err == nil {
		return nil
	}
	if !json.Valid(ans.body) {
		return fmt.Errorf("%w: %s %s: %w: status %d, Content-Type %q, body %q", ErrDecode, c.method, c.path,
			ErrNotJSON, ans.status, ans.header.Get("Content-Type"), cl.excerpt(bytes.TrimSpace(ans.body), 64))
	}
	return fmt.Errorf("%w: %s %s: %w", ErrDecode, c.method, c.path, err)
}

// decodeMissing reports a well-formed body that lacks a field the call
// cannot do without: an error, never a zero value.
func decodeMissing(method, path, field string) error {
	return fmt.Errorf("%w: %s %s: field %q is missing", ErrDecode, method, path, field)
}
