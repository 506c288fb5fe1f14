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

var (
	_ Observer = ObserverFunc(nil)
	_ Actuator = ActuatorFunc(nil)
	_ Actuator = (*DryRun)(nil)
	_ Actuator = ParallelismOverrides{}
)

// DryRun records decisions without acting. Safe for concurrent use; the
// zero value is ready.
type DryRun struct {
	mu        sync.Mutex
	decisions []Decision
}

// Apply records d.
func (r *DryRun) Apply(ctx context.Context, d Decision, _ Observation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.decisions = append(r.decisions, d)
	return nil
}

// Decisions returns the recorded decisions, oldest first.
func (r *DryRun) Decisions() []Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.decisions)
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
// 1.18+ and the adaptive scheduler.
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

// MergePatch renders targets as a JSON merge patch of a FlinkDeployment:
// {"spec":{"flinkConfiguration":{OverridesKey: OverridesValue(targets)}}}.
// Targets below 1 or empty IDs are an error wrapping ErrInvalidConfig.
func MergePatch(targets map[string]int) ([]byte, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: no targets to render", ErrInvalidConfig)
	}
	for id, t := range targets {
		if id == "" || strings.ContainsAny(id, ":,") || t < 1 {
			return nil, fmt.Errorf("%w: target %q = %d", ErrInvalidConfig, id, t)
		}
	}
	patch := map[string]any{"spec": map[string]any{"flinkConfiguration": map[string]string{OverridesKey: OverridesValue(targets)}}}
	return json.Marshal(patch)
}
