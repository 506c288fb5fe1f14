package kafkaread

import (
	"log/slog"
	"testing"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// TestConfigDefaults checks every field of Config documented with
// "Default: X" against X, as what New keeps for the zero field (New does
// no I/O, so an unreachable broker will do).
func TestConfigDefaults(t *testing.T) {
	r, err := New(Config{Brokers: []string{"127.0.0.1:1"}, Partitions: []Partition{{Topic: "t"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	conf, err := Config{}.saramaConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := sarama.NewConfig()
	want.Version, want.ClientID = sarama.V2_8_0_0, DefaultClientID
	want.Metadata.Full, want.Consumer.Return.Errors = false, true // New's documented changes
	docdefaults.Check(t, ".", "Config", []docdefaults.Row{
		{Field: "Sarama", Doc: "sarama.NewConfig() with Version sarama.V2_8_0_0 and ClientID DefaultClientID",
			Got: saramaFigures(conf), Want: saramaFigures(want)},
		{Field: "Policy", Doc: "the zero adaptivetimeout.Default", Got: r.policy, Want: &adaptivetimeout.Default{}},
		{Field: "Loop", Doc: "the zero adaptivetimeout.BatchLoop", Got: r.loop, Want: adaptivetimeout.BatchLoop{}},
		{Field: "Buffer", Doc: "DefaultBuffer (1024)", Got: r.cfg.Buffer, Want: 1024},
		{Field: "Logger", Doc: "nil, logs are discarded", Got: r.log.Handler(), Want: slog.DiscardHandler},
	})
}

// saramaFigures picks what two sarama configurations can be compared by
// (some fields hold pointers).
func saramaFigures(c *sarama.Config) []any {
	return []any{c.Version, c.ClientID, c.ChannelBufferSize, c.Net, c.Metadata, c.Consumer.Fetch, c.Consumer.MaxWaitTime,
		c.Consumer.MaxProcessingTime, c.Consumer.Return, c.Consumer.Offsets.Initial}
}
