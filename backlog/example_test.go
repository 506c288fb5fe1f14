package backlog_test

import (
	"context"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/clock/clocktest"
)

func ExampleRecords() {
	o := backlog.Offsets{
		LogStart:  backlog.Known[int64](300),
		End:       backlog.Known[int64](1000),
		Committed: backlog.Unknown[int64](backlog.NoCommit), // the group never committed
	}
	earliest, _ := backlog.Records(o, backlog.ResetEarliest, 0)
	latest, noCommit := backlog.Records(o, backlog.ResetLatest, 0)
	fmt.Println(earliest, latest, noCommit)

	o.Committed = backlog.Known[int64](5000) // the topic was recreated under the group
	beyond, _ := backlog.Records(o, backlog.ResetLatest, 0)
	fmt.Println(beyond)
	// Output:
	// 700 0 true
	// unknown (committed offset beyond end offset (topic recreated or truncated))
}

func ExampleTimeLagTable() {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tab := backlog.NewTimeLagTable(0)
	for i := range 4 { // the end offset advances 100 records every 10 s
		tab.Observe(start.Add(time.Duration(i)*10*time.Second), int64(i)*100)
	}
	now := start.Add(30 * time.Second)
	fmt.Println(tab.Lag(now, 150)) // the group will read offset 150 next
	fmt.Println(tab.Lag(now, 300)) // caught up
	// Output:
	// 15s
	// 0s
}

func ExampleHealth() {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	h, _ := backlog.NewHealth(backlog.HealthConfig{})
	k := backlog.TopicPartition("orders", 0)
	h.ObserveEnd(start, k, 100)
	h.ObserveCommit(start, k, 100) // caught up
	quietHour := start.Add(time.Hour)
	fmt.Println(h.Evaluate(quietHour, k).Status) // idle and caught up
	h.ObserveEnd(quietHour, k, 500)              // new data: the lag appears now
	fmt.Println(h.Evaluate(quietHour, k).Status) // caught up until now: no fault yet
	later := quietHour.Add(2 * time.Minute)
	h.ObserveEnd(later, k, 900)              // more data, and still no commit
	fmt.Println(h.Evaluate(later, k).Status) // silent 2 min behind, window 1 min
	// Output:
	// OK
	// OK
	// STOP
}

func ExampleFallback() {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	k := backlog.TopicPartition("orders", 0)
	flink := backlog.SourceFunc(func(context.Context) (backlog.Snapshot, error) {
		return backlog.Snapshot{Time: now, Source: "flink", Partitions: []backlog.Partition{
			{Key: k, Records: backlog.Unknown[int64](backlog.MetricMissing)},
		}}, nil
	})
	kafka := backlog.SourceFunc(func(context.Context) (backlog.Snapshot, error) {
		return backlog.Snapshot{Time: now, Source: "kafka", Partitions: []backlog.Partition{
			{Key: k, Records: backlog.Known[int64](1200)},
		}}, nil
	})
	src, _ := backlog.Fallback(backlog.CombineConfig{Clock: clocktest.New(now)}, flink, kafka)
	snap, _ := src.Backlog(context.Background())
	fmt.Println(snap.Source, snap.Totals().Records)
	fmt.Println(snap.Notes[0])
	// Output:
	// kafka 1200
	// skipped flink: records unknown (metric not reported)
}
