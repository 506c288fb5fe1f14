package adaptivetimeout_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

const ms = time.Millisecond

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// step is one call of Next: advance the clock, pass the outcome (Start is
// filled in as the previous call's time), expect the wait.
type step struct {
	advance time.Duration
	out     adaptivetimeout.Outcome
	want    time.Duration
}

// empty is a wait that found nothing; hit one that found n records.
func empty(backlog adaptivetimeout.Figure[int64]) adaptivetimeout.Outcome {
	return adaptivetimeout.Outcome{Waited: 10 * ms, Latency: noLat(), Backlog: backlog}
}

func hit(n int, latency adaptivetimeout.Figure[time.Duration], backlog adaptivetimeout.Figure[int64]) adaptivetimeout.Outcome {
	return adaptivetimeout.Outcome{Records: n, Latency: latency, Backlog: backlog}
}

// lat and bl are known figures; noLat and noBacklog unknown ones.
func lat(d time.Duration) adaptivetimeout.Figure[time.Duration] { return adaptivetimeout.Known(d) }
func bl(n int64) adaptivetimeout.Figure[int64]                  { return adaptivetimeout.Known(n) }
func noLat() adaptivetimeout.Figure[time.Duration] {
	return adaptivetimeout.Unknown[time.Duration](adaptivetimeout.NotMeasured)
}
func noBacklog() adaptivetimeout.Figure[int64] {
	return adaptivetimeout.Unknown[int64](adaptivetimeout.NoFetchResponse)
}

// play feeds steps to a new reader of p; the first step is the reader's
// first call (zero Start).
func play(t *testing.T, p adaptivetimeout.Policy, steps []step) {
	t.Helper()
	r := p.NewReader()
	now, prev := t0, time.Time{}
	for i, s := range steps {
		now = now.Add(s.advance)
		o := s.out
		o.Start = prev
		if got := r.Next(now, o); got != s.want {
			t.Fatalf("step %d (%+v): wait %v, want %v", i, s.out, got, s.want)
		}
		prev = now
	}
}

func TestFixed(t *testing.T) {
	play(t, adaptivetimeout.Fixed{}, []step{{0, empty(bl(0)), 10 * ms}, {ms, hit(5, lat(0), bl(9)), 10 * ms}, {ms, empty(bl(0)), 10 * ms}})
	play(t, adaptivetimeout.Fixed{Wait: 3 * ms}, []step{{0, empty(bl(0)), 3 * ms}, {ms, hit(5, lat(0), bl(9)), 3 * ms}})
	play(t, adaptivetimeout.NoWait{}, []step{{0, empty(bl(0)), 0}, {ms, hit(5, lat(0), bl(9)), 0}})
}

func TestBeamAIAD(t *testing.T) {
	steps := []step{{0, empty(bl(0)), 10 * ms}} // starts at 10 ms
	for w := 9; w >= 1; w-- {
		steps = append(steps, step{10 * ms, empty(bl(0)), time.Duration(w) * ms}) // -1 ms per empty wait
	}
	steps = append(steps, step{10 * ms, empty(bl(0)), ms}) // floor: 1 ms
	for w := 2; w <= 20; w++ {
		steps = append(steps, step{ms, hit(500, lat(30*ms), bl(1<<20)), time.Duration(w) * ms}) // +1 ms per batch; nothing else counts
	}
	steps = append(steps, step{ms, hit(1, lat(0), bl(0)), 20 * ms}, step{ms, empty(bl(1 << 30)), 19 * ms})
	play(t, adaptivetimeout.BeamAIAD{}, steps)
	lo, hi := adaptivetimeout.BeamAIAD{}.Bounds()
	if lo != ms || hi != 20*ms {
		t.Errorf("Bounds() = %v, %v", lo, hi)
	}
}

func TestDefaultNewAndIdle(t *testing.T) {
	t.Run("new reader", func(t *testing.T) {
		play(t, &adaptivetimeout.Default{}, []step{{0, adaptivetimeout.Outcome{Latency: noLat(), Backlog: noBacklog()}, 0}})
		play(t, &adaptivetimeout.Default{}, []step{{0, adaptivetimeout.Outcome{Latency: noLat(), Backlog: bl(10)}, ms}})
	})
	t.Run("idle", func(t *testing.T) {
		play(t, &adaptivetimeout.Default{}, []step{{0, empty(bl(0)), 0}, {10 * ms, empty(bl(0)), 0}, {time.Second, empty(noBacklog()), 0}})
	})
}

func TestDefaultBacklog(t *testing.T) {
	t.Run("backlog", func(t *testing.T) {
		play(t, &adaptivetimeout.Default{}, []step{
			{0, empty(bl(0)), 0},
			{ms, hit(500, noLat(), bl(1000)), ms},                          // latency unknown: the margin
			{ms, hit(500, lat(30*ms), bl(1000)), 46 * ms},                  // 1.5 x 30 ms + 1 ms: the latency cliff closed
			{ms, hit(500, lat(10*ms), bl(1000)), 38500 * time.Microsecond}, // average 30 + 0.25 x (10 - 30) = 25 ms
			{ms, empty(bl(1000)), 38500 * time.Microsecond},                // an empty wait keeps the estimate
			{ms, hit(1, lat(200*ms), bl(1<<20)), 0},                        // average 25 + 0.25 x 175 = 68.75 ms: beyond 50 ms, idle
		})
	})
}

