package backlog_test

import (
	"math"
	"testing"

	"github.com/flinkscale/flinkscale/backlog"
)

func offsets(start, end, committed int64) backlog.Offsets {
	o := backlog.Offsets{
		LogStart:  backlog.Known(start),
		End:       backlog.Known(end),
		Committed: backlog.Known(committed),
	}
	if committed < 0 {
		o.Committed = backlog.Unknown[int64](backlog.NoCommit)
	}
	return o
}

// The edge cases of the issue, at the level of the pure computation.
func TestRecords(t *testing.T) {
	tests := []struct {
		name     string
		o        backlog.Offsets
		reset    backlog.ResetPolicy
		gap      float64
		want     string
		noCommit bool
	}{
		{"behind", offsets(0, 1000, 400), backlog.ResetLatest, 0, "600", false},
		{"caught up", offsets(0, 1000, 1000), backlog.ResetLatest, 0, "0", false},
		{"no commit, earliest: end - log start, not end", offsets(300, 1000, -1), backlog.ResetEarliest, 0, "700", true},
		{"no commit, latest: 0, flagged", offsets(300, 1000, -1), backlog.ResetLatest, 0, "0", true},
		{"committed beyond end (recreated topic)", offsets(0, 50, 400), backlog.ResetLatest, 0, "unknown (committed offset beyond end offset (topic recreated or truncated))", false},
		{"committed before log start (retention)", offsets(500, 1000, 100), backlog.ResetLatest, 0, "500", false},
		{"compacted topic: gap 1 halves the records", offsets(0, 1000, 400), backlog.ResetLatest, 1, "300", false},
		{"gap rounds up", offsets(0, 10, 0), backlog.ResetLatest, 2, "4", false},
		{"NaN gap is ignored", offsets(0, 10, 0), backlog.ResetLatest, math.NaN(), "10", false},
		{"no leader: unknown with its reason", backlog.Offsets{End: backlog.Unknown[int64](backlog.NoLeader), Committed: backlog.Known[int64](5)}, backlog.ResetLatest, 0, "unknown (partition has no leader)", false},
		{"committed fetch failed", backlog.Offsets{End: backlog.Known[int64](9), Committed: backlog.Unknown[int64](backlog.FetchFailed)}, backlog.ResetLatest, 0, "unknown (fetch failed)", false},
		{"no commit, earliest, log start unknown", backlog.Offsets{End: backlog.Known[int64](9), Committed: backlog.Unknown[int64](backlog.NoCommit)}, backlog.ResetEarliest, 0, "unknown (offset not known)", true},
		{"huge offsets stay exact", offsets(0, math.MaxInt64-1, math.MaxInt64-3), backlog.ResetLatest, 0, "2", false},
	}
	for _, tt := range tests {
		got, noCommit := backlog.Records(tt.o, tt.reset, tt.gap)
		if got.String() != tt.want || noCommit != tt.noCommit {
			t.Errorf("%s: Records = %s (noCommit %v), want %s (noCommit %v)", tt.name, got, noCommit, tt.want, tt.noCommit)
		}
		if n, ok := got.Value(); ok && n < 0 {
			t.Errorf("%s: negative backlog %d", tt.name, n)
		}
	}
}

func TestKeyString(t *testing.T) {
	for k, want := range map[backlog.Key]string{
		backlog.TopicPartition("orders", 3):  "orders/3",
		backlog.VertexSplit("0a44", ""):      "vertex 0a44",
		backlog.VertexSplit("0a44", "split"): "vertex 0a44/split split",
	} {
		if k.String() != want {
			t.Errorf("%#v.String() = %q, want %q", k, k.String(), want)
		}
	}
}
