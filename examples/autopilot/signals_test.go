package main

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
)

// The first signal ends the run; during a drain, the first says what the
// drain waits for and the second stops the wait; each is named.
func TestInterrupts(t *testing.T) {
	var stderr syncBuffer
	in := newInterrupts(context.Background(), &stderr)
	defer in.close()
	in.signal(os.Interrupt)
	if in.Run.Err() == nil || in.interrupted() != "interrupt (Ctrl-C)" {
		t.Fatalf("after Ctrl-C: run %v, interrupted %q", in.Run.Err(), in.interrupted())
	}
	ctx, done := in.drain(func() string { return "it waits for job x, for up to 9m59s more" })
	defer done()
	in.signal(syscall.SIGTERM)
	if ctx.Err() != nil {
		t.Fatal("the first signal during the drain stopped the wait")
	}
	if got := stderr.String(); !strings.Contains(got, "SIGTERM: the drain goes on: it waits for job x, for up to 9m59s more. SIGTERM again to stop waiting") {
		t.Errorf("stderr %q", got)
	}
	in.signal(syscall.SIGTERM)
	if ctx.Err() == nil {
		t.Fatal("the second signal during the drain did not stop the wait")
	}
	if in.interrupted() != "interrupt (Ctrl-C)" {
		t.Errorf("interrupted %q, want the first signal", in.interrupted())
	}
}
