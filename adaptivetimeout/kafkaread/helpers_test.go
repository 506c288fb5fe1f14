package kafkaread_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flinkscale/flinkscale/adaptivetimeout/kafkaread"
)

// testCluster is a 3-broker kfake cluster reached over loopback, with a
// franz-go producer for seeding (it batches far better than sarama's, which
// matters for the benchmark's million-record backlog).
type testCluster struct {
	tb   testing.TB
	kc   *kfake.Cluster
	prod *kgo.Client
}

// newCluster starts a cluster with one topic of n partitions, partition p
// led by broker p%3.
func newCluster(tb testing.TB, topic string, n int32) *testCluster {
	tb.Helper()
	kc, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(n, topic))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(kc.Close)
	for p := range n {
		if err := kc.MoveTopicPartition(topic, p, p%3); err != nil {
			tb.Fatal(err)
		}
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(kc.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(2*time.Millisecond), kgo.MaxBufferedRecords(100_000))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(prod.Close)
	return &testCluster{tb: tb, kc: kc, prod: prod}
}

// produce appends n records to topic/partition, values "p<partition>-<i>"
// counting from first, and waits until all are acknowledged.
func (c *testCluster) produce(topic string, partition int32, first, n int) {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var failed error
	for i := range n {
		v := fmt.Appendf(nil, "p%d-%d", partition, first+i)
		c.prod.Produce(ctx, &kgo.Record{Topic: topic, Partition: partition, Value: v}, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				failed = err
				mu.Unlock()
			}
		})
	}
	if err := c.prod.Flush(ctx); err != nil {
		c.tb.Fatal(err)
	}
	if failed != nil {
		c.tb.Fatalf("produce: %v", failed)
	}
}

// client returns a sarama client of the cluster, closed at the end of the
// test.
func (c *testCluster) client() sarama.Client {
	c.tb.Helper()
	conf := sarama.NewConfig()
	conf.Version = sarama.V2_8_0_0
	conf.Consumer.Return.Errors = true
	cl, err := sarama.NewClient(c.kc.ListenAddrs(), conf)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.tb.Cleanup(func() { _ = cl.Close() })
	return cl
}

// partitions lists topic's partitions 0..n-1 starting at offset.
func partitions(topic string, n int32, offset int64) []kafkaread.Partition {
	ps := make([]kafkaread.Partition, n)
	for p := range n {
		ps[p] = kafkaread.Partition{Topic: topic, Partition: p, Offset: offset}
	}
	return ps
}

// collector is a Handler that keeps every record's value per partition
// and cancels its context once it holds want records in all.
type collector struct {
	mu      sync.Mutex
	got     map[int32][]string
	batches int
	total   int
	want    int
	cancel  context.CancelFunc
}

func newCollector(want int, cancel context.CancelFunc) *collector {
	return &collector{got: map[int32][]string{}, want: want, cancel: cancel}
}

func (c *collector) handle(_ context.Context, b kafkaread.Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches++
	for _, m := range b.Records {
		c.got[b.Partition] = append(c.got[b.Partition], string(m.Value))
	}
	c.total += len(b.Records)
	if c.total >= c.want && c.cancel != nil {
		c.cancel()
	}
	return nil
}

// values returns partition p's values.
func (c *collector) values(p int32) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got[p]...)
}

// expect returns "p<partition>-<i>" for i in [from, to).
func expect(partition int32, from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("p%d-%d", partition, i))
	}
	return out
}

// run runs r until h cancels, or fails the test after a generous bound
// for liveness (not a performance assertion).
func run(tb testing.TB, r *kafkaread.Reader, ctx context.Context, h kafkaread.Handler) error {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := r.Run(ctx, h)
	if ctx.Err() == context.DeadlineExceeded {
		tb.Fatalf("Run did not finish within 60s: %v", err)
	}
	return err
}

// goroutines counts the live goroutines, less go-metrics' meter arbiter:
// a process-wide goroutine sarama's metrics start once and never stop.
func goroutines() (int, string) {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	var keep []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "go-metrics.(*meterArbiter)") {
			continue
		}
		n++
		keep = append(keep, g)
	}
	return n, strings.Join(keep, "\n\n")
}

// settle waits, up to a bound, for the goroutine count to fall to at most
// base, and fails with the stacks if it does not.
func settle(tb testing.TB, base int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, stacks := goroutines()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d goroutines, want at most %d:\n%s", n, base, stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
