package backlog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/clock/clocktest"
)

// fixed is a Source answering a prepared snapshot or error, counting calls.
type fixed struct {
	snap  backlog.Snapshot
	err   error
	calls int
}

func (f *fixed) Backlog(context.Context) (backlog.Snapshot, error) {
	f.calls++
	return f.snap, f.err
}

func entry(topic string, p int32, records backlog.Figure[int64]) backlog.Partition {
	return backlog.Partition{Key: backlog.TopicPartition(topic, p), Records: records,
		Bytes: backlog.Unknown[int64](backlog.NoRecordSize), TimeLag: backlog.Unknown[time.Duration](backlog.TooFewPoints)}
}

func snapshotAt(at time.Duration, source string, ps ...backlog.Partition) backlog.Snapshot {
	return backlog.Snapshot{Time: t0.Add(at), Group: "g", Source: source, Partitions: ps}
}

func clockAt(at time.Duration) *clocktest.Virtual { return clocktest.New(t0.Add(at)) }

func TestFallback(t *testing.T) {
	complete := snapshotAt(0, "kafka", entry("t", 0, backlog.Known[int64](5)))
	missing := snapshotAt(0, "flink", entry("t", 0, backlog.Unknown[int64](backlog.MetricMissing)))
	good := snapshotAt(0, "flink", entry("t", 0, backlog.Known[int64](7)))
	stale := snapshotAt(-5*time.Minute, "flink", entry("t", 0, backlog.Known[int64](7)))
	tests := []struct {
		name       string
		first      *fixed
		second     *fixed
		wantSource string
		wantErr    error
		wantNote   string
		secondAsk  bool
	}{
		{"first complete: second not asked", &fixed{snap: good}, &fixed{snap: complete}, "flink", nil, "", false},
		{"first missing metrics: fall back", &fixed{snap: missing}, &fixed{snap: complete}, "kafka", nil, "skipped flink: records unknown (metric not reported)", true},
		{"first stale: fall back", &fixed{snap: stale}, &fixed{snap: complete}, "kafka", nil, "stale", true},
		{"first fails: fall back", &fixed{err: errors.New("boom")}, &fixed{snap: complete}, "kafka", nil, "boom", true},
		{"both incomplete: the first partial one", &fixed{snap: missing}, &fixed{err: errors.New("down")}, "flink", nil, "down", true},
		{"none answers", &fixed{err: errors.New("a")}, &fixed{err: errors.New("b")}, "", backlog.ErrNoBacklog, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := backlog.Fallback(backlog.CombineConfig{Clock: clockAt(0)}, backlog.Named("flink", tt.first), backlog.Named("kafka", tt.second))
			if err != nil {
				t.Fatal(err)
			}
			snap, err := s.Backlog(context.Background())
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if snap.Source != tt.wantSource {
				t.Errorf("source = %q, want %q", snap.Source, tt.wantSource)
			}
			if tt.wantNote != "" && !strings.Contains(strings.Join(snap.Notes, "; "), tt.wantNote) {
				t.Errorf("notes %q lack %q", snap.Notes, tt.wantNote)
			}
			if asked := tt.second.calls > 0; asked != tt.secondAsk {
				t.Errorf("second source asked: %v, want %v", asked, tt.secondAsk)
			}
		})
	}
	if _, err := backlog.Fallback(backlog.CombineConfig{}); !errors.Is(err, backlog.ErrInvalidConfig) {
		t.Errorf("no sources: %v", err)
	}
	for _, err := range []error{
		backlog.CombineConfig{MaxAge: -1}.Validate(),
		backlog.HealthConfig{Window: -1}.Validate(),
		backlog.TrackerConfig{TimePoints: 1}.Validate(),
	} {
		if !errors.Is(err, backlog.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("Validate() = %v, want backlog.ErrInvalidConfig and flinkscale.ErrInvalidConfig", err)
		}
	}
}

func TestMerge(t *testing.T) {
	flink := snapshotAt(-10*time.Second, "flink",
		entry("t", 0, backlog.Known[int64](7)),
		entry("t", 1, backlog.Unknown[int64](backlog.MetricMissing)))
	kafkaP0 := entry("t", 0, backlog.Known[int64](9))
	kafkaP0.TimeLag = backlog.Known(3 * time.Second)
	kafka := snapshotAt(0, "kafka", kafkaP0, entry("t", 1, backlog.Known[int64](4)), entry("t", 2, backlog.Known[int64](1)))
	s, err := backlog.Merge(backlog.CombineConfig{Clock: clockAt(0)}, &fixed{snap: flink}, &fixed{snap: kafka}, &fixed{err: errors.New("third is down")})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Backlog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		records, source, lag string
	}{{"7", "flink", "3s"}, {"4", "kafka", "unknown (too few end-offset observations)"}, {"1", "kafka", "unknown (too few end-offset observations)"}}
	if len(snap.Partitions) != 3 {
		t.Fatalf("%d partitions, want 3", len(snap.Partitions))
	}
	for i, w := range want {
		p := snap.Partitions[i]
		if p.Records.String() != w.records || p.Source != w.source || p.TimeLag.String() != w.lag {
			t.Errorf("partition %d: records %s from %s, lag %s; want %s from %s, lag %s", i, p.Records, p.Source, p.TimeLag, w.records, w.source, w.lag)
		}
	}
	if !snap.Time.Equal(t0.Add(-10*time.Second)) || snap.Source != "merge(flink,kafka)" || len(snap.Notes) != 1 {
		t.Errorf("time %v source %q notes %q", snap.Time, snap.Source, snap.Notes)
	}
	if got := snap.Totals().Records.String(); got != "12" {
		t.Errorf("merged total = %s, want 12", got)
	}
}

func TestTotals(t *testing.T) {
	snap := snapshotAt(0, "kafka", entry("t", 0, backlog.Known[int64](5)), entry("t", 1, backlog.Unknown[int64](backlog.NoLeader)), entry("t", 2, backlog.Known[int64](0)))
	snap.Partitions[2].NoCommit = true
	tot := snap.Totals()
	if tot.Records.Known() || tot.KnownRecords != 5 || tot.Unknown != 1 || tot.Partitions != 3 || tot.NoCommit != 1 {
		t.Errorf("totals = %+v", tot)
	}
	ok := snapshotAt(0, "kafka", entry("t", 0, backlog.Known[int64](5)))
	ok.Errors = []backlog.ScopeError{{Scope: "deleted", Reason: backlog.TopicNotFound}}
	if tot := ok.Totals(); tot.Records.Known() || tot.KnownRecords != 5 {
		t.Errorf("a topic error must make the total unknown: %+v", tot)
	}
	if err := ok.Err(); err == nil || !strings.Contains(err.Error(), "deleted: topic not found") {
		t.Errorf("Err() = %v", err)
	}
	if p, found := snap.Partition(backlog.TopicPartition("t", 1)); !found || p.Records.Reason() != backlog.NoLeader {
		t.Errorf("Partition lookup = %+v, %v", p, found)
	}
	if _, found := snap.Partition(backlog.TopicPartition("t", 9)); found {
		t.Error("found a partition that is not there")
	}
}