func TestDefaultTraffic(t *testing.T) {
	t.Run("streaming", func(t *testing.T) {
		// 100 records every 100 ms (1000/s), caught up, latency 0. The
		// rate estimate is a count decaying with a 1 s time constant, so
		// it starts low and climbs towards 1050/s: 100/s, then
		// 100 e^-0.1 + 100 = 190/s, ... The wait is 1.5 / rate + 1 ms.
		rate := 0.0
		steps := []step{{0, empty(bl(0)), 0}}
		for i := range 30 {
			if i > 0 {
				rate *= math.Exp(-0.1)
			}
			rate += 100
			steps = append(steps, step{100 * ms, hit(100, lat(0), bl(0)), time.Duration(1.5*(float64(time.Second)/rate) + float64(ms))})
		}
		if steps[1].want != 16*ms || steps[30].want > 3*ms {
			t.Fatalf("the arithmetic changed: %v ... %v", steps[1].want, steps[30].want)
		}
		play(t, &adaptivetimeout.Default{}, steps)
	})
	t.Run("sparse and bursty", func(t *testing.T) {
		burst := math.Exp(-1) + 1 // the rate after two records 1 s apart
		burst = burst*math.Exp(-0.01) + 200
		play(t, &adaptivetimeout.Default{}, []step{
			{0, empty(bl(0)), 0},
			{time.Second, hit(1, noLat(), bl(0)), 0}, // 1 record per second: never worth a wait
			{time.Second, hit(1, noLat(), bl(0)), 0},
			{10 * ms, hit(200, noLat(), bl(0)), time.Duration(1.5*(float64(time.Second)/burst) + float64(ms))}, // a burst: ~201/s
			{10 * ms, empty(bl(0)), 0}, // the burst is over: idle at once
		})
	})
}

func TestDefaultBounds(t *testing.T) {
	t.Run("bounds", func(t *testing.T) {
		d, err := adaptivetimeout.NewDefault(adaptivetimeout.DefaultConfig{MinWait: 2 * ms, MaxWait: 20 * ms})
		if err != nil {
			t.Fatal(err)
		}
		play(t, d, []step{{0, empty(bl(0)), 2 * ms}, {ms, hit(500, lat(12*ms), bl(1000)), 19 * ms}, {ms, hit(500, lat(30*ms), bl(1000)), 2 * ms}})
		if lo, hi := d.Bounds(); lo != 2*ms || hi != 20*ms {
			t.Errorf("Bounds() = %v, %v", lo, hi)
		}
		if lo, hi := (&adaptivetimeout.Default{}).Bounds(); lo != 0 || hi != 50*ms {
			t.Errorf("zero Default: Bounds() = %v, %v", lo, hi)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []adaptivetimeout.DefaultConfig{
		{MinWait: -1},
		{MaxWait: -1},
		{MinWait: 60 * ms}, // above the default MaxWait
		{MinWait: 5 * ms, MaxWait: 4 * ms},
		{Headroom: 0.5},
		{Headroom: math.Inf(1)},
		{Headroom: math.NaN()},
		{Margin: -ms},
		{RateWindow: -time.Second},
		{Smoothing: 1.5},
		{Smoothing: -0.1},
		{Smoothing: math.NaN()},
	} {
		if _, err := adaptivetimeout.NewDefault(c); !errors.Is(err, adaptivetimeout.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("NewDefault(%+v) = %v, want adaptivetimeout.ErrInvalidConfig and flinkscale.ErrInvalidConfig", c, err)
		}
	}
	if err := (adaptivetimeout.DefaultConfig{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}

func TestClamp(t *testing.T) {
	p, err := adaptivetimeout.Clamp(adaptivetimeout.BeamAIAD{}, 5*ms, 15*ms)
	if err != nil {
		t.Fatal(err)
	}
	play(t, p, []step{{0, empty(bl(0)), 10 * ms}, {ms, empty(bl(0)), 9 * ms}, {ms, empty(bl(0)), 8 * ms}, {ms, empty(bl(0)), 7 * ms},
		{ms, empty(bl(0)), 6 * ms}, {ms, empty(bl(0)), 5 * ms}, {ms, empty(bl(0)), 5 * ms}})
	b := p.(adaptivetimeout.Bounded)
	if lo, hi := b.Bounds(); lo != 5*ms || hi != 15*ms {
		t.Errorf("Bounds() = %v, %v", lo, hi)
	}
	wide, _ := adaptivetimeout.Clamp(adaptivetimeout.Fixed{}, 0, time.Second)
	if lo, hi := wide.(adaptivetimeout.Bounded).Bounds(); lo != 10*ms || hi != 10*ms {
		t.Errorf("Clamp keeps the narrower bounds of the policy: %v, %v", lo, hi)
	}
	above, _ := adaptivetimeout.Clamp(adaptivetimeout.Fixed{}, 20*ms, 30*ms)
	if lo, hi := above.(adaptivetimeout.Bounded).Bounds(); lo != 20*ms || hi != 20*ms {
		t.Errorf("Clamp above the policy: %v, %v", lo, hi)
	}
	for _, bad := range [][2]time.Duration{{-ms, ms}, {2 * ms, ms}} {
		if _, err := adaptivetimeout.Clamp(adaptivetimeout.Fixed{}, bad[0], bad[1]); !errors.Is(err, adaptivetimeout.ErrInvalidConfig) {
			t.Errorf("Clamp(%v, %v) = %v", bad[0], bad[1], err)
		}
	}
	if _, err := adaptivetimeout.Clamp(nil, 0, ms); !errors.Is(err, adaptivetimeout.ErrInvalidConfig) {
		t.Errorf("Clamp(nil) = %v", err)
	}
}

func TestFuncNeverNegative(t *testing.T) {
	f := adaptivetimeout.Func(func(time.Time, adaptivetimeout.Outcome) time.Duration { return -ms })
	if got := f.NewReader().Next(t0, adaptivetimeout.Outcome{}); got != 0 {
		t.Errorf("Next = %v, want 0", got)
	}
}
