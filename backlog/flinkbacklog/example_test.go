package flinkbacklog_test

import (
	"context"
	"fmt"
	"log"

	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

func Example() {
	// A fake JobManager with a Kafka source (two readers) and a sink.
	srv, err := flinktest.NewServer(flinktest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	source := flinkapi.VertexID("0a448493b4782967b150582570326227")
	job, _, err := srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{
		{ID: source, Name: "Source: orders", Parallelism: 2},
		{Name: "Sink", Inputs: []flinktest.Input{{From: source}}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	srv.Metrics().SetSubtaskMetric(job, source, "Source__orders.pendingRecords", 1200, 300)

	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	src, err := flinkbacklog.New(flinkbacklog.Config{Client: c, Job: job})
	if err != nil {
		log.Fatal(err)
	}
	snap, err := src.Backlog(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range snap.Partitions {
		fmt.Printf("%s: records %s, time lag %s\n", p.Key, p.Records, p.TimeLag)
	}
	// Output: vertex 0a448493b4782967b150582570326227: records 1500, time lag unknown (metric not reported)
}
