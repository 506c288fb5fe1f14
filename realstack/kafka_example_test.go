package realstack_test

import (
	"context"
	"fmt"
	"log"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/realstack"
)

// A test of your own against a real 3-node Kafka cluster (behind your own
// build tag). Not run here: it needs Java and Maven.
func ExampleStartKafka() {
	testKafka := func(t *testing.T) {
		k := realstack.StartKafka(t, realstack.KafkaConfig{Brokers: 3}) // stopped by t.Cleanup
		admin, err := sarama.NewClusterAdmin(k.Addrs(), k.SaramaConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if err := admin.CreateTopic("orders", &sarama.TopicDetail{NumPartitions: 6, ReplicationFactor: 3}, false); err != nil {
			t.Fatal(err)
		}
		if err := k.Broker(1).Stop(t.Context()); err != nil { // node 2 goes away...
			t.Fatal(err)
		}
		// ... the code under test copes ...
		if err := k.Broker(1).Start(t.Context()); err != nil { // ... and comes back
			t.Fatal(err)
		}
	}
	_ = testKafka
}

// Outside a test: NewKafka and Close.
func ExampleNewKafka() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	k, err := realstack.NewKafka(ctx, realstack.KafkaConfig{})
	if err != nil {
		log.Fatal(err) // names the cause: java or mvn missing, a port in use, a node's log
	}
	defer k.Close()
	fmt.Println("bootstrap:", k.Addrs()[0])
}
