package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// This file turns real mode's flags into the parts real.go composes.

// connectTimeout bounds each check that the addresses given are usable.
const connectTimeout = 15 * time.Second

// realClient is the JobManager's REST client, with -auth-header and the
// -tls-* files.
func realClient(o options, logger *slog.Logger, tel *telemetry) (*flinkapi.Client, error) {
	header := http.Header{}
	if o.authHeader != "" {
		v := o.authHeader
		if env, ok := strings.CutPrefix(v, "@"); ok {
			if v = os.Getenv(env); v == "" {
				return nil, fmt.Errorf("-auth-header: environment variable %s is empty", env)
			}
		}
		header.Set("Authorization", v)
	}
	return flinkapi.New(flinkapi.Config{
		BaseURL: o.flinkURL, Header: header, RequestTimeout: 10 * time.Second, MaxRetries: 2, Logger: logger, OnCall: tel.calls.Call,
		TLS: flinkapi.TLSConfig{CAFile: o.tlsCA, CertFile: o.tlsCert, KeyFile: o.tlsKey},
	})
}

// findJob checks the JobManager answers and returns the job: -job, or the
// only running one.
func findJob(ctx context.Context, c *flinkapi.Client, o options) (flinkapi.ClusterOverview, flinkapi.JobID, flinkapi.JobDetails, error) {
	ov, err := c.Overview(ctx)
	if err != nil {
		return ov, "", flinkapi.JobDetails{}, fmt.Errorf("cannot reach the Flink JobManager at %s: %w", o.flinkURL, err)
	}
	job, err := pickJob(ctx, c, o.job)
	if err != nil {
		return ov, "", flinkapi.JobDetails{}, err
	}
	details, err := c.JobDetails(ctx, job)
	if errors.Is(err, flinkapi.ErrNotFound) {
		return ov, "", details, fmt.Errorf("job %s does not exist at %s", job, o.flinkURL)
	}
	if err != nil {
		return ov, "", details, fmt.Errorf("read job %s: %w", job, err)
	}
	return ov, job, details, nil
}

// pickJob returns the job named, or the only running job.
func pickJob(ctx context.Context, c *flinkapi.Client, name string) (flinkapi.JobID, error) {
	if name != "" {
		id := flinkapi.JobID(name)
		if err := id.Validate(); err != nil {
			return "", fmt.Errorf("-job %q is not a Flink job ID (32 hex characters)", name)
		}
		return id, nil
	}
	jobs, err := c.JobsOverview(ctx)
	if err != nil {
		return "", fmt.Errorf("list jobs: %w", err)
	}
	var running []string
	var id flinkapi.JobID
	for _, j := range jobs {
		if j.State == flinkapi.JobRunning {
			running = append(running, fmt.Sprintf("%s (%s)", j.ID, j.Name))
			id = j.ID
		}
	}
	if len(running) != 1 {
		return "", fmt.Errorf("%d running jobs; name one with -job: %s", len(running), strings.Join(running, ", "))
	}
	return id, nil
}

// realBacklog is Flink's backlog, merged with Kafka's when -kafka-brokers
// is given. Kafka is read once first: a broker that does not answer, or a
// group whose offsets cannot be read (a missing Describe permission), is
// an error. Later, each change in Kafka's health is written to stderr at
// once; meanwhile Flink's pendingRecords go on serving.
func realBacklog(ctx context.Context, o options, c flinkbacklog.Flink, job flinkapi.JobID, topics map[string][]string,
	logger *slog.Logger, stderr io.Writer, tel *telemetry) (backlog.Source, func(), error) {
	fromFlink, err := flinkbacklog.New(flinkbacklog.Config{Client: c, Job: job})
	if err != nil {
		return nil, func() {}, err
	}
	if len(o.brokers) == 0 {
		return tel.lag.Wrap("flink", fromFlink), func() {}, nil
	}
	conf := sarama.NewConfig()
	conf.Version = sarama.V2_8_0_0
	conf.Net.DialTimeout = 5 * time.Second
	if o.kafkaTLS {
		tc, err := kafkaTLS(o)
		if err != nil {
			return nil, func() {}, err
		}
		conf.Net.TLS.Enable, conf.Net.TLS.Config = true, tc
	}
	var all []string
	for _, ts := range topics {
		all = append(all, ts...)
	}
	lag, err := kafkalag.New(kafkalag.Config{
		Brokers: o.brokers, Sarama: conf, Timeout: 10 * time.Second, Logger: logger, OnEvaluation: tel.lag.KafkaEvaluation,
		Groups: []kafkalag.Group{{Name: o.group, Topics: all}},
	})
	if err != nil {
		return nil, func() {}, err
	}
	closeLag := func() {
		if err := lag.Close(); err != nil {
			logger.Warn("close Kafka client", "err", err)
		}
	}
	if problem := kafkaProblem(lag.Backlog(ctx)); problem != "" {
		closeLag()
		return nil, func() {}, fmt.Errorf("cannot read group %q from Kafka at %s: %s", o.group, strings.Join(o.brokers, ","), problem)
	}
	w := &kafkaWatch{lag: lag, stderr: stderr, group: o.group}
	merged, err := backlog.Merge(backlog.CombineConfig{MaxAge: 5 * o.interval}, backlog.Named("flink", tel.lag.Wrap("flink", fromFlink)), backlog.Named("kafka", tel.lag.Wrap("kafka", backlog.SourceFunc(w.Backlog))))
	if err != nil {
		closeLag()
		return nil, func() {}, err
	}
	return merged, closeLag, nil
}

