package flinkapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// exampleCluster starts a fake JobManager with one running job: a source
// with four subtasks feeding a keyed aggregation with two.
func exampleCluster() (*flinktest.Server, flinkapi.JobID, []flinkapi.VertexID) {
	srv, err := flinktest.NewServer(flinktest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	src, agg := flinkapi.VertexID("0a448493b4782967b150582570326227"), flinkapi.VertexID("ea632d67b7d595e5b851708ae9ad79d6")
	id, _, err := srv.AddJob(flinktest.JobSpec{
		Name: "orders",
		Vertices: []flinktest.VertexSpec{
			{ID: src, Name: "Source: orders", Parallelism: 4},
			{ID: agg, Name: "Aggregate", Parallelism: 2, Inputs: []flinktest.Input{{From: src, ShipStrategy: flinkapi.ShipHash}}},
		},
		Checkpointing: &flinktest.CheckpointingSpec{},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.Metrics().SetSubtaskMetric(id, src, "busyTimeMsPerSecond", 200, 400, 600, 800)
	return srv, id, []flinkapi.VertexID{src, agg}
}

func Example() {
	srv, job, _ := exampleCluster()
	defer srv.Close()
	ctx := context.Background()

	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	d, err := c.JobDetails(ctx, job)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Name, d.State)
	for _, v := range d.Vertices {
		keyed := false
		for _, in := range d.Inputs(v.ID) {
			keyed = keyed || in.IsKeyed()
		}
		fmt.Printf("%s: parallelism %d of %d, keyed input %v\n", v.Name, v.Parallelism, v.MaxParallelism, keyed)
	}
	// Output:
	// orders RUNNING
	// Source: orders: parallelism 4 of 128, keyed input false
	// Aggregate: parallelism 2 of 128, keyed input true
}

func ExampleClient_VertexMetrics() {
	srv, job, vs := exampleCluster()
	defer srv.Close()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	// Flink would answer an empty array if any name were missing; the
	// client asks only for names that exist and reports the others.
	res, err := c.VertexMetrics(context.Background(), job, vs[0], flinkapi.MetricsQuery{
		Names:        []string{"busyTimeMsPerSecond", "pendingRecords"},
		Aggregations: []flinkapi.Aggregation{flinkapi.AggMax, flinkapi.AggAvg},
	})
	if err != nil {
		log.Fatal(err)
	}
	busy := res.Metrics["busyTimeMsPerSecond"]
	maxBusy, _ := busy.Value(flinkapi.AggMax)
	avgBusy, _ := busy.Value(flinkapi.AggAvg)
	fmt.Printf("busy max %.0f avg %.0f ms/s; missing %v\n", maxBusy, avgBusy, res.Missing)
	// Output: busy max 800 avg 500 ms/s; missing [pendingRecords]
}

func ExampleClient_Rescale() {
	srv, job, vs := exampleCluster()
	defer srv.Close()
	ctx := context.Background()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	req, err := c.Rescale(ctx, job, map[flinkapi.VertexID]int{vs[1]: 6})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("aggregate bounds %+v\n", req[vs[1]].Parallelism)
	d, err := c.JobDetails(ctx, job)
	if err != nil {
		log.Fatal(err)
	}
	v, _ := d.Vertex(vs[1])
	fmt.Println("aggregate parallelism", v.Parallelism)
	// Output:
	// aggregate bounds {LowerBound:1 UpperBound:6}
	// aggregate parallelism 6
}

func ExampleClient_WaitOperation() {
	srv, job, _ := exampleCluster()
	defer srv.Close()
	ctx := context.Background()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	// Stop for good: drain (flush windows and timers), then savepoint.
	tid, err := c.StopWithSavepoint(ctx, job, flinkapi.StopRequest{Drain: true, TargetDirectory: "s3://bucket/savepoints"})
	if err != nil {
		log.Fatal(err)
	}
	location, err := c.WaitOperation(ctx, job, tid)
	var opErr *flinkapi.OperationError
	switch {
	case errors.As(err, &opErr):
		log.Fatalf("stop failed: %s", opErr.Cause.Summary())
	case err != nil:
		log.Fatal(err)
	}
	state, _ := c.JobStatus(ctx, job)
	fmt.Println(strings.HasPrefix(location, "s3://bucket/savepoints/"), state)
	// Output: true FINISHED
}

func ExampleClient_CheckpointConfig() {
	srv, err := flinktest.NewServer(flinktest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	job, _, err := srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{Name: "Source"}}}) // no checkpointing
	if err != nil {
		log.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.CheckpointConfig(context.Background(), job)
	fmt.Println(errors.Is(err, flinkapi.ErrCheckpointingDisabled), errors.Is(err, flinkapi.ErrNotFound))
	// Output: true false
}

// A metrics adapter counts calls by route and status, times them and
// counts retries (Attempts-1) from Config.OnCall; this one prints them.
func ExampleConfig_onCall() {
	srv, job, vs := exampleCluster()
	defer srv.Close()
	ctx := context.Background()
	c, err := flinkapi.New(flinkapi.Config{
		BaseURL:      srv.URL,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: time.Millisecond,
		OnCall: func(c flinkapi.Call) {
			fmt.Printf("%s %s: status %d, %d attempt(s), err %v\n", c.Method, c.Route, c.Status, c.Attempts, c.Err)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	// The JobManager is briefly unavailable: the call is retried.
	if err := srv.InjectFault("GET /jobs/{jobid}", flinktest.Fault{Status: 503}); err != nil {
		log.Fatal(err)
	}
	_, _ = c.JobDetails(ctx, job)
	// A cold name cache: the vertex's metric names are listed first.
	_, _ = c.VertexMetrics(ctx, job, vs[0], flinkapi.MetricsQuery{Names: []string{"busyTimeMsPerSecond"}})
	// Refused before any I/O.
	_, _ = c.JobStatus(ctx, "not-a-job-id")
	// Output:
	// GET /jobs/{jobid}: status 200, 2 attempt(s), err <nil>
	// GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics: status 200, 1 attempt(s), err <nil>
	// GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics: status 200, 1 attempt(s), err <nil>
	// GET /jobs/{jobid}/status: status 0, 0 attempt(s), err flinkapi: invalid request: job ID "not-a-job-id": want 32 hexadecimal characters, got 12 characters
}
