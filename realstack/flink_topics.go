package realstack

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
)

// Kafka helpers for the test job: its topics must exist before it starts
// (the KafkaSource does not create them), and its exactly-once sink writes
// transactions, so its output is counted read-committed.

// CreateTestJobTopics creates every In and Out topic of job's pipelines
// with partitions partitions each (replication: the cluster's default);
// topics that exist already are left as they are.
func CreateTestJobTopics(ctx context.Context, k *Kafka, job TestJob, partitions int) error {
	var topics []string
	for _, p := range job.Pipelines {
		topics = append(topics, p.In, p.Out)
	}
	return CreateTopics(ctx, k, partitions, topics...)
}

// CreateTopics creates topics with partitions partitions each
// (replication: the cluster's default); topics that exist already are left
// as they are.
func CreateTopics(ctx context.Context, k *Kafka, partitions int, topics ...string) error {
	conf := k.SaramaConfig()
	admin, err := sarama.NewClusterAdmin(k.Addrs(), conf)
	if err != nil {
		return fmt.Errorf("realstack: kafka admin: %w", err)
	}
	defer admin.Close()
	for _, topic := range topics {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: int32(partitions), ReplicationFactor: -1}, false)
		if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
			return fmt.Errorf("realstack: creating topic %s: %w", topic, err)
		}
	}
	return nil
}

// ProduceTestRecords writes n records "prefix-i" (i from 0) to topic,
// spread over its partitions, acknowledged by every in-sync replica.
func ProduceTestRecords(ctx context.Context, k *Kafka, topic, prefix string, n int) error {
	conf := k.SaramaConfig()
	conf.Producer.Return.Successes = true
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Producer.Partitioner = sarama.NewRoundRobinPartitioner
	p, err := sarama.NewSyncProducer(k.Addrs(), conf)
	if err != nil {
		return fmt.Errorf("realstack: kafka producer: %w", err)
	}
	defer p.Close()
	const batch = 500
	for start := 0; start < n; start += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		msgs := make([]*sarama.ProducerMessage, 0, batch)
		for i := start; i < min(start+batch, n); i++ {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(prefix + "-" + strconv.Itoa(i))})
		}
		if err := p.SendMessages(msgs); err != nil {
			return fmt.Errorf("realstack: producing to %s: %w", topic, err)
		}
	}
	return nil
}

// countQuiet is how long CountTestRecords waits for one more record of a
// partition before it takes the partition as read.
const countQuiet = time.Second

// CountTestRecords reads topic from its start, read-committed (only what
// committed transactions wrote), and returns how many records it holds. A
// partition counts as read once it delivered every record below its end
// offset as of the call, or (transaction markers and aborted records are
// never delivered) once no record came for a second. Partitions are read
// at once; ctx bounds the whole read. Tests poll it until it reaches the
// count they expect.
func CountTestRecords(ctx context.Context, k *Kafka, topic string) (int, error) {
	var mu sync.Mutex
	total := 0
	err := readTestRecords(ctx, k, topic, func([]byte) {
		mu.Lock()
		total++
		mu.Unlock()
	})
	return total, err
}

// TestRecordCounts reads topic from its start, read-committed, as
// CountTestRecords does, and returns how many times each value occurs: a
// record written twice (an exactly-once sink that is not) counts 2, a
// record lost is absent.
func TestRecordCounts(ctx context.Context, k *Kafka, topic string) (map[string]int, error) {
	var mu sync.Mutex
	counts := map[string]int{}
	err := readTestRecords(ctx, k, topic, func(v []byte) {
		mu.Lock()
		counts[string(v)]++
		mu.Unlock()
	})
	return counts, err
}

// readTestRecords calls fn with the value of every record of topic,
// read-committed, its partitions read concurrently.
func readTestRecords(ctx context.Context, k *Kafka, topic string, fn func(value []byte)) error {
	conf := k.SaramaConfig()
	conf.Consumer.IsolationLevel = sarama.ReadCommitted
	conf.Consumer.MaxWaitTime = 100 * time.Millisecond
	client, err := sarama.NewClient(k.Addrs(), conf)
	if err != nil {
		return fmt.Errorf("realstack: kafka client: %w", err)
	}
	defer client.Close()
	parts, err := client.Partitions(topic)
	if err != nil {
		return fmt.Errorf("realstack: partitions of %s: %w", topic, err)
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return err
	}
	defer consumer.Close()
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		end, err := client.GetOffset(topic, part, sarama.OffsetNewest)
		if err != nil {
			return fmt.Errorf("realstack: end offset of %s/%d: %w", topic, part, err)
		}
		wg.Go(func() { errs[i] = readPartition(ctx, consumer, topic, part, end, fn) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// readPartition calls fn with each record of topic/part before offset end.
func readPartition(ctx context.Context, consumer sarama.Consumer, topic string, part int32, end int64, fn func([]byte)) error {
	if end <= 0 {
		return nil
	}
	pc, err := consumer.ConsumePartition(topic, part, sarama.OffsetOldest)
	if err != nil {
		return fmt.Errorf("realstack: reading %s/%d: %w", topic, part, err)
	}
	defer pc.Close()
	quiet := time.NewTimer(countQuiet)
	defer quiet.Stop()
	for {
		select {
		case m := <-pc.Messages():
			if m.Offset >= end {
				return nil
			}
			fn(m.Value)
			if m.Offset+1 >= end {
				return nil
			}
			quiet.Reset(countQuiet)
		case err := <-pc.Errors():
			return fmt.Errorf("realstack: reading %s/%d: %w", topic, part, err)
		case <-quiet.C:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("realstack: reading %s/%d: %w", topic, part, ctx.Err())
		}
	}
}

// ProduceAtRate writes records "r-N" (N counting from produced's value) to
// topic at rate(now) records/s, spread over its partitions round-robin and
// acknowledged by every in-sync replica by an idempotent producer, each
// timestamped when sent, in batches every 100 ms, until rate says the
// trace is over (nil) or ctx ends (its error). produced counts the records
// acknowledged; read it while the producer runs.
func ProduceAtRate(ctx context.Context, k *Kafka, topic string, rate func(now time.Time) (recordsPerSecond float64, over bool), produced *atomic.Int64) error {
	conf := k.SaramaConfig()
	conf.Producer.Return.Successes = true
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Producer.Idempotent = true
	conf.Net.MaxOpenRequests = 1
	conf.Producer.Partitioner = sarama.NewRoundRobinPartitioner
	p, err := sarama.NewSyncProducer(k.Addrs(), conf)
	if err != nil {
		return fmt.Errorf("realstack: kafka producer: %w", err)
	}
	defer p.Close()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	due, last := float64(produced.Load()), time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			r, over := rate(now)
			if over {
				return nil
			}
			if r > 0 && !math.IsInf(r, 0) {
				due += r * now.Sub(last).Seconds()
			}
			last = now
		}
		sent := produced.Load()
		var msgs []*sarama.ProducerMessage
		for n := sent; n < int64(due); n++ {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("r-" + strconv.FormatInt(n, 10)), Timestamp: time.Now()})
		}
		if len(msgs) > 0 {
			if err := p.SendMessages(msgs); err != nil {
				return fmt.Errorf("realstack: producing to %s: %w", topic, err)
			}
			produced.Add(int64(len(msgs)))
		}
	}
}
