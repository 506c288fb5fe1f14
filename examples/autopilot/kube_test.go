package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// kubeAPI is a Kubernetes API server over HTTP for one FlinkDeployment,
// for the real client-go stack (kubeconfig, REST client, dynamic client):
// GET; PUT with the resourceVersion read (409 on a stale one), the
// generation bumped on a change of spec and the status kept (a
// subresource); a watch held open without events.
type kubeAPI struct {
	mu   sync.Mutex
	obj  map[string]any
	puts []map[string]any
}

const kubePath = "/apis/flink.apache.org/v1beta1/namespaces/streaming/flinkdeployments"

func (k *kubeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == kubePath && r.URL.Query().Get("watch") == "true":
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	case r.Method == http.MethodGet && r.URL.Path == kubePath+"/orders":
		k.mu.Lock()
		defer k.mu.Unlock()
		_ = json.NewEncoder(w).Encode(k.obj)
	case r.Method == http.MethodPut && r.URL.Path == kubePath+"/orders":
		var obj map[string]any
		if err := json.NewDecoder(r.Body).Decode(&obj); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		meta, old := obj["metadata"].(map[string]any), k.obj["metadata"].(map[string]any)
		if meta["resourceVersion"] != old["resourceVersion"] {
			w.WriteHeader(http.StatusConflict)
			_, _ = fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","code":409,"message":"the object has been modified"}`)
			return
		}
		rv, _ := strconv.Atoi(old["resourceVersion"].(string))
		meta["resourceVersion"] = strconv.Itoa(rv + 1)
		meta["generation"] = old["generation"]
		if !reflect.DeepEqual(obj["spec"], k.obj["spec"]) {
			meta["generation"] = old["generation"].(float64) + 1
		}
		obj["status"] = k.obj["status"]
		k.obj = obj
		k.puts = append(k.puts, obj)
		_ = json.NewEncoder(w).Encode(obj)
	default:
		http.NotFound(w, r)
	}
}

// kubeSetup serves a FlinkDeployment "streaming/orders" running job and
// writes a kubeconfig pointing at it.
func kubeSetup(t *testing.T, job flinkapi.JobID) (*kubeAPI, string) {
	t.Helper()
	var obj map[string]any
	raw := fmt.Sprintf(`{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment",
		"metadata":{"name":"orders","namespace":"streaming","generation":1,"resourceVersion":"7"},
		"spec":{"flinkVersion":"v1_20","flinkConfiguration":{"jobmanager.scheduler":"adaptive"},
			"job":{"jarURI":"local:///opt/job.jar","state":"running","upgradeMode":"last-state"}},
		"status":{"lifecycleState":"STABLE","observedGeneration":1,"reconciliationStatus":{"state":"DEPLOYED"},
			"jobManagerDeploymentStatus":"READY","jobStatus":{"state":"RUNNING","jobId":%q}}}`, job)
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		t.Fatal(err)
	}
	k := &kubeAPI{obj: obj}
	srv := httptest.NewServer(k)
	t.Cleanup(srv.Close)
	cfg := filepath.Join(t.TempDir(), "kubeconfig")
	kc := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: %q}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: fake, user: u}}]\ncurrent-context: c\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return k, cfg
}

// TestFlinkDeploymentApply runs the real mode on a FlinkDeployment with
// -apply -drain-on-exit: decisions go to the resource (never to the REST
// API behind the operator's back), the drain is a suspend through it, and
// with no operator to carry it out the drain fails without cancelling.
func TestFlinkDeploymentApply(t *testing.T) {
	srv, id := realServer(t, flinktest.Config{Metrics: saturated{start: time.Now(), pending: 5000}, JobManagerConfig: fastRefresh})
	k, kubeconfig := kubeSetup(t, id)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-flinkdeployment", "streaming/orders", "-kubeconfig", kubeconfig, "-flink-url", srv.URL,
		"-apply", "-drain-on-exit", "-drain-timeout", "1s", "-interval", "200ms", "-duration", "1500ms", "-out", t.TempDir()}, &stdout, &stderr, nil)
	out := stdout.String()
	if !strings.Contains(out, "FlinkDeployment streaming/orders: lifecycle STABLE, job "+string(id)) || !strings.Contains(out, "through the Flink Kubernetes Operator") {
		t.Errorf("exit %d; output does not name the FlinkDeployment and the operator:\n%s\n%s", code, out, stderr.String())
	}
	if n := srv.CountRequests("PUT /jobs/{jobid}/resource-requirements") + srv.CountRequests("POST /jobs/{jobid}/stop"); n != 0 {
		t.Errorf("%d rescales or stops sent to the JobManager behind the operator's back", n)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var overrides, suspended bool
	for _, p := range k.puts {
		spec := p["spec"].(map[string]any)
		conf, _ := spec["flinkConfiguration"].(map[string]any)
		overrides = overrides || strings.Contains(fmt.Sprint(conf["pipeline.jobvertex-parallelism-overrides"]), string(srcID)+":")
		suspended = suspended || (spec["job"].(map[string]any)["state"] == "suspended" && conf["kubernetes.operator.job.drain-on-savepoint-deletion"] == "true")
	}
	if !overrides || !suspended {
		t.Errorf("%d updates of the FlinkDeployment; overrides set %t, drained suspend asked %t", len(k.puts), overrides, suspended)
	}
	// The operator never reconciles here: the next rescales are refused.
	if !strings.Contains(out, "| refused (") {
		t.Errorf("no step shows the actuator refusing while the operator has not reconciled:\n%s", out)
	}
	if !strings.Contains(out, "drain: ") || !strings.Contains(out+stderr.String(), "nothing was cancelled") {
		t.Errorf("the drain without an operator does not say it cancelled nothing:\n%s", out)
	}
}

func TestFlinkDeploymentFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-flinkdeployment", "orders"},
		{"-flinkdeployment", "streaming/orders", "-job", "0123456789abcdef0123456789abcdef"},
		{"-kubeconfig", "x"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr, nil); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	_, kubeconfig := kubeSetup(t, "ffffffffffffffffffffffffffffffff")
	if code := run(context.Background(), []string{"-flinkdeployment", "streaming/other", "-kubeconfig", kubeconfig, "-out", t.TempDir()}, &stdout, &stderr, nil); code != 1 ||
		!strings.Contains(stderr.String(), "cannot read FlinkDeployment streaming/other") {
		t.Errorf("a missing FlinkDeployment: exit %d, %s", code, stderr.String())
	}
}
