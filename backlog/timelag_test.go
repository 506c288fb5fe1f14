package backlog_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// obs is an end offset observed at t0 + at.
type obs struct {
	at  time.Duration
	end int64
}

func TestTimeLagTable(t *testing.T) {
	steady := []obs{{0, 0}, {10 * time.Second, 100}, {20 * time.Second, 200}, {30 * time.Second, 300}}
	tests := []struct {
		name string
		size int
		obs  []obs
		now  time.Duration
		next int64
		want string
	}{
		{"empty table", 0, nil, 0, 5, "unknown (too few end-offset observations)"},
		{"caught up is exactly 0", 0, steady, 40 * time.Second, 300, "0s"},
		{"past the end is 0 too", 0, steady, 40 * time.Second, 350, "0s"},
		{"caught up on a quiet topic with one point", 0, []obs{{0, 42}}, time.Hour, 42, "0s"},
		{"one point, behind: unknown, never NaN", 0, []obs{{0, 42}}, time.Hour, 10, "unknown (too few end-offset observations)"},
		{"on a point", 0, steady, 30 * time.Second, 100, "20s"},
		{"interpolated", 0, steady, 30 * time.Second, 150, "15s"},
		{"before the table: extrapolated at the average rate", 0, steady[1:], 30 * time.Second, 50, "25s"},
		{"burst: the table's average rate, not the last segment's", 0,
			[]obs{{0, 1000}, {10 * time.Second, 1001}, {20 * time.Second, 100000}}, 20 * time.Second, 0, "20.202020202s"},
		{"slow trickle: extrapolation capped at the table's span", 0,
			[]obs{{0, 1000}, {10 * time.Second, 1001}, {20 * time.Second, 1002}}, 20 * time.Second, 0, "40s"},
		{"flat run keeps its history", 3,
			[]obs{{0, 0}, {10 * time.Second, 100}, {20 * time.Second, 100}, {30 * time.Second, 100}, {40 * time.Second, 100}}, 40 * time.Second, 50, "35s"},
		{"full table forgets the oldest", 3, steady, 30 * time.Second, 50, "25s"},
		{"end went back (topic recreated): table restarts", 0,
			[]obs{{0, 500}, {10 * time.Second, 600}, {20 * time.Second, 10}}, 30 * time.Second, 5, "unknown (too few end-offset observations)"},
		{"out-of-order observation ignored", 0,
			[]obs{{10 * time.Second, 100}, {0, 0}, {20 * time.Second, 200}}, 20 * time.Second, 100, "10s"},
	}
	for _, tt := range tests {
		tab := backlog.NewTimeLagTable(tt.size)
		for _, o := range tt.obs {
			tab.Observe(t0.Add(o.at), o.end)
		}
		if got := tab.Lag(t0.Add(tt.now), tt.next).String(); got != tt.want {
			t.Errorf("%s: Lag = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// 61 observations of a quiet topic compress to two points.
func TestTimeLagTableCompressesFlatRuns(t *testing.T) {
	tab := backlog.NewTimeLagTable(60)
	for i := range 61 {
		tab.Observe(t0.Add(time.Duration(i)*time.Second), 7)
	}
	if n := tab.Len(); n != 2 {
		t.Errorf("%d points after a flat run, want 2", n)
	}
}
