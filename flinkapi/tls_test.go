package flinkapi_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// secretDir is a directory laid out as Kubernetes mounts a secret: each
// file is a symlink through "..data" to a versioned directory, and an
// update swaps "..data" atomically.
type secretDir struct {
	t       *testing.T
	dir     string
	version int
}

func newSecretDir(t *testing.T, files map[string][]byte) *secretDir {
	s := &secretDir{t: t, dir: t.TempDir()}
	s.update(files)
	for name := range files {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(s.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (s *secretDir) path(name string) string { return filepath.Join(s.dir, name) }

// update writes a new version of the files and swaps "..data" to it.
func (s *secretDir) update(files map[string][]byte) {
	s.t.Helper()
	s.version++
	v := fmt.Sprintf("..v%d", s.version)
	if err := os.Mkdir(filepath.Join(s.dir, v), 0o700); err != nil {
		s.t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(s.dir, v, name), b, 0o600); err != nil {
			s.t.Fatal(err)
		}
	}
	tmp := filepath.Join(s.dir, "..data_tmp")
	if err := os.Symlink(v, tmp); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, "..data")); err != nil {
		s.t.Fatal(err)
	}
}

// tlsJobManager answers JobStatus over TLS with the certificate cert
// points to, and records the last client certificate's common name.
func tlsJobManager(t *testing.T, cert *atomic.Pointer[tls.Certificate], clientCAs *x509.CertPool) (*httptest.Server, *atomic.Value) {
	t.Helper()
	var client atomic.Value
	client.Store("")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) > 0 {
			client.Store(r.TLS.PeerCertificates[0].Subject.CommonName)
		}
		fmt.Fprint(w, statusAnswer)
	}))
	// GetConfigForClient, as httptest sets its own Certificates, which
	// win over GetCertificate when the client sends no SNI (an IP).
	srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		c := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*cert.Load()}}
		if clientCAs != nil {
			c.ClientCAs, c.ClientAuth = clientCAs, tls.RequireAndVerifyClientCert
		}
		return c, nil
	}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &client
}

func keyPair(t *testing.T, certPEM, keyPEM []byte) *tls.Certificate {
	t.Helper()
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &c
}

