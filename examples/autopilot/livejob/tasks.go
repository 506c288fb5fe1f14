package livejob

import (
	"context"
	"hash/fnv"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/kafkaread"
)

// chunkMax bounds the records a subtask paces and hands on at once, so
// that its time is accounted finely and a full buffer blocks it early.
const chunkMax = 32

// sourceTask is one source subtask: a kafkaread Reader over its
// partitions, on its own sarama client, handing records to the transforms.
type sourceTask struct {
	stats  *taskStats
	parts  []int // indexes into Job.parts
	reader *kafkaread.Reader
	pace   pacer
	out    []*queue // the transform subtasks' inputs
	keyGrp int      // key groups (the transforms' max parallelism)
}

// opTask is one transform or sink subtask.
type opTask struct {
	stats *taskStats
	in    *queue
	pace  pacer
	out   []*queue // a transform's sinks; nil for a sink
	next  int      // round-robin cursor over out
}

// newReader opens the subtask's reader at the partitions' positions; nil
// when the subtask has no partition (parallelism above the partitions).
func (j *Job) newReader(t *sourceTask) (*kafkaread.Reader, error) {
	if len(t.parts) == 0 {
		return nil, nil
	}
	ps := make([]kafkaread.Partition, len(t.parts))
	for i, k := range t.parts {
		p := j.parts[k]
		ps[i] = kafkaread.Partition{Topic: p.topic, Partition: p.id, Offset: p.pos.Load()}
	}
	return kafkaread.New(kafkaread.Config{
		Brokers: j.cfg.Brokers, Sarama: j.cfg.Sarama, Partitions: ps,
		Loop:   adaptivetimeout.BatchLoop{Batch: 2 * chunkMax, MaxBatch: 8 * chunkMax},
		Logger: j.cfg.Logger,
	})
}

// handle is the reader's Handler: it paces the batch at the subtask's
// capacity and hands it on, keyed, to the transforms. It runs under
// runCtx, not the reader's: a stop with drain ends the reader but lets the
// batch in hand reach the transforms, so the positions cover exactly what
// was handed on.
func (j *Job) handle(runCtx context.Context, t *sourceTask, byID map[int32]int, b kafkaread.Batch) error {
	k := byID[b.Partition]
	p := j.parts[k]
	recs := b.Records
	for len(recs) > 0 {
		n := min(len(recs), chunkMax)
		part := recs[:n]
		recs = recs[n:]
		if err := t.pace.work(runCtx, n, &t.stats.busy); err != nil {
			return err
		}
		t.stats.in.Add(int64(n))
		routed := make([]chunk, len(t.out))
		for _, m := range part {
			h := hashKey(m.Key)
			d := int(h%uint32(t.keyGrp)) * len(t.out) / t.keyGrp // Flink: keyGroup x parallelism / maxParallelism
			routed[d].part = k
			routed[d].offs = append(routed[d].offs, m.Offset)
			routed[d].keys = append(routed[d].keys, h)
		}
		for d, c := range routed {
			if len(c.offs) == 0 {
				continue
			}
			blocked, err := t.out[d].put(runCtx, c)
			t.stats.backpressured.Add(int64(blocked))
			if err != nil {
				return err
			}
		}
		t.stats.out.Add(int64(n))
		j.replayed.Add(p.read(part[0].Offset, part[n-1].Offset+1))
		j.read.Add(int64(n))
	}
	return nil
}

func hashKey(key []byte) uint32 {
	h := fnv.New32a()
	_, _ = h.Write(key)
	return h.Sum32()
}

// transform runs a transform subtask until its input is closed and empty
// or runCtx ends: it keeps per-key state and hands records to the sinks
// round-robin.
func (j *Job) transform(runCtx context.Context, t *opTask, st *keyState) {
	for {
		c, ok := t.in.get(runCtx)
		if !ok {
			return
		}
		n := len(c.offs)
		if t.pace.work(runCtx, n, &t.stats.busy) != nil {
			return
		}
		t.stats.in.Add(int64(n))
		st.touch(c.keys)
		blocked, err := t.out[t.next].put(runCtx, c)
		t.stats.backpressured.Add(int64(blocked))
		if err != nil {
			return
		}
		t.next = (t.next + 1) % len(t.out)
		t.stats.out.Add(int64(n))
	}
}

// sink runs a sink subtask: it marks what reaches it as processed.
func (j *Job) sink(runCtx context.Context, t *opTask) {
	for {
		c, ok := t.in.get(runCtx)
		if !ok {
			return
		}
		n := len(c.offs)
		if t.pace.work(runCtx, n, &t.stats.busy) != nil {
			return
		}
		t.stats.in.Add(int64(n))
		j.delivered.Add(int64(n))
		j.processed.Add(j.parts[c.part].deliver(c.offs))
	}
}
