// Command kafkalag prints a Kafka consumer group's lag with package
// backlog/kafkalag: per partition its end offset, committed offset, records
// behind, time lag and health (package backlog's Burrow-style evaluation),
// then the totals.
//
// Usage:
//
//	kafkalag [-interval 300ms] [-count 3]
//	kafkalag -brokers host1:9092,host2:9092 -group GROUP [flags]
//
// Without -brokers it runs an embedded demo: a 3-broker Kafka cluster in
// process (franz-go's kfake), a topic "orders" of 12 partitions holding
// about 3,500 records with a skew, and a consumer group "demo" that keeps up
// on some partitions, falls behind on the hot one, is stuck on one, rewinds
// one and never committed on two. Between evaluations the demo produces more
// records and the group commits, so time lag and health change. The demo's
// group resets to earliest, and its health window is one interval (not a
// minute) so that a stuck partition shows STOP within the demo.
//
// With -brokers it measures a real cluster:
//
//	-brokers list        bootstrap brokers, comma separated (host:port)
//	-group name          consumer group to measure (required with -brokers)
//	-topics list         topics the group reads, comma separated; default:
//	                     the topics the group has committed offsets for
//	-reset policy        the group's auto.offset.reset, latest (default) or
//	                     earliest: what counts as backlog on a partition the
//	                     group never committed
//	-tls                 connect with TLS, trusting the system roots
//	-tls-ca file         trust only this CA (PEM); implies -tls
//	-tls-cert file       client certificate (PEM) for mutual TLS, with
//	-tls-key file        its key; implies -tls
//	-sasl-user name      authenticate with SASL/PLAIN as this user, with the
//	-sasl-password-env VAR  password read from environment variable VAR
//	                     (never from the command line); use with TLS
//
// In both modes:
//
//	-interval d   time between evaluations (default 10s; 300ms in the demo)
//	-count n      evaluations to run (default 1; 3 in the demo); 0 runs
//	              until interrupted
//	-timeout d    bound on one evaluation and on each request (default 10s)
//
// Time lag needs end offsets seen at two times at least, so the first
// evaluation reports it unknown (printed "?", with the reason below the
// table): run with -count 2 or more to see it. Unknown figures are never
// printed as 0.
//
// Exit status: 0 when every evaluation ran (or the run was interrupted
// between evaluations), 1 when an evaluation failed (no broker reachable
// within -timeout, interrupted mid-evaluation), 2 for bad or inconsistent
// flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/clock"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program, returning its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	switch {
	case errors.Is(err, errHelp):
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "kafkalag: %v\nRun 'kafkalag -h' for usage.\n", err)
		return exitUsage
	}
	if len(o.brokers) == 0 {
		return runDemo(ctx, o, stdout, stderr)
	}
	return runReal(ctx, o, stdout, stderr)
}

// runReal measures a real cluster.
func runReal(ctx context.Context, o options, stdout, stderr io.Writer) int {
	conf, err := o.saramaConfig()
	if err != nil {
		fmt.Fprintf(stderr, "kafkalag: %v\n", err)
		return exitUsage
	}
	lag, err := kafkalag.New(kafkalag.Config{
		Brokers: o.brokers,
		Sarama:  conf,
		Groups:  []kafkalag.Group{{Name: o.group, Topics: o.topics, Reset: o.reset}},
		Timeout: o.timeout,
		// One DescribeGroups more per poll, so that Health tells a live
		// consumer stuck on an offset (STALL) from a stopped one (STOP).
		Liveness: true,
	})
	if err != nil {
		fmt.Fprintf(stderr, "kafkalag: %v\n", err)
		return exitUsage
	}
	defer lag.Close()
	health, err := backlog.NewHealth(backlog.HealthConfig{})
	if err != nil {
		fmt.Fprintf(stderr, "kafkalag: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "measuring group %q on %v (reset %s)\n", o.group, o.brokers, o.reset)
	return loop{src: lag, health: health, count: o.count, interval: o.interval, timeout: o.timeout}.run(ctx, stdout, stderr)
}

// loop evaluates a Source count times, interval apart, and prints each
// report.
type loop struct {
	src      backlog.Source
	health   *backlog.Health
	count    int // 0: until ctx is done
	interval time.Duration
	timeout  time.Duration // of one evaluation, for messages
	// before, if set, runs before every evaluation but the first (the
	// demo's workload).
	before func(ctx context.Context) error
}

func (l loop) run(ctx context.Context, stdout, stderr io.Writer) int {
	for i := 0; l.count == 0 || i < l.count; i++ {
		if i > 0 {
			if (clock.System{}).Sleep(ctx, l.interval) != nil {
				fmt.Fprintln(stderr, "kafkalag: interrupted")
				return exitOK
			}
			if l.before != nil {
				if err := l.before(ctx); err != nil {
					fmt.Fprintf(stderr, "kafkalag: %v\n", err)
					return exitFailure
				}
			}
		}
		snap, err := l.src.Backlog(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "kafkalag: evaluation %d: %v\n", i+1, err)
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				fmt.Fprintf(stderr, "kafkalag: no answer within -timeout %v: check the brokers' addresses, TLS and SASL\n", l.timeout)
			}
			return exitFailure
		}
		l.health.Observe(snap)
		printReport(stdout, report{
			n: i + 1, count: l.count, snap: snap, health: l.health.EvaluateAll(snap.Time),
		})
	}
	return exitOK
}
