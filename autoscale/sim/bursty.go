package sim

import (
	"fmt"
	"math"
	"time"
)

// Bursty is a steady workload with seeded random bursts. Time is cut into
// slots of Every; in each slot, with probability Probability, one burst
// starts at a uniformly drawn offset, lasts a length drawn uniformly from
// [MinLength, MaxLength] and multiplies the rate by a factor drawn uniformly
// from [MinFactor, MaxFactor]. Every draw is a hash of Seed and the slot, so
// the trace is a pure function of time: the same Seed gives the same bursts.
type Bursty struct {
	// Base is the records/s per partition outside bursts.
	Base float64
	// Every is the slot length. Default: 1 h. Zero means default.
	Every time.Duration
	// Probability is the chance of a burst in a slot. Default: 0.5. Zero
	// means default.
	Probability float64
	// MinLength and MaxLength bound a burst's length (MaxLength at most
	// Every). Default: 2 min and 15 min. Zero means default.
	MinLength, MaxLength time.Duration
	// MinFactor and MaxFactor bound a burst's rate multiplier. Default: 2
	// and 4. Zero means default.
	MinFactor, MaxFactor float64
	// Seed seeds the bursts. Default: 0 (a valid seed).
	Seed uint64
}

func (b Bursty) withDefaults() Bursty {
	if b.Every == 0 {
		b.Every = time.Hour
	}
	if b.Probability == 0 {
		b.Probability = 0.5
	}
	if b.MinLength == 0 {
		b.MinLength = 2 * time.Minute
	}
	if b.MaxLength == 0 {
		b.MaxLength = 15 * time.Minute
	}
	if b.MinFactor == 0 {
		b.MinFactor = 2
	}
	if b.MaxFactor == 0 {
		b.MaxFactor = 4
	}
	return b
}

// Validate checks the fields.
func (b Bursty) Validate() error {
	b = b.withDefaults()
	if err := checkRate("Base", b.Base); err != nil {
		return err
	}
	switch {
	case b.Every < 0 || b.MinLength < 0 || b.MaxLength < b.MinLength || b.MaxLength > b.Every:
		return fmt.Errorf("need 0 <= MinLength <= MaxLength <= Every, got %v, %v, %v", b.MinLength, b.MaxLength, b.Every)
	case !(b.Probability > 0 && b.Probability <= 1):
		return fmt.Errorf("probability %g outside (0, 1]", b.Probability)
	case !(b.MinFactor > 0) || b.MaxFactor < b.MinFactor || math.IsInf(b.MaxFactor, 0):
		return fmt.Errorf("need 0 < MinFactor <= MaxFactor, got %g, %g", b.MinFactor, b.MaxFactor)
	}
	return nil
}

// Burst is one burst of a Bursty trace.
type Burst struct {
	// Start and End bound the burst, as offsets since the start.
	Start, End time.Duration
	// Factor multiplies the base rate during the burst.
	Factor float64
}

// burst returns slot n's burst, if it has one.
func (b Bursty) burst(n int64) (Burst, bool) {
	h := splitmix(b.Seed ^ splitmix(uint64(n)))
	if unit(h) >= b.Probability {
		return Burst{}, false
	}
	h = splitmix(h)
	start := time.Duration(n)*b.Every + time.Duration(unit(h)*float64(b.Every))
	h = splitmix(h)
	length := b.MinLength + time.Duration(unit(h)*float64(b.MaxLength-b.MinLength))
	h = splitmix(h)
	f := b.MinFactor + unit(h)*(b.MaxFactor-b.MinFactor)
	return Burst{Start: start, End: start + length, Factor: f}, true
}

// factor is the rate multiplier at t: a burst of t's slot or of the
// previous one (bursts are at most a slot long).
func (b Bursty) factor(t time.Duration) float64 {
	n := int64(t / b.Every)
	for _, k := range [2]int64{n, n - 1} {
		if x, ok := b.burst(k); ok && k >= 0 && t >= x.Start && t < x.End {
			return x.Factor
		}
	}
	return 1
}

// Rates implements Trace.
func (b Bursty) Rates(_ TraceSource, t time.Duration, rates []float64) {
	b = b.withDefaults()
	fill(rates, b.Base*b.factor(t))
}

// Bursts lists the bursts that start before until.
func (b Bursty) Bursts(until time.Duration) []Burst {
	b = b.withDefaults()
	var out []Burst
	for n := int64(0); time.Duration(n)*b.Every < until; n++ {
		if x, ok := b.burst(n); ok && x.Start < until {
			out = append(out, x)
		}
	}
	return out
}

// splitmix is the SplitMix64 finaliser: a fast, well-mixed hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }
