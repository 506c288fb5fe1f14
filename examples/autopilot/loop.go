package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// rates measures a pipeline's input and output rates between two ticks;
// ok is false when they are not known.
type rates func(name string, p autoscale.Pipeline, obs autoscale.Observation, prev *autoscale.Observation) (in, out float64, ok bool)

// session is one run of the controller loop, in either mode: it observes,
// decides and acts through an autoscale.Controller, and reports every
// tick and the end.
type session struct {
	stdout io.Writer
	log    *slog.Logger
	// clock tells the run's time and paces the drain; ctrlClock is the
	// controller's (the embedded run's holds time still while a step
	// runs). Nil means the system clock, and clock.
	clock, ctrlClock clock.Clock
	client           *flinkapi.Client
	job              flinkapi.JobID
	out              *report.Dir

	observer autoscale.Observer
	policy   autoscale.Policy
	actuator autoscale.Actuator
	interval time.Duration
	slo      time.Duration
	rates    rates
	// tel receives every step and drain transition (Prometheus metrics).
	tel *telemetry
	// drainVia, when set, drains the job another way than flinkdrain
	// through the REST API (the Flink Kubernetes Operator's, with
	// -flinkdeployment), recording in store, within timeout.
	drainVia func(ctx context.Context, store drain.Store, timeout time.Duration, onTransition func(drain.Operation, drain.Step)) (drain.Operation, error)
	// finished, when set, is asked after every tick with its sample:
	// true ends the loop then.
	finished func(report.Sample) bool
	// firstAfter delays the first tick (a job that has just started has
	// no metrics yet).
	firstAfter time.Duration

	mu       sync.Mutex
	stop     context.CancelFunc // ends the loop
	start    time.Time
	last     *autoscale.Observation
	prev     *autoscale.Observation
	state    flinkapi.JobState // the job's state at the last observation, when not RUNNING
	samples  []report.Sample
	header   string // the pipelines the status header was printed for
	gist     string // the last keep's reason, numbers masked
	placers  []*placer
	findings []string
}

// observe observes, and keeps the state of a job that is not running
// (restarting, finished, ...) for the status line.
func (s *session) observe(ctx context.Context) (autoscale.Observation, error) {
	obs, err := s.observer.Observe(ctx)
	if err != nil {
		return obs, err
	}
	var state flinkapi.JobState
	if !obs.Running {
		state = flinkapi.JobState(obs.State) // "" when the observer did not know it
	}
	s.mu.Lock()
	s.state = state
	s.mu.Unlock()
	return obs, nil
}

// loop runs the controller until ctx ends or finished says so.
func (s *session) loop(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.clock = clock.Or(s.clock)
	if s.ctrlClock == nil {
		s.ctrlClock = s.clock
	}
	s.mu.Lock()
	s.stop = cancel
	s.start = s.clock.Now()
	s.placers = newPlacers()
	s.mu.Unlock()
	s.tel.track(s.ctrlClock, s.interval)
	ctrl, err := autoscale.NewController(autoscale.ControllerConfig{
		Observer: autoscale.ObserverFunc(s.observe),
		Policy:   s.policy,
		Actuator: s.actuator,
		Interval: s.interval,
		Clock:    s.ctrlClock,
		Logger:   s.log,
		OnStep: func(rec autoscale.Record) {
			if rec.Err != nil && ctx.Err() != nil {
				return // a step the run's end cut short is no tick
			}
			s.tel.step(rec)
			s.step(rec)
		},
	})
	if err != nil { // the config is ours: a bug
		fmt.Fprintf(s.stdout, "controller: %v\n", err)
		return
	}
	if s.ctrlClock.Sleep(ctx, s.firstAfter) != nil { // the first step at a step of the clock
		return
	}
	_ = ctrl.Run(ctx) // returns ctx's error
}

// step reports one controller step.
func (s *session) step(rec autoscale.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !rec.Observation.Time.IsZero() { // observing failed otherwise: the last one stands
		s.prev, s.last = s.last, &rec.Observation
	}
	smp := report.Sample{Time: rec.Time, Elapsed: rec.Time.Sub(s.start), Applied: rec.Applied, DryRun: rec.DryRun}
	fresh := s.last != nil && !s.last.Time.Before(rec.Time.Add(-s.interval))
	if fresh {
		smp.Pipelines, smp.Slots = s.pipelines(*s.last, s.prev)
		if !s.last.Running {
			smp.State = string(s.state)
		}
	}
	names := func(text string) string { return text }
	if s.last != nil {
		names = s.last.Named
	}
	switch {
	case errors.Is(rec.Err, autoscale.ErrRefused):
		smp.Decision, smp.Changes = report.DecisionRefused, changeText(rec, s.last)
		smp.SlotsBefore, smp.SlotsAfter = smp.Slots, rec.Decision.Slots
		smp.Reason = names(rec.Err.Error())
	case rec.Err != nil:
		smp.Decision, smp.Err = report.DecisionError, names(rec.Err.Error())
	case len(rec.Changes) > 0:
		smp.Decision, smp.Changes = report.DecisionScale, changeText(rec, s.last)
		smp.SlotsBefore, smp.SlotsAfter = smp.Slots, rec.Decision.Slots
		smp.Reason = why(names(rec.Decision.Summary))
	default:
		smp.Decision, smp.Reason = report.DecisionKeep, why(names(rec.Decision.Summary))
		if fresh {
			if miss := missing(*s.last); miss != "" {
				smp.Reason = "figures missing, so nothing is acted on: " + miss
			} else if u := unmeasured(*s.last, rec.Decision); u != "" {
				smp.Reason = "not measured yet, so kept: " + u
			}
		}
		gist := numbers.ReplaceAllString(smp.Reason, "#")
		smp.Quiet, s.gist = gist == s.gist, gist
	}
	s.print(smp)
	s.samples = append(s.samples, smp)
	if err := s.out.Decision(s.decision(rec, smp, names)); err != nil {
		s.log.Warn("write decisions.jsonl", "err", err)
	}
	if (rec.Applied || rec.DryRun) && s.last != nil { // a dry run previews the placement
		for _, p := range s.placers {
			p.place(*s.last, rec.Decision.Targets)
		}
	}
	if s.finished != nil && s.finished(smp) {
		s.stop()
	}
}

