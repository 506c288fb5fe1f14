package flinkapi

import (
	"bytes"
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
)

// TLSConfig holds TLS settings as Kubernetes usually mounts them: PEM files,
// or PEM bytes read by the caller. Zero means the system roots, no client
// certificate, and TLS 1.2 as the minimum version.
//
// Files are re-read without a new Client, so a certificate that Kubernetes
// rotates in a mounted secret is picked up: CertFile and KeyFile whenever
// the JobManager asks for the client certificate, CAFile whenever the
// server's certificate is verified, that is at each new connection (the
// client keeps connections open, so this is rare). What was parsed is
// reused until a file's contents change. Contents that do not parse (a
// rotation seen half-way: a new certificate with the old key) keep the last
// good certificates, are logged at Warn level, and are tried again at the
// next connection. Inline PEM bytes never change.
//
// The minimum protocol version is TLS 1.2 (TLS 1.3 is used when the server
// offers it); a server that offers only older versions is refused.
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
	// Default: the BaseURL's host.
	ServerName string
	// InsecureSkipVerify disables server certificate verification. For tests
	// only.
	InsecureSkipVerify bool
}

// Validate reports the first problem with t that can be seen without
// reading its files (a file set together with inline bytes, a client
// certificate without its key), wrapping ErrInvalidConfig. Files that are
// missing or do not parse are found by New.
func (t TLSConfig) Validate() error {
	if _, err := newPEMSource("CA", t.CAPEM, t.CAFile); err != nil {
		return err
	}
	cert, err := newPEMSource("client certificate", t.CertPEM, t.CertFile)
	if err != nil {
		return err
	}
	key, err := newPEMSource("client key", t.KeyPEM, t.KeyFile)
	if err != nil {
		return err
	}
	if cert.set() != key.set() {
		return fmt.Errorf("%w: TLS needs both a client certificate and its key, or neither", ErrInvalidConfig)
	}
	return nil
}

func (t TLSConfig) isZero() bool {
	return t.CAFile == "" && len(t.CAPEM) == 0 && t.CertFile == "" && t.KeyFile == "" &&
		len(t.CertPEM) == 0 && len(t.KeyPEM) == 0 && t.ServerName == "" && !t.InsecureSkipVerify
}

// build turns the settings into a *tls.Config, reading the files once to
// check them. host is the BaseURL's host name, checked against the server
// certificate when ServerName is empty.
func (t TLSConfig) build(host string, log *slog.Logger) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	ca, err := newPEMSource("CA", t.CAPEM, t.CAFile)
	if err != nil {
		return nil, err
	}
	if ca.set() {
		roots := &reloading[*x509.CertPool]{srcs: []pemSource{ca}, parse: parsePool, log: log}
		pool, err := roots.load()
		if err != nil {
			return nil, err
		}
		switch {
		case t.InsecureSkipVerify:
		case ca.file == "":
			tc.RootCAs = pool
		default:
			// Go verifies against a fixed RootCAs; to verify against the
			// CA file as it is now, the check moves to VerifyConnection,
			// which does all that Go's own check does.
			tc.InsecureSkipVerify = true
			tc.VerifyConnection = verifyPeer(roots, cmp.Or(t.ServerName, host))
		}
	}
	if err := t.clientCertificate(tc, log); err != nil {
		return nil, err
	}
	return tc, nil
}

// clientCertificate sets tc's client certificate: fixed when both halves
// are inline, re-read at each handshake that asks for it otherwise.
func (t TLSConfig) clientCertificate(tc *tls.Config, log *slog.Logger) error {
	cert, err := newPEMSource("client certificate", t.CertPEM, t.CertFile)
	if err != nil {
		return err
	}
	key, err := newPEMSource("client key", t.KeyPEM, t.KeyFile)
	if err != nil {
		return err
	}
	if cert.set() != key.set() {
		return fmt.Errorf("%w: TLS needs both a client certificate and its key, or neither", ErrInvalidConfig)
	}
	if !cert.set() {
		return nil
	}
	pair := &reloading[*tls.Certificate]{srcs: []pemSource{cert, key}, parse: parsePair, log: log}
	first, err := pair.load()
	if err != nil {
		return err
	}
	if cert.file == "" && key.file == "" {
		tc.Certificates = []tls.Certificate{*first}
		return nil
	}
	tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return pair.get(), nil
	}
	return nil
}

// verifyPeer verifies the server's chain against the current roots and
// its name: the name the client sent (SNI), or host when it sent none (an
// IP address is never sent as SNI).
func verifyPeer(roots *reloading[*x509.CertPool], host string) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("flinkapi: TLS: the server sent no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots.get(), DNSName: cmp.Or(cs.ServerName, host), Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
			// The type Go's own check returns: a certificate error is
			// permanent, never retried.
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
		return nil
	}
}

func parsePool(pems [][]byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pems[0]) {
		return nil, errors.New("holds no PEM certificate")
	}
	return pool, nil
}

func parsePair(pems [][]byte) (*tls.Certificate, error) {
	c, err := tls.X509KeyPair(pems[0], pems[1])
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// pemSource is PEM given inline (fixed) or as a file (read again on each
// use).
type pemSource struct {
	what   string
	inline []byte
	file   string
}

func newPEMSource(what string, inline []byte, file string) (pemSource, error) {
	if len(inline) > 0 && file != "" {
		return pemSource{}, fmt.Errorf("%w: TLS %s: set a PEM file or inline PEM bytes, not both (file %q)", ErrInvalidConfig, what, file)
	}
	return pemSource{what: what, inline: inline, file: file}, nil
}

func (s pemSource) set() bool { return len(s.inline) > 0 || s.file != "" }

func (s pemSource) read() ([]byte, error) {
	if s.file == "" {
		return s.inline, nil
	}
	return os.ReadFile(s.file)
}

// reloading holds what was parsed from its sources, parsing them again only
// when their bytes changed. It is safe for concurrent use.
type reloading[T any] struct {
	srcs  []pemSource
	parse func(pems [][]byte) (T, error)
	log   *slog.Logger

	mu   sync.Mutex
	last [][]byte // the bytes val was parsed from
	val  T
}

// load reads and parses the sources for the first time: an error wraps
// ErrInvalidConfig.
func (r *reloading[T]) load() (T, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.refresh(); err != nil {
		var zero T
		return zero, fmt.Errorf("%w: TLS: %w", ErrInvalidConfig, err)
	}
	return r.val, nil
}

// get returns the value parsed from the sources as they are now, or the
// last good one when they cannot be read or parsed.
func (r *reloading[T]) get() T {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.refresh(); err != nil {
		r.log.Warn("flinkapi: TLS files could not be reloaded; keeping the previous ones", slog.String("error", err.Error()))
	}
	return r.val
}

// refresh reads the sources and parses them when they changed. r.mu must
// be held.
func (r *reloading[T]) refresh() error {
	pems := make([][]byte, len(r.srcs))
	changed := r.last == nil
	for i, s := range r.srcs {
		b, err := s.read()
		if err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		pems[i] = b
		changed = changed || !bytes.Equal(b, r.last[i])
	}
	if !changed {
		return nil
	}
	v, err := r.parse(pems)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.srcs[0].what, r.srcs[0].file, err)
	}
	if r.last != nil {
		r.log.Info("flinkapi: TLS files reloaded", slog.String("what", r.srcs[0].what), slog.String("file", r.srcs[0].file))
	}
	r.last, r.val = pems, v
	return nil
}
