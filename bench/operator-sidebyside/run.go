package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

// setup is what every run shares.
type setup struct {
	k         *realstack.Kafka
	dir       string
	pipelines int
	parts     int
	cost      time.Duration
	idleRate  float64
	interval  time.Duration
	window    time.Duration
	scale     float64
	slo       time.Duration
	warm      time.Duration
	logger    *slog.Logger
}

// runOne runs trace tr under controller ctl on a fresh Flink cluster and
// fresh topics, then drains the job and counts the sink, and returns the
// figures.
func (s *setup) runOne(ctx context.Context, seq int, tr trace, name string, ctl controller) (res result, err error) {
	res.trace, res.controller = tr.name, name
	dir := filepath.Join(s.dir, fmt.Sprintf("%02d-%s-%s", seq, tr.name, name))
	if err := os.MkdirAll(filepath.Join(dir, "flink"), 0o755); err != nil {
		return res, err
	}
	f, err := realstack.NewFlink(ctx, realstack.FlinkConfig{
		Version: "1.20", TaskManagers: 1, Slots: 16, MetricsFetchInterval: time.Second,
		Config: realtest.RescaleAtOnce(), Dir: filepath.Join(dir, "flink"), Logger: s.logger,
	})
	if err != nil {
		return res, err
	}
	defer f.Close()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: f.URL(), RequestTimeout: 10 * time.Second})
	if err != nil {
		return res, err
	}
	defer c.Close()

	const group = "sidebyside"
	job := realstack.TestJob{
		BootstrapServers: strings.Join(s.k.Addrs(), ","), Name: "sidebyside", MaxParallelism: s.parts,
		CheckpointInterval: 2 * time.Second, TransactionTimeout: sinkTxTimeout,
	}
	var topics []string
	for i := range s.pipelines {
		in, out := fmt.Sprintf("sbs%02d-%d-in", seq, i), fmt.Sprintf("sbs%02d-%d-out", seq, i)
		job.Pipelines = append(job.Pipelines, realstack.TestPipeline{In: in, Out: out, Group: group, Cost: s.cost})
		topics = append(topics, fmt.Sprintf("Source: in-%d=%s", i, in))
	}
	if err := realstack.CreateTestJobTopics(ctx, s.k, job, s.parts); err != nil {
		return res, err
	}
	id, err := f.Submit(ctx, job)
	if err != nil {
		return res, err
	}
	if err := waitRunning(ctx, c, flinkapi.JobID(id)); err != nil {
		return res, err
	}

	// The producers: the trace on pipeline 0, a steady trickle on the
	// others, from now on.
	began := time.Now().Add(s.warm)
	produced := make([]atomic.Int64, s.pipelines)
	prodCtx, stopProducing := context.WithCancel(ctx)
	defer stopProducing()
	prodErr := make(chan error, s.pipelines)
	for i := range s.pipelines {
		rate := func(now time.Time) (float64, bool) {
			e := now.Sub(began)
			switch {
			case e >= tr.length:
				return 0, true
			case i > 0:
				return s.idleRate, false
			case e < 0:
				return tr.rate(0), false
			}
			return tr.rate(e), false
		}
		go func() { prodErr <- realstack.ProduceAtRate(prodCtx, s.k, job.Pipelines[i].In, rate, &produced[i]) }()
	}

	lag, err := kafkalag.New(kafkalag.Config{Brokers: s.k.Addrs(), Sarama: s.k.SaramaConfig(),
		Groups: []kafkalag.Group{{Name: group, Topics: []string{job.Pipelines[0].In}, Reset: backlog.ResetEarliest}}})
	if err != nil {
		return res, err
	}
	defer lag.Close()
	mon := &monitor{c: c, job: flinkapi.JobID(id), lag: lag}
	monCtx, stopMon := context.WithCancel(ctx)
	monDone := make(chan struct{})
	go func() { defer close(monDone); mon.run(monCtx, time.Second) }()
	defer func() { stopMon(); <-monDone }()

	env := runEnv{k: s.k, f: f, job: id, group: group, topics: strings.Join(topics, ";"), dir: dir,
		interval: s.interval, scale: s.scale, window: s.window}
	if err := ctl.start(ctx, env); err != nil {
		return res, fmt.Errorf("starting %s: %w", name, err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = ctl.stop()
		}
	}()
	s.logger.Info("sidebyside: run started", "trace", tr.name, "controller", name, "job", id)

	// The trace, then until the group caught up (at most 3 min).
	for i := range s.pipelines {
		if err := <-prodErr; err != nil {
			return res, fmt.Errorf("producer %d: %w", i, err)
		}
	}
	end := time.Now()
	deadline := end.Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		ss := mon.all()
		if l := ss[len(ss)-1]; l.lagKnown && l.records == 0 {
			break
		}
		time.Sleep(time.Second)
	}
	caughtUp := time.Now()
	decided, err := ctl.decided()
	if err != nil {
		return res, err
	}
	stopped = true
	if err := ctl.stop(); err != nil {
		return res, fmt.Errorf("stopping %s: %w", name, err)
	}
	stopMon()
	<-monDone
	r := measure(mon.all(), began, caughtUp, s.slo, decided)
	r.trace, r.controller, r.dir, r.window = tr.name, name, dir, caughtUp.Sub(began)
	if caughtUp.After(deadline) {
		r.note = "did not catch up within 3 min of the trace's end"
	}

	// Drain, so that the exactly-once sink commits its last transaction,
	// then count every pipeline's sink.
	if err := drainJob(ctx, c, flinkapi.JobID(id), filepath.Join(dir, "savepoints")); err != nil {
		r.note = strings.TrimPrefix(r.note+"; drain: "+err.Error(), "; ")
	}
	for i, p := range job.Pipelines {
		n := produced[i].Load()
		counts, err := visibleCounts(ctx, s.k, p.Out, n)
		if err != nil {
			return r, err
		}
		r.produced += n
		for _, times := range counts {
			r.inSink += int64(times)
			if times > 1 {
				r.duplicated += int64(times - 1)
			}
		}
		r.lost += max(0, n-int64(len(counts)))
	}
	return r, nil
}

