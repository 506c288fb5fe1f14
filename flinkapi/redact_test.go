package flinkapi_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// A proxy that echoes the request's credentials into its answer must not
// put them into the returned error or the logs: every Config.Header value
// (and the token of "Bearer <token>", and a Basic password) is redacted,
// and the error still matches its sentinels.
func TestHeaderValuesAreRedactedFromErrors(t *testing.T) {
	const (
		token = "s3cr3t+t0ken/xyz="
		key   = "k3y-d0-n0t-l3ak"
		pass  = "p4ssw0rd-0f-the-pr0xy"
	)
	bearer := http.Header{"Authorization": {"Bearer " + token}, "X-Api-Key": {key}}
	basic := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("flink:"+pass))}}
	ctx := context.Background()
	status := func(c *flinkapi.Client) error { _, err := c.JobStatus(ctx, exampleJob); return err }
	metrics := func(c *flinkapi.Client) error {
		_, err := c.VertexMetrics(ctx, exampleJob, vertexA, flinkapi.MetricsQuery{Names: []string{"busy"}})
		return err
	}
	tests := []struct {
		name   string
		header http.Header
		status int
		body   func(r *http.Request) string // what the proxy answers
		call   func(*flinkapi.Client) error
		want   error
	}{
		{"Flink-style 401 echoing the header", bearer, http.StatusUnauthorized,
			func(r *http.Request) string {
				return fmt.Sprintf(`{"errors":["token %q rejected"]}`, r.Header.Get("Authorization"))
			}, status, nil},
		{"HTML 502 echoing every header", bearer, http.StatusBadGateway,
			func(r *http.Request) string { return fmt.Sprintf("<html><pre>%v</pre></html>", r.Header) }, status, flinkapi.ErrUnavailable},
		{"HTML page with 200 echoing the token alone", bearer, http.StatusOK,
			func(r *http.Request) string { return "<html>hello " + token + "</html>" }, status, flinkapi.ErrNotJSON},
		{"the token URL-encoded", bearer, http.StatusForbidden,
			func(r *http.Request) string { return "denied: " + url.QueryEscape(token) }, status, nil},
		{"the key cut at 512 bytes", bearer, http.StatusForbidden,
			func(r *http.Request) string { return strings.Repeat(".", 505) + key + strings.Repeat(".", 100) }, status, nil},
		{"the key in a JSON field that must be a number", bearer, http.StatusOK,
			func(r *http.Request) string {
				if r.URL.Query().Get("get") == "" {
					return `[{"id":"busy"}]`
				}
				return `[{"id":"busy","max":"` + key + `"}]`
			}, metrics, flinkapi.ErrDecode},
		{"a Basic password, decoded", basic, http.StatusUnauthorized,
			func(r *http.Request) string { return "user flink:" + pass + " unknown" }, status, nil},
		{"a failed operation's cause echoing the key", bearer, http.StatusOK,
			func(r *http.Request) string {
				return `{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{"class":"x","stack-trace":"java.lang.Exception: bad key ` + key + `\n\tat y"}}}`
			}, func(c *flinkapi.Client) error {
				_, err := c.WaitOperation(ctx, exampleJob, "00000000000000000000000000000001")
				return err
			}, flinkapi.ErrOperationFailed},
		{"a redirect carrying the token", bearer, http.StatusFound,
			func(r *http.Request) string { return "" }, status, flinkapi.ErrRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.status == http.StatusFound {
					w.Header().Set("Location", "/login?token="+url.QueryEscape(token))
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body(r))
			}))
			defer srv.Close()
			logs := &syncBuffer{}
			c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true, Header: tt.header,
				Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(c)
			if err == nil {
				t.Fatal("err = nil")
			}
			var apiErr *flinkapi.Error
			texts := []string{err.Error(), logs.String()}
			if errors.As(err, &apiErr) {
				texts = append(texts, apiErr.Body, apiErr.Location, strings.Join(apiErr.Errors, "\n"))
			}
			for _, s := range texts {
				for _, secret := range []string{token, url.QueryEscape(token), key, pass, key[:8]} {
					if strings.Contains(s, secret) {
						t.Errorf("%q leaks into %q", secret, s)
					}
				}
			}
			if !strings.Contains(err.Error(), "[REDACT") { // cut short at the end of a 512-byte body
				t.Errorf("err = %v, want the value replaced by [REDACTED]", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want it to match %v", err, tt.want)
			}
		})
	}
}
