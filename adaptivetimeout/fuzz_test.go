package adaptivetimeout_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// The figures a policy learns from come from outside: Kafka's high
// watermark (Outcome.Backlog), record timestamps and clocks (Latency,
// Start, now). These targets feed every policy and both loops with
// arbitrary figures: a policy must keep every wait within its Bounds and
// never negative; a loop must keep the Source contract (Emit 1 to the held
// records) and never panic.

// fuzzBytes hands out the fuzzer's bytes; ok is false once they run out.
type fuzzBytes []byte

func (b *fuzzBytes) next() (byte, bool) {
	if len(*b) == 0 {
		return 0, false
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return c, true
}

// duration decodes a duration: mostly c x 0.5 ms, or an extreme.
func (b *fuzzBytes) duration() time.Duration {
	c, _ := b.next()
	switch c {
	case 255:
		return math.MaxInt64
	case 254:
		return math.MinInt64
	case 253:
		return -time.Millisecond
	case 252:
		return 1 << 40 // 18 minutes
	default:
		return time.Duration(c) * 500 * time.Microsecond
	}
}

// count decodes a record count: mostly 0 to 199, or -1, another negative
// figure or a huge one.
func (b *fuzzBytes) count() int64 {
	c, _ := b.next()
	switch c {
	case 255:
		return math.MaxInt64
	case 254:
		return math.MinInt64
	case 253:
		return -1
	case 252:
		return -7
	case 251:
		return math.MaxInt32
	default:
		return int64(c % 200)
	}
}

// backlog decodes a backlog figure: unknown (253, with a reason, or 250,
// without one), or a known count as count decodes it (negative and huge
// ones too).
func (b *fuzzBytes) backlog() adaptivetimeout.Figure[int64] {
	if len(*b) > 0 {
		switch (*b)[0] {
		case 253:
			b.next()
			return adaptivetimeout.Unknown[int64](adaptivetimeout.NoFetchResponse)
		case 250:
			b.next()
			return adaptivetimeout.Figure[int64]{}
		}
	}
	return adaptivetimeout.Known(b.count())
}

// fuzzPolicies returns the policies under test, cfg's Default among them
// when it is valid.
func fuzzPolicies(cfg adaptivetimeout.DefaultConfig, lo, hi time.Duration) []adaptivetimeout.Bounded {
	ps := []adaptivetimeout.Bounded{&adaptivetimeout.Default{}, adaptivetimeout.BeamAIAD{}, adaptivetimeout.NoWait{},
		adaptivetimeout.Fixed{}, adaptivetimeout.Fixed{Wait: lo}}
	if d, err := adaptivetimeout.NewDefault(cfg); err == nil {
		ps = append(ps, d)
	}
	if c, err := adaptivetimeout.Clamp(&adaptivetimeout.Default{}, lo, hi); err == nil {
		ps = append(ps, c.(adaptivetimeout.Bounded))
	}
	return ps
}

// FuzzPolicyNext feeds each policy's reader a sequence of outcomes with
// arbitrary figures and clock steps (backwards too), and a Config of
// arbitrary fields: NewDefault rejects it with ErrInvalidConfig or the Default it
// returns keeps its bounds like the others.
func FuzzPolicyNext(f *testing.F) {
	f.Add(int64(0), int64(0), 0.0, int64(0), int64(0), 0.0, int64(0), int64(0), []byte{})
	f.Add(int64(time.Millisecond), int64(20*time.Millisecond), 2.0, int64(time.Millisecond), int64(100*time.Millisecond), 1.0,
		int64(time.Millisecond), int64(15*time.Millisecond), []byte{2, 0, 5, 10, 3, 2, 20, 0, 0, 253, 0, 2, 10, 60, 4, 0})
	f.Add(int64(0), int64(math.MaxInt64), 1e308, int64(math.MaxInt64), int64(1), 1e-300,
		int64(0), int64(math.MaxInt64), []byte{255, 255, 255, 255, 255, 254, 254, 254, 254, 254, 252, 251, 252, 252, 251})
	f.Add(int64(-1), int64(0), math.NaN(), int64(0), int64(0), math.Inf(1), int64(5), int64(1), []byte{1, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, minWait, maxWait int64, headroom float64, margin, window int64, smoothing float64, lo, hi int64, data []byte) {
		cfg := adaptivetimeout.DefaultConfig{MinWait: time.Duration(minWait), MaxWait: time.Duration(maxWait), Headroom: headroom,
			Margin: time.Duration(margin), RateWindow: time.Duration(window), Smoothing: smoothing}
		if err := cfg.Validate(); err != nil && !errors.Is(err, adaptivetimeout.ErrInvalidConfig) {
			t.Fatalf("Validate: %v does not wrap ErrInvalidConfig", err)
		}
		for _, p := range fuzzPolicies(cfg, time.Duration(lo), time.Duration(hi)) {
			playOutcomes(t, p, fuzzBytes(data))
		}
	})
}

// playOutcomes decodes steps of (clock step, waited, records, latency,
// backlog) from b and checks each wait of a new reader of p.
func playOutcomes(t *testing.T, p adaptivetimeout.Bounded, b fuzzBytes) {
	t.Helper()
	lo, hi := p.Bounds()
	if lo < 0 || hi < lo {
		t.Fatalf("%T: bounds %v, %v", p, lo, hi)
	}
	r := p.NewReader()
	now, prev := t0, time.Time{}
	for step := 0; step == 0 || len(b) > 0; step++ {
		now = now.Add(b.duration())
		o := adaptivetimeout.Outcome{Start: prev, Waited: b.duration(), Records: int(b.count()), Latency: adaptivetimeout.Known(b.duration()), Backlog: b.backlog()}
		if c, _ := b.next(); c%4 == 0 {
			o.Latency = adaptivetimeout.Unknown[time.Duration](adaptivetimeout.NotMeasured)
		}
		w := r.Next(now, o)
		if w < lo || w > hi {
			t.Fatalf("%T step %d: wait %v outside [%v, %v] for %+v", p, step, w, lo, hi, o)
		}
		prev = now
	}
}

// errOut ends a fuzzed run: the bytes ran out.
var errOut = errors.New("fuzz bytes used up")

// fuzzSource is a Source whose readers receive batches of fuzzed sizes,
// ages and backlogs, on a clock advancing by fuzzed steps (backwards too).
// Every call uses a byte, so a run ends when they run out.
type fuzzSource struct {
	b    fuzzBytes
	now  time.Time
	held []int
	err  error // a contract violation
}

func (s *fuzzSource) Len() int       { return len(s.held) }
func (s *fuzzSource) Now() time.Time { return s.now }

func (s *fuzzSource) tick() error {
	if len(s.b) == 0 {
		return errOut
	}
	s.now = s.now.Add(s.b.duration())
	return nil
}

func (s *fuzzSource) Wait(_ context.Context, i int, _ time.Duration) (adaptivetimeout.Ready, error) {
	if err := s.tick(); err != nil {
		return adaptivetimeout.Ready{}, err
	}
	if s.held[i] == 0 {
		s.held[i] = int(max(0, min(s.b.count(), math.MaxInt32)))
	}
	rd := adaptivetimeout.Ready{Records: s.held[i], Backlog: s.b.backlog()}
	if s.held[i] > 0 {
		rd.Since = s.now.Add(-s.b.duration())
	}
	return rd, nil
}

func (s *fuzzSource) Emit(_ context.Context, i, n int) error {
	if n < 1 || n > s.held[i] {
		s.err = fmt.Errorf("Emit(%d, %d) with %d held", i, n, s.held[i])
		return s.err
	}
	s.held[i] -= n
	return s.tick()
}

func (s *fuzzSource) WaitAny(context.Context, time.Duration) error { return s.tick() }
func (s *fuzzSource) Sleep(context.Context, time.Duration) error   { return s.tick() }

// FuzzLoops runs both loops with Default and BeamAIAD over a fuzzSource of
// 1 to 4 readers: each must end with the source's end, having kept the
// Emit contract.
func FuzzLoops(f *testing.F) {
	f.Add(uint8(1), []byte{})
	f.Add(uint8(3), []byte{2, 0, 50, 7, 3, 1, 0, 0, 4, 2, 9, 200, 1, 1, 1, 0, 253, 2, 2, 2, 2})
	f.Add(uint8(2), []byte{255, 251, 255, 255, 254, 254, 251, 252, 0, 0, 255, 251, 254, 1, 2, 3, 4, 5, 6, 7})
	f.Fuzz(func(t *testing.T, readers uint8, data []byte) {
		n := 1 + int(readers%4)
		for _, loop := range []adaptivetimeout.Loop{adaptivetimeout.BatchLoop{}, adaptivetimeout.BeamLoop{}, adaptivetimeout.BatchLoop{Batch: 1, MaxBatch: 3}} {
			for _, p := range []adaptivetimeout.Policy{&adaptivetimeout.Default{}, adaptivetimeout.BeamAIAD{}} {
				src := &fuzzSource{b: fuzzBytes(data), now: t0, held: make([]int, n)}
				err := loop.Run(context.Background(), src, p)
				if src.err != nil {
					t.Fatalf("%T with %T: %v", loop, p, src.err)
				}
				if !errors.Is(err, errOut) {
					t.Fatalf("%T with %T: Run = %v, want the end of the bytes", loop, p, err)
				}
			}
		}
	})
}
