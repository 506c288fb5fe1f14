package kafkaread_test

import (
	"errors"
	"math"
	"testing"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/kafkaread"
)

func TestConfigErrors(t *testing.T) {
	client := newCluster(t, "t", 1).client()
	one := []kafkaread.Partition{{Topic: "t"}}
	badSarama := sarama.NewConfig()
	badSarama.ChannelBufferSize = -1
	for name, c := range map[string]kafkaread.Config{
		"no client or brokers": {Partitions: one},
		"client and brokers":   {Client: client, Brokers: []string{"x:9092"}, Partitions: one},
		"sarama with client":   {Client: client, Sarama: sarama.NewConfig(), Partitions: one},
		"no partitions":        {Client: client},
		"empty topic":          {Client: client, Partitions: []kafkaread.Partition{{Partition: 1}}},
		"negative partition":   {Client: client, Partitions: []kafkaread.Partition{{Topic: "t", Partition: -1}}},
		"bad offset":           {Client: client, Partitions: []kafkaread.Partition{{Topic: "t", Offset: -3}}},
		"duplicate":            {Client: client, Partitions: []kafkaread.Partition{{Topic: "t"}, {Topic: "t", Offset: 5}}},
		"negative buffer":      {Client: client, Partitions: one, Buffer: -1},
		"buffer beyond limit":  {Client: client, Partitions: one, Buffer: kafkaread.MaxBuffer + 1},
		"buffer MaxInt":        {Client: client, Partitions: one, Buffer: math.MaxInt}, // Run panicked: makeslice
		"bad loop":             {Client: client, Partitions: one, Loop: adaptivetimeout.BatchLoop{Batch: -1}},
		"bad sarama config":    {Brokers: []string{"127.0.0.1:1"}, Sarama: badSarama, Partitions: one},
	} {
		if _, err := kafkaread.New(c); !errors.Is(err, kafkaread.ErrInvalidConfig) || !errors.Is(err, adaptivetimeout.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// New does no I/O: a client for an unreachable broker is created.
	r, err := kafkaread.New(kafkaread.Config{Brokers: []string{"127.0.0.1:1"}, Partitions: one})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// The caller's sarama config is not modified.
	conf := sarama.NewConfig()
	conf.Version = sarama.V2_8_0_0
	r, err = kafkaread.New(kafkaread.Config{Brokers: []string{"127.0.0.1:1"}, Sarama: conf, Partitions: one})
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Close()
	if !conf.Metadata.Full || conf.Consumer.Return.Errors {
		t.Error("New changed the caller's sarama.Config")
	}
}
