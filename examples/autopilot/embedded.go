package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/examples/autopilot/livejob"
	"github.com/flinkscale/flinkscale/examples/autopilot/report"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// timeScale is how much production time one second of the embedded run
// stands for: every duration of the policy, the restarts, checkpoints and
// metric refreshes is the production one divided by it.
const timeScale = 30

// compress turns a production duration into the embedded run's.
func compress(d time.Duration) time.Duration { return d / timeScale }

// The embedded job: two pipelines, each Source -> keyed Transform -> Sink
// in a slot-sharing group of its own. Capacities are records/s per
// subtask.
var embeddedPipelines = []livejob.Pipeline{
	{Name: "hot", Topic: "hot", Partitions: 24, Parallelism: [3]int{2, 3, 1}, Capacity: [3]float64{500, 250, 1000}},
	{Name: "cold", Topic: "cold", Partitions: 8, Parallelism: [3]int{1, 1, 1}, Capacity: [3]float64{500, 250, 1000}},
}

const (
	embeddedJobID = flinkapi.JobID("a0f1ca5ea0f1ca5ea0f1ca5ea0f1ca5e")
	embeddedGroup = "autopilot-job"
)

// trace is the embedded traffic, in records/s per partition, over a run
// of length d: steady, a 4x spike on the hot pipeline from 25% to 45% of
// the run, steady again, and no new records in the last 15% so the job
// catches up before the drain.
type trace struct{ d time.Duration }

func (t trace) rate(topic string, at time.Duration) float64 {
	from, to := t.spike()
	switch {
	case at >= t.producing():
		return 0
	case topic == "cold":
		return 15
	case at >= from && at < to:
		return 100
	default:
		return 25
	}
}

// spike is when the hot pipeline's spike begins and ends.
func (t trace) spike() (from, to time.Duration) { return t.d * 25 / 100, t.d * 45 / 100 }

// producing is how long the producer writes.
func (t trace) producing() time.Duration { return t.d * 85 / 100 }

// embeddedPolicy is autoscale.Default on the compressed time scale: the
// production defaults, divided by timeScale.
func embeddedPolicy() autoscale.DefaultConfig {
	return autoscale.DefaultConfig{
		LagSLO:             compress(2 * time.Minute),
		CatchUpTime:        compress(10 * time.Minute),
		RestartCost:        compress(15 * time.Minute),
		RestartDowntime:    compress(30 * time.Second),
		CheckpointInterval: compress(30 * time.Second),
		// The lag comes from the consumer group's commits, which a Flink
		// job makes on checkpoints: it is stale by up to a checkpoint
		// interval plus the checkpoint's duration. The policy counts a
		// source as caught up while its lag is below MetricRefresh, so
		// that is 1.5 checkpoint intervals here rather than Flink's 10 s
		// refresh; and it decides no more often than that.
		MetricRefresh:    compress(45 * time.Second),
		DecisionInterval: compress(45 * time.Second),
		TrendWindow:      compress(time.Hour),
		MaxHorizon:       compress(2 * time.Hour),
	}
}

