package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/flinkscale/flinkscale/realstack"
)

// controller is one of the two controllers compared.
type controller interface {
	// start starts it on the job of env.
	start(ctx context.Context, env runEnv) error
	// decided returns when it took a decision on measured figures.
	decided() ([]time.Time, error)
	// stop ends it (before the job is drained).
	stop() error
}

// runEnv is what a controller needs to know of one run.
type runEnv struct {
	k        *realstack.Kafka
	f        *realstack.Flink
	job      string
	group    string
	topics   string // "Source: in-0=t0;Source: in-1=t1"
	dir      string // the run's directory
	interval time.Duration
	scale    float64 // Default's time scale
	window   time.Duration
}

// operatorCtl is the Flink operator's autoscaler, acting: its overrides
// applied in place through the adaptive scheduler.
type operatorCtl struct{ a *realstack.Autoscaler }

func (o *operatorCtl) start(ctx context.Context, env runEnv) error {
	opts := realstack.AutoscalerShortWindows()
	opts["job.autoscaler.scaling.enabled"] = "true"
	opts["job.autoscaler.metrics.window"] = realstack.FlinkDuration(env.window)
	// Its production grace period after a scale-up, 1 h, compressed as
	// the windows are (15 min -> env.window).
	opts["job.autoscaler.scale-up.grace-period"] = realstack.FlinkDuration(time.Duration(float64(time.Hour) * float64(env.window) / float64(15*time.Minute)))
	a, err := realstack.NewAutoscaler(ctx, realstack.AutoscalerConfig{
		RESTURL: env.f.URL(), Interval: env.interval, Apply: true, Options: opts, Dir: filepath.Join(env.dir, "operator"),
	})
	o.a = a
	return err
}

func (o *operatorCtl) decided() ([]time.Time, error) {
	rs, err := o.a.Records()
	var out []time.Time
	for _, r := range rs {
		if r.Kind == "evaluation" {
			out = append(out, r.Time)
		}
	}
	return out, err
}

func (o *operatorCtl) stop() error {
	if o.a == nil {
		return nil
	}
	return o.a.Close()
}

// defaultCtl is autoscale.Default through examples/autopilot -apply, its
// policy's durations compressed by -time-scale.
type defaultCtl struct {
	bin  string
	cmd  *exec.Cmd
	out  string
	done chan error
}

func (d *defaultCtl) start(_ context.Context, env runEnv) error {
	d.out = filepath.Join(env.dir, "autopilot")
	if err := os.MkdirAll(d.out, 0o755); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(env.dir, "autopilot.log"))
	if err != nil {
		return err
	}
	d.cmd = exec.Command(d.bin, "-flink-url", env.f.URL(), "-job", env.job,
		"-kafka-brokers", strings.Join(env.k.Addrs(), ","), "-group", env.group, "-topics", env.topics,
		"-apply", "-interval", env.interval.String(), "-time-scale", fmt.Sprint(env.scale), "-out", d.out)
	d.cmd.Stdout, d.cmd.Stderr = log, log
	if err := d.cmd.Start(); err != nil {
		log.Close()
		return err
	}
	d.done = make(chan error, 1)
	go func() { d.done <- d.cmd.Wait(); log.Close() }()
	return nil
}

// decided reads the autopilot's decisions.jsonl: a decision on measured
// figures is one whose summary does not say that figures are missing or
// not measured yet.
func (d *defaultCtl) decided() ([]time.Time, error) {
	var out []time.Time
	err := filepath.WalkDir(d.out, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || e.Name() != "decisions.jsonl" {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			var dec struct {
				Time    time.Time `json:"time"`
				Summary string    `json:"summary"`
			}
			if json.Unmarshal(sc.Bytes(), &dec) != nil {
				continue
			}
			if strings.Contains(dec.Summary, "not measured yet") || strings.Contains(dec.Summary, "figures are missing") {
				continue
			}
			out = append(out, dec.Time)
		}
		return sc.Err()
	})
	return out, err
}

func (d *defaultCtl) stop() error {
	if d.cmd == nil || d.cmd.Process == nil {
		return nil
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil // ended by the signal
		}
		return err
	case <-time.After(time.Minute):
		_ = d.cmd.Process.Kill()
		return fmt.Errorf("the autopilot did not end within a minute of SIGTERM")
	}
}
