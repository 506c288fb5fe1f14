//go:build linux

// Package kubeapi starts a real Kubernetes API server for custom
// resources on loopback, for the optional kubeapi test tier: the
// standalone k8s.io/apiextensions-apiserver (the CRD server of
// kube-apiserver, run on its own) over etcd, both built from the Go module
// proxy into a cache on first use (about 6 minutes on 2 cores, then
// seconds). It serves CustomResourceDefinitions and their resources with
// the real server's validation, pruning, resourceVersion conflicts,
// generation, status subresource and watch; it has no core API (no
// namespaces, RBAC or discovery), so clients name the resource they use.
//
// Linux only (process groups, Pdeathsig). It runs as upstream's own
// integration tests run it: authentication by
// a client certificate of our own CA in group system:masters (always
// authorized), the delegated authentication and authorization pointed at
// a kubeconfig that is never reached, namespace lifecycle admission off.
package kubeapi

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// Versions built: the API server at the module's own k8s.io release, and
// the etcd its client library speaks.
const (
	APIServerVersion = "v0.37.2"
	EtcdVersion      = "v3.6.17"
)

// Server is a running API server.
type Server struct {
	// Config reaches it as an admin (group system:masters).
	Config *rest.Config
	// Dir holds its data, certificates and logs.
	Dir string
}

// Start builds (once, into the cache) and starts etcd and the API server
// on free loopback ports, and stops them when the test ends; their logs
// are printed when it failed.
func Start(t testing.TB) *Server {
	t.Helper()
	apiserver, etcd := binaries(t)
	dir := t.TempDir()
	etcdPort, peerPort, apiPort := freePort(t), freePort(t), freePort(t)
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	start(t, dir, "etcd", etcd, "--name", "kubeapi", "--data-dir", filepath.Join(dir, "etcd-data"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "kubeapi="+peerURL, "--unsafe-no-fsync", "--log-level", "warn")
	waitFor(t, dir, 30*time.Second, func() bool {
		resp, err := http.Get(etcdURL + "/health")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, "etcd")

	caFile, certPEM, keyPEM := clientPKI(t, dir)
	fake := filepath.Join(dir, "unreached-kubeconfig")
	write(t, fake, "apiVersion: v1\nkind: Config\nclusters: [{name: none, cluster: {server: \"http://127.1.2.3:12345\"}}]\n"+
		"contexts: [{name: none, context: {cluster: none, user: none}}]\ncurrent-context: none\nusers: [{name: none, user: {username: none, password: none}}]\n")
	certDir := filepath.Join(dir, "apiserver-certs")
	start(t, dir, "apiserver", apiserver, "--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(apiPort), "--cert-dir", certDir,
		"--client-ca-file", caFile, "--authentication-skip-lookup",
		"--authentication-kubeconfig", fake, "--authorization-kubeconfig", fake, "--kubeconfig", fake,
		"--enable-priority-and-fairness=false",
		"--disable-admission-plugins", "NamespaceLifecycle,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy,MutatingAdmissionPolicy")
	cfg := &rest.Config{
		Host:            "https://127.0.0.1:" + strconv.Itoa(apiPort),
		TLSClientConfig: rest.TLSClientConfig{CAFile: filepath.Join(certDir, "apiserver.crt"), CertData: certPEM, KeyData: keyPEM},
		Timeout:         30 * time.Second,
	}
	waitFor(t, dir, 60*time.Second, func() bool {
		if _, err := os.Stat(cfg.TLSClientConfig.CAFile); err != nil {
			return false
		}
		hc, err := rest.HTTPClientFor(cfg)
		if err != nil {
			return false
		}
		// informer-sync waits on the core API this server does not have.
		resp, err := hc.Get(cfg.Host + "/readyz?exclude=informer-sync")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK && string(body) == "ok"
	}, "the API server")
	return &Server{Config: cfg, Dir: dir}
}

// ApplyCRD creates the CustomResourceDefinition in the YAML file and waits
// until it is established.
func (s *Server) ApplyCRD(t testing.TB, file string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	client, err := dynamic.NewForConfig(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	crds := client.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	ctx := context.Background()
	created, err := crds.Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create CRD: %v", err)
	}
	waitFor(t, s.Dir, 30*time.Second, func() bool {
		got, err := crds.Get(ctx, created.GetName(), metav1.GetOptions{})
		if err != nil {
			return false
		}
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
				return true
			}
		}
		return false
	}, "the CRD to be established")
}

// cacheDir is where the binaries are built: $FLINKSCALE_KUBEAPI_CACHE, else
// the user cache directory's flinkscale-kubeapi.
func cacheDir(t testing.TB) string {
	if d := os.Getenv("FLINKSCALE_KUBEAPI_CACHE"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(d, "flinkscale-kubeapi")
}

// binaries builds the API server and etcd into the cache unless they are
// there, under a lock so that concurrent test binaries build once.
func binaries(t testing.TB) (apiserver, etcd string) {
	t.Helper()
	dir := cacheDir(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // released on close anyway
	apiserver = filepath.Join(dir, "apiextensions-apiserver-"+APIServerVersion)
	etcd = filepath.Join(dir, "etcd-"+EtcdVersion)
	build(t, dir, apiserver, "k8s.io/apiextensions-apiserver", APIServerVersion, "k8s.io/apiextensions-apiserver")
	build(t, dir, etcd, "go.etcd.io/etcd/server/v3", EtcdVersion, "go.etcd.io/etcd/server/v3")
	return apiserver, etcd
}

// build builds pkg of module@version into out, in a module of its own,
// unless out exists.
func build(t testing.TB, cache, out, module, version, pkg string) {
	t.Helper()
	if _, err := os.Stat(out); err == nil {
		return
	}
	t.Logf("building %s@%s into %s (once; minutes)", module, version, out)
	src := filepath.Join(cache, "build-"+filepath.Base(out))
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"mod", "init", "kubeapi.build"},
		{"get", module + "@" + version}, // never -u: the newest k8s.io/kube-openapi needs a newer Go
		{"build", "-ldflags=-s -w", "-o", out + ".tmp", pkg},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		t.Fatal(err)
	}
	_ = os.RemoveAll(src)
}

// start runs a process whose output goes to dir/name.log, stopped (and
// its log printed when the test failed) when the test ends.
func start(t testing.TB, dir, name, bin string, args ...string) {
	t.Helper()
	logf, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("%s log (last 4 KiB):\n%s", name, tail(b, 4096))
		}
	})
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// waitFor polls ok every 100 ms until it holds or d has passed.
func waitFor(t testing.TB, dir string, d time.Duration, ok func() bool, what string) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("waited %v for %s (logs in %s)", d, what, dir)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func write(t testing.TB, file, text string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// clientPKI makes a CA and an admin client certificate it signed (group
// system:masters), writes the CA to dir and returns its path and the
// client certificate and key in PEM.
func clientPKI(t testing.TB, dir string) (caFile string, certPEM, keyPEM []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubeapi-client-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(dir, "client-ca.crt")
	var caPEM bytes.Buffer
	_ = pem.Encode(&caPEM, &pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	write(t, caFile, caPEM.String())
	return caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}
