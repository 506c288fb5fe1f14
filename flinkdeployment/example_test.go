package flinkdeployment_test

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/fake"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/flinkdeployment"
)

// A controller reads a FlinkDeployment and rescales its job through the
// operator. Here the API server is client-go's fake; in a cluster it is
// dynamic.NewForConfig(restConfig).
func Example() {
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "flink.apache.org/v1beta1", "kind": "FlinkDeployment",
		"metadata": map[string]any{"name": "orders", "namespace": "streaming", "generation": int64(1)},
		"spec": map[string]any{"flinkVersion": "v1_20", "job": map[string]any{"jarURI": "local:///opt/job.jar", "state": "running"},
			"flinkConfiguration": map[string]any{"jobmanager.scheduler": "adaptive"}},
		"status": map[string]any{"lifecycleState": "STABLE", "observedGeneration": int64(1),
			"reconciliationStatus": map[string]any{"state": "DEPLOYED"},
			"jobStatus":            map[string]any{"state": "RUNNING", "jobId": "8f1e7c3b2a4d5e6f708192a3b4c5d6e7"}},
	}}
	client := fake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{flinkdeployment.Resource(): "FlinkDeploymentList"}, obj)

	d, err := flinkdeployment.New(flinkdeployment.Config{Client: client, Namespace: "streaming", Name: "orders"})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	st, err := d.Read(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(st.LifecycleState, st.JobState, st.RESTURL, "reconciling:", st.Reconciling() != "")

	dec := autoscale.Decision{Targets: map[string]int{"0a448493b4782967b150582570326227": 4}}
	if err := d.Actuator().Apply(ctx, dec, autoscale.Observation{Job: st.JobID}); err != nil {
		panic(err)
	}
	st, _ = d.Read(ctx)
	fmt.Println(st.Form, st.Overrides)
	// Output:
	// STABLE RUNNING http://orders-rest.streaming:8081 reconciling: false
	// flat 0a448493b4782967b150582570326227:4
}