// kafkaProblem says what keeps a Kafka snapshot from serving: an error, a
// part that could not be read (the group's offsets: not authorized,
// coordinator unavailable; a missing topic), or no partitions at all.
func kafkaProblem(snap backlog.Snapshot, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case len(snap.Errors) > 0:
		var parts []string
		for _, e := range snap.Errors {
			parts = append(parts, e.Error())
		}
		return strings.Join(parts, "; ")
	case len(snap.Partitions) == 0:
		return fmt.Sprintf("no partitions to report (%s): name the topics with -topics", strings.Join(snap.Notes, "; "))
	}
	return ""
}

// kafkaWatch is the Kafka backlog source of a run: it says on stderr, at
// once, when Kafka stops serving and when it serves again.
type kafkaWatch struct {
	lag    *kafkalag.Lag
	stderr io.Writer
	group  string

	mu      sync.Mutex
	problem string
}

// Backlog reads the group's backlog, reporting a change of health.
func (w *kafkaWatch) Backlog(ctx context.Context) (backlog.Snapshot, error) {
	snap, err := w.lag.Backlog(ctx)
	problem := kafkaProblem(snap, err)
	if ctx.Err() != nil {
		return snap, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case problem != "" && problem != w.problem:
		fmt.Fprintf(w.stderr, "autopilot: Kafka: cannot read group %q: %s; the backlog is Flink's pendingRecords alone, without time lag, until it can\n", w.group, problem)
	case problem == "" && w.problem != "":
		fmt.Fprintf(w.stderr, "autopilot: Kafka: group %q is readable again\n", w.group)
	}
	w.problem = problem
	return snap, err
}

func kafkaTLS(o options) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.tlsCA != "" {
		pem, err := os.ReadFile(o.tlsCA)
		if err != nil {
			return nil, fmt.Errorf("-tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-tls-ca %s: no PEM certificates", o.tlsCA)
		}
		tc.RootCAs = pool
	}
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("-tls-cert/-tls-key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func backlogOrigin(o options) string {
	if len(o.brokers) == 0 {
		return "Flink's pendingRecords (no time lag: add -kafka-brokers and -group)"
	}
	return fmt.Sprintf("Flink's pendingRecords, with group %q's lag from Kafka as the fallback and its time lag", o.group)
}

// flinkRefresh is Flink's default metrics.fetcher.update-interval.
const flinkRefresh = 10 * time.Second

// realPolicy is autoscale.Default's production configuration for the job:
// a decision every -interval, the job's checkpoint interval, and the
// caught-up threshold (DefaultConfig.MetricRefresh) from it as the
// embedded run sets it: a lag read from the group's commits, made on
// checkpoints, is stale by up to a checkpoint interval, so a source counts
// as caught up below 1.5 checkpoint intervals. Default measures capacity
// only over windows at least MetricRefresh long, so the threshold is
// capped at -interval (and never below Flink's metric refresh). It warns
// on stderr when -interval is below Flink's metric refresh: observations
// between two refreshes see the same figures, and capacity is never
// measured. What it chose is written to stderr. With -time-scale the
// policy's own durations (the lag SLO, catch-up time, restart cost and
// downtime, trend window and horizon) are scaled by it, and what was
// measured or given (the metric refresh, the checkpoint interval, the
// decision interval) is kept.
func realPolicy(ctx context.Context, c *flinkapi.Client, job flinkapi.JobID, o options, stderr io.Writer) autoscale.DefaultConfig {
	pol := realPolicyUnscaled(ctx, c, job, o, stderr)
	if f := o.timeScale; f > 0 && f != 1 {
		kept := pol
		pol = pol.Scaled(f)
		pol.MetricRefresh, pol.DecisionInterval = kept.MetricRefresh, kept.DecisionInterval
		if kept.CheckpointInterval > 0 {
			pol.CheckpointInterval = kept.CheckpointInterval
		}
		fmt.Fprintf(stderr, "autopilot: time scale %v: lag SLO %s, catch-up %s, restart cost %s, restart downtime %s, trend window %s\n",
			f, pol.LagSLO, pol.CatchUpTime, pol.RestartCost, pol.RestartDowntime, pol.TrendWindow)
	}
	return pol
}

