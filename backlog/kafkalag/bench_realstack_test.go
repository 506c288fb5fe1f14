//go:build realstack

package kafkalag

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/realstack"
)

// realBenchPartitions is the topic size of BenchmarkKafkaLag10kReal:
// 10,000 (as BenchmarkKafkaLag10k on kfake) unless
// FLINKSCALE_REALSTACK_BENCH_PARTITIONS says otherwise.
func realBenchPartitions(b *testing.B) int32 {
	if v := os.Getenv("FLINKSCALE_REALSTACK_BENCH_PARTITIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("FLINKSCALE_REALSTACK_BENCH_PARTITIONS=%q", v)
		}
		return int32(n)
	}
	return benchPartitions
}

// BenchmarkKafkaLag10kReal is BenchmarkKafkaLag10k on real Kafka: one group
// over one topic of 10,000 partitions (3 records each, committed at 1, so
// every backlog is 2), on 1 and on 3 brokers. requests/op is counted by the
// client's own sarama metrics (every request the Lag's client sent).
//
//	go test -tags realstack -run '^$' -bench KafkaLag10kReal -benchtime 20x ./backlog/kafkalag
func BenchmarkKafkaLag10kReal(b *testing.B) {
	for _, brokers := range []int{1, 3} {
		b.Run(fmt.Sprintf("brokers=%d", brokers), func(b *testing.B) {
			parts := realBenchPartitions(b)
			start := time.Now()
			k := realstack.StartKafka(b, realstack.KafkaConfig{Brokers: brokers,
				// Partitions are spread over the brokers, not replicated:
				// the same layout as the kfake benchmark.
				Properties: map[string]string{"default.replication.factor": "1", "min.insync.replicas": "1"}})
			b.Logf("%d broker(s) started in %v", brokers, time.Since(start).Round(time.Millisecond))
			c := realCluster(b, k)
			seedBench(b, k, c, parts)
			var heap int64
			for i := range brokers {
				if n, err := k.Broker(i).Process().RSS(); err == nil {
					heap += n
				}
			}
			b.Logf("brokers' RSS with %d partitions: %d MiB", parts, heap>>20)

			sc := k.SaramaConfig() // a registry of its own: counts this client's requests only
			l := c.newLag(Config{Brokers: k.Addrs(), Sarama: sc, Groups: []Group{{Name: benchGroup, Topics: []string{benchTopic}}}, Timeout: time.Minute})
			checkRealBench(b, evaluate(b, l)[0], parts) // warm: coordinator found, connections open
			sent := func() int64 {
				m, ok := sc.MetricRegistry.Get("request-rate").(interface{ Count() int64 })
				if !ok {
					b.Fatal("no request-rate metric in the client's registry")
				}
				return m.Count()
			}
			before := sent()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				s, err := l.Backlog(ctx)
				if err != nil {
					b.Fatal(err)
				}
				checkRealBench(b, s, parts)
			}
			b.StopTimer()
			perOp := float64(sent()-before) / float64(b.N)
			b.ReportMetric(perOp, "requests/op")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			if want := float64(1 + 1 + 2*brokers); perOp > want {
				b.Errorf("%.1f requests per evaluation, want at most %.0f", perOp, want)
			}
		})
	}
}

