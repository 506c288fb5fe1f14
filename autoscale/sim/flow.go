package sim

import (
	"math"
	"time"
)

// vertexState is a vertex's runtime state at its current parallelism.
type vertexState struct {
	spec     Vertex
	outs     []int
	keyed    bool
	p        int
	perSub   float64   // records/s one subtask takes in
	shares   []float64 // each subtask's share of the input (non-sources)
	maxShare float64
	capacity float64 // records/s the vertex takes in, limited by its busiest subtask
	buf      float64 // records waiting in the input buffer
	bufCap   float64
	rate     float64 // records/s taken in during the last tick

	// Since the last restart.
	in, out, blocked float64 // blocked: records the vertex could not emit for lack of room
	busySecs, bpSecs float64 // subtask-seconds busy and backpressured, summed over subtasks
	// In the current metric view.
	winIn, winBlocked float64
	winCap            float64 // seconds of full capacity the view held (less while warming up)

	src *sourceState
	met *vertexMeter
}

// configure sizes the vertex for parallelism p and clears its state, as a
// restart does.
func (v *vertexState) configure(p int, cfg Config) {
	v.shape(p, cfg)
	v.buf, v.rate = 0, 0
	v.in, v.out, v.blocked, v.winIn, v.winBlocked, v.winCap, v.busySecs, v.bpSecs = 0, 0, 0, 0, 0, 0, 0, 0
	if v.src != nil {
		v.src.resize(v.p)
	}
	v.met.reset(v.p)
}

// shape sizes the vertex for parallelism p: its subtasks' capacity and
// shares and its buffer.
func (v *vertexState) shape(p int, cfg Config) {
	v.p = p
	v.perSub = perSubtask(v.spec, p)
	if v.keyed {
		v.shares = keyGroupShares(v.spec.MaxParallelism, p, v.shares)
	} else {
		v.shares = resized(v.shares, p)
		for i := range v.shares {
			v.shares[i] = 1 / float64(p)
		}
	}
	v.maxShare = 0
	for _, s := range v.shares {
		v.maxShare = max(v.maxShare, s)
	}
	v.capacity = v.perSub / v.maxShare
	hold := max(cfg.BufferTime, 2*cfg.Tick).Seconds()
	v.bufCap = v.capacity * hold
}

// resize changes the parallelism of a running vertex at no cost (Oracle's
// free rescale): its counters and buffer are kept.
func (v *vertexState) resize(p int, cfg Config) {
	v.shape(p, cfg)
	if v.src != nil {
		v.src.resize(p)
	}
	v.met.reset(p)
}

// process takes in what the buffer holds, up to the vertex's capacity
// (times warm, the warm-up's fraction) and to what room downstream
// allows, and returns the records taken in.
func (v *vertexState) process(dt, warm, room float64) float64 {
	want := min(v.buf, v.capacity*dt*warm)
	x := min(want, room)
	v.buf = max(0, v.buf-x)
	v.in += x
	v.winIn += x
	v.blocked += want - x
	v.winBlocked += want - x
	v.busySecs += x / (v.perSub * warm)
	v.bpSecs += (want - x) / (v.perSub * warm)
	return x
}

// warmth is the fraction of full capacity the job has now: WarmUpFrom
// just after a restart, rising linearly to 1 over Restarts.WarmUp (the job
// a simulation starts with is warm).
func (s *Sim) warmth() float64 {
	r := s.cfg.Restarts
	if r.WarmUp <= 0 {
		return 1
	}
	f := float64(s.now-s.warmSince) / float64(r.WarmUp)
	if f >= 1 {
		return 1
	}
	return r.WarmUpFrom + (1-r.WarmUpFrom)*f
}