// realPolicyUnscaled is realPolicy on production time.
func realPolicyUnscaled(ctx context.Context, c *flinkapi.Client, job flinkapi.JobID, o options, stderr io.Writer) autoscale.DefaultConfig {
	pol := autoscale.DefaultConfig{LagSLO: 2 * time.Minute, DecisionInterval: o.interval}
	refresh, source := flinkRefresh, "Flink's default"
	if conf, err := c.JobManagerConfig(ctx); err != nil {
		fmt.Fprintf(stderr, "autopilot: cannot read the JobManager's configuration (%v): assuming metrics.fetcher.update-interval %s\n", err, refresh)
	} else if v, ok := conf["metrics.fetcher.update-interval"]; ok {
		if d, err := checkpointing.ParseFlinkDuration(v); err == nil && d > 0 {
			refresh, source = d, "the JobManager's"
		}
	}
	if o.interval < refresh {
		fmt.Fprintf(stderr, "autopilot: warning: -interval %s is below Flink's metric refresh (metrics.fetcher.update-interval %s, %s): "+
			"observations between two refreshes see the same figures, so the job's capacity is never measured; use -interval %s or more\n",
			o.interval, refresh, source, refresh)
	}
	pol.MetricRefresh = refresh
	cc, err := c.CheckpointConfig(ctx, job)
	switch {
	case errors.Is(err, flinkapi.ErrCheckpointingDisabled):
		fmt.Fprintf(stderr, "autopilot: job %s takes no checkpoints: a restart replays nothing, and the lag is caught up below %s\n", job, refresh)
	case err != nil:
		fmt.Fprintf(stderr, "autopilot: cannot read job %s's checkpoint configuration (%v): assuming Default's checkpoint interval\n", job, err)
	default:
		if cp := cc.Interval.Duration(); cp > 0 && cp < 365*24*time.Hour {
			pol.CheckpointInterval = cp
			pol.MetricRefresh = max(refresh, min(cp*3/2, o.interval))
			capped := ""
			if cp*3/2 > pol.MetricRefresh {
				capped = fmt.Sprintf(" (1.5 checkpoint intervals, %s, capped at -interval: capacity is measured over windows that long)", cp*3/2)
			}
			fmt.Fprintf(stderr, "autopilot: job %s checkpoints every %s: a source counts as caught up while its lag is below %s%s\n",
				job, cp, pol.MetricRefresh, capped)
		}
	}
	return pol
}

// counterRates measures a pipeline's rates from Flink's counters between
// two observations of one run: in is what its sources read, out what its
// last vertices took in.
func counterRates(_ string, p autoscale.Pipeline, obs autoscale.Observation, prev *autoscale.Observation) (in, out float64, ok bool) {
	if prev == nil || !prev.LastRestart.Equal(obs.LastRestart) || !obs.Running {
		return 0, 0, false
	}
	dt := obs.Time.Sub(prev.Time).Seconds()
	if dt <= 0 {
		return 0, 0, false
	}
	var last []string
	for _, id := range p.Vertices {
		if len(obs.Outputs(id)) == 0 {
			last = append(last, id)
		}
	}
	sum := func(o autoscale.Observation, ids []string) (float64, bool) {
		t := 0.0
		for _, id := range ids {
			v, _ := o.Vertex(id)
			x, ok := v.RecordsIn.Get()
			if !ok {
				return 0, false
			}
			t += x
		}
		return t, true
	}
	i1, ok1 := sum(obs, p.Sources)
	i0, ok0 := sum(*prev, p.Sources)
	o1, ok2 := sum(obs, last)
	o0, ok3 := sum(*prev, last)
	// A total that went down (a counter reset by a failover while the
	// job kept running; right after a rescale on real Flink, the sum over
	// the subtasks) gives no rate: unknown, never negative.
	if !ok0 || !ok1 || !ok2 || !ok3 || i1 < i0 || o1 < o0 {
		return 0, 0, false
	}
	return (i1 - i0) / dt, (o1 - o0) / dt, true
}
