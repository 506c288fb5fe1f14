package autoscale

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Observer reads a job into an Observation. It tolerates partial failures
// (a metric it could not read is a missing Value) and returns an error only
// when it has no observation at all.
type Observer interface {
	Observe(ctx context.Context) (Observation, error)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(ctx context.Context) (Observation, error)

// Observe calls f.
func (f ObserverFunc) Observe(ctx context.Context) (Observation, error) { return f(ctx) }

// Actuator carries out a decision that changes parallelism.
type Actuator interface {
	Apply(ctx context.Context, d Decision, obs Observation) error
}

// ActuatorFunc adapts a function to Actuator.
type ActuatorFunc func(ctx context.Context, d Decision, obs Observation) error

// Apply calls f.
func (f ActuatorFunc) Apply(ctx context.Context, d Decision, obs Observation) error {
	return f(ctx, d, obs)
}

// ErrRefused is what an Actuator's error wraps when it declines a decision
// without trying it, so that nothing changed and a later step may try
// again: the Kubernetes operator is reconciling the deployment, another
// operation holds the job, a guard of the user's forbids it. A Controller
// records the step with that error and logs it as refused; package metrics
// counts it as refused rather than failed.
var ErrRefused = errors.New("autoscale: the actuator refused the decision")

// Recorder is an optional interface of an Actuator whose Apply may only
// record a decision instead of carrying it out, as DryRun does. The
// Controller detects it with a type assertion: when RecordsOnly reports
// true, a successful Apply is recorded as a dry run (Record.DryRun set,
// Record.Applied false) and logged as "would rescale", not "rescaled". An
// Actuator that does not implement Recorder carries decisions out.
type Recorder interface {
	// RecordsOnly reports whether Apply only records decisions.
	RecordsOnly() bool
}

var (
	_ Observer = ObserverFunc(nil)
	_ Actuator = ActuatorFunc(nil)
	_ Actuator = (*DryRun)(nil)
	_ Recorder = (*DryRun)(nil)
	_ Actuator = ParallelismOverrides{}
)

// defaultDryRunLimit is DryRun's default MaxDecisions.
const defaultDryRunLimit = 1000

// DryRun records decisions without acting: it implements Recorder, so a
// Controller reports its steps as dry runs. It keeps the latest
// MaxDecisions decisions. Safe for concurrent use; the zero value is
// ready.
type DryRun struct {
	// MaxDecisions bounds the decisions kept: once it is reached, each new
	// decision drops the oldest. Set it before the first Apply. Default:
	// 1000. Zero means default; a negative value makes Apply return an
	// error wrapping ErrInvalidConfig.
	MaxDecisions int

	mu        sync.Mutex
	decisions []Decision
	total     int
}

// RecordsOnly implements Recorder: a DryRun only records.
func (*DryRun) RecordsOnly() bool { return true }

// Apply records d, dropping the oldest decision kept when MaxDecisions
// are. It returns ctx's error when ctx has ended, and an error wrapping
// ErrInvalidConfig when MaxDecisions is negative.
func (r *DryRun) Apply(ctx context.Context, d Decision, _ Observation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	limit := r.MaxDecisions
	switch {
	case limit < 0:
		return fmt.Errorf("%w: DryRun.MaxDecisions %d is negative", ErrInvalidConfig, limit)
	case limit == 0:
		limit = defaultDryRunLimit
	}
	if over := len(r.decisions) + 1 - limit; over > 0 {
		r.decisions = slices.Delete(r.decisions, 0, over)
	}
	r.decisions = append(r.decisions, d)
	r.total++
	return nil
}

// Decisions returns the recorded decisions kept, oldest first.
func (r *DryRun) Decisions() []Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.decisions)
}

// Total returns how many decisions Apply has recorded, including those
// dropped to keep within MaxDecisions.
func (r *DryRun) Total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// OverridesKey is the Flink option that pins vertex parallelism at
// (re)deployment, as Flink's Kubernetes operator writes it.
const OverridesKey = "pipeline.jobvertex-parallelism-overrides"

// ErrNoPatcher is returned by a ParallelismOverrides without Patch.
var ErrNoPatcher = errors.New("autoscale: ParallelismOverrides has no Patch function")

// ParallelismOverrides is an Actuator for jobs deployed through Flink's
// Kubernetes operator: it renders the decision as OverridesKey in a JSON
// merge patch of the FlinkDeployment and hands it to Patch, which applies
// it with the caller's Kubernetes client. The operator then redeploys the
// job (a savepoint or last-state upgrade), or rescales in place with Flink
// 1.18+ and the adaptive scheduler. The patch is blind: it writes the flat
// key whatever form the object uses, without the resourceVersion, and
// while the operator reconciles too. Package flinkdeployment's Actuator
// reads the object first and avoids all three.
type ParallelismOverrides struct {
	// Patch applies a JSON merge patch (RFC 7386) to the FlinkDeployment.
	Patch func(ctx context.Context, patch []byte) error
}

// Apply renders the decision and calls Patch.
func (p ParallelismOverrides) Apply(ctx context.Context, d Decision, obs Observation) error {
	if p.Patch == nil {
		return ErrNoPatcher
	}
	patch, err := MergePatch(d.Targets)
	if err != nil {
		return err
	}
	return p.Patch(ctx, patch)
}

// OverridesValue renders targets as Flink reads OverridesKey:
// "vertexId:parallelism,..." sorted by vertex ID.
func OverridesValue(targets map[string]int) string {
	parts := make([]string, 0, len(targets))
	for _, id := range slices.Sorted(maps.Keys(targets)) {
		parts = append(parts, fmt.Sprintf("%s:%d", id, targets[id]))
	}
	return strings.Join(parts, ",")
}

// CheckTargets reports whether targets can be written as OverridesKey's
// value: at least one, no empty ID or one holding ":" or ",", no target
// below 1. Its error wraps ErrInvalidConfig.
func CheckTargets(targets map[string]int) error {
	if len(targets) == 0 {
		return fmt.Errorf("%w: no targets to render", ErrInvalidConfig)
	}
	for id, t := range targets {
		if id == "" || strings.ContainsAny(id, ":,") || t < 1 {
			return fmt.Errorf("%w: target %q = %d", ErrInvalidConfig, id, t)
		}
	}
	return nil
}

// MergePatch renders targets as a JSON merge patch of a FlinkDeployment:
// {"spec":{"flinkConfiguration":{OverridesKey: OverridesValue(targets)}}}.
// Targets CheckTargets refuses are an error wrapping ErrInvalidConfig. The
// patch writes the flat key: on a FlinkDeployment whose configuration is
// nested (operator 1.13+), a nested value stays behind beside it; package
// flinkdeployment writes the object's own form.
func MergePatch(targets map[string]int) ([]byte, error) {
	if err := CheckTargets(targets); err != nil {
		return nil, err
	}
	patch := map[string]any{"spec": map[string]any{"flinkConfiguration": map[string]string{OverridesKey: OverridesValue(targets)}}}
	return json.Marshal(patch)
}
