package flinkapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
	"github.com/google/go-cmp/cmp"
)

func TestRescale(t *testing.T) {
	e := newEnv(t, flinktest.Config{RestartDelay: 5 * time.Second})
	id, vs := e.addJob(t, pipeline())
	ctx := context.Background()
	before, err := e.c.JobDetails(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)

	wrote, err := e.c.Rescale(ctx, id, map[flinkapi.VertexID]int{vs[0]: 8, vs[1]: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := flinkapi.ResourceRequirements{
		vs[0]: {Parallelism: flinkapi.ParallelismBounds{LowerBound: 1, UpperBound: 8}},
		vs[1]: {Parallelism: flinkapi.ParallelismBounds{LowerBound: 1, UpperBound: 1}},
		vs[2]: {Parallelism: flinkapi.ParallelismBounds{LowerBound: 1, UpperBound: 2}}, // untouched, still written
	}
	if diff := cmp.Diff(want, wrote); diff != "" {
		t.Errorf("requirements written (-want +got):\n%s", diff)
	}
	if st, _ := e.c.JobStatus(ctx, id); st != flinkapi.JobRestarting {
		t.Errorf("right after Rescale: %s, want RESTARTING", st)
	}
	e.clock.Advance(5 * time.Second)
	after, err := e.c.JobDetails(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if after.State != flinkapi.JobRunning || !after.LastRunning().After(before.LastRunning()) {
		t.Errorf("after the restart: %s, last RUNNING %v (was %v); want RUNNING, later", after.State, after.LastRunning(), before.LastRunning())
	}
	// As on real Flink: the adaptive scheduler's new execution graph holds
	// no RESTARTING timestamp (drain/flinkdrain's real tier measured it).
	if ts := after.Timestamps[flinkapi.JobRestarting]; ts != 0 {
		t.Errorf("after the restart: RESTARTING timestamp %d, want 0 as on real Flink", ts)
	}
	for i, wantP := range []int{8, 1, 2} {
		if v, _ := after.Vertex(vs[i]); v.Parallelism != wantP {
			t.Errorf("vertex %d parallelism = %d, want %d", i, v.Parallelism, wantP)
		}
	}
	if mv, _ := e.c.JobMetrics(ctx, id, "numRestarts"); mv.Values["numRestarts"] != "1" {
		t.Errorf("numRestarts = %q, want 1", mv.Values["numRestarts"])
	}
}

// lowerBound = min(target, current lowerBound): never raised above what the
// cluster already provides.
func TestRescaleKeepsLowerBound(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, vs := e.addJob(t, pipeline())
	ctx := context.Background()
	req, err := e.c.ResourceRequirements(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	req[vs[0]] = flinkapi.VertexResources{Parallelism: flinkapi.ParallelismBounds{LowerBound: 3, UpperBound: 4}}
	if err := e.c.SetResourceRequirements(ctx, id, req); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ target, wantLower int }{{2, 2}, {6, 2}} {
		got, err := e.c.Rescale(ctx, id, map[flinkapi.VertexID]int{vs[0]: c.target})
		if err != nil {
			t.Fatal(err)
		}
		if p := got[vs[0]].Parallelism; p.UpperBound != c.target || p.LowerBound != c.wantLower {
			t.Errorf("target %d: bounds %+v, want [%d, %d]", c.target, p, c.wantLower, c.target)
		}
	}
	var body map[string]map[string]map[string]int
	reqs := e.srv.Requests()
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil || len(body) != 3 {
		t.Errorf("last PUT body %s: want every vertex named (%v)", reqs[len(reqs)-1].Body, err)
	}
}

func TestRescaleRefusesBadTargetsWithoutWriting(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, vs := e.addJob(t, pipeline())
	for _, targets := range []map[flinkapi.VertexID]int{
		nil,
		{vs[0]: 0},
		{vs[0]: -3},
		{"ffffffffffffffffffffffffffffffff": 2},
	} {
		if _, err := e.c.Rescale(context.Background(), id, targets); !errors.Is(err, flinkapi.ErrInvalidRequest) {
			t.Errorf("Rescale(%v) = %v, want ErrInvalidRequest", targets, err)
		}
	}
	if n := e.srv.CountRequests("PUT /jobs/{jobid}/resource-requirements"); n != 0 {
		t.Errorf("%d PUTs sent, want 0", n)
	}
	// Above maxParallelism: Flink refuses with 400, passed through as *Error.
	_, err := e.c.Rescale(context.Background(), id, map[flinkapi.VertexID]int{vs[0]: 129})
	var apiErr *flinkapi.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 400 {
		t.Errorf("target above maxParallelism: %v, want a 400 *Error", err)
	}
}
