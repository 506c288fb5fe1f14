package livejob

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// partition is the job's record of one Kafka partition: where the job
// reads, where it would restart from, what Kafka holds, and which offsets
// reached a sink.
type partition struct {
	topic string
	id    int32

	pos     atomic.Int64 // next offset the source hands on (the job's position)
	maxRead atomic.Int64 // the furthest pos ever reached: below it a read is a replay
	end     atomic.Int64 // the end offset (high watermark) last read from Kafka; -1 unknown

	buf []record // fetched from Kafka from pos on, in offset order; the driver's only

	mu         sync.Mutex
	done       bitset // offsets a sink processed
	processed  int64  // bits set in done
	contiguous int64  // every offset below it is in done
	checkpoint int64  // position of the last completed checkpoint: the restart point
	committed  int64  // position last committed to the consumer group
}

func newPartition(topic string, id int32) *partition {
	p := &partition{topic: topic, id: id}
	p.end.Store(-1)
	return p
}

// read notes that the source handed on offsets [from, to) and returns how
// many of them were read before (replayed).
func (p *partition) read(from, to int64) int64 {
	prev := p.maxRead.Load()
	p.pos.Store(to)
	if to > prev {
		p.maxRead.Store(to)
	}
	return max(0, min(to, prev)-from)
}

// deliver marks offsets as processed by a sink and returns how many were
// new.
func (p *partition) deliver(offs []int64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := int64(0)
	for _, o := range offs {
		if p.done.set(o) {
			n++
		}
	}
	p.processed += n
	return n
}

// doneBelow reports whether every offset below pos was processed.
func (p *partition) doneBelow(pos int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.contiguous < pos && p.done.has(p.contiguous) {
		p.contiguous++
	}
	return p.contiguous >= pos
}

// rewind puts the position back to the last checkpoint, and forgets what
// was fetched beyond it.
func (p *partition) rewind() int64 {
	p.mu.Lock()
	cp := p.checkpoint
	p.mu.Unlock()
	p.pos.Store(cp)
	p.buf = nil
	return cp
}

// record is one Kafka record as the job sees it: its offset and its key's
// hash.
type record struct {
	off int64
	key uint32
}

// setCheckpoint records a completed checkpoint's position.
func (p *partition) setCheckpoint(pos int64) {
	p.mu.Lock()
	p.checkpoint = pos
	p.mu.Unlock()
}

// setCommitted records the position committed to the consumer group.
func (p *partition) setCommitted(pos int64) {
	p.mu.Lock()
	p.committed = pos
	p.mu.Unlock()
}

// PartitionStats is one partition's state. It is a plain value.
type PartitionStats struct {
	Topic     string
	Partition int32
	// End is the end offset last read from Kafka (-1 when not yet read).
	End int64
	// Position is the next offset the job hands on (after a restart, the
	// checkpoint's position until it reads again).
	Position int64
	// Checkpoint is the position of the last completed checkpoint.
	Checkpoint int64
	// Committed is the position committed to the consumer group.
	Committed int64
	// Processed counts the distinct offsets a sink processed.
	Processed int64
	// Lost counts offsets below Committed that no sink processed: records
	// the job will never read again and never processed.
	Lost int64
}

func (p *partition) stats() PartitionStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PartitionStats{
		Topic: p.topic, Partition: p.id, End: p.end.Load(), Position: p.pos.Load(),
		Checkpoint: p.checkpoint, Committed: p.committed, Processed: p.processed,
		Lost: p.committed - p.done.countBelow(p.committed),
	}
}

// bitset is a growable set of non-negative offsets.
type bitset []uint64

// set adds o and reports whether it was new.
func (b *bitset) set(o int64) bool {
	if o < 0 {
		return false
	}
	w := int(o >> 6)
	for w >= len(*b) {
		*b = append(*b, make([]uint64, max(len(*b), 64))...)
	}
	m := uint64(1) << (o & 63)
	if (*b)[w]&m != 0 {
		return false
	}
	(*b)[w] |= m
	return true
}

func (b bitset) has(o int64) bool {
	w := int(o >> 6)
	return o >= 0 && w < len(b) && b[w]&(1<<(o&63)) != 0
}

// countBelow counts the members below n.
func (b bitset) countBelow(n int64) int64 {
	c := 0
	full := int(n >> 6)
	for w := 0; w < full && w < len(b); w++ {
		c += bits.OnesCount64(b[w])
	}
	if rem := n & 63; rem > 0 && full < len(b) {
		c += bits.OnesCount64(b[full] & (1<<rem - 1))
	}
	return int64(c)
}
