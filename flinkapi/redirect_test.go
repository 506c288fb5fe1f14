package flinkapi_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// recorder is a server that logs every request it gets and answers 202
// with a request-id, as a stop or a savepoint would be answered.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path, body string
	header             http.Header
}

func newRecorder(t *testing.T, tlsServer bool) *recorder {
	t.Helper()
	r := &recorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, string(b), req.Header.Clone()})
		r.mu.Unlock()
		if strings.HasSuffix(req.URL.Path, "/status") {
			fmt.Fprint(w, `{"status":"RUNNING"}`)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{"request-id":"00000000000000000000000000000001"}`)
	})
	if tlsServer {
		r.Server = httptest.NewTLSServer(h)
	} else {
		r.Server = httptest.NewServer(h)
	}
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// redirector answers the first request with status and a Location that
// target computes from the redirector's own URL; it then behaves as a
// recorder.
func redirector(t *testing.T, tlsServer bool, status int, target func(self string) string) *recorder {
	t.Helper()
	r := newRecorder(t, tlsServer)
	inner := r.Config.Handler
	var once sync.Once
	r.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		redirected := false
		once.Do(func() {
			redirected = true
			_, _ = io.Copy(io.Discard, req.Body)
			w.Header().Set("Location", target(r.URL))
			w.WriteHeader(status)
		})
		if !redirected {
			inner.ServeHTTP(w, req)
		}
	})
	return r
}

// otherHost is the same server reached by another host name.
func otherHost(u string) string { return strings.Replace(u, "127.0.0.1", "localhost", 1) }

const (
	secretAuth   = "Bearer s3cr3t-t0ken"
	secretHeader = "X-Flink-Gateway-Key"
	secretValue  = "k3y-d0-n0t-l3ak"
)

// A redirect is never followed with credentials to another scheme, host or
// port, never changes the method, and by default is not followed at all:
// the call fails with ErrRedirect naming the Location. Each row is a case
// of the audit.
func TestRedirects(t *testing.T) {
	type call func(c *flinkapi.Client) error
	stop := func(c *flinkapi.Client) error {
		_, err := c.StopWithSavepoint(context.Background(), exampleJob, flinkapi.StopRequest{Drain: true})
		return err
	}
	status := func(c *flinkapi.Client) error {
		_, err := c.JobStatus(context.Background(), exampleJob)
		return err
	}
	tests := []struct {
		name     string
		tls      bool // the JobManager speaks https
		status   int
		call     call
		target   func(self, elsewhere string) string // the Location
		follow   bool
		followed bool // the redirect is followed (to the same server)
	}{
		{"Authorization to another port", false, http.StatusTemporaryRedirect, status,
			func(self, elsewhere string) string { return elsewhere + "/jobs/x/status" }, true, false},
		{"https to http", true, http.StatusFound, status,
			func(self, elsewhere string) string { return elsewhere + "/jobs/x/status" }, true, false},
		{"custom secret header to another host", false, http.StatusTemporaryRedirect, status,
			func(self, elsewhere string) string { return otherHost(self) + "/jobs/x/status" }, true, false},
		{"307 re-sends the stop to another host", false, http.StatusTemporaryRedirect, stop,
			func(self, elsewhere string) string { return elsewhere + "/jobs/x/stop" }, true, false},
		{"308 re-sends the stop to another host", false, http.StatusPermanentRedirect, stop,
			func(self, elsewhere string) string { return otherHost(self) + "/jobs/x/stop" }, true, false},
		{"302 turns the stop into a GET answered 202", false, http.StatusFound, stop,
			func(self, elsewhere string) string { return "/elsewhere" }, true, false},
		{"301 turns the stop into a GET answered 202", false, http.StatusMovedPermanently, stop,
			func(self, elsewhere string) string { return self + "/elsewhere" }, true, false},
		{"303 turns the stop into a GET answered 202", false, http.StatusSeeOther, stop,
			func(self, elsewhere string) string { return "/elsewhere" }, true, false},
		{"same server, not followed by default", false, http.StatusTemporaryRedirect, status,
			func(self, elsewhere string) string { return "/moved/status" }, false, false},
		{"same server, a GET followed when allowed", false, http.StatusFound, status,
			func(self, elsewhere string) string { return self + "/moved/status" }, true, true},
		{"same server, a 307 stop followed when allowed", false, http.StatusTemporaryRedirect, stop,
			func(self, elsewhere string) string { return "/moved/stop" }, true, true},
		{"same https server, followed when allowed", true, http.StatusPermanentRedirect, status,
			func(self, elsewhere string) string { return "/moved/status" }, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			elsewhere := newRecorder(t, false)
			jm := redirector(t, tt.tls, tt.status, func(self string) string { return tt.target(self, elsewhere.URL) })
			cfg := flinkapi.Config{
				BaseURL: jm.URL, DisableRetries: true, FollowRedirects: tt.follow,
				Header: http.Header{"Authorization": {secretAuth}, secretHeader: {secretValue}},
			}
			if tt.tls {
				cfg.TLS.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: jm.Certificate().Raw})
			}
			c, err := flinkapi.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(c)
			if n := len(elsewhere.requests()); n != 0 {
				t.Errorf("the other server got %d requests: %+v", n, elsewhere.requests())
			}
			got := jm.requests()
			if tt.followed {
				if err != nil {
					t.Fatalf("err = %v, want the redirect followed", err)
				}
				if len(got) != 1 || !strings.HasPrefix(got[0].path, "/moved/") || got[0].header.Get("Authorization") != secretAuth {
					t.Errorf("after the redirect the JobManager got %+v", got)
				}
				return
			}
			if len(got) != 0 {
				t.Errorf("the JobManager got %+v after the redirect, want nothing", got)
			}
			var apiErr *flinkapi.Error
			if !errors.Is(err, flinkapi.ErrRedirect) || !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want an *Error wrapping ErrRedirect", err)
			}
			want := tt.target(jm.URL, elsewhere.URL)
			if u, _ := url.Parse(want); !u.IsAbs() {
				want = jm.URL + want
			}
			if apiErr.Location != want || apiErr.Status != tt.status || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v (Location %q, status %d), want status %d naming %q", err, apiErr.Location, apiErr.Status, tt.status, want)
			}
			if flinkapi.IsTransient(err) {
				t.Errorf("IsTransient(%v) = true", err)
			}
		})
	}
}

// The caller's own CheckRedirect is asked only about redirects the policy
// allows, and may still refuse them.
func TestRedirectsConsultCallerPolicy(t *testing.T) {
	jm := redirector(t, false, http.StatusFound, func(self string) string { return "/moved/status" })
	asked := 0
	c, err := flinkapi.New(flinkapi.Config{BaseURL: jm.URL, FollowRedirects: true, HTTPClient: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { asked++; return http.ErrUseLastResponse },
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.JobStatus(context.Background(), exampleJob)
	if asked != 1 || !errors.Is(err, flinkapi.ErrRedirect) {
		t.Errorf("asked %d times, err = %v; want asked once and ErrRedirect", asked, err)
	}
}