// numbers matches the figures in a reason, which change at every tick.
var numbers = regexp.MustCompile(`[0-9][0-9.,:]*`)

// why is a policy's summary without its policy's prefix and verdict
// ("default: keeps every vertex: ..."): the status line says that.
func why(summary string) string {
	for _, prefix := range []string{"default: keeps every vertex: ", "default: rescales ", "default: "} {
		if rest, ok := strings.CutPrefix(summary, prefix); ok {
			if prefix == "default: rescales " {
				if _, after, ok := strings.Cut(rest, " slots): "); ok {
					return after
				}
			}
			return rest
		}
	}
	return summary
}

// print writes the tick's status lines, under a header whenever the
// pipelines change.
func (s *session) print(smp report.Sample) {
	var names []string
	for _, p := range smp.Pipelines {
		names = append(names, p.Name)
	}
	if h := strings.Join(names, "\x00"); h != s.header && len(names) > 0 {
		s.header = h
		for _, l := range report.StatusHeader(names) {
			fmt.Fprintln(s.stdout, l)
		}
	}
	for _, l := range report.StatusLines(smp) {
		fmt.Fprintln(s.stdout, l)
	}
}

// decision is the tick's line of decisions.jsonl: targets and reasons by
// vertex name.
func (s *session) decision(rec autoscale.Record, smp report.Sample, names func(string) string) report.Decision {
	d := report.Decision{
		Time: rec.Time, Elapsed: smp.Elapsed, Summary: names(rec.Decision.Summary), Changes: smp.Changes,
		Applied: rec.Applied, DryRun: rec.DryRun, Err: smp.Err,
	}
	if len(rec.Decision.Targets) > 0 {
		d.Targets, d.Reasons = map[string]int{}, map[string]string{}
		for id, t := range rec.Decision.Targets {
			n := names(id)
			d.Targets[n], d.Reasons[n] = t, names(rec.Decision.Reasons[id])
		}
	}
	return d
}

// finish completes sum with the figures of the samples and the findings,
// prints it and writes the files.
func (s *session) finish(sum report.Summary) error {
	s.mu.Lock()
	samples := slices.Clone(s.samples)
	fromSamples := report.Summarize(samples, s.slo)
	sum.Ticks, sum.Rescales, sum.WouldRescale = fromSamples.Ticks, fromSamples.Rescales, fromSamples.WouldRescale
	sum.SlotSeconds, sum.PeakSlots, sum.SLO = fromSamples.SlotSeconds, fromSamples.PeakSlots, s.slo
	sum.SLOViolation, sum.MaxLag = fromSamples.SLOViolation, fromSamples.MaxLag
	sum.LagUnknownTicks, sum.LagUnknownReason = fromSamples.LagUnknownTicks, fromSamples.LagUnknownReason
	sum.Findings = append(sum.Findings, s.findings...)
	s.mu.Unlock()
	fmt.Fprintln(s.stdout)
	if err := report.WriteSummary(s.stdout, sum); err != nil {
		return err
	}
	if err := writeTicks(s.out.Path("ticks.jsonl"), samples); err != nil {
		return err
	}
	opt := report.ChartOptions{Title: chartTitle(sum), SLO: s.slo, TimeScale: sum.TimeScale}
	if err := s.out.Finish(samples, sum, opt); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "\nwrote chart.svg, decisions.jsonl, ticks.jsonl and summary.json to %s\n", s.out.Path(""))
	return nil
}

func chartTitle(sum report.Summary) string {
	if sum.TimeScale > 1 {
		return fmt.Sprintf("flinkscale autopilot: %s, time compressed %gx", sum.Job, sum.TimeScale)
	}
	return "flinkscale autopilot: " + sum.Job
}

// writeTicks writes every tick's sample, one JSON object a line: the data
// the chart is drawn from.
func writeTicks(path string, samples []report.Sample) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, smp := range samples {
		if err := enc.Encode(smp); err != nil {
			return err
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
