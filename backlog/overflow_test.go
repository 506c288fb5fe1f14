package backlog_test

import (
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
)

// Issue 15, point 9: figures near the ends of int64 saturate (or are
// invalid when an input is), and are never a known negative.

const maxDur = time.Duration(math.MaxInt64)

// TestTimeLagExtrapolationSaturates: a quiet topic far behind. The
// extrapolated part overflowed the float-to-duration conversion before the
// cap and came out as about -292 years.
func TestTimeLagExtrapolationSaturates(t *testing.T) {
	tests := []struct {
		name string
		obs  []obs
		now  time.Duration
		next int64
		want string
	}{
		{"quiet topic, a trillion records behind: capped at the span", []obs{{0, 1e12}, {time.Hour, 1e12 + 1}}, time.Hour, 0, "2h0m0s"},
		{"one record per hour, MaxInt64 behind", []obs{{0, math.MaxInt64 - 1}, {time.Hour, math.MaxInt64}}, 2 * time.Hour, 0, "3h0m0s"},
		{"a table spanning 200 years, 250 years after its start: saturated", []obs{{0, 1e15}, {200 * 365 * 24 * time.Hour, 1e15 + 1}}, 250 * 365 * 24 * time.Hour, 0, maxDur.String()},
		{"interpolated across offsets near MaxInt64", []obs{{0, 0}, {time.Hour, math.MaxInt64}}, time.Hour, math.MaxInt64 - 1, "0s"},
		{"a negative offset is invalid", []obs{{0, 10}, {time.Hour, 20}}, time.Hour, -1, "unknown (invalid value reported)"},
		{"a negative end offset is not observed", []obs{{0, -5}, {time.Hour, -1}}, time.Hour, 0, "unknown (too few end-offset observations)"},
	}
	for _, tt := range tests {
		tab := backlog.NewTimeLagTable(0)
		for _, o := range tt.obs {
			tab.Observe(t0.Add(o.at), o.end)
		}
		got := tab.Lag(t0.Add(tt.now), tt.next)
		if got.String() != tt.want {
			t.Errorf("%s: Lag = %s, want %s", tt.name, got, tt.want)
		}
		if d, ok := got.Value(); ok && d < 0 {
			t.Errorf("%s: known negative lag %v", tt.name, d)
		}
	}
}

// TestSumSaturates: Sum and Max saturate at the type's maximum instead of
// wrapping around, and a known negative input (never a valid backlog) makes
// the result unknown (InvalidValue).
func TestSumSaturates(t *testing.T) {
	k, d := backlog.Known[int64], backlog.Known[time.Duration]
	tests := []struct {
		name     string
		sum, max string
		got      [2]string
	}{
		{"int64 overflow", "9223372036854775807", "9223372036854775807", [2]string{backlog.Sum(k(math.MaxInt64), k(1)).String(), backlog.Max(k(math.MaxInt64), k(1)).String()}},
		{"three halves", "9223372036854775807", "4611686018427387904", [2]string{
			backlog.Sum(k(1<<62), k(1<<62), k(1<<62)).String(), backlog.Max(k(1<<62), k(1<<62), k(1<<62)).String()}},
		{"duration overflow", maxDur.String(), maxDur.String(), [2]string{backlog.Sum(d(maxDur), d(time.Hour)).String(), backlog.Max(d(maxDur), d(time.Hour)).String()}},
		{"negative known is invalid", "unknown (invalid value reported)", "unknown (invalid value reported)", [2]string{backlog.Sum(k(-1), k(-2)).String(), backlog.Max(d(-time.Second)).String()}},
		{"negative among known: partly unknown", "unknown (some partitions unknown)", "unknown (some partitions unknown)", [2]string{backlog.Sum(k(5), k(-1)).String(), backlog.Max(k(5), k(-1)).String()}},
		{"negative and unknown", "unknown (some partitions unknown)", "unknown (some partitions unknown)", [2]string{
			backlog.Sum(k(-1), backlog.Unknown[int64](backlog.NoLeader)).String(), backlog.Max(k(-1), backlog.Unknown[int64](backlog.NoLeader)).String()}},
	}
	for _, tt := range tests {
		if tt.got[0] != tt.sum || tt.got[1] != tt.max {
			t.Errorf("%s: Sum = %s, Max = %s; want %s, %s", tt.name, tt.got[0], tt.got[1], tt.sum, tt.max)
		}
	}
}

