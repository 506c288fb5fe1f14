package adaptivetimeout

import (
	"fmt"
	"math"
	"time"
)

// Defaults of DefaultConfig.
const (
	// DefaultMaxWait caps every wait of Default: the pause Beam's loop
	// takes after a pass in which no reader had data. Waiting longer for one
	// reader than the loop would pause for all of them cannot pay, and a
	// fetch that takes longer means a remote or overloaded broker, which
	// the loop's idle wait, not one reader's wait, should absorb.
	DefaultMaxWait = 50 * time.Millisecond
	// DefaultHeadroom multiplies the expected delay, so that a wait covers
	// a fetch somewhat slower than the average.
	DefaultHeadroom = 1.5
	// DefaultMargin is added to every wait for data that is expected, so a
	// reader expecting data at once still waits for scheduling jitter.
	DefaultMargin = time.Millisecond
	// DefaultRateWindow is the time constant of the arrival-rate estimate:
	// long enough that a few records close together on a sparse reader do
	// not look like a stream.
	DefaultRateWindow = time.Second
	// DefaultSmoothing is the weight of a new latency sample.
	DefaultSmoothing = 0.25
)

// DefaultConfig tunes Default. The zero value means the defaults.
type DefaultConfig struct {
	// MinWait is the wait of an idle reader. Default: 0, the loop only
	// looks whether an idle reader holds a record. Zero means default.
	MinWait time.Duration
	// MaxWait caps every wait: a reader whose wait for expected data would
	// be longer counts as idle. Default: DefaultMaxWait (50ms).
	MaxWait time.Duration
	// Headroom multiplies the expected delay before data; at least 1.
	// Default: DefaultHeadroom (1.5).
	Headroom float64
	// Margin is added to the wait for expected data. Default:
	// DefaultMargin (1ms).
	Margin time.Duration
	// RateWindow is the time constant of each reader's arrival-rate
	// estimate, an exponentially decaying count of its records. Default:
	// DefaultRateWindow (1s).
	RateWindow time.Duration
	// Smoothing is the weight, in (0, 1], of a new sample in each reader's
	// moving average of Outcome.Latency. Default: DefaultSmoothing (0.25).
	Smoothing float64
}

// Validate reports whether the DefaultConfig is usable, wrapping ErrInvalidConfig
// if not.
func (c DefaultConfig) Validate() error {
	d := c.withDefaults()
	switch {
	case c.MinWait < 0 || c.MaxWait < 0 || c.Margin < 0 || c.RateWindow < 0:
		return fmt.Errorf("%w: negative duration in %+v", ErrInvalidConfig, c)
	case d.MaxWait < d.MinWait:
		return fmt.Errorf("%w: MaxWait %v below MinWait %v", ErrInvalidConfig, d.MaxWait, d.MinWait)
	case math.IsNaN(c.Headroom) || math.IsInf(c.Headroom, 0) || (c.Headroom != 0 && c.Headroom < 1):
		return fmt.Errorf("%w: Headroom %v, want at least 1", ErrInvalidConfig, c.Headroom)
	case math.IsNaN(c.Smoothing) || c.Smoothing < 0 || c.Smoothing > 1:
		return fmt.Errorf("%w: Smoothing %v, want (0, 1]", ErrInvalidConfig, c.Smoothing)
	}
	return nil
}

func (c DefaultConfig) withDefaults() DefaultConfig {
	if c.MaxWait == 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.Headroom == 0 {
		c.Headroom = DefaultHeadroom
	}
	if c.Margin == 0 {
		c.Margin = DefaultMargin
	}
	if c.RateWindow == 0 {
		c.RateWindow = DefaultRateWindow
	}
	if c.Smoothing == 0 {
		c.Smoothing = DefaultSmoothing
	}
	return c
}

