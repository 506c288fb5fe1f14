// Package adaptivetimeouttest is a conformance suite for
// adaptivetimeout.Policy implementations, in the manner of
// testing/slogtest: Run feeds a policy's readers scripted and random
// histories of outcomes and checks the contract every policy must keep,
// whatever its idea of a good wait.
//
//	func TestConformance(t *testing.T) {
//		adaptivetimeouttest.Run(t, func() adaptivetimeout.Policy { return newMyPolicy() })
//	}
package adaptivetimeouttest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// Step is one call of Reader.Next: the time and the outcome passed. It is
// a plain value.
type Step struct {
	Now  time.Time
	Last adaptivetimeout.Outcome
}

// History is the calls a loop makes on one reader, in order. The first
// Step has a zero Last.Start (no previous wait). The suite only reads
// histories, so one may be shared between goroutines.
type History []Step

// Run checks that the policies newP returns keep the Policy contract:
//   - every wait is at least 0 and, when the policy implements
//     adaptivetimeout.Bounded, within its bounds (which must satisfy
//     0 <= lo <= hi);
//   - the same history gives the same waits (determinism);
//   - readers are independent: a reader's waits do not change when other
//     readers of the policy are fed other histories in between, whether those
//     readers were created before or after it, nor when readers are used
//     from several goroutines at once (run the suite with -race);
//   - extreme and unknown figures (huge and negative counts and
//     durations, unknown latency and backlog, with and without a reason,
//     time standing still or stepping back) are accepted without
//     panicking.
//
// newP is called once per property, so a policy that keeps state starts
// fresh for each. Run runs one subtest per property and is safe to call
// from parallel tests.
func Run(t *testing.T, newP func() adaptivetimeout.Policy) {
	t.Helper()
	for _, c := range checks(newP) {
		t.Run(c.name, func(t *testing.T) {
			for _, err := range c.run() {
				t.Error(err)
			}
		})
	}
}