// runEmbedded runs the whole loop on embedded Kafka and Flink.
func runEmbedded(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if o.duration == 0 {
		o.duration = time.Minute
	}
	if o.drainTimeout == 0 {
		o.drainTimeout = 10 * time.Second
	}
	logger := newLogger(stderr, o.verbose)
	out, err := report.OpenDir(o.out)
	if err != nil {
		return err
	}
	defer out.Close()
	pol := embeddedPolicy()

	// Kafka: three brokers in process.
	var topics []kfake.Opt
	topicParts := map[string]int{}
	for _, p := range embeddedPipelines {
		topics = append(topics, kfake.SeedTopics(int32(p.Partitions), p.Topic))
		topicParts[p.Topic] = p.Partitions
	}
	kc, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(3)}, topics...)...)
	if err != nil {
		return fmt.Errorf("start embedded Kafka: %w", err)
	}
	defer kc.Close()
	brokers := kc.ListenAddrs()

	// The job, and the JobManager serving it.
	jobCfg := livejob.Config{
		JobID: embeddedJobID, Name: "autopilot-demo", Pipelines: embeddedPipelines,
		Brokers: brokers, Group: embeddedGroup,
		CheckpointInterval: pol.CheckpointInterval, CheckpointTimeout: 10 * pol.CheckpointInterval,
		MetricRefresh: compress(10 * time.Second), Logger: logger,
	}
	job, err := livejob.New(jobCfg)
	if err != nil {
		return err
	}
	srv, err := flinktest.NewServer(flinktest.Config{
		TaskManagers: 8, SlotsPerTaskManager: 4, Metrics: job,
		RestartDelay: pol.RestartDowntime, Logger: logger,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	spec := job.JobSpec()
	spec.Savepoints = flinktest.SavepointBehavior{Delay: 500 * time.Millisecond, Directory: "file:/tmp/flink-savepoints"}
	if _, err := srv.AddJob(spec); err != nil {
		return err
	}
	jobCtx, stopJob := context.WithCancel(context.WithoutCancel(ctx))
	defer stopJob()
	jobDone := make(chan error, 1)
	go func() { jobDone <- job.Run(jobCtx, srv) }()

	tr := trace{d: o.duration}
	prod, err := livejob.NewProducer(livejob.ProducerConfig{Brokers: brokers, Topics: topicParts, Rate: tr.rate, Logger: logger})
	if err != nil {
		return err
	}
	prodCtx, stopProd := context.WithCancel(ctx)
	defer stopProd()
	var prodErr error
	prodStopped := make(chan struct{})
	go func() {
		defer close(prodStopped)
		prodErr = prod.Run(prodCtx, tr.producing())
	}()

	// The controller's parts.
	client, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, RequestTimeout: 5 * time.Second, MetricNamesTTL: 2 * time.Second, Logger: logger})
	if err != nil {
		return err
	}
	fromFlink, err := flinkbacklog.New(flinkbacklog.Config{Client: client, Job: embeddedJobID, Logger: logger})
	if err != nil {
		return err
	}
	lag, err := kafkalag.New(kafkalag.Config{
		Brokers: brokers, Logger: logger, Timeout: 5 * time.Second,
		Groups: []kafkalag.Group{{Name: embeddedGroup, Topics: []string{"hot", "cold"}, Reset: backlog.ResetEarliest}},
	})
	if err != nil {
		return err
	}
	defer lag.Close()
	merged, err := backlog.Merge(backlog.CombineConfig{MaxAge: 5 * pol.DecisionInterval}, backlog.Named("flink", fromFlink), backlog.Named("kafka", lag))
	if err != nil {
		return err
	}
	observer, err := flinkio.NewObserver(flinkio.ObserverConfig{Client: client, Job: embeddedJobID, Backlog: merged, Topics: job.Topics(), Logger: logger})
	if err != nil {
		return err
	}
	policy, err := autoscale.NewDefault(pol)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "autopilot: embedded Kafka (3 brokers %v) and Flink JobManager %s\n", brokers, srv.URL)
	fmt.Fprintf(stdout, "job %s: pipelines hot (24 partitions) and cold (8), each Source -> keyed Transform -> Sink\n", embeddedJobID)
	fmt.Fprintf(stdout, "time compressed %dx: 1 s here is %s in production; lag SLO %s (%s); deciding every %s\n\n",
		timeScale, time.Second*timeScale, pol.LagSLO, pol.LagSLO*timeScale, pol.DecisionInterval)

	ep := &embeddedRates{job: job, prod: prod, topic: map[string]string{}}
	for _, p := range embeddedPipelines {
		ep.topic[p.Name] = p.Topic
	}
	s := &session{
		stdout: stdout, log: logger, client: client, job: embeddedJobID, out: out,
		observer: observer, policy: policy, actuator: flinkio.Rescale{Client: client, Job: embeddedJobID},
		interval: pol.DecisionInterval, slo: pol.LagSLO, rates: ep.rates,
	}
	// The run lasts o.duration and then, still controlling, until the job
	// has caught up with everything produced, however long that takes on
	// this machine, as long as the job makes progress (see catchUp). Its
	// last tick observes the job caught up.
	follow := &catchUp{progress: jobProgress(job, prod), stall: jobCfg.CheckpointTimeout, limit: 10 * pol.CatchUpTime}
	s.finished = func(smp report.Sample) bool {
		select {
		case <-prodStopped:
			return follow.done(smp.Time, smp.Elapsed >= o.duration)
		default:
			return false
		}
	}
	runCtx, stopRun := context.WithTimeout(ctx, o.duration+follow.limit+2*pol.DecisionInterval)
	s.loop(runCtx)
	stopRun()
	interrupted := ctx.Err() != nil
	stopProd()
	<-prodStopped
	if prodErr != nil {
		logger.Warn("producer", "err", prodErr)
	}
	var findings []string
	if f := follow.finding(); f != "" && !interrupted {
		findings = append(findings, f)
	}

	// The end: review the checkpoints, drain, and account for every record
	// once the job has stopped, with the end offsets read from Kafka then.
	end := context.WithoutCancel(ctx)
	s.advise(end)
	placement := s.placementReport()
	fmt.Fprintln(stdout)
	d := s.drainJob(end, o.drainTimeout, filepath.Join(o.out, "drain"))
	if waitJob(srv, jobDone, stopJob, o.drainTimeout, logger) {
		findings = append(findings, fmt.Sprintf("job: it did not stop within %s of the drain; its tasks were dropped", o.drainTimeout))
	}
	ends, endsErr := endOffsets(end, lag)
	recs, recFindings := accountRecords(sum(prod.Produced()), sum(prod.Failed()), job.Stats(), ends, endsErr)
	return s.finish(report.Summary{
		Mode: report.ModeEmbedded, Job: "autopilot-demo", Duration: time.Since(s.start),
		TimeScale: timeScale, Placement: placement, Drain: d, Interrupted: interrupted,
		Records: recs, Findings: append(findings, recFindings...),
	})
}

