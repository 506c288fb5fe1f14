package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// runReal drains (or, without -yes, inspects) a job on a real JobManager.
func runReal(ctx context.Context, o options, stdout, stderr io.Writer) int {
	cfg := flinkapi.Config{BaseURL: o.flinkURL, TLS: o.tls}
	if o.authHeader != "" {
		cfg.Header = http.Header{"Authorization": {o.authHeader}}
	}
	client, err := flinkapi.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "drain: %v\n", err)
		if errors.Is(err, flinkapi.ErrInvalidConfig) {
			return exitUsage
		}
		return exitFailure
	}
	s := session{o: o, client: client, url: o.flinkURL, store: &drain.MemoryStore{}, stdout: stdout, stderr: stderr}
	if o.store != "" {
		if s.store, err = drain.NewFileStore(o.store); err != nil {
			fmt.Fprintf(stderr, "drain: -store: %v\n", err)
			return exitFailure
		}
		s.storeDir = o.store
	}
	return s.run(ctx)
}

// Vertex IDs of the demo job.
const (
	demoSource = flinkapi.VertexID("0a448493b4782967b150582570326227")
	demoWindow = flinkapi.VertexID("ea632d67b7d595e5b851708ae9ad79d6")
	demoSink   = flinkapi.VertexID("6d2677a0ecc3fd8df0b72ec675edf8f4")
)

// runDemo drains a job on an in-process fake JobManager.
func runDemo(ctx context.Context, o options, stdout, stderr io.Writer) int {
	srv, err := flinktest.NewServer(flinktest.Config{})
	if err != nil {
		fmt.Fprintf(stderr, "drain: demo: %v\n", err)
		return exitFailure
	}
	defer srv.Close()
	o.job, _, err = srv.AddJob(demoJob(o))
	if err != nil {
		fmt.Fprintf(stderr, "drain: demo: %v\n", err)
		return exitFailure
	}
	client, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		fmt.Fprintf(stderr, "drain: demo: %v\n", err)
		return exitFailure
	}
	dir := o.store
	if dir == "" {
		if dir, err = os.MkdirTemp("", "drain-demo-"); err != nil {
			fmt.Fprintf(stderr, "drain: demo: %v\n", err)
			return exitFailure
		}
		defer os.RemoveAll(dir)
	}
	store, err := drain.NewFileStore(dir)
	if err != nil {
		fmt.Fprintf(stderr, "drain: -store: %v\n", err)
		return exitFailure
	}
	outcome := "succeed"
	if o.fail {
		outcome = "fail (-fail): the job keeps running"
		if o.attempts == 0 {
			o.attempts = 3 // every attempt fails: do not wait for -timeout
		}
	}
	fmt.Fprintf(stdout, "embedded JobManager (flinktest) at %s; its savepoints take %v and %s\n", srv.URL, o.savepointDelay, outcome)
	o.yes = true // a fake job: nothing to protect
	s := session{o: o, client: client, url: srv.URL, store: store, storeDir: dir, stdout: stdout, stderr: stderr}
	return s.run(ctx)
}

// demoJob is Source -> keyed window -> sink, with checkpointing, whose
// savepoints take -savepoint-delay and fail with -fail.
func demoJob(o options) flinktest.JobSpec {
	behavior := flinktest.SavepointBehavior{Delay: o.savepointDelay}
	if o.fail {
		behavior.Outcome = flinktest.FailSavepoint
	}
	return flinktest.JobSpec{
		Name: "orders-revenue",
		Vertices: []flinktest.VertexSpec{
			{ID: demoSource, Name: "Source: orders", Parallelism: 4},
			{ID: demoWindow, Name: "Window: revenue per minute", Parallelism: 4,
				Inputs: []flinktest.Input{{From: demoSource, ShipStrategy: flinkapi.ShipHash}}},
			{ID: demoSink, Name: "Sink: warehouse", Parallelism: 2, Inputs: []flinktest.Input{{From: demoWindow}}},
		},
		Checkpointing: &flinktest.CheckpointingSpec{},
		Savepoints:    behavior,
	}
}
