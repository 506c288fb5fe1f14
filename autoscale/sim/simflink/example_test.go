package simflink_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/flinkscale/flinkscale/autoscale/sim"
	"github.com/flinkscale/flinkscale/autoscale/sim/simflink"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// A simulated job behind the fake JobManager, read with the REST client.
func Example() {
	job := sim.Job{
		Name: "clicks",
		Vertices: []sim.Vertex{
			{ID: "source", Name: "Source: clicks", Capacity: 10000, Source: &sim.Source{Topic: "clicks", Partitions: 4}},
			{ID: "count", Name: "Count", Capacity: 1500},
		},
		Edges: []sim.Edge{{From: "source", To: "count", Keyed: true}},
	}
	s, err := sim.New(sim.Config{Noise: -1}.Idealized(), job, sim.Steady{Rate: 500}) // 2,000 records/s, no realism
	if err != nil {
		log.Fatal(err)
	}
	p, err := simflink.New(simflink.Config{Sim: s})
	if err != nil {
		log.Fatal(err)
	}
	clk := clocktest.New(sim.DefaultStart()) // the server's time, which the simulation follows
	srv, err := flinktest.NewServer(flinktest.Config{Metrics: p, Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	id, _, err := srv.AddJob(p.JobSpec())
	if err != nil {
		log.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}

	clk.Advance(time.Minute)
	ctx := context.Background()
	count, err := c.VertexMetrics(ctx, id, simflink.VertexID("count"), flinkapi.MetricsQuery{Names: []string{flinkapi.MetricBusyTime}})
	if err != nil {
		log.Fatal(err)
	}
	pendingRecords := flinkapi.OperatorMetric(flinkapi.OperatorScope("Source: clicks"), flinkapi.MetricPendingRecords)
	src, err := c.VertexMetrics(ctx, id, simflink.VertexID("source"), flinkapi.MetricsQuery{Names: []string{pendingRecords}})
	if err != nil {
		log.Fatal(err)
	}
	busy, _ := count.Metrics[flinkapi.MetricBusyTime].Value(flinkapi.AggMax)
	pending, _ := src.Metrics[pendingRecords].Value(flinkapi.AggSum)
	fmt.Printf("count busy %.0f ms/s; %.0f records pending in Kafka\n", busy, pending)
	// Output: count busy 1000 ms/s; 28500 records pending in Kafka
}
