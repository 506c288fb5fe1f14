package livejob

import (
	"hash/fnv"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// execution is one run of the job's tasks at one parallelism, from a
// (re)start to the next stop. Only the driver touches it.
type execution struct {
	par     map[flinkapi.VertexID]int
	started time.Time
	pipes   []*pipeExec
}

// pipeExec is one pipeline's tasks in an execution.
type pipeExec struct {
	sources    []*sourceTask
	transforms []*opTask
	sinks      []*opTask
}

// sourceTask is one source subtask: it reads its partitions (i, i+p, ...)
// and hands records, keyed, to the transforms.
type sourceTask struct {
	stats taskStats
	parts []int // indexes into Job.parts
	carry float64
	rr    int // the partition served first in the next step
}

// opTask is one transform or sink subtask.
type opTask struct {
	stats taskStats
	in    *queue
	carry float64
	next  int // a transform's round-robin cursor over the sinks
}

// taskStats are one subtask's counters since its execution started.
type taskStats struct {
	busy, backpressured float64 // seconds
	in, out             int64   // records
	view                []viewPoint
}

type viewPoint struct {
	t             time.Time
	busy, blocked float64
}

// account adds a step of dt in which the subtask took in n records at cap
// records/s, and was blocked by a full output for the rest of its budget
// when blocked.
func (s *taskStats) account(n, budget int, cap, dt float64, blocked bool) {
	busy := float64(n) / cap
	s.busy += busy
	if blocked {
		s.backpressured += min(float64(budget-n)/cap, max(0, dt-busy))
	}
	s.in += int64(n)
	s.out += int64(n)
}

// budget is how many records a subtask of cap records/s takes in over dt
// seconds; the fraction left is carried to the next step.
func budget(cap, dt float64, carry *float64) int {
	x := cap*dt + *carry
	n := int(x)
	*carry = x - float64(n)
	return n
}

// chunk is records of one partition on their way from a source to a sink:
// their offsets and their keys' hashes.
type chunk struct {
	part int // index into Job.parts
	offs []int64
	keys []uint32
}

// queue is a subtask's input buffer, bounded in records.
type queue struct {
	items    []chunk
	n, limit int
}

func newQueue(limit int) *queue { return &queue{limit: max(limit, 1)} }

func (q *queue) room() int { return max(0, q.limit-q.n) }

func (q *queue) push(c chunk) {
	if len(c.offs) > 0 {
		q.items = append(q.items, c)
		q.n += len(c.offs)
	}
}

// take removes up to k records from the front of the head chunk.
func (q *queue) take(k int) chunk {
	h := &q.items[0]
	k = min(k, len(h.offs))
	c := chunk{part: h.part, offs: h.offs[:k:k], keys: h.keys[:k:k]}
	h.offs, h.keys = h.offs[k:], h.keys[k:]
	if len(h.offs) == 0 {
		q.items[0] = chunk{}
		q.items = q.items[1:]
	}
	q.n -= k
	return c
}

// newExecution builds the tasks at par, from the partitions' positions.
func (j *Job) newExecution(par map[flinkapi.VertexID]int, now time.Time) *execution {
	e := &execution{par: par, started: now}
	for _, p := range j.pipes {
		n := func(s Stage) int { return max(1, par[p.ids[s]]) }
		buf := func(s Stage) int { return int(p.Capacity[s] * j.cfg.BufferTime.Seconds()) }
		pe := &pipeExec{}
		for range n(Sink) {
			pe.sinks = append(pe.sinks, &opTask{in: newQueue(buf(Sink))})
		}
		for i := range n(Transform) {
			pe.transforms = append(pe.transforms, &opTask{in: newQueue(buf(Transform)), next: i % len(pe.sinks)})
		}
		ns := n(Source)
		for i := range ns {
			t := &sourceTask{}
			for k := i; k < p.Partitions; k += ns {
				t.parts = append(t.parts, p.first+k)
			}
			pe.sources = append(pe.sources, t)
		}
		e.pipes = append(e.pipes, pe)
	}
	return e
}

// process runs every pipeline for dt seconds, sinks first: a subtask takes
// in what its input holds, up to its capacity, and no more than its
// outputs have room for.
func (j *Job) process(e *execution, dt float64) {
	for i, p := range j.pipes {
		pe := e.pipes[i]
		for _, t := range pe.sinks {
			j.stepSink(p, t, dt)
		}
		for _, t := range pe.transforms {
			j.stepTransform(p, t, pe.sinks, dt)
		}
		for _, t := range pe.sources {
			j.stepSource(p, t, pe.transforms, dt)
		}
	}
}

func (j *Job) stepSink(p *pipe, t *opTask, dt float64) {
	n := budget(p.Capacity[Sink], dt, &t.carry)
	done := 0
	for done < n && t.in.n > 0 {
		c := t.in.take(n - done)
		done += len(c.offs)
		j.delivered.Add(int64(len(c.offs)))
		j.processed.Add(j.parts[c.part].deliver(c.offs))
	}
	t.stats.account(done, n, p.Capacity[Sink], dt, false)
}

// stepTransform keeps per-key state and hands records to the sinks
// round-robin (a rebalance edge), blocking on a full one.
func (j *Job) stepTransform(p *pipe, t *opTask, sinks []*opTask, dt float64) {
	n := budget(p.Capacity[Transform], dt, &t.carry)
	done, blocked := 0, false
	for done < n && t.in.n > 0 {
		dest := sinks[t.next].in
		room := dest.room()
		if room == 0 {
			blocked = true
			break
		}
		c := t.in.take(min(n-done, room))
		p.state.touch(c.keys)
		dest.push(c)
		done += len(c.offs)
		t.next = (t.next + 1) % len(sinks)
	}
	t.stats.account(done, n, p.Capacity[Transform], dt, blocked)
}

// stepSource reads the subtask's partitions in turn, a record from each,
// and hands each record to transform keyGroup x p / maxParallelism (Flink's
// keyBy), blocking on a full one.
func (j *Job) stepSource(p *pipe, t *sourceTask, xf []*opTask, dt float64) {
	n := budget(p.Capacity[Source], dt, &t.carry)
	if len(t.parts) == 0 {
		t.stats.account(0, n, p.Capacity[Source], dt, false)
		return
	}
	room := make([]int, len(xf))
	for d, x := range xf {
		room[d] = x.in.room()
	}
	taken := make([]int, len(t.parts)) // records taken per partition, from its position
	out := make([][]chunk, len(xf))
	done, blocked := 0, false
	for progress := true; progress && done < n && !blocked; {
		progress = false
		for i := range t.parts {
			k := (t.rr + i) % len(t.parts)
			part := j.parts[t.parts[k]]
			if done == n || taken[k] == len(part.buf) {
				continue
			}
			r := part.buf[taken[k]]
			d := int(r.key%uint32(p.KeyGroups)) * len(xf) / p.KeyGroups
			if room[d] == 0 {
				blocked = true
				break
			}
			room[d]--
			out[d] = appendRecord(out[d], t.parts[k], r)
			taken[k]++
			done++
			progress = true
		}
	}
	t.rr = (t.rr + 1) % len(t.parts)
	for d, cs := range out {
		for _, c := range cs {
			xf[d].in.push(c)
		}
	}
	for k, m := range taken {
		if m == 0 {
			continue
		}
		part := j.parts[t.parts[k]]
		from := part.pos.Load()
		part.buf = part.buf[m:]
		j.replayed.Add(part.read(from, from+int64(m)))
	}
	j.read.Add(int64(done))
	t.stats.account(done, n, p.Capacity[Source], dt, blocked)
}

// appendRecord adds r of partition part to the last chunk of cs, or to a
// new one when the last is of another partition.
func appendRecord(cs []chunk, part int, r record) []chunk {
	if len(cs) == 0 || cs[len(cs)-1].part != part {
		cs = append(cs, chunk{part: part})
	}
	c := &cs[len(cs)-1]
	c.offs = append(c.offs, r.off)
	c.keys = append(c.keys, r.key)
	return cs
}

// flush delivers every record in flight to the sinks at once: a stop with
// drain lets what the sources handed on reach the sinks.
func (j *Job) flush(e *execution) {
	for _, pe := range e.pipes {
		for _, stage := range [][]*opTask{pe.transforms, pe.sinks} {
			for _, t := range stage {
				for t.in.n > 0 {
					c := t.in.take(t.in.n)
					j.delivered.Add(int64(len(c.offs)))
					j.processed.Add(j.parts[c.part].deliver(c.offs))
				}
			}
		}
	}
}

func hashKey(key []byte) uint32 {
	h := fnv.New32a()
	_, _ = h.Write(key)
	return h.Sum32()
}
