// Command drain stops a Flink job with a drained savepoint, using package
// drain/flinkdrain, and prints every transition of the drain and where the
// savepoint went. When the drain cannot finish it falls back to cancelling
// the job, and says that no savepoint was confirmed.
//
// Usage:
//
//	drain [-fail] [-savepoint-delay 1s] [flags]
//	drain -flink-url URL -job JOBID [-yes] [flags]
//
// Without -flink-url it runs an embedded demo: a fake JobManager in process
// (flinkapi/flinktest) running a three-vertex job with checkpointing,
// whose stop-with-savepoint takes -savepoint-delay; the drain records its
// operation in a drain.FileStore in a temporary directory (removed at exit,
// unless -store names one). With -fail the savepoint fails and the job keeps
// running, which shows the fallback: the job is cancelled without a
// savepoint.
//
// With -flink-url it drains a real job. Stopping a job is not undoable, so
// without -yes nothing is stopped: drain checks that the job exists and is
// running, prints what it would do, and exits 0. With -yes it drains the job.
//
//	-flink-url URL        the JobManager's REST endpoint (http or https)
//	-job ID               the job to drain, 32 hex characters (required)
//	-yes                  really stop the job; without it, a dry run
//	-tls-ca file          trust only this CA (PEM) for an https URL
//	-tls-cert file        client certificate (PEM) for mutual TLS, with
//	-tls-key file         its key
//	-auth-header value    an Authorization header, e.g. 'Bearer abc'
//	                      (visible in the process list: prefer the next flag)
//	-auth-header-env VAR  read the Authorization header from variable VAR
//
// In both modes:
//
//	-store dir            keep the drain's operation record in dir
//	                      (<dir>/<job>.json): a drain interrupted or crashed
//	                      is resumed by running the command again with the
//	                      same -store (the same triggerId is sent again, so
//	                      Flink starts no second savepoint), and a finished
//	                      one is reported from the record without calling
//	                      Flink; delete the file to drain the same job ID
//	                      again. Default: in memory (real mode), a temporary
//	                      directory (demo).
//	-timeout d            how long the drain may take before the fallback
//	                      (default 10m, Flink's checkpoint timeout); the
//	                      first look at the job is bounded by the shorter of
//	                      it and 30s
//	-attempts n           stop attempts before the fallback: a failed
//	                      savepoint is tried again while the job runs
//	                      (default 0: until -timeout; 3 with -fail)
//	-fallback cancel|none what to do when the drain fails: cancel the job
//	                      without a savepoint (default), or leave it running
//	-target-dir dir       where the savepoint goes, e.g. s3://bucket/savepoints
//	                      (default: the cluster's state.savepoints.dir)
//
// Demo only:
//
//	-fail                 make every savepoint fail (the job keeps running)
//	-savepoint-delay d    how long the savepoint takes (default 1s)
//
// Exit status: 0 drained (the savepoint location is printed), or a dry run
// that found the job running; 1 the job was not drained and not cancelled
// (not found, already terminal, Flink unreachable, -fallback none,
// interrupted); 2 bad or inconsistent flags; 3 the drain failed and the job
// was cancelled without a savepoint.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK        = 0
	exitFailure   = 1
	exitUsage     = 2
	exitCancelled = 3
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
		fmt.Fprintf(stderr, "drain: %v\nRun 'drain -h' for usage.\n", err)
		return exitUsage
	}
	if o.flinkURL == "" {
		return runDemo(ctx, o, stdout, stderr)
	}
	return runReal(ctx, o, stdout, stderr)
}
