package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// Unlimited is a Traffic.Backlog that never runs out: a hot reader far
// behind its partition's end.
const Unlimited = -1

// MaxBurst is the largest Traffic.Burst: 1,048,576 records an event. The
// simulator keeps each pending record's arrival time (8 bytes), so a
// larger burst is an error wrapping ErrInvalidConfig.
const MaxBurst = 1 << 20

// unlimitedBacklog is the backlog a reader with an Unlimited backlog
// reports.
const unlimitedBacklog = 1 << 40

// Traffic says when records arrive in one reader's partition: a backlog
// present at the start, then arrival events, periodic or random, of Burst
// records each. It is a plain value.
type Traffic struct {
	// Backlog is how many records the partition holds at the start, or
	// Unlimited. Default: 0.
	Backlog int64
	// Every is the (mean) time between arrival events after the start.
	// Default: 0, no arrivals.
	Every time.Duration
	// Burst is how many records arrive at each event, at most MaxBurst.
	// Default: 1.
	Burst int
	// Random makes the gaps between events exponential with mean Every (a
	// Poisson process); otherwise events are Every apart, the first at a
	// random phase within the first Every.
	Random bool
}

// Hot is a reader with an unlimited backlog.
func Hot() Traffic { return Traffic{Backlog: Unlimited} }

// Idle is a reader that never receives a record.
func Idle() Traffic { return Traffic{} }

// Poisson is a reader receiving perSecond records per second at random
// (exponential gaps); Idle if perSecond is not positive.
func Poisson(perSecond float64) Traffic {
	every := float64(time.Second) / perSecond
	if !(perSecond > 0) || every > float64(math.MaxInt64/2) {
		return Idle()
	}
	return Traffic{Every: max(1, time.Duration(every)), Random: true}
}

// Periodic is a reader receiving one record every period, at a random
// phase.
func Periodic(every time.Duration) Traffic { return Traffic{Every: every} }

// Bursty is a reader receiving bursts of burst records, the bursts every
// period on average, at random.
func Bursty(burst int, every time.Duration) Traffic {
	return Traffic{Every: every, Burst: burst, Random: true}
}

func (t Traffic) validate() error {
	if t.Backlog < Unlimited || t.Every < 0 || t.Burst < 0 || t.Burst > MaxBurst {
		return fmt.Errorf("invalid traffic %+v", t)
	}
	return nil
}

// partition generates one reader's arrivals lazily and remembers the
// arrival times of the records not yet delivered.
type partition struct {
	unlimited bool
	initial   int64 // records present at time 0
	every     time.Duration
	burst     int
	random    bool
	rng       *rand.Rand

	times []time.Duration // arrival times of offsets base, base+1, ...
	base  int64           // offset of times[0]; initial <= base
	next  time.Duration   // time of the next event to generate
}

func newPartition(t Traffic, rng *rand.Rand) *partition {
	p := &partition{unlimited: t.Backlog == Unlimited, every: t.Every, burst: max(t.Burst, 1), random: t.Random, rng: rng}
	if !p.unlimited {
		p.initial = t.Backlog
	}
	p.base = p.initial
	if p.every > 0 {
		p.next = p.gap()
		if !p.random {
			p.next = time.Duration(rng.Int64N(int64(p.every))) + 1
		}
	}
	return p
}

func (p *partition) gap() time.Duration {
	if p.random {
		g := p.rng.ExpFloat64() * float64(p.every)
		if g >= float64(never) {
			return never
		}
		return max(1, time.Duration(g))
	}
	return p.every
}

// generate appends one more event's records, unless virtual time has run
// out (false).
func (p *partition) generate() bool {
	if p.next == never {
		return false
	}
	for range p.burst {
		p.times = append(p.times, p.next)
	}
	p.next = later(p.next, p.gap())
	return true
}

// arrival returns when the record at offset off arrives, relative to the
// start, and whether it ever does.
func (p *partition) arrival(off int64) (time.Duration, bool) {
	if p.unlimited || off < p.initial {
		return 0, true
	}
	if p.every == 0 {
		return 0, false
	}
	for off-p.base >= int64(len(p.times)) {
		if !p.generate() {
			return 0, false
		}
	}
	return p.times[off-p.base], true
}

// arrived returns how many records have arrived by t (the high watermark),
// given that every offset below base arrived by t.
func (p *partition) arrived(t time.Duration) int64 {
	if p.unlimited {
		return unlimitedBacklog
	}
	if p.every == 0 {
		return p.initial
	}
	for len(p.times) == 0 || p.times[len(p.times)-1] <= t {
		if !p.generate() {
			break
		}
	}
	return p.base + int64(sort.Search(len(p.times), func(i int) bool { return p.times[i] > t }))
}

// late reports whether the record at off arrived after the start.
func (p *partition) late(off int64) bool { return !p.unlimited && off >= p.initial }

// drop forgets the arrival times of offsets below off.
func (p *partition) drop(off int64) {
	k := off - p.base
	if k <= 0 || p.unlimited {
		return
	}
	if k > int64(len(p.times)) {
		k = int64(len(p.times))
	}
	p.times = p.times[k:]
	p.base += k
	if cap(p.times) > 1024 && len(p.times) < cap(p.times)/4 {
		p.times = append([]time.Duration(nil), p.times...)
	}
}
