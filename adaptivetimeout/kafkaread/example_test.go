package kafkaread_test

import (
	"context"
	"fmt"
	"log"
	"maps"
	"slices"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkscale/flinkscale/adaptivetimeout/kafkaread"
)

// Read two partitions of an in-process Kafka cluster (kfake) on one
// goroutine, in batches, and report the positions to commit.
func Example() {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(2, "events"))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	produce(cluster.ListenAddrs(), "events", map[int32][]string{0: {"a", "b", "c"}, 1: {"x", "y"}})

	r, err := kafkaread.New(kafkaread.Config{
		Brokers: cluster.ListenAddrs(),
		Partitions: []kafkaread.Partition{
			{Topic: "events", Partition: 0, Offset: sarama.OffsetOldest},
			{Topic: "events", Partition: 1, Offset: sarama.OffsetOldest},
		},
		// Policy and Loop default to adaptivetimeout's Default and BatchLoop.
	})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := map[int32][]string{}
	err = r.Run(ctx, func(_ context.Context, b kafkaread.Batch) error {
		for _, m := range b.Records {
			got[b.Partition] = append(got[b.Partition], string(m.Value))
		}
		if len(got[0])+len(got[1]) == 5 {
			cancel() // Run returns ctx.Err() once this batch is handled
		}
		return nil
	})
	fmt.Println("Run:", err)
	for _, p := range slices.Sorted(maps.Keys(got)) {
		fmt.Println("partition", p, got[p])
	}
	for _, pos := range r.Positions() {
		fmt.Printf("commit %s/%d at %d\n", pos.Topic, pos.Partition, pos.Offset)
	}
	// Output:
	// Run: context canceled
	// partition 0 [a b c]
	// partition 1 [x y]
	// commit events/0 at 3
	// commit events/1 at 2
}

// produce sends values to the partitions with a sarama producer.
func produce(addrs []string, topic string, values map[int32][]string) {
	conf := sarama.NewConfig()
	conf.Version = sarama.V2_8_0_0
	conf.Producer.Return.Successes = true
	conf.Producer.Partitioner = sarama.NewManualPartitioner
	prod, err := sarama.NewSyncProducer(addrs, conf)
	if err != nil {
		log.Fatal(err)
	}
	defer prod.Close()
	for p, vs := range values {
		for _, v := range vs {
			if _, _, err := prod.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: p, Value: sarama.StringEncoder(v)}); err != nil {
				log.Fatal(err)
			}
		}
	}
}
