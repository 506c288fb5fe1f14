package kafkalag

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkscale/flinkscale/backlog"
)

const (
	benchTopic      = "big"
	benchPartitions = 10_000
	benchGroup      = "bench"
	// maxRequests is the bound on Kafka requests per evaluation:
	// 1 Metadata + 1 OffsetFetch + 2 ListOffsets per broker (3 brokers).
	maxRequests = 8
)

// benchCluster is a 3-broker cluster with one 10,000-partition topic, 3
// records in each partition and the group committed at 1 everywhere, so
// every partition's backlog is 2. Built once per benchmark, outside the
// timer.
func benchCluster(b *testing.B) *testCluster {
	b.Helper()
	start := time.Now()
	c := newCluster(b, nil, kfake.SeedTopics(benchPartitions, benchTopic))
	c.produce(benchTopic, all(benchPartitions), 3, 16)
	commits := map[tp]int64{}
	for p := range int32(benchPartitions) {
		commits[tp{benchTopic, p}] = 1
	}
	c.commit(benchGroup, commits)
	b.Logf("seeded %d partitions in %v", benchPartitions, time.Since(start).Round(time.Millisecond))
	return c
}

// countAll counts every request the brokers receive, of any kind.
func countAll(c *testCluster) *kfake.FaultHandle {
	h := c.kc.Fault(kfake.Fault{Observe: true, Count: -1})
	c.tb.Cleanup(h.Remove)
	return h
}

func checkBench(b *testing.B, s backlog.Snapshot) {
	b.Helper()
	t := s.Totals()
	if t.Partitions != benchPartitions || t.Unknown != 0 || t.KnownRecords != 2*benchPartitions {
		b.Fatalf("totals %+v, errors %v", t, s.Errors)
	}
}

func report(b *testing.B, requests int) {
	b.Helper()
	perOp := float64(requests) / float64(b.N)
	b.ReportMetric(perOp, "requests/op")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

// BenchmarkKafkaLag10k evaluates one group over 10,000 partitions on 3
// brokers: 1 Metadata + 1 OffsetFetch + 2 ListOffsets per broker. It fails
// above 8 requests per evaluation.
func BenchmarkKafkaLag10k(b *testing.B) {
	c := benchCluster(b)
	l := c.newLag(Config{Groups: []Group{{Name: benchGroup, Topics: []string{benchTopic}}}, Timeout: time.Minute})
	ctx := context.Background()
	checkBench(b, evaluate(b, l)[0]) // warm: coordinator found, connections open
	h := countAll(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Backlog(ctx); err != nil {
			b.Fatal(err)
		}
	}
	report(b, h.Hits())
	if perOp := float64(h.Hits()) / float64(b.N); perOp > maxRequests {
		b.Fatalf("%.1f requests per evaluation, want at most %d", perOp, maxRequests)
	}
}

// BenchmarkKafkaLagPerPartition does the same evaluation the naive way, for
// comparison: two client.GetOffset calls (end and log start) per partition,
// one after the other, plus one OffsetFetch for the committed offsets.
func BenchmarkKafkaLagPerPartition(b *testing.B) {
	c := benchCluster(b)
	tr, err := backlog.NewTracker(backlog.TrackerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	checkBench(b, naive(b, c.client, tr)) // warm
	h := countAll(c)
	b.ReportAllocs()
	for b.Loop() {
		naive(b, c.client, tr)
	}
	report(b, h.Hits())
}

// naive reads every partition's offsets one request at a time.
func naive(b *testing.B, client sarama.Client, tr *backlog.Tracker) backlog.Snapshot {
	coord, err := client.Coordinator(benchGroup)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := coord.FetchOffset(sarama.NewOffsetFetchRequest(client.Config().Version, benchGroup, nil))
	if err != nil {
		b.Fatal(err)
	}
	c := parseCommits(resp, benchGroup)
	blocks := c.blocks[benchTopic]
	now := time.Now()
	s := backlog.Snapshot{Time: now, Group: benchGroup, Source: SourceName}
	for p := range int32(benchPartitions) {
		end, err1 := client.GetOffset(benchTopic, p, sarama.OffsetNewest)
		start, err2 := client.GetOffset(benchTopic, p, sarama.OffsetOldest)
		if err1 != nil || err2 != nil {
			b.Fatal(err1, err2)
		}
		k := backlog.TopicPartition(benchTopic, p)
		committed, _ := c.committed(blocks[p])
		tr.ObserveEnd(now, k, end)
		s.Partitions = append(s.Partitions, tr.Estimate(now, k, backlog.Offsets{LogStart: backlog.Known(start), End: backlog.Known(end), Committed: committed}, backlog.ResetLatest))
	}
	return s
}