// Check runs the same checks as Run without a testing.T, with the same
// argument, and returns every violation found, joined, or nil.
func Check(newP func() adaptivetimeout.Policy) error {
	var errs []error
	for _, c := range checks(newP) {
		for _, err := range c.run() {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	return errors.Join(errs...)
}

type check struct {
	name string
	run  func() []error
}

func checks(newP func() adaptivetimeout.Policy) []check {
	hs := Histories(rand.New(rand.NewPCG(4, 4)), 40)
	return []check{
		{"bounds", func() []error { return checkBounds(newP(), hs) }},
		{"deterministic", func() []error { return checkDeterministic(newP(), hs) }},
		{"independent", func() []error { return checkInterleaved(newP(), hs) }},
		{"concurrent", func() []error { return checkConcurrent(newP(), hs) }},
	}
}

func checkBounds(p adaptivetimeout.Policy, hs map[string]History) []error {
	lo, hi := time.Duration(0), time.Duration(math.MaxInt64)
	if b, ok := p.(adaptivetimeout.Bounded); ok {
		lo, hi = b.Bounds()
		if lo < 0 || hi < lo {
			return []error{fmt.Errorf("Bounds() = %v, %v; want 0 <= lo <= hi", lo, hi)}
		}
	}
	var errs []error
	for _, name := range sortedNames(hs) {
		for i, w := range waits(p.NewReader(), hs[name]) {
			if w < lo || w > hi {
				errs = append(errs, fmt.Errorf("%s: step %d: wait %v outside [%v, %v]", name, i, w, lo, hi))
				break
			}
		}
	}
	return errs
}

func checkDeterministic(p adaptivetimeout.Policy, hs map[string]History) []error {
	var errs []error
	for _, name := range sortedNames(hs) {
		if a, b := waits(p.NewReader(), hs[name]), waits(p.NewReader(), hs[name]); !slices.Equal(a, b) {
			errs = append(errs, fmt.Errorf("%s: same history, different waits", name))
		}
	}
	return errs
}

// waits feeds h to r and returns the waits.
func waits(r adaptivetimeout.Reader, h History) []time.Duration {
	out := make([]time.Duration, len(h))
	for i, s := range h {
		out[i] = r.Next(s.Now, s.Last)
	}
	return out
}

// checkInterleaved feeds pairs of histories to two readers step by step,
// a third reader created midway, and compares with each fed alone.
func checkInterleaved(p adaptivetimeout.Policy, hs map[string]History) []error {
	var errs []error
	names := sortedNames(hs)
	for k, an := range names {
		bn := names[(k+1)%len(names)]
		a, b := hs[an], hs[bn]
		wantA, wantB := waits(p.NewReader(), a), waits(p.NewReader(), b)
		ra, rb := p.NewReader(), p.NewReader()
		var rc adaptivetimeout.Reader
		var gotA, gotB []time.Duration
		for i := range max(len(a), len(b)) {
			if i < len(a) {
				gotA = append(gotA, ra.Next(a[i].Now, a[i].Last))
			}
			if i == len(b)/2 {
				rc = p.NewReader() // created after the others were used
			}
			if i < len(b) {
				gotB = append(gotB, rb.Next(b[i].Now, b[i].Last))
			}
		}
		if !slices.Equal(gotA, wantA) || !slices.Equal(gotB, wantB) {
			errs = append(errs, fmt.Errorf("%s with %s interleaved: waits changed", an, bn))
		}
		if !slices.Equal(waits(rc, b), wantB) {
			errs = append(errs, fmt.Errorf("%s: a reader created after others were used waits differently", bn))
		}
	}
	return errs
}

// checkConcurrent feeds every history to its own reader from its own
// goroutine.
func checkConcurrent(p adaptivetimeout.Policy, hs map[string]History) []error {
	names := sortedNames(hs)
	want := make([][]time.Duration, len(names))
	for i, n := range names {
		want[i] = waits(p.NewReader(), hs[n])
	}
	got := make([][]time.Duration, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() { got[i] = waits(p.NewReader(), hs[n]) })
	}
	wg.Wait()
	var errs []error
	for i, n := range names {
		if !slices.Equal(got[i], want[i]) {
			errs = append(errs, fmt.Errorf("%s: waits differ when readers run concurrently", n))
		}
	}
	return errs
}

func sortedNames(hs map[string]History) []string {
	names := make([]string, 0, len(hs))
	for n := range hs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Histories returns the suite's histories by name: scripted ones (hot,
// idle, waking, bursty, slow fetches, extremes) and n random ones drawn
// from rng. Use them to test properties of your own policy.
func Histories(rng *rand.Rand, n int) map[string]History {
	hs := map[string]History{
		"hot": script(200, func(int) (time.Duration, int, lat, backlog) { return 0, 500, known(0), count(1 << 20) }),
		"idle": script(200, func(int) (time.Duration, int, lat, backlog) {
			return 10 * time.Millisecond, 0, notMeasured(), count(0)
		}),
		"waking":   script(200, waking),
		"bursty":   script(300, bursty),
		"slow":     script(200, slow),
		"extremes": extremes(),
	}
	for i := range n {
		hs[fmt.Sprintf("random-%02d", i)] = Random(rng, 50+rng.IntN(150))
	}
	return hs
}

// lat and backlog are an Outcome's figures.
type (
	lat     = adaptivetimeout.Figure[time.Duration]
	backlog = adaptivetimeout.Figure[int64]
)

func known(d time.Duration) lat { return adaptivetimeout.Known(d) }
func count(n int64) backlog     { return adaptivetimeout.Known(n) }
func notMeasured() lat          { return adaptivetimeout.Unknown[time.Duration](adaptivetimeout.NotMeasured) }
func noResponse() backlog       { return adaptivetimeout.Unknown[int64](adaptivetimeout.NoFetchResponse) }

// first is the Outcome of a reader's first call: no previous wait.
func first() adaptivetimeout.Outcome {
	return adaptivetimeout.Outcome{Latency: adaptivetimeout.Unknown[time.Duration](adaptivetimeout.NoPreviousWait), Backlog: noResponse()}
}

// script builds a history of n steps from f(i) = (waited, records,
// latency, backlog), the steps 1 ms apart plus the wait.
func script(n int, f func(i int) (time.Duration, int, lat, backlog)) History {
	now := epoch()
	h := History{{Now: now, Last: first()}}
	for i := 1; i < n; i++ {
		waited, recs, l, b := f(i)
		start := now
		now = now.Add(waited + time.Millisecond)
		h = append(h, Step{Now: now, Last: adaptivetimeout.Outcome{Start: start, Waited: waited, Records: recs, Latency: l, Backlog: b}})
	}
	return h
}

func waking(i int) (time.Duration, int, lat, backlog) {
	if i < 100 {
		return 5 * time.Millisecond, 0, notMeasured(), count(0)
	}
	return time.Millisecond, 100, known(2 * time.Millisecond), count(1000)
}

func bursty(i int) (time.Duration, int, lat, backlog) {
	if i%50 < 5 {
		return 0, 200, notMeasured(), count(int64(5-i%50) * 200)
	}
	return 3 * time.Millisecond, 0, notMeasured(), count(0)
}

func slow(i int) (time.Duration, int, lat, backlog) {
	if i%2 == 0 {
		return 10 * time.Millisecond, 0, notMeasured(), count(1 << 30)
	}
	return 20 * time.Millisecond, 500, known(30 * time.Millisecond), count(1 << 30)
}

// extremes has huge, negative and unknown figures (an unknown figure with
// no reason among them) and time that stands still or steps back.
func extremes() History {
	t0 := epoch()
	big := time.Duration(math.MaxInt64)
	outs := []adaptivetimeout.Outcome{
		{Start: t0, Waited: big, Records: math.MaxInt, Latency: known(big), Backlog: count(math.MaxInt64)},
		{Start: t0, Waited: 0, Records: 0, Latency: notMeasured(), Backlog: noResponse()},
		{Start: t0.Add(time.Hour), Waited: -time.Second, Records: -5, Latency: known(-big), Backlog: count(math.MinInt64)},
		{Start: t0, Waited: time.Nanosecond, Records: 1, Latency: known(0), Backlog: count(1)},
		{Start: t0, Records: math.MaxInt, Latency: known(big), Backlog: count(math.MaxInt64)},
		{Start: t0, Records: 3}, // zero Figures: unknown, no reason
	}
	h := History{{Now: t0}}
	nows := []time.Time{t0, t0.Add(-time.Hour), t0, t0.Add(100 * 365 * 24 * time.Hour), t0.Add(time.Nanosecond), t0}
	for i, o := range outs {
		h = append(h, Step{Now: nows[i], Last: o})
	}
	return h
}

// Random returns a history of n steps drawn from rng: hot and idle spells,
// bursts, latencies from 0 to 100 ms known and unknown, backlogs known and
// unknown, gaps from nothing to seconds.
func Random(rng *rand.Rand, n int) History {
	now := epoch()
	h := History{{Now: now, Last: first()}}
	hot := rng.IntN(2) == 0
	for range n - 1 {
		if rng.IntN(20) == 0 {
			hot = !hot
		}
		o := adaptivetimeout.Outcome{Start: now, Waited: time.Duration(rng.Int64N(int64(30 * time.Millisecond))), Latency: notMeasured(), Backlog: noResponse()}
		if hot || rng.IntN(10) == 0 {
			o.Records = 1 + rng.IntN(1000)
		}
		if rng.IntN(2) == 0 {
			o.Latency = known(time.Duration(rng.Int64N(int64(100 * time.Millisecond))))
		}
		if rng.IntN(3) > 0 {
			o.Backlog = count(rng.Int64N(10_000))
		}
		now = now.Add(o.Waited + time.Duration(rng.Int64N(int64(time.Second)>>uint(rng.IntN(20)))))
		h = append(h, Step{Now: now, Last: o})
	}
	return h
}

func epoch() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
