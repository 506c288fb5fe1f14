package flinkdeployment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/flinkscale/flinkscale/clock/clocktest"
)

// crdSchema is the vendored FlinkDeployment CRD's schema, as the API
// server validates and prunes with it.
type crdSchema struct {
	validator  validation.SchemaValidator
	structural *structuralschema.Structural
}

var loadCRD = sync.OnceValues(func() (*crdSchema, error) {
	raw, err := os.ReadFile("testdata/flinkdeployments.flink.apache.org-v1.yml")
	if err != nil {
		return nil, err
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return nil, err
	}
	if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1beta1" {
		return nil, fmt.Errorf("CRD versions %v", crd.Spec.Versions)
	}
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(crd.Spec.Versions[0].Schema.OpenAPIV3Schema, &internal, nil); err != nil {
		return nil, err
	}
	v, _, err := validation.NewSchemaValidator(&internal)
	if err != nil {
		return nil, err
	}
	s, err := structuralschema.NewStructural(&internal)
	if err != nil {
		return nil, err
	}
	return &crdSchema{validator: v, structural: s}, nil
})

// check returns what the API server would refuse in obj (schema errors)
// or drop from it (fields the schema does not know).
func (c *crdSchema) check(obj map[string]any) error {
	if errs := validation.ValidateCustomResource(field.NewPath(""), obj, c.validator); len(errs) > 0 {
		return errs.ToAggregate()
	}
	copied := runtime.DeepCopyJSON(obj)
	if pruned := pruning.PruneWithOptions(copied, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}); len(pruned) > 0 {
		return fmt.Errorf("fields the CRD does not know (the API server would drop them): %v", pruned)
	}
	return nil
}

const testNS, testName = "streaming", "orders"

// apiServer is client-go's fake dynamic client with the rules of the API
// server that a writer of FlinkDeployments meets: an update carries the
// resourceVersion it read and gets 409 when the object changed since; a
// change of spec bumps metadata.generation; status is a subresource, so an
// update never changes it; every object written is validated against the
// vendored CRD schema, unknown fields included. RBAC denials and
// conflicts can be injected.
type apiServer struct {
	t      *testing.T
	client *fake.FakeDynamicClient

	mu        sync.Mutex
	writes    int
	conflicts int              // the next n updates answer 409 (another writer won)
	forbidden map[string]bool  // verbs RBAC denies
	gets      int              // GETs answered so far
	failGet   func(n int) bool // whether the n-th GET (from 1) answers 503
}

func newAPIServer(t *testing.T, objs ...*unstructured.Unstructured) *apiServer {
	t.Helper()
	if _, err := loadCRD(); err != nil {
		t.Fatal(err)
	}
	gvr := Resource()
	var ro []runtime.Object
	for _, o := range objs {
		if err := mustCRD(t).check(o.Object); err != nil {
			t.Fatalf("the test's own object does not pass the CRD: %v", err)
		}
		ro = append(ro, o)
	}
	s := &apiServer{t: t, forbidden: map[string]bool{},
		client: fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{gvr: "FlinkDeploymentList"}, ro...)}
	s.client.PrependReactor("*", "flinkdeployments", s.react)
	return s
}

func mustCRD(t *testing.T) *crdSchema {
	c, err := loadCRD()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *apiServer) react(a k8stesting.Action) (bool, runtime.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gr := Resource().GroupResource()
	if s.forbidden[a.GetVerb()] {
		return true, nil, apierrors.NewForbidden(gr, testName, errors.New(`User "system:serviceaccount:streaming:autopilot" cannot `+a.GetVerb()+` resource "flinkdeployments"`))
	}
	if a.GetVerb() == "get" {
		s.gets++
		if s.failGet != nil && s.failGet(s.gets) {
			return true, nil, apierrors.NewServiceUnavailable("etcd leader changed")
		}
	}
	u, ok := a.(k8stesting.UpdateAction)
	if !ok || a.GetSubresource() != "" {
		return false, nil, nil
	}
	obj := u.GetObject().(*unstructured.Unstructured).DeepCopy()
	cur, err := s.client.Tracker().Get(Resource(), obj.GetNamespace(), obj.GetName())
	if err != nil {
		return true, nil, err
	}
	old := cur.(*unstructured.Unstructured)
	if s.conflicts > 0 || obj.GetResourceVersion() != old.GetResourceVersion() {
		s.conflicts = max(0, s.conflicts-1)
		return true, nil, apierrors.NewConflict(gr, obj.GetName(), errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	}
	if err := mustCRD(s.t).check(obj.Object); err != nil {
		return true, nil, apierrors.NewInvalid(schema.GroupKind{Group: gr.Group, Kind: "FlinkDeployment"}, obj.GetName(), field.ErrorList{field.Invalid(field.NewPath("spec"), nil, err.Error())})
	}
	if status, ok := old.Object["status"]; ok {
		obj.Object["status"] = status
	} else {
		delete(obj.Object, "status")
	}
	obj.SetGeneration(old.GetGeneration())
	if !reflect.DeepEqual(obj.Object["spec"], old.Object["spec"]) {
		obj.SetGeneration(old.GetGeneration() + 1)
	}
	bump(obj, old)
	if err := s.client.Tracker().Update(Resource(), obj, obj.GetNamespace()); err != nil {
		return true, nil, err
	}
	s.writes++
	return true, obj, nil
}

// bump sets obj's resourceVersion to the one after old's.
func bump(obj, old *unstructured.Unstructured) {
	rv, _ := strconv.Atoi(old.GetResourceVersion())
	obj.SetResourceVersion(strconv.Itoa(rv + 1))
}

// object returns the stored FlinkDeployment.
func (s *apiServer) object() *unstructured.Unstructured {
	s.t.Helper()
	o, err := s.client.Tracker().Get(Resource(), testNS, testName)
	if err != nil {
		s.t.Fatal(err)
	}
	return o.(*unstructured.Unstructured).DeepCopy()
}

// writeStatus changes the stored object's status as the operator does
// (through the status subresource).
func (s *apiServer) writeStatus(edit func(obj *unstructured.Unstructured)) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.object()
	obj := old.DeepCopy()
	edit(obj)
	bump(obj, old)
	if err := s.client.Tracker().Update(Resource(), obj, testNS); err != nil {
		s.t.Fatal(err)
	}
}

