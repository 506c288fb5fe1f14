package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// errHelp reports that -h was asked for and answered.
var errHelp = errors.New("help requested")

// options are the parsed flags.
type options struct {
	flinkURL   string
	job        flinkapi.JobID
	yes        bool
	tls        flinkapi.TLSConfig
	authHeader string
	store      string
	timeout    time.Duration
	attempts   int
	fallback   flinkdrain.Fallback
	targetDir  string
	// Demo only.
	fail           bool
	savepointDelay time.Duration
}

var (
	// realOnly are the flags that need -flink-url.
	realOnly = []string{"job", "yes", "tls-ca", "tls-cert", "tls-key", "auth-header", "auth-header-env"}
	// demoOnly are the flags of the embedded demo.
	demoOnly = []string{"fail", "savepoint-delay"}
)

// parseArgs parses and checks the command line. Usage errors are returned;
// -h prints the usage and returns errHelp.
func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	var job, fallback, authEnv string
	fs := flag.NewFlagSet("drain", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.flinkURL, "flink-url", "", "JobManager REST `URL`; without it, run the embedded demo")
	fs.StringVar(&job, "job", "", "`ID` of the job to drain (required with -flink-url)")
	fs.BoolVar(&o.yes, "yes", false, "really stop the job; without it, print what would be done")
	fs.StringVar(&o.tls.CAFile, "tls-ca", "", "CA certificates `file` (PEM) to trust instead of the system roots")
	fs.StringVar(&o.tls.CertFile, "tls-cert", "", "client certificate `file` (PEM), with -tls-key")
	fs.StringVar(&o.tls.KeyFile, "tls-key", "", "client key `file` (PEM), with -tls-cert")
	fs.StringVar(&o.authHeader, "auth-header", "", "Authorization header `value`, e.g. 'Bearer abc' (prefer -auth-header-env)")
	fs.StringVar(&authEnv, "auth-header-env", "", "environment `variable` holding the Authorization header")
	fs.StringVar(&o.store, "store", "", "`dir`ectory keeping the drain's record, to resume it (default: memory; a temporary directory in the demo)")
	fs.DurationVar(&o.timeout, "timeout", flinkdrain.DefaultTimeout, "how long the drain may take before the fallback")
	fs.IntVar(&o.attempts, "attempts", 0, "stop attempts before the fallback (a failed savepoint is tried again while the job runs); 0: until -timeout, 3 in the -fail demo")
	fs.StringVar(&fallback, "fallback", "cancel", "when the drain fails: cancel (without a savepoint) or none")
	fs.StringVar(&o.targetDir, "target-dir", "", "savepoint `directory` (default: the cluster's state.savepoints.dir)")
	fs.BoolVar(&o.fail, "fail", false, "demo: make the savepoint fail, to show the fallback")
	fs.DurationVar(&o.savepointDelay, "savepoint-delay", time.Second, "demo: how long the savepoint takes")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprint(stderr, "Usage:\n  drain [-fail] [flags]                        embedded demo\n  drain -flink-url URL -job ID [-yes] [flags]  a real job\n\nFlags:\n")
			fs.PrintDefaults()
			return o, errHelp
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o.job = flinkapi.JobID(job)
	return o, o.check(set, fallback, authEnv)
}

// check reports inconsistent flags, and reads the Authorization header
// from the environment.
func (o *options) check(set map[string]bool, fallback, authEnv string) error {
	if err := o.checkMode(set); err != nil {
		return err
	}
	switch fallback {
	case "cancel":
		o.fallback = flinkdrain.FallbackCancel
	case "none":
		o.fallback = flinkdrain.FallbackNone
	default:
		return fmt.Errorf("-fallback %q: want cancel or none", fallback)
	}
	if (o.tls.CertFile == "") != (o.tls.KeyFile == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	if o.authHeader != "" && authEnv != "" {
		return errors.New("-auth-header and -auth-header-env are exclusive")
	}
	if authEnv != "" {
		if o.authHeader = os.Getenv(authEnv); o.authHeader == "" {
			return fmt.Errorf("-auth-header-env: environment variable %s is unset or empty", authEnv)
		}
	}
	switch {
	case o.attempts < 0:
		return fmt.Errorf("-attempts %d: must not be negative", o.attempts)
	case o.timeout <= 0:
		return fmt.Errorf("-timeout %v: must be positive", o.timeout)
	case o.savepointDelay < 0:
		return fmt.Errorf("-savepoint-delay %v: must not be negative", o.savepointDelay)
	}
	return nil
}

// checkMode reports flags of the other mode, and a missing or malformed job.
func (o *options) checkMode(set map[string]bool) error {
	if o.flinkURL == "" {
		if set["flink-url"] {
			return errors.New("-flink-url is empty")
		}
		for _, name := range realOnly {
			if set[name] {
				return fmt.Errorf("-%s needs -flink-url (without -flink-url drain runs its embedded demo)", name)
			}
		}
		return nil
	}
	for _, name := range demoOnly {
		if set[name] {
			return fmt.Errorf("-%s is for the embedded demo, not with -flink-url", name)
		}
	}
	if o.job == "" {
		return errors.New("-job is required with -flink-url")
	}
	if err := o.job.Validate(); err != nil {
		return fmt.Errorf("-job: %w", err)
	}
	return nil
}
