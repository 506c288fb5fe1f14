package sim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// TraceSource identifies the source a Trace is asked about.
type TraceSource struct {
	// ID is the source vertex's ID.
	ID string
	// Index is the source's position among the job's sources, 0 first.
	Index int
	// Partitions is the source topic's partition count.
	Partitions int
}

// Trace is a workload: the records per second arriving in each Kafka
// partition of each source, as a function of virtual time since the start.
// A Trace must be a pure, deterministic function of its arguments: the
// simulator, Oracle and PeakParallelism ask it about the same times. A
// Trace that also has a method Validate() error is validated by New, Run
// and Oracle. A negative or non-finite rate brings no records. The standard
// traces are values, safe for concurrent use.
type Trace interface {
	// Rates writes into rates (one entry per partition) the records/s
	// arriving in each partition of src at offset t since the start.
	Rates(src TraceSource, t time.Duration, rates []float64)
}

// TraceFunc adapts a function to Trace.
type TraceFunc func(src TraceSource, t time.Duration, rates []float64)

// Rates calls f.
func (f TraceFunc) Rates(src TraceSource, t time.Duration, rates []float64) { f(src, t, rates) }

var (
	_ Trace = TraceFunc(nil)
	_ Trace = Steady{}
	_ Trace = Diurnal{}
	_ Trace = Spike{}
	_ Trace = Bursty{}
	_ Trace = MultiPipeline{}
)

// validator is the optional interface New detects on a Trace.
type validator interface{ Validate() error }

