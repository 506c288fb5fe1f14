package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
)

// errHelp reports that -h was asked for and answered.
var errHelp = errors.New("help requested")

// options are the parsed flags, with the mode's defaults applied.
type options struct {
	brokers  []string
	group    string
	topics   []string
	reset    backlog.ResetPolicy
	tls      bool
	tlsCA    string
	tlsCert  string
	tlsKey   string
	saslUser string
	saslPass string
	interval time.Duration
	count    int
	timeout  time.Duration
}

// realOnly are the flags that only make sense with -brokers.
var realOnly = []string{"group", "topics", "reset", "tls", "tls-ca", "tls-cert", "tls-key", "sasl-user", "sasl-password-env"}

// parseArgs parses and checks the command line. Usage errors are returned;
// -h prints the usage and returns errHelp.
func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	var brokers, topics, reset, passEnv string
	fs := flag.NewFlagSet("kafkalag", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&brokers, "brokers", "", "bootstrap brokers, comma separated; without it, run the embedded demo")
	fs.StringVar(&o.group, "group", "", "consumer group to measure (required with -brokers)")
	fs.StringVar(&topics, "topics", "", "topics, comma separated (default: those the group committed offsets for)")
	fs.StringVar(&reset, "reset", "latest", "the group's auto.offset.reset: latest or earliest")
	fs.BoolVar(&o.tls, "tls", false, "connect with TLS, trusting the system roots")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "CA certificates `file` (PEM) to trust instead of the system roots")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "client certificate `file` (PEM), with -tls-key")
	fs.StringVar(&o.tlsKey, "tls-key", "", "client key `file` (PEM), with -tls-cert")
	fs.StringVar(&o.saslUser, "sasl-user", "", "SASL/PLAIN user, with -sasl-password-env")
	fs.StringVar(&passEnv, "sasl-password-env", "", "environment `variable` holding the SASL password")
	fs.DurationVar(&o.interval, "interval", 0, "time between evaluations (default 10s; 300ms in the demo)")
	fs.IntVar(&o.count, "count", 0, "evaluations to run; 0 runs until interrupted (default 1; 3 in the demo)")
	fs.DurationVar(&o.timeout, "timeout", kafkalag.DefaultTimeout, "bound on one evaluation and on each request")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprint(stderr, "Usage:\n  kafkalag [-interval d] [-count n]              embedded demo\n  kafkalag -brokers h:9092,... -group g [flags]  a real cluster\n\nFlags:\n")
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
	o.brokers = splitList(brokers)
	o.topics = splitList(topics)
	if err := o.check(set, brokers, reset, passEnv); err != nil {
		return o, err
	}
	o.defaults(set)
	return o, nil
}

// check reports inconsistent flags, and reads the SASL password.
func (o *options) check(set map[string]bool, brokers, reset, passEnv string) error {
	if set["brokers"] && len(o.brokers) == 0 {
		return fmt.Errorf("-brokers %q names no broker", brokers)
	}
	if len(o.brokers) == 0 {
		for _, name := range realOnly {
			if set[name] {
				return fmt.Errorf("-%s needs -brokers (without -brokers kafkalag runs its embedded demo)", name)
			}
		}
	}
	if len(o.brokers) > 0 && o.group == "" {
		return errors.New("-group is required with -brokers")
	}
	switch reset {
	case "latest":
		o.reset = backlog.ResetLatest
	case "earliest":
		o.reset = backlog.ResetEarliest
	default:
		return fmt.Errorf("-reset %q: want latest or earliest", reset)
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	o.tls = o.tls || o.tlsCA != "" || o.tlsCert != ""
	if (o.saslUser == "") != (passEnv == "") {
		return errors.New("-sasl-user and -sasl-password-env go together")
	}
	if passEnv != "" {
		if o.saslPass = os.Getenv(passEnv); o.saslPass == "" {
			return fmt.Errorf("-sasl-password-env: environment variable %s is unset or empty", passEnv)
		}
	}
	switch {
	case set["interval"] && o.interval <= 0:
		return fmt.Errorf("-interval %v: must be positive", o.interval)
	case o.count < 0:
		return fmt.Errorf("-count %d: must be 0 (until interrupted) or more", o.count)
	case o.timeout <= 0:
		return fmt.Errorf("-timeout %v: must be positive", o.timeout)
	}
	return nil
}

// defaults applies the mode's defaults to the flags not given.
func (o *options) defaults(set map[string]bool) {
	demo := len(o.brokers) == 0
	if !set["interval"] {
		o.interval = 10 * time.Second
		if demo {
			o.interval = 300 * time.Millisecond
		}
	}
	if !set["count"] {
		o.count = 1
		if demo {
			o.count = 3
		}
	}
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// saramaConfig is the client configuration for a real cluster: TLS, SASL,
// and network timeouts bounded by -timeout. Unreadable TLS files are errors.
func (o options) saramaConfig() (*sarama.Config, error) {
	conf := sarama.NewConfig()
	conf.Version = sarama.V2_8_0_0
	conf.ClientID = kafkalag.DefaultClientID
	conf.Net.DialTimeout = o.timeout
	conf.Net.ReadTimeout = o.timeout
	conf.Net.WriteTimeout = o.timeout
	if o.tls {
		tc, err := o.tlsConfig()
		if err != nil {
			return nil, err
		}
		conf.Net.TLS.Enable = true
		conf.Net.TLS.Config = tc
	}
	if o.saslUser != "" {
		conf.Net.SASL.Enable = true
		conf.Net.SASL.Mechanism = sarama.SASLTypePlaintext
		conf.Net.SASL.User = o.saslUser
		conf.Net.SASL.Password = o.saslPass
	}
	return conf, nil
}

func (o options) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.tlsCA != "" {
		pem, err := os.ReadFile(o.tlsCA)
		if err != nil {
			return nil, fmt.Errorf("-tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-tls-ca %s: no PEM certificate found", o.tlsCA)
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
