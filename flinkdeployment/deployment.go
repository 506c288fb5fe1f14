package flinkdeployment

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// Resource is the FlinkDeployment resource of the Flink Kubernetes
// Operator: group flink.apache.org, version v1beta1 (the only one it has
// served since operator 1.0).
func Resource() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "flink.apache.org", Version: "v1beta1", Resource: "flinkdeployments"}
}

// Deployment observes and changes one FlinkDeployment through the
// operator: Read and Watch its status, Actuator for parallelism, Drain to
// suspend its job with a drained savepoint. Safe for concurrent use.
type Deployment struct {
	cfg Config
	api dynamic.ResourceInterface
}

// New returns a Deployment for cfg, or an error wrapping ErrInvalidConfig.
// It does not call the API server.
func New(cfg Config) (*Deployment, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Deployment{cfg: cfg, api: cfg.Client.Resource(Resource()).Namespace(cfg.Namespace)}, nil
}

// Status is what a FlinkDeployment says about itself: its spec's intent
// and the operator's status. A field the object does not carry is "" (or
// 0).
type Status struct {
	// ResourceVersion, Generation: the object's, as read.
	ResourceVersion string
	Generation      int64
	// ObservedGeneration is the generation the operator last reconciled
	// (status.observedGeneration).
	ObservedGeneration int64
	// LifecycleState is status.lifecycleState: CREATED, SUSPENDED,
	// UPGRADING, DEPLOYED, STABLE, ROLLING_BACK, ROLLED_BACK, FAILED,
	// DELETING, DELETED.
	LifecycleState string
	// ReconciliationState is status.reconciliationStatus.state: DEPLOYED,
	// UPGRADING, ROLLING_BACK, ROLLED_BACK.
	ReconciliationState string
	// JobState is status.jobStatus.state, Flink's job status (RUNNING,
	// FINISHED, ...), and JobID status.jobStatus.jobId.
	JobState, JobID string
	// JobManager is status.jobManagerDeploymentStatus: READY, DEPLOYING,
	// DEPLOYED_NOT_READY, MISSING, ERROR.
	JobManager string
	// Savepoint is the savepoint the operator took at the last suspend or
	// upgrade: status.jobStatus.upgradeSavepointPath (operator 1.10+),
	// else the deprecated savepointInfo.lastSavepoint.location.
	Savepoint string
	// Error is status.error.
	Error string
	// DesiredState and UpgradeMode are spec.job.state and
	// spec.job.upgradeMode; FlinkVersion is spec.flinkVersion.
	DesiredState, UpgradeMode, FlinkVersion string
	// Overrides is the value of pipeline.jobvertex-parallelism-overrides
	// in spec.flinkConfiguration ("" when unset), and Form the form the
	// configuration is written in.
	Overrides string
	Form      Form
	// RESTURL is the JobManager's REST address (Config.RESTURL, or the
	// operator's <name>-rest service).
	RESTURL string

	// LastReconciled holds what the operator last reconciled of the
	// fields this package writes (status.reconciliationStatus.
	// lastReconciledSpec): its job state and parallelism overrides; nil
	// before the first deployment or when the status does not carry it.
	LastReconciled *Reconciled

	previous string // AnnotationPrevious, when a drain wrote it
}

// Reconciled is what the operator last reconciled of the fields this
// package writes.
type Reconciled struct {
	// DesiredState is the spec.job.state reconciled ("running",
	// "suspended").
	DesiredState string
	// Overrides is the pipeline.jobvertex-parallelism-overrides value
	// reconciled ("" when none).
	Overrides string
}

// Reconciling says why the operator is not settled on the latest spec, or
// "" when it is: it has not observed the latest generation, or its
// reconciliation (or the resource's lifecycle) is upgrading or rolling
// back, or the fields this package writes differ from the last
// reconciled spec (the rest of that spec may differ legitimately: the
// operator keeps old values there for changes it ignores). Nothing should
// be changed while it is not "".
func (s Status) Reconciling() string {
	switch {
	case s.ObservedGeneration < s.Generation:
		return fmt.Sprintf("the operator has not reconciled generation %d yet (it observed %d)", s.Generation, s.ObservedGeneration)
	case s.ReconciliationState == "UPGRADING" || s.ReconciliationState == "ROLLING_BACK":
		return "its reconciliation is " + s.ReconciliationState
	case s.LifecycleState == "UPGRADING" || s.LifecycleState == "ROLLING_BACK" || s.LifecycleState == "DELETING" || s.LifecycleState == "CREATED":
		return "its lifecycle state is " + s.LifecycleState
	case s.LastReconciled != nil && s.LastReconciled.Overrides != s.Overrides:
		return fmt.Sprintf("the spec's parallelism overrides (%q) are not the last reconciled ones (%q)", s.Overrides, s.LastReconciled.Overrides)
	case s.LastReconciled != nil && s.DesiredState != "" && s.LastReconciled.DesiredState != "" && s.LastReconciled.DesiredState != s.DesiredState:
		return fmt.Sprintf("the spec's job state %s is not the last reconciled one (%s)", s.DesiredState, s.LastReconciled.DesiredState)
	}
	return ""
}

