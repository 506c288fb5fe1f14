package flinkio_test

import (
	"context"
	"fmt"
	"log"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// An Observer over the Flink REST API, with the job's own backlog read by
// backlog/flinkbacklog through the same Shared client (add
// backlog/kafkalag with backlog.Merge for Kafka's lag and time lag), in a
// dry-run controller whose first step observes the job and keeps it as it
// is. The JobManager is flinktest's, its metrics set by hand under
// flinkapi's names. An observation of V vertices costs V+3 REST requests,
// plus, the first time, one listing the source's metric names: 1+3+1 here.
func Example() {
	srv, err := flinktest.NewServer(flinktest.Config{TaskManagers: 2, SlotsPerTaskManager: 4})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	source := flinktest.VertexSpec{Name: "Source: orders", Parallelism: 2}
	job, ids, err := srv.AddJob(flinktest.JobSpec{Name: "orders", Vertices: []flinktest.VertexSpec{source}})
	if err != nil {
		log.Fatal(err)
	}
	// The metrics a FLIP-27 Kafka source reports, under flinkapi's names.
	m, scope := srv.Metrics(), flinkapi.OperatorScope(source.Name)
	m.SetSubtaskMetric(job, ids[0], flinkapi.MetricBusyTime, 400, 600)
	m.SetSubtaskMetric(job, ids[0], flinkapi.MetricBackPressuredTime, 0, 0)
	m.SetSubtaskMetric(job, ids[0], flinkapi.OperatorMetric(scope, flinkapi.MetricNumRecordsIn), 5000, 7000)
	m.SetSubtaskMetric(job, ids[0], flinkapi.OperatorMetric(scope, flinkapi.MetricPendingRecords), 300, 200)
	for p := range int32(4) {
		m.SetSubtaskMetric(job, ids[0], flinkapi.KafkaPartitionMetric(scope, "orders", p, flinkapi.MetricKafkaCurrentOffset), 1)
	}
	client, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	shared, err := flinkio.NewShared(flinkio.SharedConfig{Client: client})
	if err != nil {
		log.Fatal(err)
	}
	fromFlink, err := flinkbacklog.New(flinkbacklog.Config{Client: shared, Job: job})
	if err != nil {
		log.Fatal(err)
	}
	observer, err := flinkio.NewObserver(flinkio.ObserverConfig{Client: shared, Job: job, Backlog: fromFlink})
	if err != nil {
		log.Fatal(err)
	}
	ctrl, err := autoscale.NewController(autoscale.ControllerConfig{Observer: observer, Policy: autoscale.Static{}})
	if err != nil {
		log.Fatal(err)
	}
	rec := ctrl.Step(context.Background())
	v := rec.Observation.Vertices[0]
	fmt.Printf("%s at %d: busy %v, read %v records, %v waiting in %d partitions (from %s)\n",
		v.Name, v.Parallelism, v.Busy, v.RecordsIn, v.Source.Backlog, v.Source.Partitions, v.Source.Origin)
	fmt.Println("time lag:", v.Source.TimeLag)
	fmt.Println("changes:", rec.Changes, "error:", rec.Err)
	fmt.Println("REST requests:", len(srv.Requests()))
	// Output:
	// Source: orders at 2: busy 0.6, read 12000 records, 500 waiting in 4 partitions (from flink)
	// time lag: missing (metric not reported)
	// changes: [] error: <nil>
	// REST requests: 5
}
