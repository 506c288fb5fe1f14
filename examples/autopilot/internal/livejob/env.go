package livejob

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// maxSlip is how far the driver may fall behind the wall clock and still
// catch up; beyond it (a loaded machine, a long controller step) the
// virtual time slips instead, so it never runs faster than the wall clock
// to make up.
const maxSlip = 100 * time.Millisecond

// EnvConfig configures an Env. Zero fields mean the documented defaults.
type EnvConfig struct {
	// Job is the job to run. Its Brokers are filled in.
	Job Config
	// Producer is the traffic. Its Brokers and Topics (each pipeline's
	// topic and partitions) are filled in. Required: a Rate.
	Producer ProducerConfig
	// Brokers is the number of Kafka brokers. Default: 3.
	Brokers int
	// TaskManagers and SlotsPerTaskManager size the fake cluster.
	// Default: flinktest's.
	TaskManagers, SlotsPerTaskManager int
	// RestartDelay is how long a rescale keeps the job RESTARTING.
	// Default: 0.
	RestartDelay time.Duration
	// Savepoints shapes stop-with-savepoint on the JobManager.
	Savepoints flinktest.SavepointBehavior
	// Step is the driver's time step. Default: 50 ms.
	Step time.Duration
	// Logger receives the parts' warnings and debug lines. Default:
	// discard.
	Logger *slog.Logger
}

// Env is the embedded world of the autopilot demo: a Kafka cluster in
// process (kfake), a fake JobManager (flinktest) running the Job, and the
// Producer, all on one Clock that a driver goroutine moves in steps: each
// step runs the job (fetch, process, checkpoint, publish metrics) and the
// producer, then moves the clock and wakes its sleepers. The exported
// fields are set by Start and must not be changed. Close stops it all.
type Env struct {
	Clock *Clock
	// Controller is the clock of the controller driving the job: it holds
	// the time from Start until its first Sleep, so the controller's ticks
	// fall at the same instants of every run, and holds it again while each
	// tick runs (see Holding). Use it from one goroutine.
	Controller *Holding
	Kafka      *kfake.Cluster
	Brokers    []string
	Server     *flinktest.Server
	Job        *Job
	Producer   *Producer

	cfg    EnvConfig
	start  time.Time
	cancel context.CancelFunc
	driven chan struct{}

	mu      sync.Mutex
	prodErr error
}

// Start starts Kafka, the JobManager with the job, and the driver.
func Start(cfg EnvConfig) (_ *Env, err error) {
	if cfg.Brokers == 0 {
		cfg.Brokers = 3
	}
	if cfg.Step == 0 {
		cfg.Step = 50 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Env{cfg: cfg, start: time.Now(), driven: make(chan struct{})}
	e.Clock = NewClock(e.start)
	defer func() {
		if err != nil {
			e.closeParts()
		}
	}()
	topics := map[string]int{}
	opts := []kfake.Opt{kfake.NumBrokers(cfg.Brokers)}
	for _, p := range cfg.Job.Pipelines {
		topics[p.Topic] = p.Partitions
		opts = append(opts, kfake.SeedTopics(int32(p.Partitions), p.Topic))
	}
	if e.Kafka, err = kfake.NewCluster(opts...); err != nil {
		return nil, fmt.Errorf("livejob: start Kafka: %w", err)
	}
	e.Brokers = e.Kafka.ListenAddrs()
	cfg.Job.Brokers, cfg.Producer.Brokers, cfg.Producer.Topics = e.Brokers, e.Brokers, topics
	if cfg.Job.Logger == nil {
		cfg.Job.Logger = cfg.Logger
	}
	if cfg.Producer.Logger == nil {
		cfg.Producer.Logger = cfg.Logger
	}
	if e.Job, err = New(cfg.Job); err != nil {
		return nil, err
	}
	if e.Producer, err = NewProducer(cfg.Producer); err != nil {
		return nil, err
	}
	e.Server, err = flinktest.NewServer(flinktest.Config{
		TaskManagers: cfg.TaskManagers, SlotsPerTaskManager: cfg.SlotsPerTaskManager,
		Clock: e.Clock, Metrics: e.Job, RestartDelay: cfg.RestartDelay, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	spec := e.Job.JobSpec()
	spec.Savepoints = cfg.Savepoints
	if _, _, err := e.Server.AddJob(spec); err != nil {
		return nil, err
	}
	if err := e.Job.start(e.Server, e.start); err != nil {
		return nil, err
	}
	if err := e.Producer.start(); err != nil {
		return nil, err
	}
	e.Controller = e.Clock.Held()
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go e.drive(ctx)
	return e, nil
}

// Elapsed is the virtual time since Start.
func (e *Env) Elapsed() time.Duration { return e.Clock.Now().Sub(e.start) }

// ProducerErr is the error that stopped the producer, if any.
func (e *Env) ProducerErr() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.prodErr
}

// drive moves the world in steps until ctx ends, at most as fast as the
// wall clock.
func (e *Env) drive(ctx context.Context) {
	defer close(e.driven)
	e.Clock.wait(ctx) // for the controller's first Sleep
	wall, virt := time.Now(), e.Clock.Now()
	for ctx.Err() == nil {
		from := e.Clock.Now()
		to := e.Clock.next(from.Add(e.cfg.Step))
		e.Job.step(from, to)
		if e.ProducerErr() == nil {
			if err := e.Producer.step(from.Sub(e.start), to.Sub(e.start), to); err != nil {
				e.cfg.Logger.Warn("livejob: the producer stopped", "err", err)
				e.mu.Lock()
				e.prodErr = err
				e.mu.Unlock()
			}
		}
		e.Clock.advance(ctx, to)
		due := wall.Add(to.Sub(virt))
		if behind := time.Since(due); behind > maxSlip {
			wall, virt = time.Now(), to
		} else if behind < 0 {
			t := time.NewTimer(-behind)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
	}
}

// Close stops the driver and everything Start started.
func (e *Env) Close() {
	if e.cancel != nil {
		e.cancel()
		<-e.driven
	}
	e.closeParts()
}

func (e *Env) closeParts() {
	if e.Job != nil {
		e.Job.close()
	}
	if e.Producer != nil {
		e.Producer.close()
	}
	if e.Server != nil {
		e.Server.Close()
	}
	if e.Kafka != nil {
		e.Kafka.Close()
	}
}