// Read returns the FlinkDeployment's status.
func (d *Deployment) Read(ctx context.Context) (Status, error) {
	obj, err := d.get(ctx)
	if err != nil {
		return Status{}, err
	}
	return d.status(obj)
}

func (d *Deployment) get(ctx context.Context) (*unstructured.Unstructured, error) {
	obj, err := d.api.Get(ctx, d.cfg.Name, metav1.GetOptions{})
	return obj, apiError(fmt.Sprintf("get FlinkDeployment %s/%s", d.cfg.Namespace, d.cfg.Name), err)
}

// status reads obj.
func (d *Deployment) status(obj *unstructured.Unstructured) (Status, error) {
	str := func(path ...string) string {
		v, _, _ := unstructured.NestedFieldNoCopy(obj.Object, path...)
		if v == nil {
			return ""
		}
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
	s := Status{
		ResourceVersion:     obj.GetResourceVersion(),
		Generation:          obj.GetGeneration(),
		LifecycleState:      str("status", "lifecycleState"),
		ReconciliationState: str("status", "reconciliationStatus", "state"),
		JobState:            str("status", "jobStatus", "state"),
		JobID:               str("status", "jobStatus", "jobId"),
		JobManager:          str("status", "jobManagerDeploymentStatus"),
		Savepoint:           str("status", "jobStatus", "upgradeSavepointPath"),
		Error:               str("status", "error"),
		DesiredState:        str("spec", "job", "state"),
		UpgradeMode:         str("spec", "job", "upgradeMode"),
		FlinkVersion:        str("spec", "flinkVersion"),
		previous:            obj.GetAnnotations()[AnnotationPrevious],
	}
	if og, ok, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration"); ok {
		s.ObservedGeneration = og
	}
	if s.Savepoint == "" {
		s.Savepoint = str("status", "jobStatus", "savepointInfo", "lastSavepoint", "location")
	}
	c := confOf(obj)
	s.Form = c.form()
	var err error
	if s.Overrides, _, err = c.lookup(overridesKey); err != nil {
		return s, err
	}
	s.RESTURL = d.restURL(c)
	s.LastReconciled = lastReconciled(str("status", "reconciliationStatus", "lastReconciledSpec"))
	return s, nil
}

// lastReconciled reads status.reconciliationStatus.lastReconciledSpec, a
// JSON string: {"spec": {...}, "resource_metadata": {...}}, or (before
// operator 1.10's format) the spec's fields at the top. Nil when it is
// absent or does not parse.
func lastReconciled(raw string) *Reconciled {
	if raw == "" {
		return nil
	}
	var top map[string]any
	if json.Unmarshal([]byte(raw), &top) != nil {
		return nil
	}
	spec, ok := top["spec"].(map[string]any)
	if !ok {
		spec = top
	}
	r := &Reconciled{}
	if job, ok := spec["job"].(map[string]any); ok {
		r.DesiredState, _ = job["state"].(string)
	}
	if c, ok := spec["flinkConfiguration"].(map[string]any); ok {
		r.Overrides, _, _ = conf(c).lookup(overridesKey)
	}
	return r
}

// confOf returns obj's spec.flinkConfiguration (empty when it has none).
func confOf(obj *unstructured.Unstructured) conf {
	m, ok, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "flinkConfiguration")
	if c, isMap := m.(map[string]any); ok && isMap {
		return c
	}
	return conf{}
}

// restURL is Config.RESTURL, or the operator's service for the
// deployment: <name>-rest.<namespace> on rest.port (8081), https when
// security.ssl.rest.enabled.
func (d *Deployment) restURL(c conf) string {
	if d.cfg.RESTURL != "" {
		return d.cfg.RESTURL
	}
	port, _, _ := c.lookup("rest.port")
	if port == "" {
		port = "8081"
	}
	scheme := "http"
	if ssl, _, _ := c.lookup("security.ssl.rest.enabled"); strings.EqualFold(ssl, "true") {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s-rest.%s:%s", scheme, d.cfg.Name, d.cfg.Namespace, port)
}
