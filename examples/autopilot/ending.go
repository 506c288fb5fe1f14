package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/checkpointing/flinkadvice"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// advise asks the checkpoint advisor about the job and keeps its
// findings for the summary. A job without checkpoints, or none completed,
// is said to be so: the advisor has nothing to review then.
func (s *session) advise(ctx context.Context) {
	finding := s.checkpointFindings(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.findings = append(s.findings, finding...)
}

func (s *session) checkpointFindings(ctx context.Context) []string {
	adv, err := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	if err != nil {
		return []string{"checkpoint advisor: " + err.Error()}
	}
	obs, err := flinkadvice.Observe(ctx, s.client, flinkadvice.Job{ID: s.job})
	if err != nil {
		return []string{"checkpoint advisor: " + err.Error()}
	}
	switch {
	case obs.Settings.Interval == 0:
		return []string{"checkpoint advisor: the job takes no checkpoints (checkpointing is off): nothing to review"}
	case obs.Completed == 0:
		return []string{fmt.Sprintf("checkpoint advisor: no checkpoint completed (%d failed): nothing to review", obs.Failed)}
	}
	fs, err := adv.Advise(s.clock.Now(), obs)
	if err != nil {
		return []string{"checkpoint advisor: " + err.Error()}
	}
	if len(fs) == 0 {
		return []string{fmt.Sprintf("checkpoint advisor: no findings over %d completed checkpoints (%d failed)", obs.Completed, obs.Failed)}
	}
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s: %s -> %s", f.Severity, f.Code, f.Summary, f.Action))
	}
	return out
}

// drainJob stops the job with drain, printing each transition. A signal
// during the drain says what it waits for; a second stops waiting, and the
// record in storeDir keeps the drain's state for a later run to resume.
func (s *session) drainJob(in *interrupts, timeout time.Duration, storeDir string) report.Drain {
	d := report.Drain{Attempted: true}
	start := s.clock.Now()
	store, err := drain.NewFileStore(storeDir)
	if err != nil {
		d.State, d.Reason = "failed", err.Error()
		return d
	}
	cancelTimeout := max(timeout/2, 5*time.Second)
	var mu sync.Mutex
	state := drain.Requested.String()
	onTransition := func(op drain.Operation, st drain.Step) {
		s.tel.transition(op, st)
		mu.Lock()
		state = st.To.String()
		mu.Unlock()
		line := fmt.Sprintf("drain: %s -> %s", st.From, st.To)
		if st.Location != "" {
			line += " savepoint " + st.Location
		}
		if st.Reason != "" {
			line += " (" + st.Reason + ")"
		}
		fmt.Fprintln(s.stdout, line)
	}
	run := s.drainVia
	if run == nil { // through the JobManager's REST API
		dr, err := flinkdrain.New(flinkdrain.Config{
			Flink: s.client, Store: store, Timeout: timeout, CancelTimeout: cancelTimeout, Clock: s.clock, Logger: s.log,
			OnTransition: onTransition,
		})
		if err != nil {
			d.State, d.Reason = "failed", err.Error()
			return d
		}
		run = func(ctx context.Context, _ drain.Store, _ time.Duration, _ func(drain.Operation, drain.Step)) (drain.Operation, error) {
			return dr.Drain(ctx, s.job)
		}
	}
	waiting := func() string {
		mu.Lock()
		defer mu.Unlock()
		left := start.Add(timeout + cancelTimeout).Sub(s.clock.Now()).Round(time.Second)
		return fmt.Sprintf("it waits for job %s to take its savepoint and finish (drain %s), for up to %s more "+
			"(-drain-timeout %s, then up to %s for a cancel)", s.job, state, max(left, 0), timeout, cancelTimeout)
	}
	ctx, done := in.drain(waiting)
	defer done()
	op, err := run(ctx, store, timeout, onTransition)
	d.Took = s.clock.Now().Sub(start)
	d.State, d.Savepoint, d.Reason = op.State.String(), op.Location, op.Reason
	switch {
	case err != nil && ctx.Err() != nil:
		d.State = "unfinished"
		d.Reason = fmt.Sprintf("stopped waiting (%s); the record in %s keeps the drain's state: run again to resume it", in.interrupted(), storeDir)
	case err != nil && strings.Contains(err.Error(), d.Reason):
		d.Reason = err.Error()
		if op.State.String() == "" || !op.State.Terminal() {
			d.State = "unfinished"
		}
	case err != nil:
		d.Reason = strings.TrimSpace(d.Reason + " " + err.Error())
		if op.State.String() == "" || !op.State.Terminal() {
			d.State = "unfinished"
		}
	}
	return d
}
