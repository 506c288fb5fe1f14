// Command operator-sidebyside runs issue #19's acting-mode comparison on
// the real stack: the same job and the same Kafka traces, once managed by
// the Flink operator's own autoscaler (its library, run by
// realstack.NewAutoscaler, applying its decisions in place through the
// adaptive scheduler) and once by autoscale.Default through
// examples/autopilot -apply, both measured by the same code, and writes a
// Markdown table.
//
// From the repository's root (it builds examples/autopilot):
//
//	go run ./bench/operator-sidebyside -out bench-sidebyside.md           # the three traces, about 45 min
//	go run ./bench/operator-sidebyside -smoke                             # both controllers start, observe and decide (a 60 s trace each, metrics window 30 s)
//
// Each run starts a fresh Flink 1.20 session cluster (one TaskManager of
// 16 slots, the adaptive scheduler) beside one Kafka broker, submits the
// realstack test job with -pipelines pipelines (one hot, the rest a
// trickle; 16 partitions each; Cost -cost per record) at parallelism 1,
// lets the trace run, waits until the group caught up, stops the
// controller, drains the job and counts every sink read-committed.
//
// The operator runs on the short windows its own end-to-end tests use
// (realstack.AutoscalerShortWindows: stabilization 5 s, catch-up 1 min,
// restart time 10 s; the metrics window -window) with scaling enabled, and
// its 1 h scale-up grace period compressed as the window is (15 min ->
// -window). Default runs on -time-scale (its lag SLO of 2 min, restart
// cost of 15 min and the rest scaled), the same factor as the operator's
// metrics window, 1 min for 15. The figures: seconds with the hot
// pipeline's time lag above -slo (Kafka's, read from the committed
// offsets), slot-minutes (slots in use from /overview, integrated),
// rescales (changes of any vertex's parallelism while RUNNING), the
// largest time lag, the median time from a rescale's RUNNING to the
// controller's next decision on measured figures (the operator's next
// evaluation; Default's next decision that does not say figures are
// missing or not measured yet), and records produced, in the sinks, lost
// and duplicated.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/flinkscale/flinkscale/realstack"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("operator-sidebyside", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the Markdown table to this file as well")
	smoke := fs.Bool("smoke", false, "one short trace: check that both controllers start, observe and decide, and lose nothing")
	only := fs.String("traces", "", "comma-separated traces to run (spike, step, diurnal; default all)")
	controllers := fs.String("controllers", "operator,default", "comma-separated controllers: operator, default")
	pipelines := fs.Int("pipelines", 2, "pipelines in the job: one hot, the others a trickle")
	cost := fs.Duration("cost", 4*time.Millisecond, "the Cost step's time per record (4ms: about 240 records/s a subtask)")
	interval := fs.Duration("interval", 5*time.Second, "both controllers' decision interval")
	window := fs.Duration("window", time.Minute, "the operator's metrics window (its default 15m); Default's time scale follows it")
	slo := fs.Duration("slo", 8*time.Second, "the lag SLO both are measured against (Default's 2 min on the same time scale)")
	keep := fs.Bool("keep", false, "keep the runs' directories")
	simulated := fs.Bool("sim", false, "also run each trace and controller in autoscale/sim, calibrated from the real tier, over the time each real run was measured, and tabulate the simulator's error")
	simOnly := fs.Duration("sim-only", 0, "run only the simulator, each trace over its length plus this tail (no JVM)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *pipelines < 1 || *cost <= 0 || *interval <= 0 || *window <= 0 || *slo <= 0 {
		fmt.Fprintln(stderr, "operator-sidebyside: -pipelines, -cost, -interval, -window and -slo must be positive")
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if *simOnly > 0 {
		return simOnlyRun(stdout, stderr, *only, *controllers, *smoke, *simOnly, &setup{parts: 16, cost: *cost,
			interval: *interval, window: *window, scale: float64(*window) / float64(15*time.Minute), slo: *slo, pipelines: 1})
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	dir, err := os.MkdirTemp("", "operator-sidebyside-")
	if err != nil {
		fmt.Fprintln(stderr, "operator-sidebyside:", err)
		return 1
	}
	failed := false
	defer func() {
		if *keep || failed {
			fmt.Fprintf(stderr, "operator-sidebyside: runs kept in %s\n", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}()
	bin := filepath.Join(dir, "autopilot")
	if b, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/autopilot").CombinedOutput(); err != nil {
		fmt.Fprintf(stderr, "operator-sidebyside: building ./examples/autopilot (run from the repository's root): %v\n%s", err, b)
		failed = true
		return 1
	}
	if err := os.MkdirAll(filepath.Join(dir, "kafka"), 0o755); err != nil {
		fmt.Fprintln(stderr, "operator-sidebyside:", err)
		return 1
	}
	k, err := realstack.NewKafka(ctx, realstack.KafkaConfig{Dir: filepath.Join(dir, "kafka"), Logger: logger})
	if err != nil {
		fmt.Fprintln(stderr, "operator-sidebyside:", err)
		failed = true
		return 1
	}
	defer k.Close()

	s := &setup{k: k, dir: dir, pipelines: *pipelines, parts: 16, cost: *cost, idleRate: 20, interval: *interval,
		window: *window, scale: float64(*window) / float64(15*time.Minute), slo: *slo, warm: 20 * time.Second, logger: logger}
	if *smoke {
		s.pipelines, s.warm = 1, 10*time.Second
		if !flagSet(fs, "window") {
			s.window = 30 * time.Second
			s.scale = float64(s.window) / float64(15*time.Minute)
		}
	}
	var results []result
	seq := 0
	for _, tr := range traces(*smoke) {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), tr.name) {
			continue
		}
		for _, name := range strings.Split(*controllers, ",") {
			var ctl controller
			switch name {
			case "operator":
				ctl = &operatorCtl{}
			case "default":
				ctl = &defaultCtl{bin: bin}
			default:
				fmt.Fprintf(stderr, "operator-sidebyside: unknown controller %q\n", name)
				return 2
			}
			seq++
			t0 := time.Now()
			r, err := s.runOne(ctx, seq, tr, name, ctl)
			if err != nil {
				fmt.Fprintf(stderr, "operator-sidebyside: %s under %s: %v\n", tr.name, name, err)
				printLogs(stderr, filepath.Join(dir, fmt.Sprintf("%02d-%s-%s", seq, tr.name, name)))
				failed = true
				if errors.Is(ctx.Err(), context.Canceled) {
					return 1
				}
				continue
			}
			logger.Info("sidebyside: run done", "trace", tr.name, "controller", name, "took", time.Since(t0).Round(time.Second))
			results = append(results, r)
		}
	}
	table := render(results, s)
	if *simulated {
		var sims []result
		for _, r := range results {
			sr, err := s.simulate(traceNamed(*smoke, r.trace), r.controller, r.window)
			if err != nil {
				fmt.Fprintf(stderr, "operator-sidebyside: simulating %s under %s: %v\n", r.trace, r.controller, err)
				failed = true
				continue
			}
			sims = append(sims, sr)
		}
		table += "\nThe same traces in autoscale/sim (the operator as OperatorCompatible, with its windows), over the time each real run was measured:\n\n" +
			renderErrors(results, sims)
	}
	fmt.Fprint(stdout, table)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(table), 0o644); err != nil {
			fmt.Fprintln(stderr, "operator-sidebyside:", err)
			return 1
		}
	}
	if *smoke {
		for _, r := range results {
			if r.decisions == 0 || r.lost > 0 || r.produced == 0 {
				fmt.Fprintf(stderr, "operator-sidebyside: smoke: %s decided %d times on measured figures, lost %d of %d records\n",
					r.controller, r.decisions, r.lost, r.produced)
				printLogs(stderr, r.dir)
				failed = true
			}
		}
		if len(results) != len(strings.Split(*controllers, ",")) {
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

// simOnlyRun runs the traces only in the simulator, each over its length
// plus tail, and prints the table real runs print.
func simOnlyRun(stdout, stderr io.Writer, only, controllers string, smoke bool, tail time.Duration, s *setup) int {
	var rs []result
	for _, tr := range traces(smoke) {
		if only != "" && !slices.Contains(strings.Split(only, ","), tr.name) {
			continue
		}
		for _, name := range strings.Split(controllers, ",") {
			r, err := s.simulate(tr, name, tr.length+tail)
			if err != nil {
				fmt.Fprintf(stderr, "operator-sidebyside: simulating %s under %s: %v\n", tr.name, name, err)
				return 1
			}
			r.window = tr.length + tail
			rs = append(rs, r)
		}
	}
	fmt.Fprint(stdout, "In autoscale/sim only:\n"+render(rs, s))
	return 0
}

// traceNamed is the trace of that name.
func traceNamed(smoke bool, name string) trace {
	for _, tr := range traces(smoke) {
		if tr.name == name {
			return tr
		}
	}
	return trace{name: name, rate: func(time.Duration) float64 { return 0 }}
}

// printLogs prints the last lines of a run's controller logs.
func printLogs(w io.Writer, runDir string) {
	for _, p := range []string{filepath.Join(runDir, "autopilot.log"), filepath.Join(runDir, "operator", "log", "autoscaler.log")} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		fmt.Fprintf(w, "--- %s, last lines:\n%s\n", p, strings.Join(lines[max(0, len(lines)-30):], "\n"))
	}
}

// flagSet reports whether the flag was given.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// render is the Markdown table of the results.
func render(rs []result, s *setup) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Flink 1.20, %d pipelines (16 partitions each), Cost %v a record; both decide every %v; the operator's metrics window %v, Default's time scale %.4g; lag SLO %v.\n\n",
		s.pipelines, s.cost, s.interval, s.window, s.scale, s.slo)
	b.WriteString("| trace | controller | s measured | s over SLO | slot-min | rescales | max lag s | rescale -> next decision s (median) | decisions | produced | in sinks | lost | duplicated | note |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rs {
		next := "-"
		if len(r.restartToDecision) > 0 {
			next = fmt.Sprintf("%.1f", median(r.restartToDecision).Seconds())
		}
		note := r.note
		if r.unknownLag > 0 {
			note = strings.TrimPrefix(note+fmt.Sprintf("; lag unknown %.0f s", r.unknownLag.Seconds()), "; ")
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %.1f | %d | %.1f | %s | %d | %d | %d | %d | %d | %s |\n",
			r.trace, r.controller, r.window.Seconds(), r.overSLO.Seconds(), r.slotMinutes, r.rescales, r.maxLag.Seconds(), next, r.decisions,
			r.produced, r.inSink, r.lost, r.duplicated, note)
	}
	return b.String()
}
