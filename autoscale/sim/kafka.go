package sim

import "time"

// cohort is the records that arrived in a partition during one tick: the
// offsets [begin, end), arriving evenly over [at, at+tick).
type cohort struct {
	at         time.Duration
	begin, end int64
}

// partition is one Kafka partition and the source's position in it. The
// log keeps the cohorts a restart may still need: those with an offset at
// or after the last checkpoint's position. Offsets are whole records, so
// conservation is exact.
type partition struct {
	end    int64   // log end offset: records that arrived
	pos    int64   // the source's position: the next offset it reads
	ckpt   int64   // the position in the last completed checkpoint
	pend   int64   // the position in the checkpoint in progress (Sim.ckptDue)
	high   int64   // the highest position ever reached
	carry  float64 // fractional arrivals carried to the next tick
	rcarry float64 // fractional read budget carried to the next tick
	log    []cohort
	head   int // first cohort still needed (its end > ckpt)
	cur    int // the cohort holding pos; len(log) when caught up
}

// arrive appends n records that arrived during the tick starting at at.
func (p *partition) arrive(at time.Duration, n int64) {
	if n <= 0 {
		return
	}
	p.log = append(p.log, cohort{at: at, begin: p.end, end: p.end + n})
	p.end += n
}

// backlog is the records not yet read.
func (p *partition) backlog() int64 { return p.end - p.pos }

// read moves the position on by n records (at most the backlog).
func (p *partition) read(n int64) {
	p.pos += n
	p.high = max(p.high, p.pos)
	for p.cur < len(p.log) && p.log[p.cur].end <= p.pos {
		p.cur++
	}
}

// lag is the age at now of the oldest unread record, 0 when caught up.
func (p *partition) lag(now, tick time.Duration) time.Duration {
	if p.pos >= p.end {
		return 0
	}
	return p.age(p.log[p.cur], p.pos, now, tick)
}

// committedLag is the age at now of the oldest record after the last
// checkpoint's position (Kafka's view through committed offsets), 0 when
// that position is at the end.
func (p *partition) committedLag(now, tick time.Duration) time.Duration {
	if p.ckpt >= p.end {
		return 0
	}
	i := p.head
	for p.log[i].end <= p.ckpt {
		i++
	}
	return p.age(p.log[i], p.ckpt, now, tick)
}

// age is the age at now of the record at offset pos of cohort c.
func (p *partition) age(c cohort, pos int64, now, tick time.Duration) time.Duration {
	frac := float64(pos-c.begin) / float64(c.end-c.begin)
	return max(0, now-c.at-time.Duration(frac*float64(tick)))
}

// checkpoint records the position and forgets the cohorts before it.
func (p *partition) checkpoint() { p.complete(p.pos) }

// complete makes pos, a position the source passed, the last completed
// checkpoint's.
func (p *partition) complete(pos int64) {
	p.ckpt = pos
	for p.head < len(p.log) && p.log[p.head].end <= p.ckpt {
		p.head++
	}
	if p.head >= 256 && p.head*2 >= len(p.log) {
		n := copy(p.log, p.log[p.head:])
		p.log = p.log[:n]
		p.cur -= p.head
		p.head = 0
	}
}

// rewind goes back to the last checkpoint's position and returns the
// records that will be read again.
func (p *partition) rewind() int64 {
	replay := p.pos - p.ckpt
	p.pos = p.ckpt
	p.cur = p.head
	p.rcarry = 0
	return replay
}

// sourceState is a source vertex's partitions and per-subtask figures.
// Subtask j of p reads the partitions k with k mod p = j.
type sourceState struct {
	info  TraceSource
	parts []partition
	rates []float64 // the trace's rates this tick, per partition
	stuck []bool    // per partition: no reader gets past its position (Source.Stuck)

	avail, want, got    []float64 // per subtask, this tick
	blockedNow          float64   // records the subtasks could not read this tick for lack of room downstream
	in                  []float64 // records read per subtask since the restart
	winRead, winBlocked []float64 // per subtask, in the current metric view
}

// resize prepares the per-subtask figures for parallelism p.
func (s *sourceState) resize(p int) {
	for _, f := range []*[]float64{&s.avail, &s.want, &s.got, &s.in, &s.winRead, &s.winBlocked} {
		*f = resized(*f, p)
	}
}

// resized returns a zeroed slice of length n, reusing xs when it can.
func resized(xs []float64, n int) []float64 {
	if cap(xs) < n {
		return make([]float64, n)
	}
	xs = xs[:n]
	clear(xs)
	return xs
}

// lag is the largest partition lag.
func (s *sourceState) lag(now, tick time.Duration) time.Duration {
	var l time.Duration
	for i := range s.parts {
		l = max(l, s.parts[i].lag(now, tick))
	}
	return l
}

// movingLag is the largest lag of the partitions that are not stuck.
func (s *sourceState) movingLag(now, tick time.Duration, committed bool) time.Duration {
	var l time.Duration
	for i := range s.parts {
		if s.stuck[i] {
			continue
		}
		if committed {
			l = max(l, s.parts[i].committedLag(now, tick))
		} else {
			l = max(l, s.parts[i].lag(now, tick))
		}
	}
	return l
}

// committedLag is the largest partition lag through committed offsets.
func (s *sourceState) committedLag(now, tick time.Duration) time.Duration {
	var l time.Duration
	for i := range s.parts {
		l = max(l, s.parts[i].committedLag(now, tick))
	}
	return l
}

// read lets each subtask read up to budget records, all of them throttled
// in proportion when more than room records in total would not fit
// downstream. A subtask reads its partitions in proportion to their
// backlog. It returns the records read.
func (s *sourceState) read(budget, room float64) int64 {
	p := len(s.want)
	clear(s.avail)
	clear(s.got)
	for k, j := 0, 0; k < len(s.parts); k++ {
		if !s.stuck[k] {
			s.avail[j] += float64(s.parts[k].backlog())
		}
		if j++; j == p {
			j = 0
		}
	}
	total := 0.0
	for j := range s.want {
		s.want[j] = min(s.avail[j], budget)
		total += s.want[j]
	}
	f := 1.0
	if total > room {
		f = room / total
	}
	// ratio[j] is the share of its backlog subtask j reads: 1 reads all.
	ratio := s.avail // reused: avail is not needed any more
	for j := range ratio {
		if ratio[j] > 0 {
			ratio[j] = s.want[j] * f / ratio[j]
		}
	}
	var read int64
	for k, j := 0, 0; k < len(s.parts); k++ {
		if !s.stuck[k] {
			read += s.parts[k].take(ratio[j], &s.got[j])
		}
		if j++; j == p {
			j = 0
		}
	}
	s.blockedNow = 0
	for j := range s.want {
		s.in[j] += s.got[j]
		s.winRead[j] += s.got[j]
		s.winBlocked[j] += s.want[j] * (1 - f)
		s.blockedNow += s.want[j] * (1 - f)
	}
	return read
}

// take reads the share ratio of the partition's backlog (whole records,
// the fraction carried over), adds it to got and returns it.
func (p *partition) take(ratio float64, got *float64) int64 {
	b := p.backlog()
	if b == 0 || ratio == 0 {
		return 0
	}
	n := b
	if ratio < 1 {
		x := ratio*float64(b) + p.rcarry
		n = min(int64(x), b)
		p.rcarry = x - float64(n)
		if n == b {
			p.rcarry = 0
		}
	} else {
		p.rcarry = 0
	}
	p.read(n)
	*got += float64(n)
	return n
}