// TestTotalsSaturate: totals of huge partitions saturate, KnownRecords too,
// and a partition with a negative known figure counts as unknown.
func TestTotalsSaturate(t *testing.T) {
	huge := backlog.Partition{Records: backlog.Known[int64](math.MaxInt64 - 1), Bytes: backlog.Known[int64](math.MaxInt64), TimeLag: backlog.Known(maxDur)}
	bad := backlog.Partition{Key: backlog.TopicPartition("t", 2), Records: backlog.Known[int64](-3), Bytes: backlog.Known[int64](-3), TimeLag: backlog.Known(-time.Second)}
	s := backlog.Snapshot{Partitions: []backlog.Partition{huge, huge}}
	s.Partitions[1].Key.Partition = 1
	tot := s.Totals()
	if tot.Records.String() != "9223372036854775807" || tot.Bytes.String() != "9223372036854775807" || tot.KnownRecords != math.MaxInt64 || tot.TimeLag.String() != maxDur.String() {
		t.Errorf("totals of two huge partitions = %+v, want saturated", tot)
	}
	s.Partitions = append(s.Partitions, bad)
	tot = s.Totals()
	if tot.Records.Known() || tot.Bytes.Known() || tot.TimeLag.Known() || tot.Unknown != 1 || tot.KnownRecords != math.MaxInt64 {
		t.Errorf("totals with a negative partition = %+v, want unknown, 1 unknown", tot)
	}
}

// TestBytesSaturate: the byte estimate of a huge backlog saturates instead
// of wrapping around to a negative; negative records are invalid.
func TestBytesSaturate(t *testing.T) {
	s := backlog.NewSizeEstimator(0)
	s.Observe(1 << 20)
	for _, tt := range []struct {
		records backlog.Figure[int64]
		want    string
	}{
		{backlog.Known[int64](math.MaxInt64 / 2), "9223372036854775807"},
		{backlog.Known[int64](1 << 43), "9223372036854775807"},
		{backlog.Known[int64](1 << 42), "4611686018427387904"},
		{backlog.Known[int64](-1), "unknown (invalid value reported)"},
	} {
		if got := s.Bytes(tt.records).String(); got != tt.want {
			t.Errorf("Bytes(%s) = %s, want %s", tt.records, got, tt.want)
		}
	}
}

// TestRecordsInvalidOffsets: a negative known offset (no Kafka offset is)
// makes the records unknown (InvalidValue) rather than wrapping end - next
// around.
func TestRecordsInvalidOffsets(t *testing.T) {
	k := backlog.Known[int64]
	tests := []struct {
		name string
		o    backlog.Offsets
	}{
		{"negative committed", backlog.Offsets{LogStart: backlog.Unknown[int64](backlog.MissingOffset), End: k(math.MaxInt64), Committed: k(-1)}},
		{"negative end", backlog.Offsets{LogStart: k(0), End: k(-5), Committed: k(-10)}},
		{"negative log start, no commit, earliest", backlog.Offsets{LogStart: k(math.MinInt64), End: k(math.MaxInt64), Committed: backlog.Unknown[int64](backlog.NoCommit)}},
	}
	for _, tt := range tests {
		got, _ := backlog.Records(tt.o, backlog.ResetEarliest, 0)
		if got.Reason() != backlog.InvalidValue {
			t.Errorf("%s: Records = %s, want unknown (%s)", tt.name, got, backlog.InvalidValue)
		}
	}
}

// TestHealthIgnoresNegativeOffsets: a negative offset is not an
// observation; it used to wrap the lag around (end MaxInt64 minus commit -1)
// and call a partition caught up.
func TestHealthIgnoresNegativeOffsets(t *testing.T) {
	h, err := backlog.NewHealth(backlog.HealthConfig{})
	if err != nil {
		t.Fatal(err)
	}
	h.ObserveEnd(t0, key, math.MaxInt64)
	h.ObserveCommit(t0, key, -1)
	if got := h.Evaluate(t0, key); got.Status != backlog.StatusUnknown || got.Lag.Known() {
		t.Errorf("after a negative commit: %s, lag %s (%s), want unknown", got.Status, got.Lag, got.Detail)
	}
	h.ObserveCommit(t0, key, 0)
	if got := h.Evaluate(t0, key); got.Lag.String() != "9223372036854775807" || got.Status != backlog.StatusOK {
		t.Errorf("end MaxInt64, commit 0: %s, lag %s (%s), want OK with lag MaxInt64", got.Status, got.Lag, got.Detail)
	}
	h.ObserveEnd(t0, key, -7) // ignored
	if got := h.Evaluate(t0, key); got.Lag.String() != "9223372036854775807" {
		t.Errorf("after a negative end: lag %s, want the last valid one", got.Lag)
	}
}
