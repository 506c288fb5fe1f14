package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// lookTimeout bounds the first look at the job, so that an unreachable
// JobManager is reported at once instead of retried for the whole drain.
const lookTimeout = 30 * time.Second

// session is one drain of one job, in either mode.
type session struct {
	o        options
	client   *flinkapi.Client
	url      string
	store    drain.Store
	storeDir string // "" for a memory store
	stdout   io.Writer
	stderr   io.Writer
}

// run drains the job (or, without -yes, says what it would do) and
// returns the exit status.
func (s session) run(ctx context.Context) int {
	op, found, err := s.store.Load(ctx, string(s.o.job))
	if err != nil {
		fmt.Fprintf(s.stderr, "drain: store: %v\n", err)
		return exitFailure
	}
	if found && op.State.Terminal() {
		fmt.Fprintf(s.stdout, "the drain recorded in %s already ended; delete the file to drain job %s again\n", s.recordPath(), s.o.job)
		return s.report(op, nil)
	}
	details, ok := s.look(ctx)
	if !ok {
		return exitFailure
	}
	fmt.Fprintf(s.stdout, "job %s (%q) is %s at %s\n", s.o.job, details.Name, details.State, s.url)
	if found {
		fmt.Fprintf(s.stdout, "resuming the drain recorded in %s: %s, trigger %s\n", s.recordPath(), op.State, op.TriggerID)
	} else if details.State.IsGloballyTerminal() {
		fmt.Fprintf(s.stderr, "drain: job %s is already %s: nothing to drain\n", s.o.job, details.State)
		return exitFailure
	}
	if !s.o.yes {
		s.dryRun()
		return exitOK
	}
	return s.drain(ctx)
}

// look reads the job's details, bounded by lookTimeout.
func (s session) look(ctx context.Context) (flinkapi.JobDetails, bool) {
	ctx, cancel := context.WithTimeout(ctx, min(s.o.timeout, lookTimeout))
	defer cancel()
	d, err := s.client.JobDetails(ctx, s.o.job)
	switch {
	case errors.Is(err, flinkapi.ErrNotFound):
		fmt.Fprintf(s.stderr, "drain: job %s not found at %s\n", s.o.job, s.url)
	case err != nil:
		fmt.Fprintf(s.stderr, "drain: cannot read job %s at %s: %v\n", s.o.job, s.url, err)
	}
	return d, err == nil
}

func (s session) dryRun() {
	target := s.o.targetDir
	if target == "" {
		target = "the cluster's state.savepoints.dir"
	}
	fallback := "cancel it without a savepoint"
	if s.o.fallback == flinkdrain.FallbackNone {
		fallback = "leave it running and report the drain failed"
	}
	fmt.Fprintf(s.stdout, "dry run: would stop the job with drain (sources stop, MAX_WATERMARK flushes windows) and a savepoint to %s;\n", target)
	fmt.Fprintf(s.stdout, "  if no savepoint is confirmed within %v, %s\n", s.o.timeout, fallback)
	fmt.Fprintln(s.stdout, "nothing was stopped: run again with -yes to drain the job")
}

// drain runs the drain, printing each transition as it is saved.
func (s session) drain(ctx context.Context) int {
	start := time.Now()
	d, err := flinkdrain.New(flinkdrain.Config{
		Flink:           s.client,
		Store:           s.store,
		Timeout:         s.o.timeout,
		MaxAttempts:     s.o.attempts,
		Fallback:        s.o.fallback,
		TargetDirectory: s.o.targetDir,
		OnTransition: func(_ drain.Operation, st drain.Step) {
			fmt.Fprintf(s.stdout, "  %8s  %s\n", fmt.Sprintf("+%.3fs", time.Since(start).Seconds()), describe(st))
		},
	})
	if err != nil {
		fmt.Fprintf(s.stderr, "drain: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(s.stdout, "draining job %s (timeout %v); record: %s\n", s.o.job, s.o.timeout, s.recordPath())
	op, err := d.Drain(ctx, s.o.job)
	code := s.report(op, err)
	if ctx.Err() == nil {
		s.printJobState(ctx)
	}
	return code
}

// describe renders one transition.
func describe(st drain.Step) string {
	out := fmt.Sprintf("%-10s -> %-10s", st.From, st.To)
	if st.TriggerID != "" {
		out += " trigger " + st.TriggerID
	}
	if st.Location != "" {
		out += " savepoint " + st.Location
	}
	if st.Reason != "" {
		out += " (" + st.Reason + ")"
	}
	return out
}

// report prints the outcome of op and returns the exit status.
func (s session) report(op drain.Operation, err error) int {
	switch op.State {
	case drain.Drained:
		fmt.Fprintf(s.stdout, "drained: job %s stopped after a savepoint\nsavepoint: %s\n", op.Job, op.Location)
		if op.Reason != "" {
			fmt.Fprintf(s.stdout, "note: %s\n", op.Reason)
		}
		return exitOK
	case drain.Cancelled:
		fmt.Fprintf(s.stdout, "cancelled: job %s was cancelled without a drained savepoint: %s\n", op.Job, op.Reason)
		s.printWritten(op)
		return exitCancelled
	case drain.Failed:
		fmt.Fprintf(s.stdout, "failed: job %s was neither drained nor cancelled: %s\n", op.Job, op.Reason)
		s.printWritten(op)
		return exitFailure
	}
	fmt.Fprintf(s.stderr, "drain: stopped in state %s: %v\n", op.State, err)
	if op.TriggerID != "" {
		fmt.Fprintf(s.stderr, "drain: Flink may still complete the stop with trigger %s\n", op.TriggerID)
	}
	if s.o.store != "" {
		fmt.Fprintf(s.stderr, "drain: run again with -store %s to resume it\n", s.o.store)
	}
	return exitFailure
}

// printWritten says whether an attempt wrote a savepoint although the job
// did not stop: never a drained one, but one a user may restore from.
func (s session) printWritten(op drain.Operation) {
	if op.WrittenSavepoint == "" {
		fmt.Fprintln(s.stdout, "no savepoint was confirmed")
		return
	}
	fmt.Fprintf(s.stdout, "a savepoint was written at %s, but the job did not stop after it\n", op.WrittenSavepoint)
}

// printJobState prints the job's state after the drain, if it can be read
// at once.
func (s session) printJobState(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if st, err := s.client.JobStatus(ctx, s.o.job); err == nil {
		fmt.Fprintf(s.stdout, "job state: %s\n", st)
	}
}

func (s session) recordPath() string {
	if s.storeDir == "" {
		return "memory (not kept; -store keeps it)"
	}
	return filepath.Join(s.storeDir, string(s.o.job)+".json")
}
