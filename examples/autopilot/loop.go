package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/checkpointing/flinkadvice"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/examples/autopilot/report"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/slotalloc"
)

// rates measures a pipeline's input and output rates between two ticks;
// ok is false when they are not known.
type rates func(pipeline string, obs autoscale.Observation, prev *autoscale.Observation) (in, out float64, ok bool)

// session is one run of the controller loop, in either mode: it observes,
// decides and acts through an autoscale.Controller, and reports every
// tick and the end.
type session struct {
	stdout io.Writer
	log    *slog.Logger
	client *flinkapi.Client
	job    flinkapi.JobID
	out    *report.Dir

	observer autoscale.Observer
	policy   autoscale.Policy
	actuator autoscale.Actuator
	interval time.Duration
	slo      time.Duration
	rates    rates
	// finished, when set, is asked after every tick with its sample:
	// true ends the loop then.
	finished func(report.Sample) bool

	mu       sync.Mutex
	stop     context.CancelFunc // ends the loop
	start    time.Time
	last     *autoscale.Observation
	prev     *autoscale.Observation
	samples  []report.Sample
	placers  []*placer
	findings []string
}

// observe wraps the observer to keep the observation the tick's sample
// is made of.
func (s *session) observe(ctx context.Context) (autoscale.Observation, error) {
	obs, err := s.observer.Observe(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.prev, s.last = s.last, &obs
	}
	return obs, err
}

// loop runs the controller until ctx ends or finished says so.
func (s *session) loop(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.stop = cancel
	s.mu.Unlock()
	s.start = time.Now()
	s.placers = []*placer{{name: "flink-default", alloc: slotalloc.FlinkDefault{}}, {name: "flinkscale-default", alloc: &slotalloc.Default{}}}
	ctrl, err := autoscale.NewController(autoscale.ControllerConfig{
		Observer: autoscale.ObserverFunc(s.observe),
		Policy:   s.policy,
		Actuator: s.actuator,
		Interval: s.interval,
		Logger:   s.log,
		OnStep:   s.step,
	})
	if err != nil { // the config is ours: a bug
		fmt.Fprintf(s.stdout, "controller: %v\n", err)
		return
	}
	_ = ctrl.Run(ctx) // returns ctx's error
}