func validateTrace(tr Trace) error {
	if tr == nil {
		return fmt.Errorf("%w: nil trace", ErrInvalidConfig)
	}
	if v, ok := tr.(validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("%w: trace: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

func fill(rates []float64, r float64) {
	for i := range rates {
		rates[i] = r
	}
}

func checkRate(name string, r float64) error {
	if !(r >= 0) || math.IsInf(r, 0) {
		return fmt.Errorf("%s %g is not a non-negative number", name, r)
	}
	return nil
}

// Steady is a constant workload: Rate records/s in every partition.
type Steady struct {
	// Rate is the records/s per partition.
	Rate float64
}

// Rates implements Trace.
func (s Steady) Rates(_ TraceSource, _ time.Duration, rates []float64) { fill(rates, s.Rate) }

// Validate checks the rate.
func (s Steady) Validate() error { return checkRate("Rate", s.Rate) }

// Diurnal is a daily cycle: Trough records/s per partition at the quietest
// time, PeakFactor times that at PeakAt, a raised cosine in between.
type Diurnal struct {
	// Trough is the records/s per partition at the quietest moment.
	Trough float64
	// PeakFactor is the peak's rate over the trough's. Default: 5. Zero
	// means default.
	PeakFactor float64
	// Period is the cycle's length. Default: 24 h. Zero means default.
	Period time.Duration
	// PeakAt is when, within the period, the peak is. Default: 14 h (2 pm,
	// the trough at 2 am). Zero means default.
	PeakAt time.Duration
}

func (d Diurnal) withDefaults() Diurnal {
	if d.PeakFactor == 0 {
		d.PeakFactor = 5
	}
	if d.Period == 0 {
		d.Period = 24 * time.Hour
	}
	if d.PeakAt == 0 {
		d.PeakAt = 14 * time.Hour
	}
	return d
}

// rate is the per-partition rate at t, the peak shifted by phase.
func (d Diurnal) rate(t, phase time.Duration) float64 {
	d = d.withDefaults()
	x := 2 * math.Pi * float64(t-d.PeakAt-phase) / float64(d.Period)
	return d.Trough * (1 + (d.PeakFactor-1)*(1+math.Cos(x))/2)
}

// Rates implements Trace.
func (d Diurnal) Rates(_ TraceSource, t time.Duration, rates []float64) { fill(rates, d.rate(t, 0)) }

// Validate checks the fields.
func (d Diurnal) Validate() error {
	d = d.withDefaults()
	if err := checkRate("Trough", d.Trough); err != nil {
		return err
	}
	if !(d.PeakFactor >= 1) || math.IsInf(d.PeakFactor, 0) || d.Period < 0 {
		return fmt.Errorf("peak factor %g below 1, or negative Period", d.PeakFactor)
	}
	return nil
}

// Spike is a steady workload with one surge: Base records/s per partition,
// Factor times that from At for Length.
type Spike struct {
	// Base is the records/s per partition outside the spike.
	Base float64
	// Factor multiplies the rate during the spike. Default: 4. Zero means
	// default.
	Factor float64
	// At is when the spike starts. Default: 2 h. Zero means default.
	At time.Duration
	// Length is how long the spike lasts. Default: 10 min. Zero means
	// default.
	Length time.Duration
}

func (s Spike) withDefaults() Spike {
	if s.Factor == 0 {
		s.Factor = 4
	}
	if s.At == 0 {
		s.At = 2 * time.Hour
	}
	if s.Length == 0 {
		s.Length = 10 * time.Minute
	}
	return s
}

// Rates implements Trace.
func (s Spike) Rates(_ TraceSource, t time.Duration, rates []float64) {
	s = s.withDefaults()
	r := s.Base
	if t >= s.At && t < s.At+s.Length {
		r *= s.Factor
	}
	fill(rates, r)
}

// Validate checks the fields.
func (s Spike) Validate() error {
	s = s.withDefaults()
	if err := checkRate("Base", s.Base); err != nil {
		return err
	}
	if !(s.Factor > 0) || math.IsInf(s.Factor, 0) || s.At < 0 || s.Length < 0 {
		return fmt.Errorf("spike factor %g not positive, or negative At or Length", s.Factor)
	}
	return nil
}

// MultiPipeline is the workload of one job running several independent
// pipelines: each source follows a Diurnal cycle, the peaks of Pipelines
// consecutive sources spread evenly over the period (source i peaks at
// PeakAt + (i mod Pipelines) x Period / Pipelines).
type MultiPipeline struct {
	// Diurnal is every pipeline's cycle (its Trough is required).
	Diurnal
	// Pipelines is how many distinct peak times there are. Default: 4.
	// Zero means default.
	Pipelines int
}

// Rates implements Trace.
func (m MultiPipeline) Rates(src TraceSource, t time.Duration, rates []float64) {
	d := m.withDefaults()
	n := m.Pipelines
	if n == 0 {
		n = 4
	}
	phase := time.Duration(src.Index%n) * (d.Period / time.Duration(n))
	fill(rates, d.rate(t, phase))
}

// Validate checks the fields.
func (m MultiPipeline) Validate() error {
	if m.Pipelines < 0 {
		return fmt.Errorf("negative Pipelines %d", m.Pipelines)
	}
	return m.Diurnal.Validate()
}

// Skewed spreads a trace's records unevenly over each source's partitions,
// keeping their total: partition k's weight is 1 / (k+1)^Zipf, partition
// Hot's multiplied by HotFactor, and each partition gets its weight's share
// of the total the trace gives all of them. Keys are rarely spread evenly
// (a popular customer, a default key), and a hot partition beyond what one
// subtask reads makes a source that no parallelism helps.
type Skewed struct {
	// Trace gives the rates to redistribute. Required.
	Trace Trace
	// Zipf is the exponent of the partitions' weights. Default: 0 (even).
	Zipf float64
	// Hot is a partition whose weight HotFactor multiplies. Default: 0.
	Hot int
	// HotFactor multiplies partition Hot's weight. Default: 1. Zero means
	// default.
	HotFactor float64
}

var _ Trace = Skewed{}

// Rates implements Trace.
func (s Skewed) Rates(src TraceSource, t time.Duration, rates []float64) {
	s.Trace.Rates(src, t, rates)
	total, weights := 0.0, 0.0
	for k, r := range rates {
		total += r
		weights += s.weight(k)
	}
	for k := range rates {
		rates[k] = total * s.weight(k) / weights
	}
}

func (s Skewed) weight(k int) float64 {
	w := 1.0
	if s.Zipf != 0 {
		w = math.Pow(float64(k+1), -s.Zipf)
	}
	if k == s.Hot && s.HotFactor != 0 {
		w *= s.HotFactor
	}
	return w
}

// Validate checks the fields and the trace skewed.
func (s Skewed) Validate() error {
	switch {
	case s.Trace == nil:
		return errors.New("the skewed Trace is missing")
	case !(s.Zipf >= 0) || math.IsInf(s.Zipf, 0):
		return fmt.Errorf("zipf exponent %g is not a non-negative number", s.Zipf)
	case s.Hot < 0 || !(s.HotFactor >= 0) || math.IsInf(s.HotFactor, 0):
		return fmt.Errorf("negative Hot %d, or HotFactor %g not a non-negative number", s.Hot, s.HotFactor)
	}
	if v, ok := s.Trace.(validator); ok {
		return v.Validate()
	}
	return nil
}
