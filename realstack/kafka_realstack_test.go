//go:build realstack

package realstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// The real tier's tests of the Kafka harness: they start JVMs.

// rss logs each running node's resident memory and returns the total.
func rss(t *testing.T, k *Kafka) int64 {
	t.Helper()
	var total int64
	for i := range k.Brokers() {
		p := k.Broker(i).Process()
		if p == nil {
			continue
		}
		n, err := p.RSS()
		if err != nil {
			t.Logf("node %d RSS: %v", i+1, err)
			continue
		}
		total += n
	}
	return total
}

// produce sends n records to topic/partition with acks=all and returns the
// offset of the last one.
func produce(t *testing.T, k *Kafka, topic string, partition int32, n int) int64 {
	t.Helper()
	conf := k.SaramaConfig()
	conf.Producer.Return.Successes = true
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Producer.Partitioner = sarama.NewManualPartitioner
	conf.Producer.Retry.Max = 10
	conf.Producer.Retry.Backoff = 500 * time.Millisecond
	p, err := sarama.NewSyncProducer(k.Addrs(), conf)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var last int64
	for i := range n {
		_, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: partition, Value: sarama.StringEncoder(strconv.Itoa(i))})
		if err != nil {
			t.Fatalf("produce to %s/%d: %v", topic, partition, err)
		}
		last = off
	}
	return last
}

