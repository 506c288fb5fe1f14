package livejob

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/clock"
)

// maxHold bounds how long, in wall time, the driver waits for a holding
// sleeper to sleep again before it moves time on regardless.
const maxHold = time.Minute

// Clock is the embedded world's time: a virtual clock that only the
// driver (Env) moves, in steps, as it runs the producer and the job
// through them. The driver paces it to the wall clock when the machine
// keeps up, and lets it fall behind when the machine is loaded, so every
// figure the job and the controller see depends on the steps alone, not on
// how the goroutines were scheduled.
//
// Sleep returns once the driver has moved time to its target. A Holding
// view's sleeper also stops time while it runs: the driver does not move
// on until it sleeps again, so a controller step observes, decides and
// acts at one instant, as it would on a quiet machine.
//
// Clock is safe for concurrent use.
type Clock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers []*sleeper
	holders  map[*Holding]bool // views woken that have not slept again
	released chan struct{}     // a token when holders may have emptied
}

type sleeper struct {
	at   time.Time
	wake chan struct{}
	hold *Holding // nil for a plain Sleep
}

var _ clock.Clock = (*Clock)(nil)

// NewClock returns a Clock set to start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, holders: map[*Holding]bool{}, released: make(chan struct{}, 1)}
}

// Now returns the virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep waits until the virtual time has moved d on, or ctx ends.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	return c.sleep(ctx, d, nil)
}

func (c *Clock) sleep(ctx context.Context, d time.Duration, h *Holding) error {
	c.mu.Lock()
	c.release(h)
	if err := ctx.Err(); err != nil {
		c.mu.Unlock()
		return err
	}
	s := &sleeper{at: c.now.Add(max(d, 0)), wake: make(chan struct{}), hold: h}
	c.sleepers = append(c.sleepers, s)
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		if i := slices.Index(c.sleepers, s); i >= 0 {
			c.sleepers = slices.Delete(c.sleepers, i, i+1)
			return ctx.Err()
		}
		c.release(h) // woken meanwhile: let go of the hold it was given
		return ctx.Err()
	}
}

// Holding is a view of a Clock for one goroutine (a controller loop):
// when the driver wakes its Sleep, time stands still until the goroutine
// calls Sleep again. It is not safe for use by several goroutines.
type Holding struct{ c *Clock }

var _ clock.Clock = (*Holding)(nil)

// Holding returns a holding view of c.
func (c *Clock) Holding() *Holding { return &Holding{c: c} }

// Now returns the virtual time.
func (h *Holding) Now() time.Time { return h.c.Now() }

// Sleep releases the time if this view held it, and waits as Clock.Sleep
// does; once woken, it holds the time until the next Sleep.
func (h *Holding) Sleep(ctx context.Context, d time.Duration) error {
	return h.c.sleep(ctx, d, h)
}

// Release lets go of the time if this view holds it, without sleeping:
// for a goroutine that will not sleep on it again.
func (h *Holding) Release() {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	h.c.release(h)
}

// next returns the earliest of limit and the sleepers' wake times.
func (c *Clock) next(limit time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sleepers {
		if s.at.Before(limit) && s.at.After(c.now) {
			limit = s.at
		}
	}
	return limit
}

// Held returns a holding view that holds the time from now on, until its
// first Sleep: a controller's, made before the driver starts, so that its
// first Sleep counts from the very start.
func (c *Clock) Held() *Holding {
	h := c.Holding()
	c.mu.Lock()
	c.holders[h] = true
	c.mu.Unlock()
	return h
}

// advance moves the time to t, wakes the sleepers due, and waits until
// those of Holding views sleep again (see wait).
func (c *Clock) advance(ctx context.Context, t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	kept := c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.at.After(c.now) {
			kept = append(kept, s)
			continue
		}
		if s.hold != nil {
			c.holders[s.hold] = true
		}
		close(s.wake)
	}
	clear(c.sleepers[len(kept):])
	c.sleepers = kept
	c.mu.Unlock()
	c.wait(ctx)
}

// wait waits until no Holding view holds the time: up to maxHold of wall
// time, or until ctx ends.
func (c *Clock) wait(ctx context.Context) {
	deadline := time.NewTimer(maxHold)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		held := len(c.holders)
		c.mu.Unlock()
		if held == 0 {
			return
		}
		select {
		case <-c.released:
		case <-ctx.Done():
			return
		case <-deadline.C:
			c.mu.Lock()
			clear(c.holders) // a holder that never sleeps again does not stop time for good
			c.mu.Unlock()
			return
		}
	}
}

// release lets go of h's hold, if it holds; c.mu is held.
func (c *Clock) release(h *Holding) {
	if h != nil && c.holders[h] {
		delete(c.holders, h)
		signal(c.released)
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
