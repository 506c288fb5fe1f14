package kafkaread

import (
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// buffer holds the records one partition consumer delivered ahead of the
// loop: a ring filled by the partition's feeder goroutine and emptied by
// the loop.
type buffer struct {
	topic     string
	partition int32
	pc        sarama.PartitionConsumer

	// ready gets a token when the buffer turns non-empty (or the partition
	// stops), space when the loop takes records.
	ready, space chan struct{}

	mu    sync.Mutex
	ring  []*sarama.ConsumerMessage
	head  int
	count int
	since time.Time // when the buffer last turned non-empty
	next  int64     // offset after the newest record received
	err   error     // why the partition consumer stopped
}

func newBuffer(p Partition, pc sarama.PartitionConsumer, capacity int, start int64) *buffer {
	return &buffer{
		topic: p.Topic, partition: p.Partition, pc: pc,
		ready: make(chan struct{}, 1), space: make(chan struct{}, 1),
		ring: make([]*sarama.ConsumerMessage, capacity), next: start,
	}
}

// signal puts a token in c unless one is there.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// drain removes a stale token from c.
func drain(c chan struct{}) {
	select {
	case <-c:
	default:
	}
}

// push adds as many of msgs as fit and returns how many, and whether the
// buffer turned non-empty.
func (b *buffer) push(msgs []*sarama.ConsumerMessage, now time.Time) (int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := min(len(msgs), len(b.ring)-b.count)
	wasEmpty := b.count == 0
	for _, m := range msgs[:k] {
		b.ring[(b.head+b.count)%len(b.ring)] = m
		b.count++
		b.next = m.Offset + 1
	}
	turned := wasEmpty && k > 0
	if turned {
		b.since = now
	}
	return k, turned
}

// pop removes and returns the n oldest records, and whether the buffer is
// now empty.
func (b *buffer) pop(n int) ([]*sarama.ConsumerMessage, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < 1 || n > b.count {
		return nil, false, fmt.Errorf("kafkaread: %s/%d: emit %d of %d buffered records", b.topic, b.partition, n, b.count)
	}
	out := make([]*sarama.ConsumerMessage, n)
	for i := range out {
		j := (b.head + i) % len(b.ring)
		out[i], b.ring[j] = b.ring[j], nil
	}
	b.head = (b.head + n) % len(b.ring)
	b.count -= n
	return out, b.count == 0, nil
}

// status reports what the buffer holds and the partition's backlog beyond
// it (high watermark minus the next offset to fetch), or the consumer's
// error once the buffer is empty. sarama reports a high watermark of 0
// until its first fetch response, so the backlog is unknown
// (adaptivetimeout.NoFetchResponse) while it is 0; an empty partition
// whose log starts at offset 0 reads the same, unknown rather than a 0
// nobody measured.
func (b *buffer) status() (adaptivetimeout.Ready, error) {
	hwm := b.pc.HighWaterMarkOffset()
	b.mu.Lock()
	defer b.mu.Unlock()
	rd := adaptivetimeout.Ready{Records: b.count, Backlog: adaptivetimeout.Unknown[int64](adaptivetimeout.NoFetchResponse)}
	if hwm > 0 {
		rd.Backlog = adaptivetimeout.Known(max(0, hwm-b.next))
	}
	if b.count > 0 {
		rd.Since = b.since
		return rd, nil
	}
	return rd, b.err
}

// stop records why the partition consumer stopped.
func (b *buffer) stop(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.err = fmt.Errorf("%w: %s/%d: %w", ErrPartitionStopped, b.topic, b.partition, err)
}
