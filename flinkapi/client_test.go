package flinkapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

func TestConfigValidation(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, newTestPKI(t).caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  flinkapi.Config
		ok   bool
	}{
		{"minimal", flinkapi.Config{BaseURL: "http://flink-jobmanager:8081"}, true},
		{"https with path prefix", flinkapi.Config{BaseURL: "https://gw.example/flink/"}, true},
		{"no URL", flinkapi.Config{}, false},
		{"bad scheme", flinkapi.Config{BaseURL: "ftp://jm:8081"}, false},
		{"no host", flinkapi.Config{BaseURL: "http://"}, false},
		{"query", flinkapi.Config{BaseURL: "http://jm:8081?x=1"}, false},
		{"unparsable", flinkapi.Config{BaseURL: "http://jm:8081/%zz"}, false},
		{"negative timeout", flinkapi.Config{BaseURL: "http://jm", RequestTimeout: -time.Second}, false},
		{"negative retries", flinkapi.Config{BaseURL: "http://jm", MaxRetries: -1}, false},
		{"negative size", flinkapi.Config{BaseURL: "http://jm", MaxResponseBytes: -1}, false},
		{"negative TTL", flinkapi.Config{BaseURL: "http://jm", MetricNamesTTL: -1}, false},
		{"wait min above max", flinkapi.Config{BaseURL: "http://jm", RetryWaitMin: 2 * time.Second, RetryWaitMax: time.Second}, false},
		{"bad header name", flinkapi.Config{BaseURL: "http://jm", Header: http.Header{"Bad Header": {"x"}}}, false},
		{"header injection", flinkapi.Config{BaseURL: "http://jm", Header: http.Header{"Authorization": {"Bearer x\r\nX-Evil: 1"}}}, false},
		{"negative connection cap", flinkapi.Config{BaseURL: "http://jm", MaxConnsPerHost: -1}, false},
		{"connection cap with HTTPClient", flinkapi.Config{BaseURL: "http://jm", HTTPClient: http.DefaultClient, MaxConnsPerHost: 4}, false},
		{"connection cap", flinkapi.Config{BaseURL: "http://jm", MaxConnsPerHost: 4}, true},
		{"TLS with HTTPClient", flinkapi.Config{BaseURL: "https://jm", HTTPClient: http.DefaultClient, TLS: flinkapi.TLSConfig{ServerName: "jm"}}, false},
		{"TLS over http", flinkapi.Config{BaseURL: "http://jm", TLS: flinkapi.TLSConfig{ServerName: "jm"}}, false},
		{"CA file missing", flinkapi.Config{BaseURL: "https://jm", TLS: flinkapi.TLSConfig{CAFile: missing}}, false},
		{"CA not PEM", flinkapi.Config{BaseURL: "https://jm", TLS: flinkapi.TLSConfig{CAPEM: []byte("nope")}}, false},
		{"cert without key", flinkapi.Config{BaseURL: "https://jm", TLS: flinkapi.TLSConfig{CertPEM: []byte("x")}}, false},
		{"CA file", flinkapi.Config{BaseURL: "https://jm", TLS: flinkapi.TLSConfig{CAFile: caFile}}, true},
		{"CA file and inline", flinkapi.Config{BaseURL: "https://jm", TLS: flinkapi.TLSConfig{CAFile: caFile, CAPEM: []byte("x")}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := flinkapi.New(tt.cfg)
			switch {
			case tt.ok && (err != nil || c == nil):
				t.Errorf("New = %v, want a client", err)
			case !tt.ok && (!errors.Is(err, flinkapi.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig)):
				t.Errorf("New = %v, want flinkapi.ErrInvalidConfig and flinkscale.ErrInvalidConfig", err)
			}
			if verr := tt.cfg.Validate(); verr != nil && !errors.Is(verr, flinkscale.ErrInvalidConfig) {
				t.Errorf("Validate = %v, want flinkscale.ErrInvalidConfig", verr)
			}
		})
	}
}

// Extra headers reach the JobManager; their values never reach the logs.
func TestHeadersAreSentButNeverLogged(t *testing.T) {
	const secret = "Bearer s3cr3t-token"
	e := newEnv(t, flinktest.Config{}, func(c *flinkapi.Config) {
		c.Header = http.Header{"Authorization": {secret}}
	})
	id, _ := e.addJob(t, pipeline())
	if err := e.srv.InjectFault(statusRoute, flinktest.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.JobStatus(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.srv.Requests() {
		if r.Header.Get("Authorization") != secret {
			t.Errorf("%s %s: Authorization = %q", r.Method, r.Path, r.Header.Get("Authorization"))
		}
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "retrying") || !strings.Contains(logs, "/status") {
		t.Errorf("logs do not show the retry:\n%s", logs)
	}
	if strings.Contains(logs, "s3cr3t") {
		t.Errorf("logs leak the header value:\n%s", logs)
	}
}

// A JobManager behind a path-routing proxy: the base path is kept.
func TestBasePathPrefix(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{})
	id, _, err := srv.AddJob(pipeline())
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(srv.URL)
	proxy := httptest.NewServer(http.StripPrefix("/flink", httputil.NewSingleHostReverseProxy(target)))
	defer proxy.Close()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: proxy.URL + "/flink/"})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.JobStatus(context.Background(), id); err != nil || st != flinkapi.JobRunning {
		t.Errorf("JobStatus via proxy = %q, %v", st, err)
	}
}

// Mutual TLS: the client trusts a private CA and presents a certificate.
func TestMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"status":"RUNNING","client":%q}`, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = pki.serverTLS()
	srv.StartTLS()
	defer srv.Close()

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pki.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	job := flinkapi.JobID("7a7c3291accebd10b6be8d4f8c8d8dfc")
	good, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, TLS: flinkapi.TLSConfig{CAFile: caFile, CertPEM: pki.clientCert, KeyPEM: pki.clientKey}})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := good.JobStatus(context.Background(), job); err != nil || st != flinkapi.JobRunning {
		t.Errorf("with the client certificate: %q, %v", st, err)
	}
	noCert, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, TLS: flinkapi.TLSConfig{CAPEM: pki.caPEM}, DisableRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noCert.JobStatus(context.Background(), job); err == nil {
		t.Error("without a client certificate: no error")
	}
	untrusted, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := untrusted.JobStatus(context.Background(), job); err == nil || errors.Is(err, flinkapi.ErrUnavailable) {
		t.Errorf("with the system roots: %v; want a certificate error, not ErrUnavailable", err)
	}
}
