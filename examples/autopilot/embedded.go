package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// runEmbedded runs the whole loop on embedded Kafka and Flink (demo.go),
// on their virtual clock.
func runEmbedded(in *interrupts, o options, stdout, stderr io.Writer) error {
	if o.duration == 0 {
		o.duration = time.Minute
	}
	if o.drainTimeout == 0 {
		o.drainTimeout = 10 * time.Second
	}
	logger, wallStart := newLogger(stderr, o.verbose), time.Now()
	pol, tr, job := embeddedPolicy(), trace{d: o.duration}, newJobID()
	env, err := embeddedWorld(job, pol, tr, logger)
	if err != nil {
		return err
	}
	defer env.Close()
	clk := env.Clock
	tel, err := startTelemetry(env.Controller, o.metricsAddr, stdout)
	if err != nil {
		return err
	}
	defer tel.close()

	// The controller's parts: Flink's REST API (shared by the observer and
	// the Flink backlog, so each observation reads the job once), the
	// backlog from Flink's pendingRecords with Kafka's lag as the fallback
	// (and Kafka's time lag), the policy, and the in-place rescale.
	client, err := flinkapi.New(flinkapi.Config{BaseURL: env.Server.URL, RequestTimeout: 5 * time.Second, Logger: logger, OnCall: tel.calls.Call})
	if err != nil {
		return err
	}
	shared, err := flinkio.NewShared(flinkio.SharedConfig{Client: client})
	if err != nil {
		return err
	}
	fromFlink, err := flinkbacklog.New(flinkbacklog.Config{Client: shared, Job: job, Clock: clk, Logger: logger})
	if err != nil {
		return err
	}
	lag, err := kafkalag.New(kafkalag.Config{
		Brokers: env.Brokers, Clock: clk, Logger: logger, Timeout: 5 * time.Second, OnEvaluation: tel.lag.KafkaEvaluation,
		Groups: []kafkalag.Group{{Name: embeddedGroup, Topics: []string{"hot", "cold"}, Reset: backlog.ResetEarliest}},
	})
	if err != nil {
		return err
	}
	defer lag.Close()
	if problem := kafkaProblem(lag.Backlog(in.Run)); problem != "" { // as real mode checks Kafka first
		return fmt.Errorf("embedded Kafka: %s", problem)
	}
	merged, err := backlog.Merge(backlog.CombineConfig{MaxAge: 5 * pol.DecisionInterval, Clock: clk},
		backlog.Named("flink", tel.lag.Wrap("flink", fromFlink)), backlog.Named("kafka", tel.lag.Wrap("kafka", lag)))
	if err != nil {
		return err
	}
	observer, err := flinkio.NewObserver(flinkio.ObserverConfig{Client: shared, Job: job, Backlog: merged, TopicsByName: embeddedTopics(), Logger: logger})
	if err != nil {
		return err
	}
	policy, err := autoscale.NewDefault(pol)
	if err != nil {
		return err
	}
	out, err := report.OpenRun(o.out, clk.Now())
	if err != nil {
		return err
	}
	defer out.Close()
	embeddedBanner(stdout, env, job, pol, out.Path(""))

	s := &session{
		stdout: stdout, log: logger, clock: clk, ctrlClock: env.Controller, client: client, job: job, out: out,
		observer: observer, policy: policy, actuator: flinkio.Rescale{Client: client, Job: job},
		interval: pol.DecisionInterval, slo: pol.LagSLO, rates: (&embeddedRates{env: env}).rates,
		firstAfter: pol.DecisionInterval, tel: tel,
	}
	// The run lasts o.duration and then, still controlling, until the job
	// has caught up with everything produced (catchup.go).
	follow := &catchUp{progress: jobProgress(env), stall: 10 * pol.CheckpointInterval, limit: 10 * pol.CatchUpTime}
	s.finished = func(smp report.Sample) bool {
		return env.Elapsed() >= tr.producing() && follow.done(smp.Time, smp.Elapsed >= o.duration)
	}
	s.loop(in.Run)
	interrupted := in.Run.Err() != nil
	env.Producer.Stop()

	// The end: review the checkpoints, drain, and account for every record
	// once the job has stopped, with the end offsets read from Kafka then.
	s.advise(context.Background())
	placement := s.placementReport()
	fmt.Fprintln(stdout)
	d := s.drainJob(in, o.drainTimeout, drainDir(o.out))
	recs, findings := accountRecords(env, job, lag, o.drainTimeout)
	return s.finish(report.Summary{
		Mode: report.ModeEmbedded, Job: embeddedName, Duration: clk.Now().Sub(s.start), Wall: time.Since(wallStart),
		TimeScale: timeScale, Placement: placement, Drain: d, Interrupted: in.interrupted() != "", Signal: in.interrupted(),
		Records: recs, Findings: append(follow.findings(interrupted), findings...),
	})
}
