package kafkaread

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// source is the adaptivetimeout.Source of one Run: a buffer per partition,
// each filled by a feeder goroutine from its partition consumer.
type source struct {
	bufs    []*buffer
	pos     []atomic.Int64
	handle  Handler
	log     *slog.Logger
	any     chan struct{} // a token when any buffer turns non-empty
	waiting atomic.Int64  // buffers holding records, or stopped
	timer   *time.Timer   // used by the loop's goroutine only
	done    chan struct{}
	wg      sync.WaitGroup
}

var _ adaptivetimeout.Source = (*source)(nil)

func newSource(bufs []*buffer, pos []atomic.Int64, h Handler, log *slog.Logger) *source {
	t := time.NewTimer(time.Hour)
	t.Stop()
	s := &source{bufs: bufs, pos: pos, handle: h, log: log, any: make(chan struct{}, 1), timer: t, done: make(chan struct{})}
	for _, b := range bufs {
		s.wg.Go(func() { s.feed(b) })
	}
	return s
}

// stop ends the feeders and waits for them.
func (s *source) stop() {
	close(s.done)
	s.wg.Wait()
}

// feed moves records from b's partition consumer into b, blocking while b
// is full, until stop or until the consumer stops.
func (s *source) feed(b *buffer) {
	msgs, errs := b.pc.Messages(), b.pc.Errors()
	var last error
	batch := make([]*sarama.ConsumerMessage, 0, len(b.ring))
	for {
		select {
		case <-s.done:
			return
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			last = err
			s.log.Warn("kafkaread: partition consumer error", "topic", b.topic, "partition", b.partition, "err", err)
		case m, ok := <-msgs:
			if !ok { // sarama stopped the partition; its errors follow
				for errs != nil {
					if err, ok := <-errs; ok {
						last = err
					} else {
						errs = nil
					}
				}
				if last == nil {
					last = errors.New("closed by sarama")
				}
				b.stop(last)
				s.turned(b)
				return
			}
			batch = append(batch[:0], m)
		more: // take what else is there, up to a buffer's worth
			for len(batch) < cap(batch) {
				select {
				case m, ok := <-msgs:
					if !ok {
						break more
					}
					batch = append(batch, m)
				default:
					break more
				}
			}
			if !s.put(b, batch) {
				return
			}
		}
	}
}

// put adds batch to b, waiting for room; false if stopped meanwhile.
func (s *source) put(b *buffer, batch []*sarama.ConsumerMessage) bool {
	for len(batch) > 0 {
		k, turned := b.push(batch, time.Now())
		batch = batch[k:]
		if turned {
			s.turned(b)
		}
		if len(batch) == 0 {
			return true
		}
		select {
		case <-b.space:
		case <-s.done:
			return false
		}
	}
	return true
}

// turned notes that b has something for the loop: records or an error.
func (s *source) turned(b *buffer) {
	s.waiting.Add(1)
	signal(b.ready)
	signal(s.any)
}

func (s *source) Len() int       { return len(s.bufs) }
func (s *source) Now() time.Time { return time.Now() }

// Wait waits up to d for partition i's buffer to hold a record.
func (s *source) Wait(ctx context.Context, i int, d time.Duration) (adaptivetimeout.Ready, error) {
	b := s.bufs[i]
	rd, err := b.status()
	if rd.Records > 0 || err != nil || d <= 0 {
		return rd, err
	}
	drain(b.ready)
	if rd, err = b.status(); rd.Records > 0 || err != nil {
		return rd, err
	}
	s.timer.Reset(d)
	defer s.timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return adaptivetimeout.Ready{}, ctx.Err()
		case <-s.timer.C:
			return b.status()
		case <-b.ready:
			if rd, err = b.status(); rd.Records > 0 || err != nil {
				return rd, err
			}
		}
	}
}

// Emit hands partition i's next n records to the handler and, once it
// has returned nil, moves the partition's position past them.
func (s *source) Emit(ctx context.Context, i, n int) error {
	b := s.bufs[i]
	recs, empty, err := b.pop(n)
	if err != nil {
		return err
	}
	if empty {
		s.waiting.Add(-1)
	}
	signal(b.space)
	batch := Batch{Topic: b.topic, Partition: b.partition, Records: recs}
	if err := s.handle(ctx, batch); err != nil {
		return fmt.Errorf("kafkaread: handler, %s/%d at offset %d: %w", b.topic, b.partition, recs[0].Offset, err)
	}
	s.pos[i].Store(batch.Next())
	return nil
}

// WaitAny waits up to d for any buffer to hold a record.
func (s *source) WaitAny(ctx context.Context, d time.Duration) error {
	drain(s.any)
	if s.waiting.Load() > 0 || d <= 0 {
		return ctx.Err()
	}
	s.timer.Reset(d)
	defer s.timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.timer.C:
	case <-s.any:
	}
	return nil
}

// Sleep waits d or until ctx is done.
func (s *source) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	s.timer.Reset(d)
	defer s.timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.timer.C:
		return nil
	}
}