// sinkTxTimeout is the sink producers' transaction timeout. A transaction
// left open by a subtask that a rescale removed holds back what
// read-committed consumers see (the last stable offset) until it times out:
// measured in this bench, right after a drain only 7,598 of 315,588
// records were readable, and 307,990 nine minutes later. The sinks are
// counted once everything produced is readable, or once this timeout and
// a margin have passed.
const sinkTxTimeout = 2 * time.Minute

// visibleCounts counts topic read-committed until it holds want records or
// sinkTxTimeout and 30 s have passed, and returns the last counts.
func visibleCounts(ctx context.Context, k *realstack.Kafka, topic string, want int64) (map[string]int, error) {
	deadline := time.Now().Add(sinkTxTimeout + 30*time.Second)
	for {
		counts, err := realstack.TestRecordCounts(ctx, k, topic)
		if err != nil || int64(len(counts)) >= want || time.Now().After(deadline) {
			return counts, err
		}
		time.Sleep(5 * time.Second)
	}
}

// waitRunning waits for the job and all its tasks to run (2 min).
func waitRunning(ctx context.Context, c *flinkapi.Client, id flinkapi.JobID) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		d, err := c.JobDetails(ctx, id)
		if err == nil && realtest.Running(d, nil) == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("job %s not running after 2 min (%v)", id, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// drainJob stops the job with a drained savepoint and waits until it is
// FINISHED.
func drainJob(ctx context.Context, c *flinkapi.Client, id flinkapi.JobID, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	trig, err := c.StopWithSavepoint(ctx, id, flinkapi.StopRequest{TargetDirectory: "file://" + dir, Drain: true})
	if err != nil {
		return err
	}
	if _, err := c.WaitOperation(ctx, id, trig); err != nil {
		return err
	}
	for {
		st, err := c.JobStatus(ctx, id)
		if err == nil && st == flinkapi.JobFinished {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("job %s not FINISHED after its savepoint (%s, %v)", id, st, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
