package flinkapi_test

import (
	"bytes"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// env is a fake JobManager and a client talking to it through the spec
// validator, so every exchange of every test is checked against the spec.
type env struct {
	srv   *flinktest.Server
	c     *flinkapi.Client
	clock *clocktest.Virtual
	logs  *syncBuffer
	spec  *specValidator
}

// newEnv starts a server with cfg (its Clock replaced by a virtual one) and
// a client with fast retries. mod may adjust the client Config.
func newEnv(t *testing.T, cfg flinktest.Config, mod ...func(*flinkapi.Config)) *env {
	t.Helper()
	clock := clocktest.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	cfg.Clock = clock
	srv := flinktest.Start(t, cfg)
	v := newSpecValidator(t)
	logs := &syncBuffer{}
	ccfg := flinkapi.Config{
		BaseURL:      srv.URL,
		HTTPClient:   &http.Client{Transport: v.Transport(http.DefaultTransport.(*http.Transport).Clone())},
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, m := range mod {
		m(&ccfg)
	}
	c, err := flinkapi.New(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, c: c, clock: clock, logs: logs, spec: v}
}

// pipeline is a three-vertex job: a Kafka source, a keyed aggregation and a
// sink, with checkpointing on.
func pipeline() flinktest.JobSpec {
	src := flinkapi.VertexID("0a448493b4782967b150582570326227")
	agg := flinkapi.VertexID("ea632d67b7d595e5b851708ae9ad79d6")
	sink := flinkapi.VertexID("6d2677a0ecc3fd8df0b72ec675edf8f4")
	return flinktest.JobSpec{
		Name:           "orders",
		MaxParallelism: 128,
		Vertices: []flinktest.VertexSpec{
			{ID: src, Name: "Source: orders", Parallelism: 4},
			{ID: agg, Name: "Window aggregate", Parallelism: 2, Inputs: []flinktest.Input{{From: src, ShipStrategy: flinkapi.ShipHash}}},
			{ID: sink, Name: "Sink: totals", Parallelism: 2, Inputs: []flinktest.Input{{From: agg}}},
		},
		Checkpointing: &flinktest.CheckpointingSpec{Interval: 10 * time.Second, Timeout: time.Minute},
	}
}

// addJob adds spec and returns its ID and vertex IDs in order.
func (e *env) addJob(t *testing.T, spec flinktest.JobSpec) (flinkapi.JobID, []flinkapi.VertexID) {
	t.Helper()
	id, _, err := e.srv.AddJob(spec)
	if err != nil {
		t.Fatal(err)
	}
	var vs []flinkapi.VertexID
	for _, v := range spec.Vertices {
		vs = append(vs, v.ID)
	}
	return id, vs
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func nan() float64 { return math.NaN() }
