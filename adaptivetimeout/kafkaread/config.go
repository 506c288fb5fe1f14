package kafkaread

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// Defaults of Config.
const (
	// DefaultBuffer is how many records each partition may hold ahead of
	// the loop: two polls' worth (max.poll.records is 500).
	DefaultBuffer = 1024
	// DefaultClientID is the client.id of the client New creates.
	DefaultClientID = "flinkscale-kafkaread"
	// MaxBuffer is the largest Config.Buffer: 65,536 records, 128 polls'
	// worth. Run allocates each partition's buffer up front, 8 bytes a
	// record (512 KiB at the limit), so a larger Buffer is an error
	// wrapping ErrInvalidConfig, not an allocation that fails.
	MaxBuffer = 1 << 16
)

// ErrInvalidConfig is wrapped by every error about a bad Config. It wraps
// adaptivetimeout.ErrInvalidConfig, which wraps flinkscale.ErrInvalidConfig,
// so errors.Is matches all three.
var ErrInvalidConfig = fmt.Errorf("kafkaread: %w", adaptivetimeout.ErrInvalidConfig)

// ErrClosed is returned by Run after Close.
var ErrClosed = errors.New("kafkaread: closed")

// ErrRunning is returned by Run while another Run of the same Reader is in
// progress, and by Close then.
var ErrRunning = errors.New("kafkaread: already running")

// ErrPartitionStopped is wrapped by the error Run returns when sarama stops
// consuming a partition (for instance its offset fell out of range).
var ErrPartitionStopped = errors.New("kafkaread: partition consumer stopped")

// Partition is a partition to read and where to start. It is a plain
// value.
type Partition struct {
	Topic     string
	Partition int32
	// Offset is the next offset to read: an offset, sarama.OffsetOldest or
	// sarama.OffsetNewest. Zero is offset 0. Run resolves OffsetOldest
	// and OffsetNewest to an offset before it starts reading.
	Offset int64
}

// Config configures a Reader. Zero fields mean the documented defaults.
// Exactly one of Client and Brokers must be set. New copies the Config;
// the Client, Policy, Loop and Logger it points to are shared.
type Config struct {
	// Client is an existing sarama client to read with. Close does not
	// close it.
	Client sarama.Client
	// Brokers are bootstrap addresses ("host:9092"); New then creates a
	// client that Close closes.
	Brokers []string
	// Sarama configures the client New creates from Brokers (TLS, SASL,
	// Net timeouts, Consumer.Fetch sizes, ChannelBufferSize). Only with
	// Brokers. New copies it and, on the copy, sets Metadata.Full to false
	// (New does no I/O) and Consumer.Return.Errors to true (errors are
	// logged). Default: sarama.NewConfig() with Version sarama.V2_8_0_0
	// and ClientID DefaultClientID. Process-wide sarama settings
	// (sarama.Logger, metrics) are never changed.
	Sarama *sarama.Config
	// Partitions to read. Required, without duplicates.
	Partitions []Partition
	// Policy decides how long the loop waits on a partition with nothing
	// buffered. Default: the zero adaptivetimeout.Default.
	Policy adaptivetimeout.Policy
	// Loop visits the partitions. Default: the zero
	// adaptivetimeout.BatchLoop.
	Loop adaptivetimeout.Loop
	// Buffer is how many records each partition may hold ahead of the
	// loop; a full buffer holds back that partition's consumer, at most
	// MaxBuffer. Default: DefaultBuffer (1024).
	Buffer int
	// Logger receives warnings about partition consumer errors. Default:
	// nil, logs are discarded.
	Logger *slog.Logger
}

// Validate reports whether the Config is usable, wrapping ErrInvalidConfig
// if not.
func (c Config) Validate() error {
	if (c.Client == nil) == (len(c.Brokers) == 0) {
		return fmt.Errorf("%w: set exactly one of Client and Brokers", ErrInvalidConfig)
	}
	if c.Sarama != nil && c.Client != nil {
		return fmt.Errorf("%w: Sarama configures the client made from Brokers; it cannot be set with Client", ErrInvalidConfig)
	}
	if len(c.Partitions) == 0 {
		return fmt.Errorf("%w: no partitions", ErrInvalidConfig)
	}
	seen := map[Partition]bool{}
	for _, p := range c.Partitions {
		k := Partition{Topic: p.Topic, Partition: p.Partition}
		switch {
		case p.Topic == "" || p.Partition < 0:
			return fmt.Errorf("%w: bad partition %q/%d", ErrInvalidConfig, p.Topic, p.Partition)
		case p.Offset < sarama.OffsetOldest:
			return fmt.Errorf("%w: %s/%d: bad offset %d", ErrInvalidConfig, p.Topic, p.Partition, p.Offset)
		case seen[k]:
			return fmt.Errorf("%w: %s/%d listed twice", ErrInvalidConfig, p.Topic, p.Partition)
		}
		seen[k] = true
	}
	if c.Buffer < 0 || c.Buffer > MaxBuffer {
		return fmt.Errorf("%w: Buffer %d, want 0 (default) to MaxBuffer = %d", ErrInvalidConfig, c.Buffer, MaxBuffer)
	}
	if v, ok := c.Loop.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("%w: Loop: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

// saramaConfig returns the configuration of the client New creates.
func (c Config) saramaConfig() (*sarama.Config, error) {
	var conf sarama.Config
	if c.Sarama != nil {
		conf = *c.Sarama
	} else {
		conf = *sarama.NewConfig()
		conf.Version = sarama.V2_8_0_0
		conf.ClientID = DefaultClientID
	}
	conf.Metadata.Full = false
	conf.Consumer.Return.Errors = true
	if err := conf.Validate(); err != nil {
		return nil, fmt.Errorf("%w: Sarama: %w", ErrInvalidConfig, err)
	}
	return &conf, nil
}