// arrive appends this tick's arrivals to every source partition: the
// trace's rate for the tick, times the noise, whole records with the
// fraction carried over.
func (s *Sim) arrive() {
	dt := s.tick.Seconds()
	amp := dt * s.cfg.Noise * math.Sqrt(3) // a uniform draw in [-amp, amp) per record/s has std dt x Noise
	for n, i := range s.topo.sources {
		src := s.vs[i].src
		s.trace.Rates(src.info, s.now, src.rates)
		f := s.wander.factor(n)
		for k := range src.parts {
			pt, r := &src.parts[k], src.rates[k]*f
			x := r*dt + pt.carry
			if amp > 0 {
				x += r * amp * (2*s.random() - 1)
			}
			if !(x >= 0 && x < 1e15) { // a negative or non-finite rate brings nothing
				x = 0
			}
			n := int64(x)
			pt.carry = x - float64(n)
			pt.arrive(s.now, n)
			s.stats.arrived += n
		}
	}
	s.wander.step()
}

// flow runs one tick of processing, sinks first, so each vertex sees the
// room its outputs freed in this tick: records move one vertex per tick.
func (s *Sim) flow() {
	dt := s.tick.Seconds()
	warm := s.warmth()
	for i := len(s.vs) - 1; i >= 0; i-- {
		v := &s.vs[i]
		room := math.Inf(1)
		for _, w := range v.outs {
			room = min(room, max(0, s.vs[w].bufCap-s.vs[w].buf))
		}
		room /= v.spec.Selectivity
		var x float64
		v.winCap += dt * warm
		if v.src != nil {
			n := v.src.read(v.perSub*dt*warm, room)
			s.stats.reads += n
			x = float64(n)
			v.in += x
			v.busySecs += x / (v.perSub * warm)
			v.bpSecs += v.src.blockedNow / (v.perSub * warm)
		} else {
			x = v.process(dt, warm, room)
		}
		v.rate = x / dt
		if len(v.outs) == 0 {
			continue
		}
		emit := x * v.spec.Selectivity
		v.out += emit
		for _, w := range v.outs {
			s.vs[w].buf += emit
		}
	}
}

// inFlightDelays returns, per vertex, how long a record it emits now
// waits in the buffers on its way to the sinks, along the slowest path:
// each buffer's records over the rate its vertex takes them in at (its
// capacity, times the warm-up's fraction). A record read from Kafka but
// still buffered is not processed: the lag the SLO is measured on counts
// that wait too, as the age of the oldest record not yet processed would
// (records in flight pile up before a vertex that cannot keep up while the
// source, reading ahead, shows no backlog: measured on the real stack,
// BENCHMARKS.md, "Records in flight"). Sources come first in s.vs and
// edges go forward, so one pass from the end suffices.
func (s *Sim) inFlightDelays() []time.Duration {
	if len(s.delays) != len(s.vs) {
		s.delays = make([]time.Duration, len(s.vs))
	}
	warm := s.warmth()
	for i := len(s.vs) - 1; i >= 0; i-- {
		var d time.Duration
		for _, w := range s.vs[i].outs {
			v := &s.vs[w]
			wait := s.delays[w]
			if v.buf > 0 && v.capacity > 0 && s.running {
				wait += time.Duration(v.buf / (v.capacity * warm) * float64(time.Second))
			}
			d = max(d, wait)
		}
		s.delays[i] = d
	}
	return s.delays
}

// random returns the next number of the seeded stream, in [0, 1).
func (s *Sim) random() float64 {
	s.rng++
	return unit(splitmix(s.rng))
}

// account adds the tick just simulated to the summary figures.
func (s *Sim) account() {
	s.stats.slotTicks += int64(s.slots)
	s.stats.peakSlots = max(s.stats.peakSlots, s.slots)
	var worst time.Duration
	inFlight := s.inFlightDelays()
	for _, i := range s.topo.sources {
		lag := s.vs[i].src.movingLag(s.now, s.tick, false) // no policy helps a stuck partition
		worst = max(worst, lag+inFlight[i])
	}
	s.stats.maxLag = max(s.stats.maxLag, worst)
	if worst > s.cfg.SLO {
		s.stats.violation += s.tick
	}
	if !s.running {
		s.stats.downtime += s.tick
	}
}
