package backlog_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
)

// BenchmarkTrackerEvaluation10k records the end offsets of 10,000 partitions
// and estimates their backlog, as one Kafka evaluation does (each partition
// with a full 60-point history).
func BenchmarkTrackerEvaluation10k(b *testing.B) {
	tr, err := backlog.NewTracker(backlog.TrackerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	const n = 10_000
	keys := make([]backlog.Key, n)
	for i := range keys {
		keys[i] = backlog.TopicPartition("orders", int32(i))
	}
	now := t0
	for r := range 60 {
		now = t0.Add(time.Duration(r) * 10 * time.Second)
		for _, k := range keys {
			tr.ObserveEnd(now, k, int64(r)*100)
		}
	}
	b.ReportAllocs()
	end := int64(60 * 100)
	for b.Loop() {
		now = now.Add(10 * time.Second)
		end += 100
		for _, k := range keys {
			tr.ObserveEnd(now, k, end)
			tr.Estimate(now, k, offsets(0, end, end-2500), backlog.ResetLatest)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/op")
}
