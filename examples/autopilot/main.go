// Command autopilot is flinkscale's main job: the whole autoscaling loop,
// end to end.
//
// With no flags it runs on embedded infrastructure, with nothing to
// install (demo.go, internal/livejob): a 3-broker Kafka cluster in process
// (kfake), a Flink JobManager (flinkapi/flinktest) running a job of two
// pipelines whose sources really read Kafka through sarama, a producer
// writing a traffic trace (steady, a 4x spike, steady again), and the
// controller (embedded.go): flinkapi reads the job, backlog measures what
// waits in Kafka (Flink's pendingRecords first, the consumer group's lag
// as the fallback, Kafka's time lag), autoscale.Default decides,
// flinkio.Rescale rescales in place, slotalloc reports where the subtasks
// would go, the checkpoint advisor reviews the checkpoints, and at the end
// (or on Ctrl-C) drain stops the job with a savepoint. Time is compressed
// 30x: one second of the run stands for 30 s of production, and every
// duration the policy uses is scaled with it. The embedded world runs on a
// virtual clock that keeps to the wall clock when the machine can: a
// loaded machine makes the run take longer, not decide differently.
//
//	go run ./examples/autopilot                 # about a minute
//	go run ./examples/autopilot -duration 20s   # shorter
//
// The embedded run lasts -duration and then, still controlling, until the
// job has caught up with what was produced, so that it drains a job with
// nothing left to read.
//
// It prints a status line per controller tick and a summary, and writes
// chart.svg, decisions.jsonl, ticks.jsonl and summary.json into a
// directory of the run's own under -out (./autopilot-out/run-<time>); drain
// records are kept under -out/drain, per job, so that a later run resumes
// a drain an earlier one left unfinished.
//
// With -flink-url it watches a real job instead (real.go), deciding every
// -interval with production defaults. It is a dry run unless -apply is
// given (then it rescales in place through the adaptive scheduler), and it
// drains the job on exit only with -apply -drain-on-exit:
//
//	go run ./examples/autopilot -flink-url https://jm:8081 -job <id> \
//	    -kafka-brokers k0:9092,k1:9092 -group my-job -topics orders
//
// With -metrics-addr (either mode) it serves Prometheus metrics on
// /metrics (package metrics' collectors: backlog, decisions, Flink REST
// calls, drains) and a health check on /healthz; grafana-dashboard.json
// charts them.
//
// With -flinkdeployment namespace/name it watches a job deployed by the
// Flink Kubernetes Operator instead (kube.go, package flinkdeployment):
// the FlinkDeployment's status gives the job and its REST address, and
// -apply and -drain-on-exit act through the resource, as the operator
// wants, never behind its back:
//
//	go run ./examples/autopilot -flinkdeployment streaming/orders -apply
//
// Ctrl-C or SIGTERM ends the run; during a drain, the first says what the
// drain waits for and for how long, and a second stops waiting.
//
// Exit codes: 0 success, 1 runtime failure (an unreachable JobManager or
// Kafka, a group it may not read, an unknown job, a -topics source the job
// does not have), 2 bad usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

func main() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	code := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, sigs)
	signal.Stop(sigs)
	os.Exit(code)
}

// description is what -h prints before the flags.
const description = `autopilot: flinkscale's main job, the whole autoscaling loop end to end.

With no flags it runs on embedded Kafka and Flink (about a minute): a job of
two pipelines reading Kafka, a traffic spike, and the controller that
rescales the job, then drains it. With -flink-url it watches a real job,
deciding every -interval; it is a dry run unless -apply is given, and it
drains the job on exit only with -apply -drain-on-exit. With
-flinkdeployment namespace/name it does so through the Flink Kubernetes
Operator's resource. -metrics-addr serves Prometheus metrics.

Ctrl-C (or SIGTERM) ends the run; during a drain, the first says what the
drain waits for, and a second stops waiting (the drain record under
-out/drain keeps its state: run again to resume it).

Exit codes: 0 success, 1 runtime failure, 2 bad usage.

Usage: autopilot [flags]
`

