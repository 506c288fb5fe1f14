package backlog_test

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
)

// Native fuzz targets for the backlog figures (issue 15, point 13): NaN,
// infinite, negative, huge and missing inputs must never panic, never give
// a known negative backlog or lag, never a NaN.

// ints reads the fuzzer's bytes as int64s, 8 bytes each.
func ints(b []byte) []int64 {
	out := make([]int64, 0, len(b)/8)
	for ; len(b) >= 8; b = b[8:] {
		out = append(out, int64(binary.LittleEndian.Uint64(b)))
	}
	return out
}

// notNegative fails on a known negative figure.
func notNegative[T int64 | time.Duration](t *testing.T, what string, f backlog.Figure[T]) {
	t.Helper()
	if v, ok := f.Value(); ok && v < 0 {
		t.Fatalf("%s: known negative %v", what, v)
	}
	if !f.Known() && f.Reason() == "" {
		t.Fatalf("%s: unknown without a reason", what)
	}
}

// seedInts encodes int64s for f.Add.
func seedInts(vs ...int64) []byte {
	b := make([]byte, 0, 8*len(vs))
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	return b
}

// FuzzTimeLagTable feeds a table (at, end) observations, at relative to
// t0, then asks the lag of next at now.
func FuzzTimeLagTable(f *testing.F) {
	hour := int64(time.Hour)
	f.Add(0, seedInts(0, 0, int64(10*time.Second), 100, int64(20*time.Second), 200), int64(30*time.Second), int64(150))
	f.Add(0, seedInts(0, 1e12, hour, 1e12+1), hour, int64(0)) // quiet topic far behind: once -292 years
	f.Add(3, seedInts(0, math.MaxInt64-1, hour, math.MaxInt64), 2*hour, int64(0))
	f.Add(2, seedInts(math.MinInt64, 0, math.MaxInt64, math.MaxInt64), int64(math.MaxInt64), int64(1))
	f.Add(0, seedInts(0, -5, hour, -1), hour, int64(-3))
	f.Add(60, seedInts(0, 7, 1, 7, 2, 7, 3, 7), int64(4), int64(0))
	f.Fuzz(func(t *testing.T, size int, obs []byte, now, next int64) {
		tab := backlog.NewTimeLagTable(size % 1000)
		vs := ints(obs)
		for i := 0; i+1 < len(vs); i += 2 {
			tab.Observe(t0.Add(time.Duration(vs[i])), vs[i+1])
		}
		capacity := size % 1000
		if capacity < 2 {
			capacity = backlog.DefaultTimePoints
		}
		if n := tab.Len(); n < 0 || n > capacity {
			t.Fatalf("Len = %d, capacity %d", n, capacity)
		}
		lag := tab.Lag(t0.Add(time.Duration(now)), next)
		notNegative(t, "Lag", lag)
	})
}

// FuzzEstimate runs the estimators and Records on arbitrary offsets, gaps
// and sizes: records and bytes are never known negative, the gap never NaN
// or negative.
func FuzzEstimate(f *testing.F) {
	f.Add(seedInts(0, 2, 4, 6), seedInts(100, 200), int64(0), int64(1000), int64(400), uint8(0), 0.0)
	f.Add(seedInts(math.MinInt64, math.MaxInt64), seedInts(math.MaxInt64), int64(-1), int64(math.MaxInt64), int64(-1), uint8(7), math.NaN())
	f.Add(seedInts(5, 1, 0), seedInts(-5, 1<<40), int64(math.MinInt64), int64(math.MaxInt64), int64(math.MaxInt64-3), uint8(2), math.Inf(1))
	f.Add(seedInts(), seedInts(1<<20), int64(0), int64(math.MaxInt64), int64(0), uint8(1), -1.0)
	f.Fuzz(func(t *testing.T, offs, sizes []byte, start, end, committed int64, known uint8, gap float64) {
		g := backlog.NewGapEstimator(len(offs) % 7)
		for _, o := range ints(offs) {
			g.Observe(o)
		}
		if v := g.Gap(); math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			t.Fatalf("Gap = %v", v)
		}
		s := backlog.NewSizeEstimator(len(sizes) % 5)
		for _, n := range ints(sizes) {
			s.Observe(n)
		}
		o := backlog.Offsets{LogStart: figure(start, known&1 != 0), End: figure(end, known&2 != 0), Committed: figure(committed, known&4 != 0)}
		if known&8 != 0 {
			o.Committed = backlog.Unknown[int64](backlog.NoCommit)
		}
		for _, reset := range []backlog.ResetPolicy{backlog.ResetLatest, backlog.ResetEarliest} {
			for _, avg := range []float64{gap, g.Gap()} {
				records, _ := backlog.Records(o, reset, avg)
				notNegative(t, "Records", records)
				if n, ok := records.Value(); ok {
					if e, _ := o.End.Value(); n > e {
						t.Fatalf("Records = %d beyond the end offset %d", n, e)
					}
				}
				notNegative(t, "Bytes", s.Bytes(records))
			}
		}
		// The same through a Tracker, with the offsets as end-offset history.
		tr, err := backlog.NewTracker(backlog.TrackerConfig{TimePoints: 2 + len(offs)%5})
		if err != nil {
			t.Fatal(err)
		}
		k := backlog.TopicPartition("t", 0)
		for i, o := range ints(offs) {
			tr.ObserveRecord(k, o, o)
			tr.ObserveEnd(t0.Add(time.Duration(i)*time.Duration(start)), k, o)
		}
		p := tr.Estimate(t0.Add(time.Duration(committed)), k, o, backlog.ResetEarliest)
		notNegative(t, "Tracker records", p.Records)
		notNegative(t, "Tracker bytes", p.Bytes)
		notNegative(t, "Tracker time lag", p.TimeLag)
	})
}

