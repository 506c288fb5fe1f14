package kafkalag

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkscale/flinkscale/backlog"
)

// tp is a topic partition.
type tp struct {
	topic     string
	partition int32
}

// testCluster is a 3-broker kfake cluster, reached through sarama over
// loopback, with a sarama client of the test's own for producing,
// committing and administering.
type testCluster struct {
	tb     testing.TB
	kc     *kfake.Cluster
	conf   *sarama.Config
	client sarama.Client
	admin  sarama.ClusterAdmin
}

// newCluster starts a cluster seeded with topics of the given partitions,
// partition p led by broker p%3.
func newCluster(tb testing.TB, topics map[string]int32, opts ...kfake.Opt) *testCluster {
	tb.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(3)}, opts...)
	for t, n := range topics {
		opts = append(opts, kfake.SeedTopics(n, t))
	}
	kc, err := kfake.NewCluster(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(kc.Close)
	for t, n := range topics {
		for p := range n { // leaders round robin: partition p on broker p%3
			if err := kc.MoveTopicPartition(t, p, p%3); err != nil {
				tb.Fatal(err)
			}
		}
	}
	conf := sarama.NewConfig()
	conf.Version = sarama.V2_8_0_0
	conf.Producer.Return.Successes = true
	conf.Producer.Partitioner = sarama.NewManualPartitioner
	// Idempotent: a batch sarama retries (it races itself opening a
	// connection and retries on "broker not connected") is not duplicated.
	conf.Producer.Idempotent = true
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Net.MaxOpenRequests = 1
	c := &testCluster{tb: tb, kc: kc, conf: conf}
	if c.client, err = sarama.NewClient(kc.ListenAddrs(), conf); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.client.Close() })
	connect(tb, c.client)
	if c.admin, err = sarama.NewClusterAdmin(kc.ListenAddrs(), conf); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.admin.Close() })
	return c
}

// produce appends n records of size bytes (key + value) to each partition.
func (c *testCluster) produce(topic string, partitions []int32, n, size int) {
	c.tb.Helper()
	if err := c.client.RefreshMetadata(topic); err != nil { // partitions may have been added
		c.tb.Fatal(err)
	}
	msgs := make([]*sarama.ProducerMessage, 0, n*len(partitions))
	for _, p := range partitions {
		for i := range n {
			key := fmt.Sprintf("k%d", i%10)
			value := make([]byte, max(0, size-len(key)))
			msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Partition: p, Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(value)})
		}
	}
	// A producer per call: an idempotent producer's sequence numbers do
	// not survive a topic deleted and recreated.
	prod, err := sarama.NewSyncProducerFromClient(c.client) // Close leaves the client open
	if err != nil {
		c.tb.Fatal(err)
	}
	defer prod.Close()
	if err := prod.SendMessages(msgs); err != nil {
		c.tb.Fatalf("produce: %v", err)
	}
}

// commit commits offsets for group with one raw OffsetCommit request, as a
// standalone consumer (no member, generation -1) would.
func (c *testCluster) commit(group string, offsets map[tp]int64) {
	c.tb.Helper()
	coord, err := c.client.Coordinator(group)
	if err != nil {
		c.tb.Fatal(err)
	}
	req := sarama.NewOffsetCommitRequest(c.conf, group)
	for k, off := range offsets {
		req.AddBlock(k.topic, k.partition, off, 0, "")
	}
	resp, err := coord.CommitOffset(req)
	if err != nil {
		c.tb.Fatal(err)
	}
	for t, ps := range resp.Errors {
		for p, kerr := range ps {
			if kerr != sarama.ErrNoError {
				c.tb.Fatalf("commit %s/%d: %v", t, p, kerr)
			}
		}
	}
}

// newLag returns a Lag on the cluster, closed at the end of the test.
func (c *testCluster) newLag(cfg Config) *Lag {
	c.tb.Helper()
	if cfg.Client == nil && cfg.Brokers == nil {
		cfg.Brokers = c.kc.ListenAddrs()
	}
	l, err := New(cfg)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.tb.Cleanup(func() { _ = l.Close() })
	return l
}