// options are the parsed flags.
type options struct {
	duration time.Duration
	out      string
	verbose  bool

	// Real clusters.
	flinkURL     string
	job          string
	brokers      []string
	group        string
	topics       string
	tlsCA        string
	tlsCert      string
	tlsKey       string
	authHeader   string
	interval     time.Duration
	timeScale    float64 // 0 or 1: production time; see realPolicy
	apply        bool
	drainOnExit  bool
	kafkaTLS     bool
	drainTimeout time.Duration
	metricsAddr  string

	// The Flink Kubernetes Operator's FlinkDeployment.
	flinkDeployment string
	kubeconfig      string
}

// errUsage marks an error that is the user's flags: exit code 2.
var errUsage = errors.New("usage")

func parse(args []string, stdout io.Writer) (options, error) {
	var o options
	var brokers string
	fs := flag.NewFlagSet("autopilot", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, -h by usage
	fs.DurationVar(&o.duration, "duration", 0, "how long to run (embedded default 60s, then on until the job has caught up; real default: until Ctrl-C)")
	fs.StringVar(&o.out, "out", "autopilot-out", "directory for the runs' files: each run writes chart.svg, decisions.jsonl, ticks.jsonl and summary.json into a subdirectory of its own; drain records are kept in its drain/")
	fs.BoolVar(&o.verbose, "v", false, "log debug lines to stderr")
	fs.StringVar(&o.flinkURL, "flink-url", "", "real mode: the JobManager REST URL, e.g. https://flink-jm:8081")
	fs.StringVar(&o.flinkDeployment, "flinkdeployment", "", "real mode through the Flink Kubernetes Operator: the FlinkDeployment namespace/name; its status gives the job and the REST address (-flink-url overrides it), -apply rescales and -drain-on-exit drains through the operator")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "with -flinkdeployment: the kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account)")
	fs.StringVar(&o.job, "job", "", "real mode: the job ID (default: the only running job)")
	fs.StringVar(&brokers, "kafka-brokers", "", "real mode: Kafka bootstrap addresses, comma-separated (enables Kafka lag)")
	fs.StringVar(&o.group, "group", "", "real mode: the job's Kafka consumer group (with -kafka-brokers)")
	fs.StringVar(&o.topics, "topics", "", "real mode: topics the sources read: 't1,t2' for a job with one source, or 'Source: a=t1,t2;Source: b=t3'")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "real mode: PEM CA file for the JobManager (and Kafka with -kafka-tls)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "real mode: PEM client certificate (with -tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "real mode: PEM client key (with -tls-cert)")
	fs.BoolVar(&o.kafkaTLS, "kafka-tls", false, "real mode: connect to Kafka over TLS with the -tls-* files")
	fs.StringVar(&o.authHeader, "auth-header", "", "real mode: Authorization header for the JobManager; '@ENV' reads it from environment variable ENV")
	fs.DurationVar(&o.interval, "interval", time.Minute, "real mode: time between decisions")
	fs.Float64Var(&o.timeScale, "time-scale", 1, "real mode: run the policy on a compressed time scale: its lag SLO, catch-up time, restart cost and downtime, trend window and horizon multiplied by this (e.g. 0.1 for a test job whose windows are shortened tenfold); the job's own intervals are measured as they are")
	fs.BoolVar(&o.apply, "apply", false, "real mode: rescale the job (default: dry run, decisions only)")
	fs.BoolVar(&o.drainOnExit, "drain-on-exit", false, "real mode, with -apply: stop the job with drain and a savepoint when the autopilot ends")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on /metrics and a health check on /healthz at this address, e.g. :9090 (default: not served)")
	fs.DurationVar(&o.drainTimeout, "drain-timeout", 0, "how long the final drain may take (embedded default 10s, real 10m)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprint(stdout, description+"\nFlags:\n")
			fs.PrintDefaults()
			return o, flag.ErrHelp
		}
		return o, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if brokers != "" {
		for _, b := range strings.Split(brokers, ",") {
			if b = strings.TrimSpace(b); b != "" {
				o.brokers = append(o.brokers, b)
			}
		}
	}
	return o, o.check(fs)
}

