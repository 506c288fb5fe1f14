package flinkdrain_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

type env struct {
	srv   *flinktest.Server
	c     *flinkapi.Client
	clock *clocktest.Virtual
	store drain.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	// Virtual time shared by the fake JobManager and the drainer: Sleep
	// advances it at once, so a 10-minute timeout takes milliseconds.
	clock := clocktest.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	srv := flinktest.Start(t, flinktest.Config{Clock: clock})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, c: c, clock: clock, store: &drain.MemoryStore{}}
}

// job adds a running job with checkpointing and the given savepoint
// behaviour.
func (e *env) job(t *testing.T, b flinktest.SavepointBehavior) flinkapi.JobID {
	t.Helper()
	id, _, err := e.srv.AddJob(flinktest.JobSpec{
		Name:          "orders",
		Vertices:      []flinktest.VertexSpec{{Name: "Source: orders", Parallelism: 2}, {Name: "Sink"}},
		Checkpointing: &flinktest.CheckpointingSpec{},
		Savepoints:    b,
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// drainer returns a Drainer on e with mod applied to its Config.
func (e *env) drainer(t *testing.T, mod ...func(*flinkdrain.Config)) *flinkdrain.Drainer {
	t.Helper()
	cfg := flinkdrain.Config{Flink: e.c, Store: e.store, Clock: e.clock}
	for _, m := range mod {
		m(&cfg)
	}
	d, err := flinkdrain.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
