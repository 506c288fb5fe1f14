package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// Defaults of Config.
const (
	DefaultDuration   = 10 * time.Second
	DefaultLatency    = 2 * time.Millisecond
	DefaultMaxBatch   = 500 // Kafka's max.poll.records
	DefaultRecordCost = 5 * time.Microsecond
	DefaultVisitCost  = 1 * time.Microsecond
)

// ErrInvalidConfig is wrapped by every error about a bad Config. It wraps
// adaptivetimeout.ErrInvalidConfig, which wraps flinkscale.ErrInvalidConfig,
// so errors.Is matches all three.
var ErrInvalidConfig = fmt.Errorf("sim: %w", adaptivetimeout.ErrInvalidConfig)

// Config describes one simulation. Zero fields mean the documented
// defaults. It is a plain value.
type Config struct {
	// Readers is each reader's traffic. Required.
	Readers []Traffic
	// Duration is the virtual time simulated. Default: DefaultDuration
	// (10s).
	Duration time.Duration
	// Latency is a fetch's round trip: a fetch issued at t with data
	// waiting is ready at t + Latency; one waiting for data (a long poll)
	// is ready Latency/2 after the first record arrives. Default:
	// DefaultLatency (2ms).
	Latency time.Duration
	// Jitter adds a uniform random [0, Jitter) to each fetch's Latency.
	// Default: 0.
	Jitter time.Duration
	// MaxBatch is the most records one fetch returns (max.poll.records).
	// Default: DefaultMaxBatch (500).
	MaxBatch int
	// RecordCost is the loop's time to emit one record downstream.
	// Default: DefaultRecordCost (5µs).
	RecordCost time.Duration
	// VisitCost is the loop's time for one look at a reader (a Wait call),
	// on top of any waiting. Default: DefaultVisitCost (1µs).
	VisitCost time.Duration
	// Seed seeds the arrivals and the jitter; each reader has its own
	// streams, so the same seed gives every policy and loop the same
	// arrivals.
	Seed uint64
}

// Validate reports whether c is usable, wrapping ErrInvalidConfig if not.
func (c Config) Validate() error {
	if len(c.Readers) == 0 {
		return fmt.Errorf("%w: no readers", ErrInvalidConfig)
	}
	for i, t := range c.Readers {
		if err := t.validate(); err != nil {
			return fmt.Errorf("%w: reader %d: %v", ErrInvalidConfig, i, err)
		}
	}
	if c.Duration < 0 || c.Latency < 0 || c.Jitter < 0 || c.MaxBatch < 0 || c.RecordCost < 0 || c.VisitCost < 0 {
		return fmt.Errorf("%w: negative field", ErrInvalidConfig)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Latency == 0 {
		c.Latency = DefaultLatency
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.RecordCost == 0 {
		c.RecordCost = DefaultRecordCost
	}
	if c.VisitCost == 0 {
		c.VisitCost = DefaultVisitCost
	}
	return c
}

// Result is what a simulation measured. It is a plain value; its methods
// only read it.
type Result struct {
	// Duration is the virtual time simulated.
	Duration time.Duration
	// Readers holds each reader's figures, in Config order.
	Readers []ReaderResult
	// Slept is the time the loop spent in Source.Sleep, Idle the time in
	// Source.WaitAny.
	Slept, Idle time.Duration
}

// ReaderResult is one reader's figures. It is a plain value.
type ReaderResult struct {
	// Delivered is how many records the loop emitted.
	Delivered int64
	// Delays are the times from arrival to emission of the records that
	// arrived after the start (not the initial backlog), in emission order.
	Delays []time.Duration
	// Waits counts the loop's waits on the reader (Wait with d > 0),
	// EmptyWaits those that ended without a record, Looks the Wait calls
	// with d <= 0.
	Waits, EmptyWaits, Looks int64
	// Waited is the time the loop spent waiting on the reader.
	Waited time.Duration
}

// Throughput returns reader i's records per second.
func (r Result) Throughput(i int) float64 {
	return float64(r.Readers[i].Delivered) / r.Duration.Seconds()
}

// Delays returns the delays of the given readers' records, sorted.
func (r Result) Delays(readers ...int) []time.Duration {
	var ds []time.Duration
	for _, i := range readers {
		ds = append(ds, r.Readers[i].Delays...)
	}
	slices.Sort(ds)
	return ds
}

// Percentile returns the q-quantile (0 <= q <= 1) of sorted by the
// nearest-rank method, or 0 for an empty slice.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(q*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

// errEnd ends a run when virtual time reaches the Duration.
var errEnd = errors.New("sim: end of simulated time")

// Run simulates cfg's readers served by loop with policy p in virtual time
// and returns the figures. The same Config gives the same Result. It
// returns early with ctx.Err() when ctx is done, and an error wrapping
// ErrInvalidConfig for a bad Config. Safe for concurrent use: every run
// has its own state.
func Run(ctx context.Context, cfg Config, loop adaptivetimeout.Loop, p adaptivetimeout.Policy) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	cfg = cfg.withDefaults()
	s := newSource(cfg)
	err := loop.Run(ctx, s, p)
	if !errors.Is(err, errEnd) {
		if err == nil {
			err = errors.New("sim: loop returned before the end")
		}
		return Result{}, err
	}
	s.res.Duration = s.now
	return s.res, nil
}

func newSource(cfg Config) *source {
	s := &source{cfg: cfg, start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.res.Readers = make([]ReaderResult, len(cfg.Readers))
	for i, t := range cfg.Readers {
		r := &simReader{
			part:   newPartition(t, rand.New(rand.NewPCG(cfg.Seed, 2*uint64(i)))),
			jitter: rand.New(rand.NewPCG(cfg.Seed, 2*uint64(i)+1)),
			stats:  &s.res.Readers[i],
		}
		r.backlog = adaptivetimeout.Unknown[int64](adaptivetimeout.NoFetchResponse)
		r.issue(0, 0, s)
		s.rs = append(s.rs, r)
	}
	return s
}
