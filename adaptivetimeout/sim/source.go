package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// never is the ready time of a fetch whose data never arrives, and the
// end of virtual time.
const never = time.Duration(math.MaxInt64)

// later returns t + d for d >= 0, saturating at never: a huge duration in
// a Config, a Traffic or a loop (BeamLoop.Sleep, a policy's wait) ends the
// run at its Duration instead of wrapping virtual time around.
func later(t, d time.Duration) time.Duration {
	if d > never-t {
		return never
	}
	return t + d
}

// source is an adaptivetimeout.Source in virtual time. Times are
// durations since the start.
type source struct {
	cfg   Config
	start time.Time
	now   time.Duration
	rs    []*simReader
	res   Result
}

// simReader is one reader: its partition, its poll thread's fetch, and
// the records handed to the loop.
type simReader struct {
	part   *partition
	jitter *rand.Rand
	stats  *ReaderResult

	// The fetch in flight (or done, waiting to be handed over).
	issued   time.Duration
	from     int64
	lat      time.Duration
	resolved bool
	ready    time.Duration // when the fetch's records are ready
	n        int           // how many it returns
	hwm      int64         // the high watermark it reports

	held     int // records handed over, not yet emitted
	heldFrom int64
	since    time.Duration                 // when the held records became ready
	backlog  adaptivetimeout.Figure[int64] // as of the latest handover
}

// issue starts the poll thread's next fetch at t from offset from.
func (r *simReader) issue(t time.Duration, from int64, s *source) {
	r.issued, r.from, r.resolved = t, from, false
	r.lat = s.cfg.Latency
	if s.cfg.Jitter > 0 {
		r.lat = later(r.lat, time.Duration(r.jitter.Int64N(int64(s.cfg.Jitter))))
	}
}

// resolve works out when the fetch in flight is ready and with what: the
// broker answers at once if records are waiting, else when the first one
// arrives (a long poll).
func (r *simReader) resolve(s *source) {
	if r.resolved {
		return
	}
	r.resolved = true
	first, ok := r.part.arrival(r.from)
	if !ok {
		r.ready = never
		return
	}
	at := max(later(r.issued, r.lat/2), first) // when the broker reads the log
	if at >= s.cfg.Duration {
		r.ready = never // after the end: no need to generate arrivals up to then
		return
	}
	r.ready = later(at, r.lat-r.lat/2)
	r.hwm = r.part.arrived(at)
	r.n = int(min(r.hwm-r.from, int64(s.cfg.MaxBatch)))
}

// handover gives the loop the fetched records at t and starts the next
// fetch, as Beam's poll thread does once its batch is taken.
func (r *simReader) handover(t time.Duration, s *source) {
	r.held, r.heldFrom, r.since = r.n, r.from, r.ready
	r.backlog = adaptivetimeout.Known(r.hwm - (r.from + int64(r.n)))
	r.issue(t, r.from+int64(r.n), s)
}

func (r *simReader) status(s *source) adaptivetimeout.Ready {
	rd := adaptivetimeout.Ready{Records: r.held, Backlog: r.backlog}
	if r.held > 0 {
		rd.Since = s.start.Add(r.since)
	}
	return rd
}

func (s *source) Len() int       { return len(s.rs) }
func (s *source) Now() time.Time { return s.start.Add(s.now) }

// advance moves virtual time to t, or ends the run at the Duration.
func (s *source) advance(ctx context.Context, t time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if t >= s.cfg.Duration {
		s.now = s.cfg.Duration
		return errEnd
	}
	s.now = max(s.now, t)
	return nil
}

// Wait looks at reader i (VisitCost) and, with nothing held, takes its
// fetched batch, waiting up to d for it.
func (s *source) Wait(ctx context.Context, i int, d time.Duration) (adaptivetimeout.Ready, error) {
	r := s.rs[i]
	if d > 0 {
		r.stats.Waits++
	} else {
		r.stats.Looks++
	}
	if err := s.advance(ctx, later(s.now, s.cfg.VisitCost)); err != nil {
		return adaptivetimeout.Ready{}, err
	}
	if r.held > 0 {
		return r.status(s), nil
	}
	r.resolve(s)
	switch {
	case r.ready <= s.now:
		r.handover(s.now, s)
	case d > 0 && r.ready-s.now <= d:
		if err := s.wait(ctx, r, r.ready); err != nil {
			return adaptivetimeout.Ready{}, err
		}
		r.handover(s.now, s)
	case d > 0:
		r.stats.EmptyWaits++
		if err := s.wait(ctx, r, later(s.now, d)); err != nil {
			return adaptivetimeout.Ready{}, err
		}
	}
	return r.status(s), nil
}

// wait advances to t on reader r's behalf, counting the time waited up to
// the end of the run at most.
func (s *source) wait(ctx context.Context, r *simReader, t time.Duration) error {
	from := s.now
	err := s.advance(ctx, t)
	r.stats.Waited += s.now - from
	return err
}

// Emit delivers n held records of reader i, RecordCost each.
func (s *source) Emit(ctx context.Context, i, n int) error {
	r := s.rs[i]
	if n < 0 || n > r.held {
		return fmt.Errorf("sim: Emit(%d, %d) with %d held", i, n, r.held)
	}
	for range n {
		if err := s.advance(ctx, later(s.now, s.cfg.RecordCost)); err != nil {
			return err
		}
		if r.part.late(r.heldFrom) {
			at, _ := r.part.arrival(r.heldFrom)
			r.stats.Delays = append(r.stats.Delays, s.now-at)
		}
		r.heldFrom++
		r.held--
		r.stats.Delivered++
	}
	r.part.drop(r.heldFrom)
	return nil
}

// WaitAny advances to the first time any reader holds or can take a
// batch, at most d.
func (s *source) WaitAny(ctx context.Context, d time.Duration) error {
	t := later(s.now, max(d, 0))
	for _, r := range s.rs {
		if r.held > 0 {
			return s.advance(ctx, s.now)
		}
		r.resolve(s)
		t = min(t, max(r.ready, s.now))
	}
	from := s.now
	err := s.advance(ctx, t)
	s.res.Idle += s.now - from
	return err
}

// Sleep advances virtual time by d.
func (s *source) Sleep(ctx context.Context, d time.Duration) error {
	from := s.now
	err := s.advance(ctx, later(s.now, max(d, 0)))
	s.res.Slept += s.now - from
	return err
}
