package livejob

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

const testJobID = flinkapi.JobID("0123456789abcdef0123456789abcdef")

// testEnv starts an Env; unless held, its clock runs from the start, else
// it waits for the first Sleep on env.Controller.
func testEnv(t *testing.T, rate Rate, held bool) *Env {
	t.Helper()
	env, err := Start(EnvConfig{
		Job: Config{
			JobID: testJobID, Group: "livejob-test",
			CheckpointInterval: 300 * time.Millisecond, MetricRefresh: 100 * time.Millisecond,
			Pipelines: []Pipeline{
				{Name: "hot", Topic: "hot", Partitions: 6, Parallelism: [3]int{1, 1, 1}, Capacity: [3]float64{400, 300, 800}},
				{Name: "cold", Topic: "cold", Partitions: 2, Capacity: [3]float64{400, 300, 800}},
			},
		},
		Producer:     ProducerConfig{Rate: rate},
		RestartDelay: 200 * time.Millisecond,
		Savepoints:   flinktest.SavepointBehavior{Delay: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	if !held {
		env.Controller.Release()
	}
	return env
}

// waitVirtual sleeps on the env's clock for d of virtual time.
func waitVirtual(t *testing.T, env *Env, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := env.Clock.Sleep(ctx, d); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, env *Env, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := env.Clock.Now().Add(d)
	for !ok() {
		if env.Clock.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		waitVirtual(t, env, 50*time.Millisecond)
	}
}

// The job reads what is produced, reports Flink's metrics, restarts from
// its checkpoint on a rescale (replaying), and a stop with drain leaves
// every produced record processed exactly once in the distinct count.
func TestJobRescaleAndDrain(t *testing.T) {
	env := testEnv(t, func(topic string, _ time.Duration) float64 {
		if topic == "hot" {
			return 80 // 480/s over 6 partitions: above one transform subtask's 300/s
		}
		return 20
	}, false)
	ctx := context.Background()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: env.Server.URL})
	if err != nil {
		t.Fatal(err)
	}
	hot, _ := env.Job.VertexID("hot", Transform)
	src, _ := env.Job.VertexID("hot", Source)
	// The transform is the bottleneck: it reports itself busy.
	waitFor(t, env, "busy transform", 5*time.Second, func() bool {
		res, err := c.VertexMetrics(ctx, testJobID, hot, flinkapi.MetricsQuery{Names: []string{flinkapi.MetricBusyTime}, Aggregations: []flinkapi.Aggregation{flinkapi.AggMax}})
		if err != nil {
			return false
		}
		v, ok := res.Metrics[flinkapi.MetricBusyTime].Value(flinkapi.AggMax)
		return ok && v > 950
	})
	waitFor(t, env, "a checkpoint", 5*time.Second, func() bool { return env.Job.Stats().Checkpoints > 0 })

	if _, err := c.Rescale(ctx, testJobID, map[flinkapi.VertexID]int{hot: 3, src: 2}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, env, "the restart", 5*time.Second, func() bool { return env.Job.Stats().Restarts == 1 })
	waitFor(t, env, "metrics after the restart", 5*time.Second, env.Job.Published)
	waitVirtual(t, env, time.Second)
	env.Producer.Stop()
	waitVirtual(t, env, 100*time.Millisecond)
	produced := env.Producer.Produced()
	total := produced["hot"] + produced["cold"]
	waitFor(t, env, "catching up", 10*time.Second, func() bool {
		s := env.Job.Stats()
		return s.Pipelines[0].Position+s.Pipelines[1].Position == total
	})
	op, err := c.StopWithSavepoint(ctx, testJobID, flinkapi.StopRequest{Drain: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitOperation(ctx, testJobID, op); err != nil {
		t.Fatal(err)
	}
	select {
	case <-env.Job.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not end after the drain")
	}
	if err := env.Job.Err(); err != nil {
		t.Fatalf("job: %v", err)
	}
	s := env.Job.Stats()
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
	par, _ := env.Server.Parallelism(testJobID)
	if par[hot] != 3 || par[src] != 2 {
		t.Errorf("parallelism %v", par)
	}
}

// figures is what an observer sees of the job at one virtual instant.
type figures struct {
	at                                time.Duration
	produced, read, processed, commit int64
	checkpoints                       int64
}

// sample observes env at every step of virtual time for n steps, through
// a holding view of its clock, as the controller observes.
func sample(t *testing.T, env *Env, step time.Duration, n int) []figures {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := env.Controller
	defer h.Release()
	var out []figures
	for range n {
		if err := h.Sleep(ctx, step); err != nil {
			t.Fatal(err)
		}
		s := env.Job.Stats()
		f := figures{at: env.Elapsed(), produced: env.Producer.Produced()["hot"], read: s.Read, processed: s.Processed, checkpoints: s.Checkpoints}
		for _, p := range s.Pipelines {
			f.commit += p.Committed
		}
		out = append(out, f)
	}
	return out
}

// The embedded world depends on its steps alone: two runs show the same
// figures at the same virtual instants, also when the machine is busy
// with other work (the cause of a demo that rescaled differently on a
// loaded machine).
func TestDeterministicUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the job twice for 3 s")
	}
	rate := func(topic string, at time.Duration) float64 {
		if topic == "hot" && at > time.Second {
			return 90 // over the transform's capacity: a backlog grows
		}
		return 30
	}
	t0 := time.Now()
	quiet := sample(t, testEnv(t, rate, true), 250*time.Millisecond, 12)
	t.Logf("quiet took %s", time.Since(t0))

	// Busy goroutines, one per processor, slow every step of the second
	// run down (yielding often enough that the runtime still serves the
	// network).
	stop := make(chan struct{})
	var hogs sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		hogs.Go(func() {
			for x := 0; ; x++ {
				select {
				case <-stop:
					return
				default:
				}
				for range 1 << 12 {
					x ^= x << 1
				}
				runtime.Gosched()
			}
		})
	}
	t0 = time.Now()
	loaded := sample(t, testEnv(t, rate, true), 250*time.Millisecond, 12)
	t.Logf("loaded took %s", time.Since(t0))
	close(stop)
	hogs.Wait()
	if !slices.Equal(quiet, loaded) {
		t.Errorf("the figures differ:\nquiet  %+v\nloaded %+v", quiet, loaded)
	}
	if last := quiet[len(quiet)-1]; last.read == 0 || last.checkpoints == 0 || last.processed >= last.produced {
		t.Errorf("the run did not exercise the job: %+v", last)
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
		"negative dur":   func(c *Config) { c.BufferTime = -1 },
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
