// Package flinkdeployment observes, rescales and drains a Flink job
// through the Flink Kubernetes Operator's FlinkDeployment resource, the
// source of truth on Kubernetes: a parallelism set through the REST API
// behind the operator's back is lost at its next upgrade, and a stop sent
// behind its back confuses its state machine. It uses client-go's dynamic
// client and apimachinery's unstructured objects, not the operator's Java
// types, and is the only package of the module importing them.
//
//	dyn, _ := dynamic.NewForConfig(restConfig) // kubeconfig or in-cluster
//	d, _ := flinkdeployment.New(flinkdeployment.Config{Client: dyn, Namespace: "streaming", Name: "orders"})
//	st, _ := d.Read(ctx)           // the job's state, job ID, last savepoint, REST address
//	act := d.Actuator()            // an autoscale.Actuator
//	op, err := d.Drain(ctx)        // suspend with a drained savepoint
//
// # Observing
//
// Read returns a Status: the lifecycle state, the reconciliation state,
// the job's state and ID, the JobManager deployment's state, the last
// savepoint (status.jobStatus.upgradeSavepointPath, operator 1.10+, else
// the deprecated savepointInfo.lastSavepoint.location), the spec's intent,
// the parallelism overrides and the JobManager's REST address (the
// operator's service <name>-rest.<namespace> on rest.port, 8081 by
// default). Watch calls a function at every change. Status.Reconciling
// says why nothing may be changed now: the operator has not observed the
// latest generation (status.observedGeneration below metadata.generation),
// or its reconciliation or the lifecycle is UPGRADING or ROLLING_BACK
// (CREATED and DELETING too). Comparing the spec with
// reconciliationStatus.lastReconciledSpec would be wrong: the operator
// keeps the old values there for changes it ignores (every
// kubernetes.operator.* key, upgradeMode).
//
// # Rescaling
//
// The Actuator sets pipeline.jobvertex-parallelism-overrides
// ("vertex:parallelism,...") in spec.flinkConfiguration, where the key is
// already written, else in the form the object uses: flat, or nested
// (YAML-structured, which the operator accepts from 1.13.0 and flattens
// with "."), never both; an object that has it both ways is refused
// (ErrInvalidSpec). The value is always a string: nested under the key it
// would flatten to other keys. Overrides of vertices a decision does not
// name are kept. It writes only when the value changes, with the
// resourceVersion it read (a conflict is read again and retried), and
// refuses, wrapping autoscale.ErrRefused, while the operator reconciles or
// the job is not RUNNING.
//
// How the operator applies it: a change of this key alone is a scale
// change. With Flink 1.18+, jobmanager.scheduler: adaptive in the
// deployment's configuration, and
// kubernetes.operator.job.upgrade.inplace-scaling.enabled (default true),
// the operator rescales in place through the adaptive scheduler's
// resource requirements: the job restarts from its last checkpoint on the
// TaskManagers it has, in seconds (docs/rescale-cost.md measures about 3 s
// on the real tier), and the status is DEPLOYED at once. Otherwise (an
// older Flink, another scheduler, standalone mode, an override removed,
// another change in the same update, or the in-place call failing) it is a
// full upgrade by spec.job.upgradeMode: a savepoint or last-state stop and
// redeploy, new JobManager and TaskManager pods included, which takes
// minutes and leaves the job down meanwhile.
//
// # Draining
//
// Drain suspends the job the operator's way: one update sets
// spec.job.state suspended, spec.job.upgradeMode savepoint,
// kubernetes.operator.job.drain-on-savepoint-deletion true (operator 1.7+;
// despite its name it makes every stop-with-savepoint of the operator
// drain, so Drain removes it afterwards) and
// kubernetes.operator.job.upgrade.last-state-fallback.enabled false (so
// that the operator never suspends a job it cannot savepoint with its last
// checkpoint instead). Both keys are dynamic: read from the current spec,
// changing nothing else. Drain then waits until the status shows the
// suspend reconciled, lifecycle SUSPENDED, the job FINISHED and a
// savepoint other than the one before; only then is it Drained. It keeps
// drain's guarantees: every step is recorded (drain.Operation in
// DrainConfig.Store) so that a restarted controller resumes it without a
// second suspend; it never reports success without that savepoint; it
// cancels only when DrainConfig.Fallback is FallbackCancel (upgradeMode
// stateless, which the operator suspends without a savepoint). Once it has
// ended it restores what it changed (keys, upgradeMode, its annotations);
// a drained or cancelled job stays suspended, and after a failed drain a
// job that still runs gets spec.job.state running back, so that the
// operator stops trying to suspend it.
//
// # Versions
//
// The keys and status fields above were checked against the operator's
// sources at release-1.10.0 to release-1.15.0 (the CRD in testdata is
// 1.15.0's). upgradeSavepointPath needs 1.10+, nested configuration 1.13+,
// the drain key 1.7+; Flink 1.20 is supported from operator 1.11, Flink 2.x
// from 1.13.
//
// # RBAC
//
// In the FlinkDeployment's namespace: get, watch and update on
// flinkdeployments in the flink.apache.org group; nothing on
// flinkdeployments/status (testdata/rbac.yaml, which TestRBAC checks
// against every request the package makes):
//
//	apiVersion: rbac.authorization.k8s.io/v1
//	kind: Role
//	metadata: {name: flinkscale-autopilot, namespace: streaming}
//	rules:
//	  - apiGroups: ["flink.apache.org"]
//	    resources: ["flinkdeployments"]
//	    verbs: ["get", "watch", "update"]
//
// # Testing
//
// The tests run against client-go's fake dynamic client with the API
// server's rules a writer meets added (resourceVersion conflicts, the
// generation bumped on a spec change, status as a subresource, RBAC
// denials), and every object written is validated in process against the
// operator's CRD schema with apiextensions-apiserver's validation and
// pruning; a fake operator reconciles as the real one does.
//
// The kubeapi tier (build tag kubeapi, run by .ci/run) runs the actuator,
// a watch and a drain against a real API server serving the same CRD:
// internal/kubeapi starts k8s.io/apiextensions-apiserver (the CRD server
// of kube-apiserver, run on its own) over etcd, both built from the Go
// module proxy. There the validation, pruning (any warning fails the
// test), the 409 on a stale resourceVersion, the generation and the
// status subresource are the real server's. It has no RBAC (that server
// authorizes its admin only), so the Role is checked by TestRBAC:
//
//	go test -tags kubeapi -count=1 -run KubeAPI -v ./flinkdeployment
//
// Deployment is safe for concurrent use.
package flinkdeployment
