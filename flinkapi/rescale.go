package flinkapi

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
)

// ParallelismBounds is the parallelism range the adaptive scheduler may
// run a vertex at.
type ParallelismBounds struct {
	LowerBound int `json:"lowerBound"`
	UpperBound int `json:"upperBound"`
}

// VertexResources is one vertex's resource requirements.
type VertexResources struct {
	Parallelism ParallelismBounds `json:"parallelism"`
}

// ResourceRequirements are a job's per-vertex requirements, the body of GET
// and PUT /jobs/{jobid}/resource-requirements (adaptive scheduler, Flink
// 1.18+).
type ResourceRequirements map[VertexID]VertexResources

// ResourceRequirements returns a job's current requirements.
func (c *Client) ResourceRequirements(ctx context.Context, job JobID) (ResourceRequirements, error) {
	return c.resourceRequirements(ctx, job, false)
}

// resourceRequirements is ResourceRequirements; with forWrite set it
// refuses requirements that could not be written back (see writable).
func (c *Client) resourceRequirements(ctx context.Context, job JobID, forWrite bool) (ResourceRequirements, error) {
	if err := job.Validate(); err != nil {
		return nil, c.refuse(http.MethodGet, routeResourceRequirements, err)
	}
	var out ResourceRequirements
	path := jobPath(job) + "/resource-requirements"
	var check func() error
	if forWrite {
		check = func() error { return writable(path, out) }
	}
	if err := c.do(ctx, call{method: http.MethodGet, route: routeResourceRequirements, path: path, out: &out, check: check}); err != nil {
		return nil, err
	}
	return out, nil
}

// SetResourceRequirements replaces a job's requirements. Flink replaces the
// requirements of every vertex, so req must name them all; Rescale does the
// read-modify-write for you. It needs jobmanager.scheduler: adaptive.
func (c *Client) SetResourceRequirements(ctx context.Context, job JobID, req ResourceRequirements) error {
	if err := validRequirements(job, req); err != nil {
		return c.refuse(http.MethodPut, routeResourceRequirements, err)
	}
	return c.do(ctx, call{method: http.MethodPut, route: routeResourceRequirements, path: jobPath(job) + "/resource-requirements", body: req})
}

// validRequirements refuses an invalid job ID or requirements that Flink
// would refuse.
func validRequirements(job JobID, req ResourceRequirements) error {
	if err := job.Validate(); err != nil {
		return err
	}
	if len(req) == 0 {
		return fmt.Errorf("%w: resource requirements name no vertex", ErrInvalidRequest)
	}
	for _, v := range slices.Sorted(maps.Keys(req)) {
		if err := v.Validate(); err != nil {
			return err
		}
		if p := req[v].Parallelism; p.LowerBound < 1 || p.UpperBound < p.LowerBound {
			return fmt.Errorf("%w: vertex %s: parallelism bounds [%d, %d] need 1 <= lower <= upper", ErrInvalidRequest, v, p.LowerBound, p.UpperBound)
		}
	}
	return nil
}

// writable refuses current requirements that Rescale could not write back
// (a malformed vertex ID, bounds outside 1 <= lower <= upper) as an answer
// that cannot be true, rather than as a bad request of the caller's.
func writable(path string, cur ResourceRequirements) error {
	for _, v := range slices.Sorted(maps.Keys(cur)) {
		if err := v.Validate(); err != nil {
			return invalidAnswer(http.MethodGet, path, "%v", err)
		}
		if p := cur[v].Parallelism; p.LowerBound < 1 || p.UpperBound < p.LowerBound {
			return invalidAnswer(http.MethodGet, path, "vertex %s: parallelism bounds [%d, %d]", v, p.LowerBound, p.UpperBound)
		}
	}
	return nil
}

// Rescale sets the parallelism of some vertices in place through the
// adaptive scheduler: it reads the current requirements, sets upperBound =
// target and lowerBound = min(target, current lowerBound) for each vertex
// in targets (keeping lowerBound at or below what the cluster already
// provides, as Flink's Kubernetes operator does), keeps the other vertices
// as they are, and writes the whole map back. It returns the requirements
// it wrote. A target below 1 or a vertex the job does not have is an error
// wrapping ErrInvalidRequest, and nothing is written; current requirements
// that could not be written back (a malformed vertex ID, bounds outside
// 1 <= lower <= upper) are an error wrapping ErrInvalidAnswer, and nothing
// is written either.
//
// Between the read and the write another writer could change the
// requirements; Flink offers no compare-and-set, so run one controller per
// job.
func (c *Client) Rescale(ctx context.Context, job JobID, targets map[VertexID]int) (ResourceRequirements, error) {
	if len(targets) == 0 {
		err := fmt.Errorf("%w: Rescale needs at least one target", ErrInvalidRequest)
		return nil, c.refuse(http.MethodGet, routeResourceRequirements, err)
	}
	cur, err := c.resourceRequirements(ctx, job, true)
	if err != nil {
		return nil, err
	}
	next := maps.Clone(cur)
	for _, v := range slices.Sorted(maps.Keys(targets)) {
		target := targets[v]
		r, ok := cur[v]
		if !ok {
			err := fmt.Errorf("%w: job %s has no vertex %s", ErrInvalidRequest, job, v)
			return nil, c.refuse(http.MethodPut, routeResourceRequirements, err)
		}
		if target < 1 {
			err := fmt.Errorf("%w: vertex %s: target parallelism %d is below 1", ErrInvalidRequest, v, target)
			return nil, c.refuse(http.MethodPut, routeResourceRequirements, err)
		}
		r.Parallelism.UpperBound = target
		r.Parallelism.LowerBound = max(1, min(target, r.Parallelism.LowerBound))
		next[v] = r
	}
	if err := c.SetResourceRequirements(ctx, job, next); err != nil {
		return nil, err
	}
	return next, nil
}
