package flinkio

import (
	"context"
	"fmt"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// Rescaler is the part of the Flink REST client Rescale uses;
// *flinkapi.Client satisfies it.
type Rescaler interface {
	Rescale(ctx context.Context, job flinkapi.JobID, targets map[flinkapi.VertexID]int) (flinkapi.ResourceRequirements, error)
}

var _ Rescaler = (*flinkapi.Client)(nil)

// Rescale is an autoscale.Actuator that rescales a job in place through
// the adaptive scheduler's resource requirements (Flink 1.18+, with
// jobmanager.scheduler: adaptive): the job restarts from its last
// checkpoint at the new parallelism without a redeploy. Only the vertices
// the decision changes are sent; flinkapi writes the whole map back.
type Rescale struct {
	// Client rescales; usually a *flinkapi.Client. Required.
	Client Rescaler
	// Job is the job to rescale.
	Job flinkapi.JobID
}

var _ autoscale.Actuator = Rescale{}

// Apply implements autoscale.Actuator.
func (r Rescale) Apply(ctx context.Context, d autoscale.Decision, obs autoscale.Observation) error {
	if r.Client == nil {
		return fmt.Errorf("%w: Rescale has no Client", ErrInvalidConfig)
	}
	targets := map[flinkapi.VertexID]int{}
	for _, id := range d.Changes(obs) {
		targets[flinkapi.VertexID(id)] = d.Targets[id]
	}
	if len(targets) == 0 {
		return nil
	}
	if _, err := r.Client.Rescale(ctx, r.Job, targets); err != nil {
		return fmt.Errorf("flinkio: rescale job %s: %w", r.Job, err)
	}
	return nil
}
