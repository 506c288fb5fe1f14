package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// interrupts turns SIGINT (Ctrl-C) and SIGTERM into the run's stops. The
// first ends the control loop (Run is cancelled). During a drain, the
// first says what the drain waits for and for how long, and the second
// stops waiting: the drain record keeps its state, and a later run
// resumes it. It is safe for concurrent use.
type interrupts struct {
	Run    context.Context // ends at the first signal
	stderr io.Writer
	parent context.Context
	quit   chan struct{}

	mu        sync.Mutex
	cancelRun context.CancelFunc
	sig       os.Signal     // the first signal
	waiting   func() string // while a drain runs: what it waits for
	warned    bool          // the drain's first signal was answered
	stopDrain context.CancelFunc
}

func newInterrupts(ctx context.Context, stderr io.Writer) *interrupts {
	run, cancel := context.WithCancel(ctx)
	return &interrupts{Run: run, cancelRun: cancel, stderr: stderr, parent: ctx, quit: make(chan struct{})}
}

// watch handles sigs until close.
func (in *interrupts) watch(sigs <-chan os.Signal) {
	for {
		select {
		case sig := <-sigs:
			in.signal(sig)
		case <-in.quit:
			return
		}
	}
}

func (in *interrupts) close() {
	close(in.quit)
	in.cancelRun()
}

func (in *interrupts) signal(sig os.Signal) {
	in.mu.Lock()
	defer in.mu.Unlock()
	name := signalName(sig)
	switch {
	case in.waiting == nil:
		if in.sig == nil {
			in.sig = sig
			fmt.Fprintf(in.stderr, "\nautopilot: %s: ending the run\n", name)
		}
		in.cancelRun()
	case !in.warned:
		in.warned = true
		if in.sig == nil {
			in.sig = sig
		}
		fmt.Fprintf(in.stderr, "\nautopilot: %s: the drain goes on: %s. %s again to stop waiting "+
			"(the drain record keeps its state: run the autopilot again to resume it)\n", name, in.waiting(), name)
	default:
		fmt.Fprintf(in.stderr, "\nautopilot: %s: no longer waiting for the drain\n", name)
		in.stopDrain()
	}
}

// drain returns the context a drain runs under: it ends at the second
// signal received while it runs, or when the parent ends. waiting says
// what the drain waits for; done ends the drain's phase.
func (in *interrupts) drain(waiting func() string) (ctx context.Context, done func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(in.parent))
	stop := context.AfterFunc(in.parent, cancel)
	in.mu.Lock()
	in.waiting, in.warned, in.stopDrain = waiting, false, cancel
	in.mu.Unlock()
	return ctx, func() {
		stop()
		cancel()
		in.mu.Lock()
		in.waiting, in.stopDrain = nil, nil
		in.mu.Unlock()
	}
}

// interrupted names the first signal, or "" when there was none (or the
// parent context ended the run: "cancelled").
func (in *interrupts) interrupted() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	switch {
	case in.sig != nil:
		return signalName(in.sig)
	case in.parent.Err() != nil:
		return "cancelled"
	}
	return ""
}

// signalName names sig as a user sent it.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "interrupt (Ctrl-C)"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}