// waitJob waits for the job to stop. A job the drain (or its fallback
// cancel) ended on the JobManager stops within a poll, once it has flushed
// and committed; one still running there is stopped at once, its tasks
// dropped, and so is one that has not stopped within timeout: waitJob
// reports whether that happened.
func waitJob(srv *flinktest.Server, jobDone <-chan error, stopJob context.CancelFunc, timeout time.Duration, logger *slog.Logger) (timedOut bool) {
	if st, err := srv.JobState(embeddedJobID); err != nil || !st.IsGloballyTerminal() {
		stopJob()
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	var err error
	select {
	case err = <-jobDone:
	case <-t.C:
		stopJob()
		err, timedOut = <-jobDone, true
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		logger.Warn("job", "err", err)
	}
	return timedOut
}

func sum(m map[string]int64) int64 {
	n := int64(0)
	for _, v := range m {
		n += v
	}
	return n
}

// embeddedRates measures the embedded pipelines' rates from what the
// producer wrote and what reached the sinks (distinct records).
type embeddedRates struct {
	job   *livejob.Job
	prod  *livejob.Producer
	topic map[string]string
	last  map[string]counts
}

type counts struct {
	produced, processed int64
	at                  time.Time
}

func (e *embeddedRates) rates(pipeline string, _ autoscale.Observation, _ *autoscale.Observation) (in, out float64, ok bool) {
	cur := counts{produced: e.prod.Produced()[e.topic[pipeline]], at: time.Now()}
	for _, p := range e.job.Stats().Pipelines {
		if p.Name == pipeline {
			cur.processed = p.Processed
		}
	}
	if e.last == nil {
		e.last = map[string]counts{}
	}
	prev, seen := e.last[pipeline]
	e.last[pipeline] = cur
	dt := cur.at.Sub(prev.at).Seconds()
	if !seen || dt <= 0 {
		return 0, 0, false
	}
	return float64(cur.produced-prev.produced) / dt, float64(cur.processed-prev.processed) / dt, true
}

func newLogger(w io.Writer, verbose bool) *slog.Logger {
	if !verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