// keys are the request kinds an evaluation sends.
var keys = []kmsg.Key{kmsg.Metadata, kmsg.OffsetFetch, kmsg.ListOffsets, kmsg.FindCoordinator, kmsg.Fetch, kmsg.DescribeGroups}

// counter counts requests per kind and per broker with observing faults.
type counter struct {
	hs map[kmsg.Key]map[int32]*kfake.FaultHandle
}

// count starts counting requests of every kind in keys.
func (c *testCluster) count() *counter {
	ct := &counter{hs: map[kmsg.Key]map[int32]*kfake.FaultHandle{}}
	for _, k := range keys {
		ct.hs[k] = map[int32]*kfake.FaultHandle{}
		for node := range int32(3) {
			ct.hs[k][node] = c.kc.Fault(kfake.Fault{Keys: []kmsg.Key{k}, Nodes: []int32{node}, Observe: true, Count: -1})
		}
	}
	c.tb.Cleanup(ct.stop)
	return ct
}

// total is how many requests of kind k the brokers received.
func (ct *counter) total(k kmsg.Key) int {
	n := 0
	for _, h := range ct.hs[k] {
		n += h.Hits()
	}
	return n
}

// perBroker is how many requests of kind k each broker received.
func (ct *counter) perBroker(k kmsg.Key) map[int32]int {
	m := map[int32]int{}
	for node, h := range ct.hs[k] {
		if n := h.Hits(); n > 0 {
			m[node] = n
		}
	}
	return m
}

func (ct *counter) stop() {
	for _, m := range ct.hs {
		for _, h := range m {
			h.Remove()
		}
	}
}

// listed records the partitions and timestamps of every ListOffsets request.
type listed struct {
	mu   sync.Mutex
	seen map[kmsg.Request]bool
	reqs [][]string // per request, "topic/partition@timestamp" sorted
}

// recordListOffsets starts recording ListOffsets requests.
func (c *testCluster) recordListOffsets() *listed {
	rec := &listed{seen: map[kmsg.Request]bool{}}
	h := c.kc.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.ListOffsets}, Observe: true, Count: -1, When: func(r kmsg.Request) bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if rec.seen[r] {
			return true
		}
		rec.seen[r] = true
		var parts []string
		for _, t := range r.(*kmsg.ListOffsetsRequest).Topics {
			for _, p := range t.Partitions {
				parts = append(parts, fmt.Sprintf("%s/%d@%d", t.Topic, p.Partition, p.Timestamp))
			}
		}
		slices.Sort(parts)
		rec.reqs = append(rec.reqs, parts)
		return true
	}})
	c.tb.Cleanup(h.Remove)
	return rec
}

func (rec *listed) requests() [][]string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.reqs)
}

// evaluate runs one evaluation with a generous bound for liveness.
func evaluate(tb testing.TB, l *Lag) []backlog.Snapshot {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snaps, err := l.Backlogs(ctx)
	if err != nil {
		tb.Fatalf("Backlogs: %v", err)
	}
	return snaps
}

// part returns the snapshot's entry for topic/partition.
func part(tb testing.TB, s backlog.Snapshot, topic string, p int32) backlog.Partition {
	tb.Helper()
	e, ok := s.Partition(backlog.TopicPartition(topic, p))
	if !ok {
		tb.Fatalf("no entry for %s/%d in %+v", topic, p, s.Partitions)
	}
	return e
}

// all returns 0..n-1.
func all(n int32) []int32 {
	ps := make([]int32, n)
	for i := range ps {
		ps[i] = int32(i)
	}
	return ps
}

// offsets returns topic's partitions 0..len(offs)-1 at the given offsets.
func offsets(topic string, offs ...int64) map[tp]int64 {
	m := map[tp]int64{}
	for p, o := range offs {
		m[tp{topic, int32(p)}] = o
	}
	return m
}

// connect opens the client's connections to every broker and waits for
// them.
func connect(tb testing.TB, client sarama.Client) {
	tb.Helper()
	for _, b := range client.Brokers() {
		_ = b.Open(client.Config())
		if ok, err := b.Connected(); !ok {
			tb.Fatalf("broker %d: %v", b.ID(), err)
		}
	}
}
