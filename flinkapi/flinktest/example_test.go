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
	job, err := srv.AddJob(flinktest.JobSpec{
		Name:     "clicks",
		Vertices: []flinktest.VertexSpec{{ID: "0a448493b4782967b150582570326227", Name: "Source: clicks", Parallelism: 2}},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.Metrics().SetSubtaskMetric(job, "0a448493b4782967b150582570326227", "pendingRecords", 1200, 300)

	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.VertexMetrics(context.Background(), job, "0a448493b4782967b150582570326227",
		flinkapi.MetricsQuery{Names: []string{"pendingRecords"}, Aggregations: []flinkapi.Aggregation{flinkapi.AggSum}})
	if err != nil {
		log.Fatal(err)
	}
	lag, _ := res.Metrics["pendingRecords"].Value(flinkapi.AggSum)
	fmt.Println("lag:", lag)
	// Output: lag: 1500
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