// figure is v known, or unknown (MissingOffset).
func figure(v int64, known bool) backlog.Figure[int64] {
	if known {
		return backlog.Known(v)
	}
	return backlog.Unknown[int64](backlog.MissingOffset)
}

// FuzzSumTotals sums and maximises arbitrary figures, some unknown, and
// computes a snapshot's totals: never a known negative, the sum saturates
// and is exact below saturation.
func FuzzSumTotals(f *testing.F) {
	f.Add(seedInts(1, 5, 2), uint64(0))
	f.Add(seedInts(math.MaxInt64, 1), uint64(0))
	f.Add(seedInts(1<<62, 1<<62, 1<<62), uint64(0))
	f.Add(seedInts(-1, 5, math.MinInt64), uint64(0b010))
	f.Add(seedInts(), uint64(0))
	f.Fuzz(func(t *testing.T, vals []byte, unknown uint64) {
		vs := ints(vals)
		records := make([]backlog.Figure[int64], len(vs))
		lags := make([]backlog.Figure[time.Duration], len(vs))
		snap := backlog.Snapshot{}
		exact, saturated, valid := int64(0), false, true
		for i, v := range vs {
			records[i], lags[i] = backlog.Known(v), backlog.Known(time.Duration(v))
			if unknown>>(i%64)&1 != 0 {
				records[i], lags[i] = backlog.Unknown[int64](backlog.FetchFailed), backlog.Unknown[time.Duration](backlog.TooFewPoints)
			} else if v < 0 {
				valid = false
			} else if exact > math.MaxInt64-v {
				saturated = true
			} else {
				exact += v
			}
			snap.Partitions = append(snap.Partitions, backlog.Partition{Key: backlog.TopicPartition("t", int32(i)), Records: records[i], Bytes: records[i], TimeLag: lags[i]})
		}
		sum, mx := backlog.Sum(records...), backlog.Max(records...)
		notNegative(t, "Sum", sum)
		notNegative(t, "Max", mx)
		notNegative(t, "Sum of durations", backlog.Sum(lags...))
		notNegative(t, "Max of durations", backlog.Max(lags...))
		if n, ok := sum.Value(); ok {
			if !valid || (saturated && n != math.MaxInt64) || (!saturated && n != exact) {
				t.Fatalf("Sum = %d, want %d (saturated %v, valid %v)", n, exact, saturated, valid)
			}
			if m, ok := mx.Value(); !ok || m > n {
				t.Fatalf("Max = %v above Sum = %d", mx, n)
			}
		}
		tot := snap.Totals()
		notNegative(t, "Totals.Records", tot.Records)
		notNegative(t, "Totals.Bytes", tot.Bytes)
		notNegative(t, "Totals.TimeLag", tot.TimeLag)
		if tot.KnownRecords < 0 || tot.Unknown < 0 || tot.Unknown > tot.Partitions {
			t.Fatalf("totals %+v", tot)
		}
	})
}

// FuzzHealth observes arbitrary commits, end offsets and snapshots (figures
// negative, huge or unknown) over arbitrary times: a known lag is never
// negative and every status is one of the six.
func FuzzHealth(f *testing.F) {
	sec := int64(time.Second)
	f.Add(4, int64(30*time.Second), seedInts(0, 0, 100, 50, 1, 10*sec, 200, 150, 2, 20*sec, 300, 280))
	f.Add(0, int64(0), seedInts(0, 0, math.MaxInt64, -1, 1, 0, -7, 0))
	f.Add(2, int64(-1), seedInts(2, math.MinInt64, math.MinInt64, math.MaxInt64, 0, math.MaxInt64, 1, 2))
	f.Fuzz(func(t *testing.T, window int, minSpan int64, ops []byte) {
		h, err := backlog.NewHealth(backlog.HealthConfig{Window: window % 50, MinSpan: time.Duration(minSpan)})
		if err != nil {
			return // negative config: rejected, fine
		}
		k := backlog.TopicPartition("t", 0)
		vs := ints(ops)
		for i := 0; i+3 < len(vs); i += 4 {
			now := t0.Add(time.Duration(vs[i+1]))
			switch vs[i] & 3 {
			case 0:
				h.ObserveEnd(now, k, vs[i+2])
				h.ObserveCommit(now, k, vs[i+3])
			case 1:
				h.ObserveCommit(now, k, vs[i+2])
			default:
				h.Observe(backlog.Snapshot{Time: now, Partitions: []backlog.Partition{{Key: k, Offsets: backlog.Offsets{
					End: figure(vs[i+2], vs[i]&4 == 0), Committed: figure(vs[i+3], vs[i]&8 == 0)}}}})
			}
			for _, ph := range h.EvaluateAll(now) {
				notNegative(t, "Health lag", ph.Lag)
				if ph.Status < backlog.StatusUnknown || ph.Status > backlog.StatusRewind {
					t.Fatalf("status %d", ph.Status)
				}
			}
		}
	})
}