const jobID = "8f1e7c3b2a4d5e6f708192a3b4c5d6e7"

// deployment is a FlinkDeployment as the operator has it after deploying
// a running job: generation 1 observed, lifecycle STABLE.
func deployment(conf map[string]any) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "flink.apache.org/v1beta1",
		"kind":       "FlinkDeployment",
		"metadata":   map[string]any{"name": testName, "namespace": testNS, "generation": int64(1), "resourceVersion": "1"},
		"spec": map[string]any{
			"image":          "flink:1.20",
			"flinkVersion":   "v1_20",
			"serviceAccount": "flink",
			"jobManager":     map[string]any{"resource": map[string]any{"memory": "2048m", "cpu": int64(1)}},
			"taskManager":    map[string]any{"resource": map[string]any{"memory": "2048m", "cpu": int64(1)}},
			"job":            map[string]any{"jarURI": "local:///opt/flink/job.jar", "parallelism": int64(2), "upgradeMode": "last-state", "state": "running"},
		},
		"status": map[string]any{
			"lifecycleState":             "STABLE",
			"observedGeneration":         int64(1),
			"jobManagerDeploymentStatus": "READY",
			"reconciliationStatus":       map[string]any{"state": "DEPLOYED"},
			"jobStatus":                  map[string]any{"state": "RUNNING", "jobId": jobID, "upgradeSavepointPath": "s3://sp/savepoint-old"},
		},
	}}
	if conf != nil {
		obj.Object["spec"].(map[string]any)["flinkConfiguration"] = conf
	}
	return obj
}

// operatorClock is a virtual clock on whose every Sleep the fake operator
// reconciles first: a drain's poll sees what the operator did since.
type operatorClock struct {
	*clocktest.Virtual
	op *operator
}

func (c operatorClock) Sleep(ctx context.Context, d time.Duration) error {
	c.op.reconcile()
	return c.Virtual.Sleep(ctx, d)
}

// operator is a fake Flink Kubernetes Operator, reconciling as the real
// one does (see the package doc) one step per call: a spec change is
// first marked UPGRADING, then applied. savepoint says how a savepoint
// suspend ends: "ok" (drained, job FINISHED), "fail" (the savepoint fails,
// the job keeps running and the operator reports the error), "hang"
// (nothing happens), "marker" (suspended with the last-state marker for
// a path, as the operator's last-state fallback does), "stale" (suspended,
// the savepoint path left as it was).
type operator struct {
	s         statusStore
	savepoint string
	n         int
}

// statusStore is where the fake operator reads the object and writes its
// status: the fake API server, or a real one (the kubeapi tier).
type statusStore interface {
	object() *unstructured.Unstructured
	writeStatus(edit func(obj *unstructured.Unstructured))
}

func (o *operator) reconcile() {
	obj := o.s.object()
	gen := obj.GetGeneration()
	og, _, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	state, _, _ := unstructured.NestedString(obj.Object, "status", "reconciliationStatus", "state")
	if og >= gen && state != "UPGRADING" {
		return
	}
	desired, _, _ := unstructured.NestedString(obj.Object, "spec", "job", "state")
	mode, _, _ := unstructured.NestedString(obj.Object, "spec", "job", "upgradeMode")
	o.s.writeStatus(func(obj *unstructured.Unstructured) {
		set := func(v any, path ...string) {
			_ = unstructured.SetNestedField(obj.Object, v, append([]string{"status"}, path...)...)
		}
		set(gen, "observedGeneration")
		spec, _ := json.Marshal(map[string]any{"spec": obj.Object["spec"], "resource_metadata": map[string]any{"apiVersion": "flink.apache.org/v1beta1", "firstDeployment": false}})
		set(string(spec), "reconciliationStatus", "lastReconciledSpec")
		switch {
		case desired != "suspended": // an in-place rescale
			set("DEPLOYED", "reconciliationStatus", "state")
			set("STABLE", "lifecycleState")
		case state != "UPGRADING": // first step: the upgrade starts
			set("UPGRADING", "reconciliationStatus", "state")
			set("UPGRADING", "lifecycleState")
		case mode == "stateless": // the fallback: cancelled
			set("DEPLOYED", "reconciliationStatus", "state")
			set("SUSPENDED", "lifecycleState")
			set("CANCELED", "jobStatus", "state")
		case o.savepoint == "ok":
			o.n++
			set("DEPLOYED", "reconciliationStatus", "state")
			set("SUSPENDED", "lifecycleState")
			set("FINISHED", "jobStatus", "state")
			set(fmt.Sprintf("s3://sp/savepoint-drained-%d", o.n), "jobStatus", "upgradeSavepointPath")
		case o.savepoint == "marker" || o.savepoint == "stale": // suspended, but no savepoint of this drain
			set("DEPLOYED", "reconciliationStatus", "state")
			set("SUSPENDED", "lifecycleState")
			set("FINISHED", "jobStatus", "state")
			if o.savepoint == "marker" {
				set(lastStateMarker, "jobStatus", "upgradeSavepointPath")
			}
		case o.savepoint == "fail":
			set("Checkpoint expired before completing.", "error")
		}
	})
}
