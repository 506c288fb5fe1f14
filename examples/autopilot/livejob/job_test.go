package livejob

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

const testJobID = flinkapi.JobID("0123456789abcdef0123456789abcdef")

type rig struct {
	kafka  *kfake.Cluster
	server *flinktest.Server
	client *flinkapi.Client
	job    *Job
	prod   *Producer
}

func newRig(t *testing.T, rate Rate) *rig {
	t.Helper()
	kc, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(6, "hot"), kfake.SeedTopics(2, "cold"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	job, err := New(Config{
		JobID: testJobID, Brokers: kc.ListenAddrs(), Group: "livejob-test",
		CheckpointInterval: 300 * time.Millisecond, MetricRefresh: 100 * time.Millisecond,
		Pipelines: []Pipeline{
			{Name: "hot", Topic: "hot", Partitions: 6, Parallelism: [3]int{1, 1, 1}, Capacity: [3]float64{400, 300, 800}},
			{Name: "cold", Topic: "cold", Partitions: 2, Capacity: [3]float64{400, 300, 800}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := flinktest.Start(t, flinktest.Config{Metrics: job, RestartDelay: 200 * time.Millisecond})
	if _, err := srv.AddJob(job.JobSpec()); err != nil {
		t.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	prod, err := NewProducer(ProducerConfig{Brokers: kc.ListenAddrs(), Topics: map[string]int{"hot": 6, "cold": 2}, Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{kafka: kc, server: srv, client: c, job: job, prod: prod}
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The job reads what is produced, reports Flink's metrics, restarts from
// its checkpoint on a rescale (replaying), and a stop with drain leaves
// every produced record processed exactly once in the distinct count.
func TestJobRescaleAndDrain(t *testing.T) {
	r := newRig(t, func(topic string, _ time.Duration) float64 {
		if topic == "hot" {
			return 80 // 480/s over 6 partitions: above one transform subtask's 300/s
		}
		return 20
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.job.Run(ctx, r.server) }()
	prodCtx, stopProd := context.WithCancel(ctx)
	prodDone := make(chan error, 1)
	go func() { prodDone <- r.prod.Run(prodCtx, 0) }()

	hot, _ := r.job.VertexID("hot", Transform)
	src, _ := r.job.VertexID("hot", Source)
	// The transform is the bottleneck: it reports itself busy, and the
	// source reports pending records.
	waitFor(t, "busy transform", 5*time.Second, func() bool {
		res, err := r.client.VertexMetrics(ctx, testJobID, hot, flinkapi.MetricsQuery{Names: []string{"busyTimeMsPerSecond"}, Aggregations: []flinkapi.Aggregation{flinkapi.AggMax}})
		if err != nil {
			return false
		}
		v, ok := res.Metrics["busyTimeMsPerSecond"].Value(flinkapi.AggMax)
		return ok && v > 800
	})
	waitFor(t, "a checkpoint", 5*time.Second, func() bool { return r.job.Stats().Checkpoints > 0 })

	if _, err := r.client.Rescale(ctx, testJobID, map[flinkapi.VertexID]int{hot: 3, src: 2}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the restart", 5*time.Second, func() bool { return r.job.Stats().Restarts == 1 })
	waitFor(t, "metrics after the restart", 5*time.Second, r.job.Published)
	time.Sleep(time.Second)
	stopProd()
	if err := <-prodDone; err != nil {
		t.Fatal(err)
	}
	produced := r.prod.Produced()
	total := produced["hot"] + produced["cold"]
	waitFor(t, "catching up", 10*time.Second, func() bool {
		s := r.job.Stats()
		return s.Pipelines[0].Position+s.Pipelines[1].Position == total
	})
	op, err := r.client.StopWithSavepoint(ctx, testJobID, flinkapi.StopRequest{Drain: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.WaitOperation(ctx, testJobID, op); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	s := r.job.Stats()
	if s.State != flinkapi.JobFinished {
		t.Errorf("state %s, want FINISHED", s.State)
	}
	if s.Processed != total || s.Lost != 0 {
		t.Errorf("processed %d of %d produced, lost %d", s.Processed, total, s.Lost)
	}
	if s.Replayed == 0 || s.Delivered < s.Processed {
		t.Errorf("replayed %d, delivered %d: the rescale should have replayed", s.Replayed, s.Delivered)
	}
	for _, p := range s.Pipelines {
		if p.Committed != p.Position || p.Processed != p.Position {
			t.Errorf("%s: committed %d, position %d, processed %d", p.Name, p.Committed, p.Position, p.Processed)
		}
	}
	par, _ := r.server.Parallelism(testJobID)
	if par[hot] != 3 || par[src] != 2 {
		t.Errorf("parallelism %v", par)
	}
}

func TestRunTwice(t *testing.T) {
	r := newRig(t, func(string, time.Duration) float64 { return 0 })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.job.Run(ctx, r.server) }()
	time.Sleep(50 * time.Millisecond)
	if err := r.job.Run(ctx, r.server); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	ok := Pipeline{Name: "p", Topic: "t", Partitions: 1, Capacity: [3]float64{1, 1, 1}}
	base := Config{JobID: testJobID, Brokers: []string{"x:9092"}, Group: "g", Pipelines: []Pipeline{ok}}
	bad := ok
	bad.Capacity[1] = 0
	for name, mut := range map[string]func(*Config){
		"no job":         func(c *Config) { c.JobID = "" },
		"no brokers":     func(c *Config) { c.Brokers = nil },
		"no group":       func(c *Config) { c.Group = "" },
		"no pipelines":   func(c *Config) { c.Pipelines = nil },
		"twice":          func(c *Config) { c.Pipelines = []Pipeline{ok, ok} },
		"zero capacity":  func(c *Config) { c.Pipelines = []Pipeline{bad} },
		"negative dur":   func(c *Config) { c.Poll = -1 },
		"zero partition": func(c *Config) { c.Pipelines = []Pipeline{{Name: "p", Topic: "t", Capacity: ok.Capacity}} },
	} {
		c := base
		mut(&c)
		if _, err := New(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(base); err != nil {
		t.Errorf("valid config: %v", err)
	}
}