// check rejects inconsistent flags.
func (o options) check(fs *flag.FlagSet) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{errUsage}, a...)...)
	}
	if o.duration < 0 || o.drainTimeout < 0 {
		return bad("-duration and -drain-timeout must not be negative")
	}
	if o.out == "" {
		return bad("-out must name a directory")
	}
	if o.flinkDeployment != "" {
		if _, _, err := kubeTarget(o.flinkDeployment); err != nil {
			return bad("-flinkdeployment: %v", err)
		}
		if o.job != "" {
			return bad("-job does not go with -flinkdeployment: the FlinkDeployment's status names its job")
		}
	} else if o.kubeconfig != "" {
		return bad("-kubeconfig goes with -flinkdeployment")
	}
	if o.flinkURL == "" && o.flinkDeployment == "" {
		var real []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "duration", "out", "v", "drain-timeout", "metrics-addr":
			default:
				real = append(real, "-"+f.Name)
			}
		})
		if len(real) > 0 {
			return bad("%s only apply to a real cluster (-flink-url); the embedded run always rescales and drains", strings.Join(real, ", "))
		}
		return nil
	}
	switch {
	case o.interval <= 0:
		return bad("-interval must be positive")
	case !(o.timeScale > 0) || math.IsInf(o.timeScale, 1):
		return bad("-time-scale must be a positive number")
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return bad("-tls-cert and -tls-key go together")
	case len(o.brokers) > 0 && o.group == "":
		return bad("-kafka-brokers needs -group (the job's consumer group)")
	case len(o.brokers) == 0 && (o.group != "" || o.topics != "" || o.kafkaTLS):
		return bad("-group, -topics and -kafka-tls need -kafka-brokers")
	case o.kafkaTLS && o.tlsCA == "" && o.tlsCert == "":
		return bad("-kafka-tls needs -tls-ca or -tls-cert/-tls-key")
	case o.drainOnExit && !o.apply:
		return bad("-drain-on-exit stops the job for good, and a dry run changes nothing: give -apply as well")
	}
	if o.job != "" && flinkapi.JobID(o.job).Validate() != nil {
		return bad("-job %q is not a Flink job ID (32 hex characters)", o.job)
	}
	if _, err := parseTopics(o.topics); err != nil {
		return bad("-topics: %v", err)
	}
	if o.flinkURL != "" && !strings.HasPrefix(o.flinkURL, "http://") && !strings.HasPrefix(o.flinkURL, "https://") {
		return bad("-flink-url %q: want an http:// or https:// URL", o.flinkURL)
	}
	return nil
}

// parseTopics reads -topics: "t1,t2" (every source), or "Source: a=t1,t2;
// Source: b=t3" (per source vertex name). The "" key means every source.
func parseTopics(s string) (map[string][]string, error) {
	out := map[string][]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ";") {
		name, list, ok := strings.Cut(part, "=")
		if !ok {
			name, list = "", part
		}
		name = strings.TrimSpace(name)
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("source %q named twice", name)
		}
		var topics []string
		for _, t := range strings.Split(list, ",") {
			if t = strings.TrimSpace(t); t != "" {
				topics = append(topics, t)
			}
		}
		if len(topics) == 0 {
			return nil, fmt.Errorf("no topics in %q", part)
		}
		out[name] = topics
	}
	if _, all := out[""]; all && len(out) > 1 {
		return nil, errors.New("mix of per-source and unnamed topic lists")
	}
	return out, nil
}

// run is the program: it returns the exit code. sigs delivers SIGINT and
// SIGTERM (see interrupts); it may be nil.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, sigs <-chan os.Signal) int {
	o, err := parse(args, stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "autopilot: %v\n", strings.TrimPrefix(err.Error(), "usage: "))
		fmt.Fprintln(stderr, "run 'autopilot -h' for the flags")
		return 2
	}
	stop := newInterrupts(ctx, stderr)
	defer stop.close()
	go stop.watch(sigs)
	if o.flinkURL == "" && o.flinkDeployment == "" {
		err = runEmbedded(stop, o, stdout, stderr)
	} else {
		err = runReal(stop, o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "autopilot: %v\n", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, verbose bool) *slog.Logger {
	if !verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
