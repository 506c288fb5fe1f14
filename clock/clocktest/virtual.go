// Package clocktest gives tests a virtual clock.Clock: time moves only when
// a test (or the code under test, by sleeping) moves it, so loops that wait
// minutes run in microseconds and give the same result on a loaded machine.
package clocktest

import (
	"context"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/clock"
)

// Start is the instant a Virtual made by New begins at, unless told
// otherwise: a fixed date, so that test output is the same on every run.
var Start = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// Virtual is a clock.Clock whose time moves only on Sleep, Advance and Set.
// Sleep(d) moves the time forward by d at once and returns, so a loop that
// sleeps runs as fast as the machine allows while seeing the time it would
// see in production. It is safe for concurrent use: concurrent sleepers
// each add their own d.
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	slept  time.Duration
	sleeps int
}

// New returns a Virtual set to start (Start when start is the zero time).
func New(start time.Time) *Virtual {
	if start.IsZero() {
		start = Start
	}
	return &Virtual{now: start}
}

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Sleep returns ctx's error when ctx has ended; otherwise it advances the
// time by d (nothing for d <= 0) and returns nil.
func (v *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.sleeps++
	if d > 0 {
		v.now = v.now.Add(d)
		v.slept += d
	}
	return nil
}

// Advance moves the time forward by d (backward when d is negative: a
// test of a clock stepping back).
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.now = v.now.Add(d)
}

// Set sets the time to t.
func (v *Virtual) Set(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.now = t
}

// Slept returns the total time slept and the number of Sleep calls that
// slept (returned nil); a Sleep that found its ctx ended is not counted.
// It is what a test asserts about a loop's pacing.
func (v *Virtual) Slept() (total time.Duration, calls int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.slept, v.sleeps
}

var _ clock.Clock = (*Virtual)(nil)
