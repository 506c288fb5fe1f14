//go:build kubeapi

package flinkdeployment

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/internal/kubeapi"
)

// The kubeapi tier: the package against a real API server
// (internal/kubeapi: k8s.io/apiextensions-apiserver over etcd) serving the
// operator's CRD, where validation, pruning, conflicts, the generation and
// the status subresource are the real server's.
//
//	go test -tags kubeapi -count=1 -run KubeAPI -v ./flinkdeployment

// realServer is a started server with the CRD applied, a dynamic client
// on it that fails the test on any warning (a field the server pruned),
// and a FlinkDeployment created from obj with its status written.
type realServer struct {
	t      *testing.T
	client dynamic.Interface
	api    dynamic.ResourceInterface
}

func startReal(t *testing.T, obj *unstructured.Unstructured) *realServer {
	t.Helper()
	srv := kubeapi.Start(t)
	srv.ApplyCRD(t, "testdata/flinkdeployments.flink.apache.org-v1.yml")
	cfg := rest.CopyConfig(srv.Config)
	cfg.WarningHandler = failOnWarning{t}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &realServer{t: t, client: client, api: client.Resource(Resource()).Namespace(testNS)}
	status := obj.Object["status"]
	obj = obj.DeepCopy()
	delete(obj.Object, "status")
	unstructured.RemoveNestedField(obj.Object, "metadata", "resourceVersion")
	unstructured.RemoveNestedField(obj.Object, "metadata", "generation")
	created, err := r.api.Create(context.Background(), obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.writeStatus(func(o *unstructured.Unstructured) {
		o.Object["status"] = status
		_ = unstructured.SetNestedField(o.Object, created.GetGeneration(), "status", "observedGeneration")
	})
	return r
}

type failOnWarning struct{ t *testing.T }

func (w failOnWarning) HandleWarningHeader(code int, agent, text string) {
	w.t.Errorf("the API server warned: %s", text)
}

func (r *realServer) object() *unstructured.Unstructured {
	r.t.Helper()
	o, err := r.api.Get(context.Background(), testName, metav1.GetOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	return o
}

// writeStatus writes the status through the status subresource, as the
// operator does, read again on a conflict.
func (r *realServer) writeStatus(edit func(obj *unstructured.Unstructured)) {
	r.t.Helper()
	for {
		o := r.object()
		edit(o)
		_, err := r.api.UpdateStatus(context.Background(), o, metav1.UpdateOptions{})
		if !apierrors.IsConflict(err) {
			if err != nil {
				r.t.Fatal(err)
			}
			return
		}
	}
}

// racing is a dynamic client whose first update of the resource loses a
// race: the operator writes the status between the read and the write,
// so the server answers 409.
type racing struct {
	dynamic.Interface
	r     *realServer
	raced int
}

func (c *racing) Resource(gvr schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	return racingNamespaces{c.Interface.Resource(gvr), c}
}

type racingNamespaces struct {
	dynamic.NamespaceableResourceInterface
	c *racing
}

func (n racingNamespaces) Namespace(ns string) dynamic.ResourceInterface {
	return racingResource{n.NamespaceableResourceInterface.Namespace(ns), n.c}
}

type racingResource struct {
	dynamic.ResourceInterface
	c *racing
}

func (r racingResource) Update(ctx context.Context, obj *unstructured.Unstructured, opts metav1.UpdateOptions, sub ...string) (*unstructured.Unstructured, error) {
	if r.c.raced == 0 {
		r.c.raced++
		r.c.r.writeStatus(func(o *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(o.Object, "1765100000000", "status", "jobStatus", "updateTime")
		})
	}
	return r.ResourceInterface.Update(ctx, obj, opts, sub...)
}

func TestKubeAPIActuator(t *testing.T) {
	for _, tt := range []struct {
		name string
		conf map[string]any
		want map[string]any
	}{
		{"flat", map[string]any{"jobmanager.scheduler": "adaptive"},
			map[string]any{"jobmanager.scheduler": "adaptive", overridesKey: v0 + ":3," + v1 + ":2"}},
		{"nested (operator 1.13+ CRD)", map[string]any{"jobmanager": map[string]any{"scheduler": "adaptive"}, "taskmanager.numberOfTaskSlots": int64(4)},
			map[string]any{"jobmanager": map[string]any{"scheduler": "adaptive"}, "taskmanager.numberOfTaskSlots": int64(4),
				"pipeline": map[string]any{"jobvertex-parallelism-overrides": v0 + ":3," + v1 + ":2"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startReal(t, deployment(tt.conf))
			client := &racing{Interface: r.client, r: r}
			d, err := New(Config{Client: client, Namespace: testNS, Name: testName, Clock: clocktest.New(clocktest.Start)})
			if err != nil {
				t.Fatal(err)
			}
			dec, obs := decision(3, 2)
			if err := d.Actuator().Apply(context.Background(), dec, obs); err != nil {
				t.Fatal(err)
			}
			obj := r.object()
			got, _, _ := unstructured.NestedMap(obj.Object, "spec", "flinkConfiguration")
			if !equalJSON(got, tt.want) {
				t.Errorf("flinkConfiguration %v, want %v", got, tt.want)
			}
			if obj.GetGeneration() != 2 {
				t.Errorf("generation %d, want 2 (the server bumps it on a spec change)", obj.GetGeneration())
			}
			if client.raced == 0 {
				t.Error("the update did not meet the conflict the test arranged")
			}
			// The operator has not reconciled generation 2: refused.
			dec, obs = decision(4, 2)
			if err := d.Actuator().Apply(context.Background(), dec, obs); !errors.Is(err, ErrReconciling) {
				t.Errorf("Apply before the operator reconciled: %v", err)
			}
		})
	}
}

func TestKubeAPIWatchAndDrain(t *testing.T) {
	r := startReal(t, deployment(nil))
	op := &operator{s: r, savepoint: "ok"}
	store := &drain.MemoryStore{}
	d, err := New(Config{Client: r.client, Namespace: testNS, Name: testName,
		Clock: operatorClock{clocktest.New(clocktest.Start), op}, Drain: DrainConfig{Store: store}})
	if err != nil {
		t.Fatal(err)
	}
	watcher, err := New(Config{Client: r.client, Namespace: testNS, Name: testName}) // on the system clock
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var states []string
	wctx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		_ = watcher.Watch(wctx, func(st Status, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err == nil && (len(states) == 0 || states[len(states)-1] != st.LifecycleState) {
				states = append(states, st.LifecycleState)
			}
		})
	}()
	res, err := d.Drain(ctx)
	if err != nil || res.State != drain.Drained || !strings.HasPrefix(res.Location, "s3://sp/savepoint-drained-") {
		t.Fatalf("Drain: %s %v at %q", res.State, err, res.Location)
	}
	obj := r.object()
	if desired, _, _ := unstructured.NestedString(obj.Object, "spec", "job", "state"); desired != "suspended" {
		t.Errorf("spec.job.state %q after the drain", desired)
	}
	conf, _, _ := unstructured.NestedMap(obj.Object, "spec", "flinkConfiguration")
	if len(conf) != 0 || len(obj.GetAnnotations()) != 0 {
		t.Errorf("left behind: configuration %v, annotations %v", conf, obj.GetAnnotations())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		seen := strings.Join(states, " ")
		mu.Unlock()
		if strings.Contains(seen, "UPGRADING") && strings.HasSuffix(seen, "SUSPENDED") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the watch saw lifecycles %q, want UPGRADING then SUSPENDED", seen)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopWatch()
	<-watched
}
