// Package clock is the one notion of time shared by every package of
// flinkscale that waits: controllers, drainers, readers and fakes take a
// Clock in their Config, and a nil Clock means the system clock.
//
// Pure decisions never read a Clock: they take now as a parameter. Only
// the loops that drive them (a controller's ticks, a drain's polls) call
// Now and Sleep, so a test drives them over virtual time with
// clocktest.Virtual.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and waits. Sleep returns ctx's error when ctx ends
// first, and nil after d has passed. Implementations must be safe for
// concurrent use.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// System is the real clock: time.Now and a timer. The zero value is ready
// to use and safe for concurrent use.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx ends, whichever comes first; a d of zero
// or less returns at once (with ctx's error if ctx has already ended).
func (System) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Or returns c, or System when c is nil: how a Config's nil Clock becomes
// the documented default.
func Or(c Clock) Clock {
	if c == nil {
		return System{}
	}
	return c
}

var _ Clock = System{}
