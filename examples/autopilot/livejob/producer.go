package livejob

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// ErrInvalidProducer is wrapped by every error about a bad ProducerConfig.
var ErrInvalidProducer = errors.New("livejob: invalid producer config")

// Rate returns the records/s to write to each partition of a topic at
// elapsed time since the producer started.
type Rate func(topic string, elapsed time.Duration) float64

// ProducerConfig configures a Producer.
type ProducerConfig struct {
	// Brokers are the Kafka bootstrap addresses. Required.
	Brokers []string
	// Sarama configures the producer's client. Default: sarama.NewConfig()
	// with Version V2_8_0_0, acks from all in-sync replicas, idempotence
	// (so a retried send is not written twice, and Produced counts what
	// Kafka holds) and Return.Successes (a SyncProducer needs it).
	Sarama *sarama.Config
	// Topics maps each topic to its partition count. Required.
	Topics map[string]int
	// Rate is the traffic trace. Required.
	Rate Rate
	// Keys is how many distinct keys records carry. Default: 10,000.
	Keys int
	// Tick is how often the producer writes what is due. Default: 50 ms.
	Tick time.Duration
	// Logger receives a warning per failed send. Default: discard.
	Logger *slog.Logger
}

// Producer writes records to Kafka following a trace, and counts what
// Kafka acknowledged. Safe for concurrent use: Produced may be called
// while Run runs.
type Producer struct {
	cfg ProducerConfig

	mu       sync.Mutex
	produced map[string]int64
	failed   map[string]int64
	seq      uint64
}

// NewProducer returns a Producer, or an error wrapping
// ErrInvalidProducer.
func NewProducer(cfg ProducerConfig) (*Producer, error) {
	switch {
	case len(cfg.Brokers) == 0:
		return nil, fmt.Errorf("%w: no brokers", ErrInvalidProducer)
	case len(cfg.Topics) == 0:
		return nil, fmt.Errorf("%w: no topics", ErrInvalidProducer)
	case cfg.Rate == nil:
		return nil, fmt.Errorf("%w: no rate", ErrInvalidProducer)
	case cfg.Keys < 0 || cfg.Tick < 0:
		return nil, fmt.Errorf("%w: negative keys or tick", ErrInvalidProducer)
	}
	for t, n := range cfg.Topics {
		if n < 1 {
			return nil, fmt.Errorf("%w: topic %q has %d partitions", ErrInvalidProducer, t, n)
		}
	}
	if cfg.Sarama == nil {
		cfg.Sarama = sarama.NewConfig()
		cfg.Sarama.Version = sarama.V2_8_0_0
		cfg.Sarama.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Sarama.Producer.Idempotent = true // a retried send is written once
		cfg.Sarama.Net.MaxOpenRequests = 1    // as sarama requires for idempotence
	}
	cfg.Sarama.Producer.Return.Successes = true
	cfg.Sarama.Producer.Partitioner = sarama.NewManualPartitioner
	if cfg.Keys == 0 {
		cfg.Keys = 10_000
	}
	if cfg.Tick == 0 {
		cfg.Tick = 50 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Producer{cfg: cfg, produced: map[string]int64{}, failed: map[string]int64{}}, nil
}

// Produced returns the records Kafka acknowledged per topic.
func (p *Producer) Produced() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.produced)
}

// Failed returns the records whose send failed, per topic. Kafka may
// have written some of them all the same (a failure reported after the
// write).
func (p *Producer) Failed() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.failed)
}

// Run writes records until ctx ends or until is reached (zero: no end),
// and returns nil then; it returns an error when it cannot connect or
// Kafka refuses a batch outright. Every Tick it writes, per partition, the
// records due by the trace (fractions carried over), keyed by a hash
// spread over Keys keys.
func (p *Producer) Run(ctx context.Context, until time.Duration) error {
	prod, err := sarama.NewSyncProducer(p.cfg.Brokers, p.cfg.Sarama)
	if err != nil {
		return fmt.Errorf("livejob: producer: %w", err)
	}
	defer prod.Close()
	start := time.Now()
	last := start
	owed := map[string][]float64{}
	for t, n := range p.cfg.Topics {
		owed[t] = make([]float64, n)
	}
	tick := time.NewTicker(p.cfg.Tick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		now := time.Now()
		elapsed := now.Sub(start)
		if until > 0 && elapsed > until {
			return nil
		}
		dt := now.Sub(last).Seconds()
		last = now
		var msgs []*sarama.ProducerMessage
		for topic, parts := range owed {
			r := p.cfg.Rate(topic, elapsed)
			if !(r > 0) {
				continue
			}
			for k := range parts {
				parts[k] += r * dt
				n := int(parts[k])
				parts[k] -= float64(n)
				for range n {
					p.seq++
					msgs = append(msgs, &sarama.ProducerMessage{
						Topic: topic, Partition: int32(k),
						Key:   sarama.StringEncoder(p.key()),
						Value: sarama.StringEncoder("event-" + strconv.FormatUint(p.seq, 10)),
					})
				}
			}
		}
		if len(msgs) == 0 {
			continue
		}
		err := prod.SendMessages(msgs)
		ok, bad := map[string]int64{}, map[string]int64{}
		var pe sarama.ProducerErrors
		switch {
		case err == nil:
			for _, m := range msgs {
				ok[m.Topic]++
			}
		case errors.As(err, &pe):
			failed := map[*sarama.ProducerMessage]bool{}
			for _, e := range pe {
				failed[e.Msg] = true
			}
			for _, m := range msgs {
				if failed[m] {
					bad[m.Topic]++
				} else {
					ok[m.Topic]++
				}
			}
			p.cfg.Logger.Warn("livejob: some records were not written", "failed", len(pe), "err", pe[0].Err)
		default:
			return fmt.Errorf("livejob: produce: %w", err)
		}
		p.mu.Lock()
		for t, n := range ok {
			p.produced[t] += n
		}
		for t, n := range bad {
			p.failed[t] += n
		}
		p.mu.Unlock()
	}
}

// key picks the next record's key: a hash of the sequence, so keys spread
// evenly over Keys.
func (p *Producer) key() string {
	h := fnv.New64a()
	_, _ = fmt.Fprint(h, p.seq)
	return "k" + strconv.FormatUint(h.Sum64()%uint64(p.cfg.Keys), 10)
}
