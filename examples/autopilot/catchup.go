package main

import (
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/livejob"
)

// catchUp follows the embedded job once the producer has stopped: the run
// goes on until the job has caught up with everything produced, for as
// long as it makes progress, in the run's (virtual) time. How long that
// takes depends on the decisions (a job scaled down too far catches up
// slowly), so there is no fixed deadline: the run gives up when the job's
// committed positions have not moved for stall (it completes no
// checkpoint), or after limit as a last resort. It is used by one
// goroutine at a time.
type catchUp struct {
	// progress reports whether the job has caught up, and its committed
	// total.
	progress func() (caught bool, committed int64)
	stall    time.Duration
	limit    time.Duration

	since     time.Time // when following began
	committed int64     // the committed total last seen
	moved     time.Time // when it last grew
	caught    bool      // the job was seen caught up
	gaveUp    string    // why following gave up; "" while it goes on or once caught up
}

// done is asked after each tick, with the time the tick observed the job
// and whether the run's duration is over; it reports whether the run ends
// with that tick: the job was already caught up when the tick observed it
// (so the tick shows it caught up), it has stalled, or limit has passed.
func (c *catchUp) done(now time.Time, over bool) bool {
	if c.since.IsZero() {
		c.since, c.moved = now, now
	}
	if c.caught {
		return over
	}
	caught, committed := c.progress()
	switch {
	case caught:
		c.caught = true // the next tick observes it
	case committed > c.committed:
		c.committed, c.moved = committed, now
	case now.Sub(c.moved) >= c.stall:
		c.gaveUp = fmt.Sprintf("its committed positions did not move for %s", c.stall)
		return true
	}
	if !c.caught && now.Sub(c.since) >= c.limit {
		c.gaveUp = fmt.Sprintf("it was still catching up after %s", c.limit)
		return true
	}
	return false
}

// findings says why the job was drained before it had caught up: none
// when it had, or when the run was interrupted (it was cut short on
// purpose).
func (c *catchUp) findings(interrupted bool) []string {
	if f := c.finding(); f != "" && !interrupted {
		return []string{f}
	}
	return nil
}

// finding says why the job was drained before it had caught up; "" when
// it had.
func (c *catchUp) finding() string {
	caught, committed := c.progress()
	if caught {
		return ""
	}
	why := c.gaveUp
	if why == "" {
		why = "the run ended first"
	}
	return fmt.Sprintf("catch-up: the job had not caught up with what was produced (%d records committed): %s; "+
		"it was drained with records still in Kafka", committed, why)
}

// jobProgress reports whether the job has committed (on a checkpoint)
// every record Kafka held at its last poll of the end offsets, and that
// poll saw every record the producer counted; and the job's committed
// total.
func jobProgress(env *livejob.Env) func() (bool, int64) {
	return func() (bool, int64) {
		var end, committed int64
		caught := true
		for _, pl := range env.Job.Stats().Pipelines {
			for _, p := range pl.Partitions {
				if p.End < 0 || p.Committed < p.End {
					caught = false
				}
				end += p.End
				committed += p.Committed
			}
		}
		return caught && end >= sum(env.Producer.Produced()), committed
	}
}
