package kafkalag_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
)

// Measure one group's backlog on an in-process Kafka cluster (kfake): topic
// "orders" has 10, 5 and 0 records in its partitions; the group committed
// offset 4 on partition 0, nothing on partition 1 (so the reset policy,
// earliest, counts the whole log), and 0 on partition 2.
func Example() {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(3, "orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	seed(cluster.ListenAddrs(), "orders", []int{10, 5, 0}, "enricher", map[int32]int64{0: 4, 2: 0})

	lag, err := kafkalag.New(kafkalag.Config{
		Brokers: cluster.ListenAddrs(),
		Groups:  []kafkalag.Group{{Name: "enricher", Topics: []string{"orders"}, Reset: backlog.ResetEarliest}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer lag.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	snap, err := lag.Backlog(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range snap.Partitions {
		fmt.Printf("%s: records %v, no commit %v\n", p.Key, p.Records, p.NoCommit)
	}
	fmt.Println("total:", snap.Totals().Records)
	// Output:
	// orders/0: records 6, no commit false
	// orders/1: records 5, no commit true
	// orders/2: records 0, no commit false
	// total: 11
}

// Measure several groups in one evaluation: they share the metadata and
// ListOffsets requests. A topic that does not exist is reported in
// Snapshot.Errors while the others are still measured; a group listing no
// topics reads those it committed offsets for.
func ExampleLag_Backlogs() {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(2, "orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	seed(cluster.ListenAddrs(), "orders", []int{8, 8}, "billing", map[int32]int64{0: 8, 1: 2})
	seed(cluster.ListenAddrs(), "orders", nil, "audit", map[int32]int64{0: 1, 1: 1})

	lag, err := kafkalag.New(kafkalag.Config{
		Brokers: cluster.ListenAddrs(),
		Groups: []kafkalag.Group{
			{Name: "billing", Topics: []string{"orders", "refunds"}},
			{Name: "audit"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer lag.Close()

	snaps, err := lag.Backlogs(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range snaps {
		t := s.Totals()
		fmt.Printf("%s: %d partitions, %d records known, total %v\n", s.Group, t.Partitions, t.KnownRecords, t.Records)
		for _, e := range s.Errors {
			fmt.Printf("  %s: %s\n", e.Scope, e.Reason)
		}
	}
	// Output:
	// billing: 2 partitions, 6 records known, total unknown (some partitions unknown)
	//   refunds: topic not found
	// audit: 2 partitions, 14 records known, total 14
}

// Use one group as a backlog.Source, here behind a Fallback that would
// prefer a Flink job's own metrics when they are complete.
func ExampleLag_Group() {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(1, "orders"))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	seed(cluster.ListenAddrs(), "orders", []int{3}, "enricher", map[int32]int64{0: 1})

	lag, err := kafkalag.New(kafkalag.Config{
		Brokers: cluster.ListenAddrs(),
		Groups:  []kafkalag.Group{{Name: "enricher", Topics: []string{"orders"}}, {Name: "other"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer lag.Close()

	flinkMetrics := backlog.SourceFunc(func(context.Context) (backlog.Snapshot, error) {
		return backlog.Snapshot{}, fmt.Errorf("job not running")
	})
	src, err := backlog.Fallback(backlog.CombineConfig{},
		backlog.Named("flink", flinkMetrics), backlog.Named("kafka", lag.Group("enricher")))
	if err != nil {
		log.Fatal(err)
	}
	snap, err := src.Backlog(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(snap.Source, snap.Group, snap.Totals().Records)
	// Output:
	// kafka enricher 2
}

// seed produces records[p] records to each partition p of topic and commits
// offsets for group, with sarama.
func seed(addrs []string, topic string, records []int, group string, offsets map[int32]int64) {
	conf := sarama.NewConfig()
	conf.Version = sarama.V2_8_0_0
	conf.Producer.Return.Successes = true
	conf.Producer.Partitioner = sarama.NewManualPartitioner
	conf.Producer.Idempotent = true // retried batches are not duplicated
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Net.MaxOpenRequests = 1
	client, err := sarama.NewClient(addrs, conf)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	producer, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close()
	var msgs []*sarama.ProducerMessage
	for p, n := range records {
		for range n {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Partition: int32(p), Value: sarama.StringEncoder("record")})
		}
	}
	if err := producer.SendMessages(msgs); err != nil {
		log.Fatal(err)
	}
	coordinator, err := client.Coordinator(group)
	if err != nil {
		log.Fatal(err)
	}
	req := sarama.NewOffsetCommitRequest(conf, group)
	for p, off := range offsets {
		req.AddBlock(topic, p, off, 0, "")
	}
	if _, err := coordinator.CommitOffset(req); err != nil {
		log.Fatal(err)
	}
}