// seedBench creates the benchmark's topic with parts partitions, 3 records
// in each and the group committed at 1 everywhere.
func seedBench(b *testing.B, k *realstack.Kafka, c *testCluster, parts int32) {
	b.Helper()
	start := time.Now()
	// A KRaft controller refuses an operation of more than 10,000 metadata
	// records (POLICY_VIOLATION "Unable to perform excessively large batch
	// operation"): a topic of 10,000 partitions is created in steps.
	// kfake takes it in one request.
	const step = 5000
	if err := c.admin.CreateTopic(benchTopic, &sarama.TopicDetail{NumPartitions: min(parts, step), ReplicationFactor: 1}, false); err != nil {
		b.Fatal(err)
	}
	for n := min(parts, step); n < parts; {
		n = min(n+step, parts)
		if err := c.admin.CreatePartitions(benchTopic, n, nil, false); err != nil {
			b.Fatalf("growing %s to %d partitions: %v", benchTopic, n, err)
		}
	}
	// Every broker's metadata, not only one client's: a producer asking a
	// broker whose metadata lags sees fewer partitions.
	waitFor(b, 5*time.Minute, "every broker listing every partition with a leader", func() error {
		for _, addr := range k.Addrs() {
			br := sarama.NewBroker(addr)
			if err := br.Open(c.conf); err != nil {
				return err
			}
			resp, err := br.GetMetadata(sarama.NewMetadataRequest(c.conf.Version, []string{benchTopic}))
			_ = br.Close()
			if err != nil {
				return err
			}
			if len(resp.Topics) != 1 || int32(len(resp.Topics[0].Partitions)) != parts {
				n := 0
				if len(resp.Topics) == 1 {
					n = len(resp.Topics[0].Partitions)
				}
				return fmt.Errorf("%s lists %d of %d partitions", addr, n, parts)
			}
			for _, p := range resp.Topics[0].Partitions {
				if p.Leader < 0 || p.Err != sarama.ErrNoError {
					return fmt.Errorf("%s: partition %d leader %d (%v)", addr, p.ID, p.Leader, p.Err)
				}
			}
		}
		return nil
	})
	created := time.Since(start)
	produceAll(b, c, parts)
	produced := time.Since(start) - created
	commits := map[tp]int64{}
	for p := range parts {
		commits[tp{benchTopic, p}] = 1
	}
	realCommit(c, benchGroup, commits)
	b.Logf("seeded %d partitions: created in %v, produced in %v, committed in %v", parts, created.Round(time.Millisecond),
		produced.Round(time.Millisecond), (time.Since(start) - created - produced).Round(time.Millisecond))
}

// produceAll writes 3 records of 16 bytes to every partition of the
// benchmark's topic with a producer of its own that batches (the tests'
// idempotent producer sends one batch at a time per broker, which took
// minutes for 10,000 partitions).
func produceAll(b *testing.B, c *testCluster, parts int32) {
	b.Helper()
	conf := sarama.NewConfig()
	conf.Version = c.conf.Version
	conf.Producer.Return.Successes = true
	conf.Producer.Partitioner = sarama.NewManualPartitioner
	conf.Producer.RequiredAcks = sarama.WaitForLocal
	conf.Producer.Flush.Frequency = 100 * time.Millisecond
	conf.Producer.Flush.Messages = int(parts)
	conf.Producer.Flush.MaxMessages = 3 * int(parts)
	// Metadata names a new partition's leader before that broker has
	// created its log: writes meet NOT_LEADER_OR_FOLLOWER for a while.
	conf.Producer.Retry.Max = 120
	conf.Producer.Retry.Backoff = 500 * time.Millisecond
	var addrs []string
	for _, br := range c.client.Brokers() {
		addrs = append(addrs, br.Addr())
	}
	p, err := sarama.NewSyncProducer(addrs, conf)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	msgs := make([]*sarama.ProducerMessage, 0, 3*parts)
	for i := range 3 {
		for part := range parts {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: benchTopic, Partition: part,
				Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)), Value: sarama.ByteEncoder(make([]byte, 14))})
		}
	}
	if err := p.SendMessages(msgs); err != nil {
		if errs, ok := err.(sarama.ProducerErrors); ok && len(errs) > 0 {
			b.Fatalf("produce: %v; first: %v", err, errs[0].Err)
		}
		b.Fatalf("produce: %v", err)
	}
}

func checkRealBench(b *testing.B, s backlog.Snapshot, parts int32) {
	b.Helper()
	t := s.Totals()
	if t.Partitions != int(parts) || t.Unknown != 0 || t.KnownRecords != 2*int64(parts) {
		b.Fatalf("totals %+v, errors %v", t, s.Errors)
	}
}
