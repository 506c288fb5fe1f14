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
	"path/filepath"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/examples/autopilot/report"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// connectTimeout bounds each check that the addresses given are usable.
const connectTimeout = 15 * time.Second

// runReal watches (and with -apply, rescales) a job on a real cluster,
// with the production defaults of autoscale.Default.
func runReal(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if o.drainTimeout == 0 {
		o.drainTimeout = 10 * time.Minute
	}
	logger := newLogger(stderr, o.verbose)
	header := http.Header{}
	if o.authHeader != "" {
		v := o.authHeader
		if env, ok := strings.CutPrefix(v, "@"); ok {
			if v = os.Getenv(env); v == "" {
				return fmt.Errorf("-auth-header: environment variable %s is empty", env)
			}
		}
		header.Set("Authorization", v)
	}
	client, err := flinkapi.New(flinkapi.Config{
		BaseURL: o.flinkURL, Header: header, RequestTimeout: 10 * time.Second, MaxRetries: 2, Logger: logger,
		TLS: flinkapi.TLSConfig{CAFile: o.tlsCA, CertFile: o.tlsCert, KeyFile: o.tlsKey},
	})
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	ov, err := client.Overview(cctx)
	if err != nil {
		return fmt.Errorf("cannot reach the Flink JobManager at %s: %w", o.flinkURL, err)
	}
	job, err := pickJob(cctx, client, o.job)
	if err != nil {
		return err
	}
	details, err := client.JobDetails(cctx, job)
	if errors.Is(err, flinkapi.ErrNotFound) {
		return fmt.Errorf("job %s does not exist at %s", job, o.flinkURL)
	}
	if err != nil {
		return fmt.Errorf("read job %s: %w", job, err)
	}
	topics, err := sourceTopics(details, o.topics)
	if err != nil {
		return err
	}
	src, closeKafka, err := realBacklog(cctx, o, client, job, topics, logger)
	if err != nil {
		return err
	}
	defer closeKafka()
	observer, err := flinkio.NewObserver(flinkio.ObserverConfig{Client: client, Job: job, Backlog: src, Topics: topics, Logger: logger})
	if err != nil {
		return err
	}
	pol := autoscale.DefaultConfig{LagSLO: 2 * time.Minute} // the default, named: the summary measures against it
	policy, err := autoscale.NewDefault(pol)
	if err != nil {
		return err
	}
	var act autoscale.Actuator = &autoscale.DryRun{}
	mode := "dry run: decisions are printed, nothing is changed (-apply to rescale)"
	if o.apply {
		act, mode = flinkio.Rescale{Client: client, Job: job}, "applying: rescales in place through the adaptive scheduler"
	}
	out, err := report.OpenDir(o.out)
	if err != nil {
		return err
	}
	defer out.Close()
	fmt.Fprintf(stdout, "autopilot: Flink %s at %s, job %s (%q, %s)\n", ov.FlinkVersion, o.flinkURL, job, details.Name, details.State)
	fmt.Fprintf(stdout, "%s; deciding every %s; backlog from %s\n\n", mode, o.interval, backlogOrigin(o))

	s := &session{
		stdout: stdout, log: logger, client: client, job: job, out: out,
		observer: observer, policy: policy, actuator: act,
		interval: o.interval, slo: pol.LagSLO, rates: counterRates,
	}
	runCtx, stopRun := ctx, context.CancelFunc(func() {})
	if o.duration > 0 {
		runCtx, stopRun = context.WithTimeout(ctx, o.duration)
	}
	s.loop(runCtx)
	stopRun()
	interrupted := ctx.Err() != nil
	end := context.WithoutCancel(ctx)
	actx, cancelAdvice := context.WithTimeout(end, connectTimeout)
	s.advise(actx)
	cancelAdvice()
	sum := report.Summary{
		Mode: report.ModeReal, Job: details.Name, Duration: time.Since(s.start), TimeScale: 1,
		Placement: s.placementReport(), Interrupted: interrupted,
		Drain: report.Drain{Reason: "not requested: the job keeps running (-drain-on-exit drains it)"},
	}
	if o.drainOnExit {
		fmt.Fprintln(stdout)
		sum.Drain = s.drainJob(end, o.drainTimeout, filepath.Join(o.out, "drain"))
	}
	return s.finish(sum)
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

// sourceTopics maps the job's source vertices (those without inputs) to
// the topics -topics gives them.
func sourceTopics(d flinkapi.JobDetails, flag string) (map[flinkapi.VertexID][]string, error) {
	byName, err := parseTopics(flag)
	if err != nil {
		return nil, err
	}
	out := map[flinkapi.VertexID][]string{}
	if len(byName) == 0 {
		return out, nil
	}
	var sources []flinkapi.Vertex
	for _, v := range d.Vertices {
		if len(d.Inputs(v.ID)) == 0 {
			sources = append(sources, v)
		}
	}
	if all, ok := byName[""]; ok {
		if len(sources) != 1 {
			var names []string
			for _, v := range sources {
				names = append(names, fmt.Sprintf("%q", v.Name))
			}
			return nil, fmt.Errorf("the job has %d sources (%s): name the topics per source, -topics 'NAME=t1,t2;NAME=t3'", len(sources), strings.Join(names, ", "))
		}
		out[sources[0].ID] = all
		return out, nil
	}
	for name, ts := range byName {
		found := false
		for _, v := range sources {
			if v.Name == name {
				out[v.ID], found = ts, true
			}
		}
		if !found {
			return nil, fmt.Errorf("-topics names %q, which is not a source of the job", name)
		}
	}
	return out, nil
}

// realBacklog is Flink's backlog, merged with Kafka's when -kafka-brokers
// is given (checked with one evaluation).
func realBacklog(ctx context.Context, o options, c *flinkapi.Client, job flinkapi.JobID, topics map[flinkapi.VertexID][]string, logger *slog.Logger) (backlog.Source, func(), error) {
	fromFlink, err := flinkbacklog.New(flinkbacklog.Config{Client: c, Job: job})
	if err != nil {
		return nil, func() {}, err
	}
	if len(o.brokers) == 0 {
		return fromFlink, func() {}, nil
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
		Brokers: o.brokers, Sarama: conf, Timeout: 10 * time.Second,
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
	if _, err := lag.Backlog(ctx); err != nil {
		closeLag()
		return nil, func() {}, fmt.Errorf("cannot read group %q from Kafka at %s: %w", o.group, strings.Join(o.brokers, ","), err)
	}
	merged, err := backlog.Merge(backlog.CombineConfig{MaxAge: 5 * o.interval}, backlog.Named("flink", fromFlink), backlog.Named("kafka", lag))
	if err != nil {
		closeLag()
		return nil, func() {}, err
	}
	return merged, closeLag, nil
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

// counterRates measures a pipeline's rates from Flink's counters between
// two observations of one run: in is what its sources read, out what its
// last vertices took in.
func counterRates(pipeline string, obs autoscale.Observation, prev *autoscale.Observation) (in, out float64, ok bool) {
	if prev == nil || !prev.LastRestart.Equal(obs.LastRestart) || !obs.Running {
		return 0, 0, false
	}
	dt := obs.Time.Sub(prev.Time).Seconds()
	if dt <= 0 {
		return 0, 0, false
	}
	names := pipelineNames(obs)
	sum := func(o autoscale.Observation, last bool) (float64, bool) {
		t := 0.0
		for _, v := range o.Vertices {
			if names[v.SlotSharingGroup] != pipeline || (last && len(o.Outputs(v.ID)) > 0) || (!last && v.Source == nil) {
				continue
			}
			x, ok := v.RecordsIn.Get()
			if !ok {
				return 0, false
			}
			t += x
		}
		return t, true
	}
	i1, ok1 := sum(obs, false)
	i0, ok0 := sum(*prev, false)
	o1, ok2 := sum(obs, true)
	o0, ok3 := sum(*prev, true)
	if !ok0 || !ok1 || !ok2 || !ok3 {
		return 0, 0, false
	}
	return (i1 - i0) / dt, (o1 - o0) / dt, true
}
