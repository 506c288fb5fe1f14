package backlog_test

import (
	"math"
	"testing"

	"github.com/flinkscale/flinkscale/backlog"
)

func TestGapEstimator(t *testing.T) {
	tests := []struct {
		name    string
		offsets []int64
		want    float64
	}{
		{"nothing seen", nil, 0},
		{"dense topic", []int64{10, 11, 12, 13}, 0},
		{"compacted: every other offset kept", []int64{0, 2, 4, 6, 8}, 1},
		{"a seek back restarts without a sample", []int64{0, 2, 4, 1, 2}, 2.0 / 3},
	}
	for _, tt := range tests {
		g := backlog.NewGapEstimator(0)
		for _, o := range tt.offsets {
			g.Observe(o)
		}
		if got := g.Gap(); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: Gap = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The moving average weighs the first samples fully, then decays like a
// window: with window 2, the average follows the last samples.
func TestSizeEstimatorWindow(t *testing.T) {
	s := backlog.NewSizeEstimator(2)
	if got := s.Bytes(backlog.Known[int64](10)).String(); got != "unknown (no record size observed)" {
		t.Errorf("before samples: %s", got)
	}
	for _, b := range []int64{100, 300, 300, 300, 300, 300, 300, 300, 300, 300, -5} {
		s.Observe(b)
	}
	got, _ := s.Bytes(backlog.Known[int64](10)).Value()
	if got < 2990 || got > 3000 {
		t.Errorf("10 records of about 300 bytes = %d, want ~3000", got)
	}
	if got := s.Bytes(backlog.Unknown[int64](backlog.NoLeader)).String(); got != "unknown (partition has no leader)" {
		t.Errorf("bytes of unknown records = %s, want the records' reason", got)
	}
}