// step reports one controller step.
func (s *session) step(rec autoscale.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	smp := report.Sample{Time: rec.Time, Elapsed: rec.Time.Sub(s.start), Applied: rec.Applied}
	switch {
	case rec.Err != nil:
		smp.Decision, smp.Reason, smp.Err = "error", firstLine(rec.Err.Error()), rec.Err.Error()
	case len(rec.Changes) > 0:
		smp.Decision, smp.Reason = "scale", changeText(rec, s.last)
	default:
		smp.Decision, smp.Reason = "keep", rec.Decision.Summary
	}
	if s.last != nil && !s.last.Time.Before(rec.Time.Add(-s.interval)) {
		smp.Pipelines, smp.Slots = s.pipelines(*s.last, s.prev)
	}
	s.samples = append(s.samples, smp)
	fmt.Fprintln(s.stdout, report.StatusLine(smp))
	if err := s.out.Decision(report.Decision{
		Time: rec.Time, Elapsed: smp.Elapsed, Summary: rec.Decision.Summary, Targets: rec.Decision.Targets,
		Reasons: rec.Decision.Reasons, Changes: rec.Changes, Applied: rec.Applied, Err: smp.Err,
	}); err != nil {
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

// pipelines groups the observation by slot-sharing group (one per
// pipeline): backlog and lag of its sources, its slots, its rates.
func (s *session) pipelines(obs autoscale.Observation, prev *autoscale.Observation) ([]report.PipelineSample, int) {
	groups := map[string]*report.PipelineSample{}
	var order []string
	names := pipelineNames(obs)
	for _, v := range obs.Vertices {
		g := groups[v.SlotSharingGroup]
		if g == nil {
			g = &report.PipelineSample{Name: names[v.SlotSharingGroup], Running: obs.Running, BacklogKnown: true, LagKnown: true}
			groups[v.SlotSharingGroup] = g
			order = append(order, v.SlotSharingGroup)
		}
		g.Parallelism = max(g.Parallelism, v.Parallelism)
		if v.Source == nil {
			continue
		}
		if b, ok := v.Source.Backlog.Get(); ok && g.BacklogKnown {
			g.Backlog += b
		} else {
			g.BacklogKnown = false
		}
		if l, ok := v.Source.TimeLag.Get(); ok && g.LagKnown {
			g.Lag = max(g.Lag, time.Duration(l*float64(time.Second)))
		} else {
			g.LagKnown = false
		}
	}
	out := make([]report.PipelineSample, 0, len(order))
	slots := 0
	for _, name := range order {
		g := groups[name]
		if !g.BacklogKnown {
			g.Backlog = 0
		}
		if !g.LagKnown {
			g.Lag = 0
		}
		if in, o, ok := s.rates(g.Name, obs, prev); ok {
			g.InRate, g.OutRate = in, o
		}
		slots += g.Parallelism
		out = append(out, *g)
	}
	return out, slots
}

// pipelineNames names each slot-sharing group (a pipeline, in the jobs
// Beam and the embedded demo build) after its first source: "Source: hot"
// is "hot". A group without a source keeps a short form of its ID.
func pipelineNames(obs autoscale.Observation) map[string]string {
	names := map[string]string{}
	for _, v := range obs.Vertices {
		if _, ok := names[v.SlotSharingGroup]; ok {
			continue
		}
		if v.Source != nil {
			n := strings.TrimSpace(strings.TrimPrefix(v.Name, "Source:"))
			if n == "" {
				n = v.Name
			}
			names[v.SlotSharingGroup] = n
		}
	}
	for _, v := range obs.Vertices {
		if _, ok := names[v.SlotSharingGroup]; !ok {
			names[v.SlotSharingGroup] = shortID(v.SlotSharingGroup)
		}
	}
	return names
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	if id == "" {
		return "default"
	}
	return id
}

// changeText says what a decision changes, by vertex name:
// "Transform: hot 3->11, Sink: hot 1->3".
func changeText(rec autoscale.Record, obs *autoscale.Observation) string {
	var parts []string
	for _, id := range rec.Changes {
		name, from := shortID(id), 0
		if obs != nil {
			if v, ok := obs.Vertex(id); ok {
				name, from = v.Name, v.Parallelism
			}
		}
		parts = append(parts, fmt.Sprintf("%s %d->%d", name, from, rec.Decision.Targets[id]))
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// placer keeps one allocator's plan across rescales, to report how evenly
// it places the job and how many subtasks each rescale moves.
type placer struct {
	name  string
	alloc slotalloc.Allocator
	plan  slotalloc.Plan
	stats slotalloc.Stats
	moved int
	err   error
}

// place plans the observed job at the decision's targets (or as it is,
// when targets is nil) on the observed TaskManagers.
func (p *placer) place(obs autoscale.Observation, targets map[string]int) {
	r := obs.Resources
	if r.TaskManagers < 1 || r.SlotsPerTaskManager < 1 {
		p.err = fmt.Errorf("the cluster's TaskManagers are unknown")
		return
	}
	req := slotalloc.Request{Previous: p.plan}
	for i := range r.TaskManagers {
		req.TaskManagers = append(req.TaskManagers, slotalloc.TaskManager{ID: slotalloc.TaskManagerID(fmt.Sprintf("tm-%d", i)), Slots: r.SlotsPerTaskManager})
	}
	for _, v := range obs.Vertices {
		par := v.Parallelism
		if t, ok := targets[v.ID]; ok {
			par = t
		}
		req.Vertices = append(req.Vertices, slotalloc.Vertex{ID: slotalloc.VertexID(v.ID), Parallelism: par, SlotSharingGroup: v.SlotSharingGroup})
	}
	plan, err := p.alloc.Allocate(req)
	if err != nil {
		p.err = err
		return
	}
	st, err := slotalloc.Evaluate(req, plan)
	if err != nil {
		p.err = err
		return
	}
	p.plan, p.stats, p.err = plan, st, nil
	p.moved += st.Moved
}

// advise asks the checkpoint advisor about the job and keeps its
// findings for the summary.
func (s *session) advise(ctx context.Context) {
	adv, err := checkpointing.NewAdvisor(checkpointing.AdvisorConfig{})
	if err != nil {
		return
	}
	fs, err := flinkadvice.Advise(ctx, s.client, flinkadvice.Job{ID: s.job}, adv, time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.findings = append(s.findings, "checkpoint advisor: "+err.Error())
		return
	}
	if len(fs) == 0 {
		s.findings = append(s.findings, "checkpoint advisor: no findings (checkpoints complete on time, state steady)")
	}
	for _, f := range fs {
		s.findings = append(s.findings, fmt.Sprintf("%s %s: %s -> %s", f.Severity, f.Code, f.Summary, f.Action))
	}
}

// placementReport summarises the allocators; an allocator that never
// placed the job places it now, as it runs.
func (s *session) placementReport() []report.Placement {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []report.Placement
	for _, p := range s.placers {
		if len(p.plan.Placements) == 0 && s.last != nil {
			p.place(*s.last, nil)
		}
		if p.err != nil {
			s.findings = append(s.findings, fmt.Sprintf("placement %s: %v", p.name, p.err))
			continue
		}
		out = append(out, report.Placement{
			Allocator: p.name, TaskManagers: p.stats.TaskManagers, Tasks: p.stats.Tasks, MaxTasks: p.stats.MaxTasks,
			Spread: p.stats.Spread, Imbalance: p.stats.Imbalance, Moved: p.moved,
		})
	}
	return out
}

// drainJob stops the job with drain, printing each transition.
func (s *session) drainJob(ctx context.Context, timeout time.Duration, storeDir string) report.Drain {
	d := report.Drain{Attempted: true}
	start := time.Now()
	store, err := drain.NewFileStore(storeDir)
	if err != nil {
		d.State, d.Reason = "failed", err.Error()
		return d
	}
	dr, err := flinkdrain.New(flinkdrain.Config{
		Flink: s.client, Store: store, Timeout: timeout, CancelTimeout: max(timeout/2, 5*time.Second), Logger: s.log,
		OnTransition: func(_ drain.Operation, st drain.Step) {
			line := fmt.Sprintf("drain: %s -> %s", st.From, st.To)
			if st.Location != "" {
				line += " savepoint " + st.Location
			}
			if st.Reason != "" {
				line += " (" + st.Reason + ")"
			}
			fmt.Fprintln(s.stdout, line)
		},
	})
	if err != nil {
		d.State, d.Reason = "failed", err.Error()
		return d
	}
	dctx, cancel := context.WithTimeout(ctx, timeout+max(timeout/2, 5*time.Second)+time.Second)
	defer cancel()
	op, err := dr.Drain(dctx, s.job)
	d.Took = time.Since(start)
	d.State, d.Savepoint, d.Reason = op.State.String(), op.Location, op.Reason
	if err != nil {
		d.Reason = strings.TrimSpace(d.Reason + " " + err.Error())
		if op.State.String() == "" || !op.State.Terminal() {
			d.State = "unfinished"
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
	sum.Ticks, sum.Rescales, sum.SlotSeconds, sum.PeakSlots = fromSamples.Ticks, fromSamples.Rescales, fromSamples.SlotSeconds, fromSamples.PeakSlots
	sum.SLOViolation, sum.MaxLag, sum.SLO = fromSamples.SLOViolation, fromSamples.MaxLag, s.slo
	sum.Findings = append(sum.Findings, s.findings...)
	s.mu.Unlock()
	fmt.Fprintln(s.stdout)
	if err := report.WriteSummary(s.stdout, sum); err != nil {
		return err
	}
	if err := writeTicks(s.out.Path("ticks.jsonl"), samples); err != nil {
		return err
	}
	opt := report.ChartOptions{Title: chartTitle(sum), SLO: s.slo}
	if err := s.out.Finish(samples, sum, opt); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "\nwrote %s, %s, %s and %s\n", s.out.Path("chart.svg"), s.out.Path("decisions.jsonl"), s.out.Path("ticks.jsonl"), s.out.Path("summary.json"))
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