// newAdmin returns a cluster admin closed at the end of the test.
func newAdmin(t *testing.T, k *Kafka) sarama.ClusterAdmin {
	t.Helper()
	a, err := sarama.NewClusterAdmin(k.Addrs(), k.SaramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// endOffset reads topic/partition's end offset through a fresh client.
func endOffset(t *testing.T, k *Kafka, topic string, partition int32) int64 {
	t.Helper()
	c, err := sarama.NewClient(k.Addrs(), k.SaramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	off, err := c.GetOffset(topic, partition, sarama.OffsetNewest)
	if err != nil {
		t.Fatal(err)
	}
	return off
}

func TestKafkaOneBrokerRestart(t *testing.T) {
	start := time.Now()
	k := StartKafka(t, KafkaConfig{})
	t.Logf("1 broker (Kafka %s) ready in %v, RSS %d MiB", k.Version(), time.Since(start).Round(time.Millisecond), rss(t, k)>>20)
	ids, err := MetadataBrokers(t.Context(), k.Addrs()[0])
	if err != nil || !slices.Equal(ids, []int32{1}) {
		t.Fatalf("metadata brokers %v, %v; want [1]", ids, err)
	}
	if err := newAdmin(t, k).CreateTopic("t", &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	produce(t, k, "t", 1, 5)

	b := k.Broker(0)
	if err := b.Start(t.Context()); !errors.Is(err, ErrRunning) {
		t.Errorf("Start on a running node = %v, want ErrRunning", err)
	}
	if err := b.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if b.Running() {
		t.Fatal("Running after Stop")
	}
	if _, err := MetadataBrokers(t.Context(), b.Addr()); err == nil {
		t.Fatal("a stopped broker answered")
	}
	restart := time.Now()
	if err := b.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Logf("restarted in %v", time.Since(restart).Round(time.Millisecond))
	if end := endOffset(t, k, "t", 1); end != 5 {
		t.Fatalf("end offset after restart = %d, want 5 (same log dir)", end)
	}
}

func TestKafkaThreeBrokersSurviveOneStopped(t *testing.T) {
	start := time.Now()
	k := StartKafka(t, KafkaConfig{Brokers: 3})
	t.Logf("3 brokers ready in %v, RSS %d MiB total", time.Since(start).Round(time.Millisecond), rss(t, k)>>20)
	for i := range 3 {
		ids, err := MetadataBrokers(t.Context(), k.Broker(i).Addr())
		if err != nil || !slices.Equal(ids, []int32{1, 2, 3}) {
			t.Fatalf("node %d lists %v, %v; want [1 2 3]", i+1, ids, err)
		}
	}
	admin := newAdmin(t, k)
	// Default replication 3, min ISR 2: the topic is created without saying.
	if err := admin.CreateTopic("r", &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: -1}, false); err != nil {
		t.Fatal(err)
	}
	produce(t, k, "r", 0, 3)
	md, err := admin.DescribeTopics([]string{"r"})
	if err != nil || len(md) != 1 || len(md[0].Partitions) != 3 {
		t.Fatalf("describe: %v %v", md, err)
	}
	for _, p := range md[0].Partitions {
		if len(p.Replicas) != 3 {
			t.Errorf("partition %d replicas %v, want 3", p.ID, p.Replicas)
		}
	}
	res, err := admin.DescribeConfigs([]*sarama.ConfigResource{{Type: sarama.TopicResource, Name: "r"}}, sarama.DescribeConfigsOptions{})
	if err != nil || len(res) != 1 {
		t.Fatalf("describe configs: %v %v", res, err)
	}
	minISR := ""
	for _, c := range res[0].Configs {
		if c.Name == "min.insync.replicas" {
			minISR = c.Value
		}
	}
	if minISR != "2" {
		t.Errorf("min.insync.replicas = %q, want 2", minISR)
	}

	stopped := k.Broker(1)
	if err := stopped.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitBrokers(t, k.Broker(0).Addr(), []int32{1, 3})
	// Two of three in sync: acks=all writes still succeed on every partition.
	for p := range int32(3) {
		produce(t, k, "r", p, 2)
	}
	if err := stopped.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitBrokers(t, k.Broker(0).Addr(), []int32{1, 2, 3})
	if end := endOffset(t, k, "r", 0); end != 5 {
		t.Fatalf("r/0 end offset %d, want 5", end)
	}
	t.Logf("after the restart: RSS %d MiB total", rss(t, k)>>20)
}

// waitBrokers polls addr's metadata until it lists exactly want (bounded:
// 60 s; a stopped broker is fenced within the session timeout).
func waitBrokers(t *testing.T, addr string, want []int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var ids []int32
	var err error
	for ctx.Err() == nil {
		if ids, err = MetadataBrokers(ctx, addr); err == nil && slices.Equal(ids, want) {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("metadata from %s lists %v (%v), want %v", addr, ids, err, want)
}

func TestKafkaPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	start := time.Now()
	_, err = NewKafka(t.Context(), KafkaConfig{Ports: []int{port}, Dir: dir})
	if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Fatalf("NewKafka on a taken port = %v, want ErrPortInUse naming %d", err, port)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing a taken port took %v: it must fail before starting anything", d)
	}
}

// TestKafkaDiesWhileStarting takes the node's listener port after the
// harness checked it (as another process racing for it would): the server
// fails to bind and exits, and NewKafka reports the exit, the log file and
// the bind failure instead of waiting for its start timeout.
func TestKafkaDiesWhileStarting(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ports, err := FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	taken := l.Addr().String()
	dir := t.TempDir()
	start := time.Now()
	k, err := NewKafka(t.Context(), KafkaConfig{
		Dir:             dir,
		ControllerPorts: ports,
		Properties:      map[string]string{"listeners": fmt.Sprintf("PLAINTEXT://%s,CONTROLLER://127.0.0.1:%d", taken, ports[0]), "advertised.listeners": "PLAINTEXT://" + taken},
		StartTimeout:    5 * time.Minute,
	})
	if err == nil {
		_ = k.Close()
		t.Fatal("NewKafka succeeded on a taken listener port")
	}
	t.Logf("failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	var ee *ExitError
	if !errors.As(err, &ee) || !errors.Is(err, ErrProcessExited) || !errors.Is(err, ErrPortInUse) {
		t.Fatalf("err = %v, want an *ExitError wrapping ErrProcessExited and ErrPortInUse", err)
	}
	if !strings.Contains(err.Error(), ee.LogPath) || !strings.HasPrefix(ee.LogPath, dir) {
		t.Errorf("error does not name the node's log under %s: %v", dir, err)
	}
	if b, rerr := os.ReadFile(ee.LogPath); rerr != nil || !strings.Contains(string(b), taken) {
		t.Errorf("log %s (%v) does not mention %s", ee.LogPath, rerr, taken)
	}
}
