package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
	"github.com/flinkscale/flinkscale/flinkdeployment"
)

// runReal watches (and with -apply, rescales) a job on a real cluster,
// with the production defaults of autoscale.Default (realsetup.go reads
// the flags).
func runReal(in *interrupts, o options, stdout, stderr io.Writer) error {
	if o.drainTimeout == 0 {
		o.drainTimeout = 10 * time.Minute
	}
	logger := newLogger(stderr, o.verbose)
	tel, err := startTelemetry(nil, o.metricsAddr, stdout)
	if err != nil {
		return err
	}
	defer tel.close()
	// With -flinkdeployment, the operator's resource names the job and
	// its REST address, and is what -apply and -drain-on-exit act on.
	var dep *flinkdeployment.Deployment
	var depCfg flinkdeployment.Config
	if o.flinkDeployment != "" {
		kctx, cancelKube := context.WithTimeout(in.Run, connectTimeout)
		dep, depCfg, err = operatorTarget(kctx, &o, logger, stdout)
		cancelKube()
		if err != nil {
			return err
		}
	}
	client, err := realClient(o, logger, tel)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(in.Run, connectTimeout)
	defer cancel()
	ov, job, details, err := findJob(cctx, client, o)
	if err != nil {
		return err
	}
	// -topics names the sources' topics by source name: checked against
	// the job now, resolved by the observer at every observation.
	topics, _ := parseTopics(o.topics) // parse checked it
	if _, err := flinkio.ResolveTopics(details, topics); err != nil {
		return fmt.Errorf("-topics: %w; name each source's topics: -topics 'NAME=t1,t2;NAME=t3'", err)
	}
	// The observer and the Flink backlog share one client, so each
	// observation reads the job once. The backlog: Flink's pendingRecords,
	// with the group's lag from Kafka as the fallback and Kafka's time lag;
	// a Kafka that cannot be read is an error now, a warning later.
	shared, err := flinkio.NewShared(flinkio.SharedConfig{Client: client})
	if err != nil {
		return err
	}
	src, closeKafka, err := realBacklog(cctx, o, shared, job, topics, logger, stderr, tel)
	if err != nil {
		return err
	}
	defer closeKafka()
	// Lag health (Burrow's rules) over the Kafka partitions: a partition
	// stuck on a poison record is left out of the sizing, as more
	// parallelism cannot help it. It needs Kafka's offsets (-kafka-brokers).
	var health *backlog.Health
	if len(o.brokers) > 0 {
		if health, err = backlog.NewHealth(backlog.HealthConfig{}); err != nil {
			return err
		}
	}
	observer, err := flinkio.NewObserver(flinkio.ObserverConfig{
		Client: shared, Job: job, Backlog: src, TopicsByName: topics, Health: health, Logger: logger,
	})
	if err != nil {
		return err
	}
	// The policy: production defaults, with the job's own checkpoint
	// interval and metric refresh (realsetup.go).
	pol := realPolicy(cctx, client, job, o, stderr)
	policy, err := autoscale.NewDefault(pol)
	if err != nil {
		return err
	}
	var act autoscale.Actuator = &autoscale.DryRun{}
	mode := "dry run: decisions are printed, nothing is changed (-apply to rescale)"
	switch {
	case o.apply && dep != nil:
		act, mode = dep.Actuator(), "applying through the Flink Kubernetes Operator: pipeline.jobvertex-parallelism-overrides in the FlinkDeployment (in place with Flink 1.18+ and the adaptive scheduler, else a full upgrade)"
	case o.apply:
		act, mode = flinkio.Rescale{Client: client, Job: job}, "applying: rescales in place through the adaptive scheduler"
	}
	out, err := report.OpenRun(o.out, time.Now())
	if err != nil {
		return err
	}
	defer out.Close()
	fmt.Fprintf(stdout, "autopilot: Flink %s at %s, job %s (%q, %s)\n", ov.FlinkVersion, o.flinkURL, job, details.Name, details.State)
	fmt.Fprintf(stdout, "%s; deciding every %s; backlog from %s; writing to %s\n\n", mode, o.interval, backlogOrigin(o), out.Path(""))

	s := &session{
		stdout: stdout, log: logger, client: client, job: job, out: out,
		observer: observer, policy: policy, actuator: act,
		interval: o.interval, slo: pol.LagSLO, rates: counterRates, tel: tel,
	}
	runCtx, stopRun := context.WithCancel(in.Run)
	if o.duration > 0 {
		var stopTimer context.CancelFunc
		runCtx, stopTimer = context.WithTimeout(runCtx, o.duration)
		defer stopTimer()
	}
	if dep != nil {
		s.drainVia = operatorDrain(depCfg)
		watchCtx, stopWatch := context.WithCancel(runCtx)
		defer stopWatch()
		go watchDeployment(watchCtx, dep, string(job), stderr, func(newJob string) {
			fmt.Fprintf(stderr, "autopilot: the operator now runs job %s instead of %s (an upgrade redeployed it): ending this run; run again to follow the new job\n", newJob, job)
			stopWatch()
			stopRun()
		})
	}
	s.loop(runCtx)
	stopRun()
	actx, cancelAdvice := context.WithTimeout(context.Background(), connectTimeout)
	s.advise(actx)
	cancelAdvice()
	sum := report.Summary{
		Mode: report.ModeReal, Job: details.Name, Duration: time.Since(s.start), TimeScale: 1,
		Placement: s.placementReport(),
		Drain:     report.Drain{Reason: "not requested: the job keeps running (-apply -drain-on-exit drains it)"},
	}
	if o.drainOnExit {
		fmt.Fprintln(stdout)
		sum.Drain = s.drainJob(in, o.drainTimeout, drainDir(o.out))
	}
	sum.Signal = in.interrupted()
	sum.Interrupted = sum.Signal != ""
	return s.finish(sum)
}