// A client certificate rotated on disk (as Kubernetes rotates a mounted
// secret) is used from the next connection on, without a new Client; a
// rotation seen half-way (new certificate, old key) keeps the old pair.
func TestClientCertificateIsReloaded(t *testing.T) {
	pki := newTestPKI(t)
	var cert atomic.Pointer[tls.Certificate]
	cert.Store(keyPair(t, pki.serverCert, pki.serverKey))
	pool := x509.NewCertPool()
	pool.AddCert(pki.ca)
	srv, client := tlsJobManager(t, &cert, pool)
	secret := newSecretDir(t, map[string][]byte{"ca.crt": pki.caPEM, "tls.crt": pki.clientCert, "tls.key": pki.clientKey})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true, TLS: flinkapi.TLSConfig{
		CAFile: secret.path("ca.crt"), CertFile: secret.path("tls.crt"), KeyFile: secret.path("tls.key"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rotatedCert, rotatedKey := pki.issue(t, 10, "autoscaler-rotated", x509.ExtKeyUsageClientAuth)
	steps := []struct {
		name   string
		update map[string][]byte // nil: no change
		want   string            // the common name the JobManager sees
	}{
		{"as mounted", nil, "autoscaler"},
		{"half-way: new certificate, old key", map[string][]byte{"ca.crt": pki.caPEM, "tls.crt": rotatedCert, "tls.key": pki.clientKey}, "autoscaler"},
		{"rotated", map[string][]byte{"ca.crt": pki.caPEM, "tls.crt": rotatedCert, "tls.key": rotatedKey}, "autoscaler-rotated"},
	}
	for _, st := range steps {
		if st.update != nil {
			secret.update(st.update)
		}
		srv.CloseClientConnections() // the next call needs a new handshake
		if _, err := c.JobStatus(context.Background(), exampleJob); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := client.Load(); got != st.want {
			t.Errorf("%s: the JobManager saw client certificate %q, want %q", st.name, got, st.want)
		}
	}
}

// A CA rotated on disk is trusted from the next connection on, without a
// new Client; until then a server certificate from the new CA is refused
// as a certificate error (not retried, not transient).
func TestCAIsReloaded(t *testing.T) {
	oldPKI, newPKI := newTestPKI(t), newTestPKI(t)
	var cert atomic.Pointer[tls.Certificate]
	cert.Store(keyPair(t, oldPKI.serverCert, oldPKI.serverKey))
	srv, _ := tlsJobManager(t, &cert, nil)
	secret := newSecretDir(t, map[string][]byte{"ca.crt": oldPKI.caPEM})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, TLS: flinkapi.TLSConfig{CAFile: secret.path("ca.crt")}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.JobStatus(ctx, exampleJob); err != nil {
		t.Fatalf("before the rotation: %v", err)
	}
	cert.Store(keyPair(t, newPKI.serverCert, newPKI.serverKey))
	srv.CloseClientConnections()
	_, err = c.JobStatus(ctx, exampleJob)
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); !ok || flinkapi.IsTransient(err) {
		t.Fatalf("server certificate from a CA not yet trusted: err = %v, want a certificate error, not transient", err)
	}
	secret.update(map[string][]byte{"ca.crt": newPKI.caPEM})
	if _, err := c.JobStatus(ctx, exampleJob); err != nil {
		t.Errorf("after the CA rotation: %v", err)
	}
}

// The server certificate's name is checked against TLSConfig.ServerName,
// by default the BaseURL's host, whether the CA comes from a file (checked
// by the client itself, so the file can change) or inline.
func TestTLSServerName(t *testing.T) {
	pki := newTestPKI(t) // the server certificate names 127.0.0.1 only
	var cert atomic.Pointer[tls.Certificate]
	cert.Store(keyPair(t, pki.serverCert, pki.serverKey))
	srv, _ := tlsJobManager(t, &cert, nil)
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, pki.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		tls  flinkapi.TLSConfig
		ok   bool
	}{
		{"CA file, the BaseURL's host", flinkapi.TLSConfig{CAFile: caFile}, true},
		{"CA file, another name", flinkapi.TLSConfig{CAFile: caFile, ServerName: "jobmanager.example"}, false},
		{"inline CA, the BaseURL's host", flinkapi.TLSConfig{CAPEM: pki.caPEM}, true},
		{"inline CA, another name", flinkapi.TLSConfig{CAPEM: pki.caPEM, ServerName: "jobmanager.example"}, false},
		{"another name, verification off", flinkapi.TLSConfig{CAFile: caFile, ServerName: "jobmanager.example", InsecureSkipVerify: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, TLS: tt.tls})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.JobStatus(context.Background(), exampleJob)
			_, certErr := errors.AsType[*tls.CertificateVerificationError](err)
			if (err == nil) != tt.ok || (!tt.ok && !certErr) {
				t.Errorf("err = %v, want ok %t (else a certificate error)", err, tt.ok)
			}
		})
	}
}

// TLS 1.2 is the minimum: a server that offers only TLS 1.0 or 1.1 is
// refused; 1.2 and 1.3 are spoken.
func TestTLSMinimumVersion(t *testing.T) {
	pki := newTestPKI(t)
	tests := []struct {
		name     string
		min, max uint16
		ok       bool
	}{
		{"TLS 1.0 only", tls.VersionTLS10, tls.VersionTLS10, false},
		{"TLS 1.1 at most", tls.VersionTLS10, tls.VersionTLS11, false},
		{"TLS 1.2 only", tls.VersionTLS12, tls.VersionTLS12, true},
		{"TLS 1.3 only", tls.VersionTLS13, tls.VersionTLS13, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var version atomic.Uint32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				version.Store(uint32(r.TLS.Version))
				fmt.Fprint(w, statusAnswer)
			}))
			srv.TLS = &tls.Config{MinVersion: tt.min, MaxVersion: tt.max, Certificates: []tls.Certificate{*keyPair(t, pki.serverCert, pki.serverKey)}}
			srv.StartTLS()
			defer srv.Close()
			c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true, TLS: flinkapi.TLSConfig{CAPEM: pki.caPEM}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.JobStatus(context.Background(), exampleJob)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %t", err, tt.ok)
			}
			if tt.ok && uint16(version.Load()) != tt.max {
				t.Errorf("spoke %s, want %s", tls.VersionName(uint16(version.Load())), tls.VersionName(tt.max))
			}
		})
	}
}
