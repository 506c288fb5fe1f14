package flinkdrain_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

func Example() {
	srv, err := flinktest.NewServer(flinktest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	job, _, err := srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{Name: "Source: orders"}, {Name: "Sink"}}})
	if err != nil {
		log.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	d, err := flinkdrain.New(flinkdrain.Config{
		Flink: c,
		Store: &drain.MemoryStore{}, // drain.NewFileStore(dir) to resume across restarts
		OnTransition: func(op drain.Operation, s drain.Step) {
			fmt.Printf("%s -> %s\n", s.From, s.To)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	op, err := d.Drain(context.Background(), job)
	switch {
	case errors.Is(err, flinkdrain.ErrCancelled):
		fmt.Println("cancelled without a savepoint:", op.Reason)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("drained:", strings.HasPrefix(op.Location, "file:/tmp/flink-savepoints/"))
	}
	// Output:
	// requested -> stopping
	// stopping -> waiting
	// waiting -> finishing
	// finishing -> drained
	// drained: true
}