// Default is this package's traffic-aware policy. Each reader waits only
// for data it has reason to expect soon, and only as long as that data
// should take:
//
//   - Kafka holds records for the reader (Outcome.Backlog known and above
//     0): they are on their way, so wait Headroom x the reader's fetch
//     latency (a moving average of the known Outcome.Latency figures, 0
//     until one is known) + Margin. This closes
//     the latency cliff: with 30 ms fetches a hot reader waits about 45 ms
//     instead of timing out at 10 ms while its batch is in flight.
//   - Otherwise, if the previous wait found records (the reader is
//     streaming): wait Headroom x (1/rate + latency) + Margin, rate being
//     the reader's arrival rate (records per second, an exponentially
//     decaying count with time constant RateWindow).
//   - Otherwise the reader is idle (its last wait came back empty and Kafka
//     holds nothing for it): wait MinWait, 0 by default. An idle reader
//     costs a look, not a wait, so a hundred idle readers no longer starve
//     a hot one.
//
// A reader whose wait for expected data would exceed MaxWait counts as
// idle too: its data is not expected soon enough to hold the thread for.
// Every wait lies in [MinWait, MaxWait], by default [0, 50 ms].
//
// Default decides waits only; how many records a reader may deliver per
// visit is the loop's decision (BatchLoop sizes it from the backlog).
// The zero value uses the defaults; NewDefault validates a DefaultConfig.
// Safe for concurrent use; each reader has its own state.
type Default struct {
	cfg DefaultConfig
}

// NewDefault returns a Default with cfg, or an error wrapping
// ErrInvalidConfig.
func NewDefault(cfg DefaultConfig) (*Default, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Default{cfg: cfg}, nil
}

func (d *Default) config() DefaultConfig {
	if d == nil {
		return DefaultConfig{}.withDefaults()
	}
	return d.cfg.withDefaults()
}

// NewReader returns the state of a new reader: no rate, no latency yet.
func (d *Default) NewReader() Reader { return &defaultReader{cfg: d.config()} }

// Bounds returns MinWait and MaxWait.
func (d *Default) Bounds() (lo, hi time.Duration) {
	c := d.config()
	return c.MinWait, c.MaxWait
}

type defaultReader struct {
	cfg      DefaultConfig
	rate     float64       // records per second as of at
	at       time.Time     // when rate was last brought up to date
	lat      time.Duration // latency estimate, once measured
	measured bool          // whether lat holds a measurement
}

// Next learns from last and returns the wait (see Default).
func (r *defaultReader) Next(now time.Time, last Outcome) time.Duration {
	if last.Start.IsZero() {
		r.at = now
		return r.decide(last.Backlog, false)
	}
	r.learn(now, last)
	return r.decide(last.Backlog, last.Records > 0)
}

func (r *defaultReader) learn(now time.Time, o Outcome) {
	// The rate decays continuously; it is brought up to date only when
	// records come (which is also the only time decide reads it), so an
	// idle reader's wait costs no arithmetic.
	if o.Records > 0 {
		tau := r.cfg.RateWindow.Seconds()
		if dt := now.Sub(r.at).Seconds(); dt > 0 && !r.at.IsZero() {
			r.rate *= math.Exp(-dt / tau)
		}
		if now.After(r.at) || r.at.IsZero() {
			r.at = now
		}
		r.rate += float64(o.Records) / tau
	}
	if lat, ok := o.Latency.Value(); ok && lat >= 0 { // a negative figure is not a latency
		if !r.measured {
			r.lat, r.measured = lat, true
		} else {
			r.lat += time.Duration(r.cfg.Smoothing * float64(lat-r.lat))
		}
	}
}

// decide returns the wait for a reader with the given backlog; streaming
// says whether its previous wait found records.
func (r *defaultReader) decide(backlog Figure[int64], streaming bool) time.Duration {
	lat := float64(r.lat) // 0 until measured
	var expect float64    // nanoseconds until the reader's next data
	_, behind := positive(backlog)
	switch {
	case behind:
		expect = lat
	case streaming && r.rate > 0:
		expect = float64(time.Second)/r.rate + lat
	default:
		return r.cfg.MinWait
	}
	w := r.cfg.Headroom*expect + float64(r.cfg.Margin)
	if w > float64(r.cfg.MaxWait) {
		return r.cfg.MinWait // not expected soon enough to be worth a wait
	}
	return max(time.Duration(w), r.cfg.MinWait)
}
