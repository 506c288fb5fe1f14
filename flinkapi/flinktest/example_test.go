package flinktest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

func Example() {
	srv, err := flinktest.NewServer(flinktest.Config{TaskManagers: 2, SlotsPerTaskManager: 4})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	// AddJob derives the IDs left empty, and returns them.
	job, vertices, err := srv.AddJob(flinktest.JobSpec{
		Name:     "clicks",
		Vertices: []flinktest.VertexSpec{{Name: "Source: clicks", Parallelism: 2}},
	})
	if err != nil {
		log.Fatal(err)
	}
	source := vertices[0]
	pending := flinkapi.OperatorMetric(flinkapi.OperatorScope("Source: clicks"), flinkapi.MetricPendingRecords)
	srv.Metrics().SetSubtaskMetric(job, source, pending, 1200, 300)

	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.VertexMetrics(context.Background(), job, source,
		flinkapi.MetricsQuery{Names: []string{pending}, Aggregations: []flinkapi.Aggregation{flinkapi.AggSum}})
	if err != nil {
		log.Fatal(err)
	}
	lag, _ := res.Metrics[pending].Value(flinkapi.AggSum)
	fmt.Println(pending, lag)
	// Output: Source__clicks.pendingRecords 1500
}

func ExampleServer_InjectFault() {
	srv, err := flinktest.NewServer(flinktest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	// The JobManager is briefly unavailable (a leader election, say).
	if err := srv.InjectFault("GET /overview", flinktest.Fault{Status: 503, Times: 2}); err != nil {
		log.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	o, err := c.Overview(context.Background())
	fmt.Println(o.SlotsTotal, err, srv.CountRequests("GET /overview"))

	// Without retries the same fault is an error the caller can classify.
	if err := srv.InjectFault("GET /overview", flinktest.Fault{Status: 503}); err != nil {
		log.Fatal(err)
	}
	once, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, DisableRetries: true})
	if err != nil {
		log.Fatal(err)
	}
	_, err = once.Overview(context.Background())
	fmt.Println(errors.Is(err, flinkapi.ErrUnavailable))
	// Output:
	// 32 <nil> 3
	// true
}
