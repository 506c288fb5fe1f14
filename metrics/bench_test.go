package metrics_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/metrics"
)

// BenchmarkBacklogScrape gathers a Backlog holding one snapshot of 10,000
// partitions over 100 topics, without and with per-partition series:
// the cost of a scrape, and the series it exports.
func BenchmarkBacklogScrape(b *testing.B) {
	snap := backlog.Snapshot{Time: time.Unix(0, 0), Group: "g", Source: "kafka"}
	for i := range 10_000 {
		snap.Partitions = append(snap.Partitions, backlog.Partition{
			Key:     backlog.TopicPartition(fmt.Sprintf("topic-%03d", i%100), int32(i/100)),
			Records: backlog.Known(int64(i)), Bytes: backlog.Known(int64(i) * 100), TimeLag: backlog.Known(time.Duration(i) * time.Millisecond),
		})
	}
	for _, limit := range []int{0, 10_000} {
		b.Run(fmt.Sprintf("partitions=%d", limit), func(b *testing.B) {
			c, err := metrics.NewBacklog(metrics.BacklogConfig{Partitions: limit})
			if err != nil {
				b.Fatal(err)
			}
			c.Observe(snap)
			reg := prometheus.NewRegistry()
			reg.MustRegister(c)
			series := 0
			for b.Loop() {
				mfs, err := reg.Gather()
				if err != nil {
					b.Fatal(err)
				}
				series = 0
				for _, mf := range mfs {
					series += len(mf.GetMetric())
				}
			}
			b.ReportMetric(float64(series), "series")
		})
	}
}

// BenchmarkFlinkAPICall is the cost OnCall adds to each REST call.
func BenchmarkFlinkAPICall(b *testing.B) {
	c, err := metrics.NewFlinkAPI(metrics.FlinkAPIConfig{})
	if err != nil {
		b.Fatal(err)
	}
	call := flinkapi.Call{Method: "GET", Route: "/jobs/{jobid}/vertices/{vertexid}/subtasks/metrics", Status: 200, Attempts: 1, Duration: 3 * time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		c.Call(call)
	}
}
