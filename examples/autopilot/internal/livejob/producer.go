package livejob

import (
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
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
	// Until is when the producer stops writing, since the Env started.
	// Default: never. Zero means default.
	Until time.Duration
	// Logger receives a warning per failed send. Default: discard.
	Logger *slog.Logger
}

// Producer writes records to Kafka following a trace, in the steps of its
// Env, and counts what Kafka acknowledged. Produced and Failed are safe
// for concurrent use.
type Producer struct {
	cfg ProducerConfig

	// The driver's own.
	prod    sarama.SyncProducer
	owed    map[string][]float64
	seq     uint64
	stopped atomic.Bool

	mu       sync.Mutex
	produced map[string]int64
	failed   map[string]int64
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
	case cfg.Keys < 0 || cfg.Until < 0:
		return nil, fmt.Errorf("%w: negative keys or until", ErrInvalidProducer)
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

// Stop makes the producer write nothing more from the next step on.
func (p *Producer) Stop() { p.stopped.Store(true) }

// start connects the producer to Kafka.
func (p *Producer) start() error {
	prod, err := sarama.NewSyncProducer(p.cfg.Brokers, p.cfg.Sarama)
	if err != nil {
		return fmt.Errorf("livejob: producer: %w", err)
	}
	p.prod = prod
	p.owed = map[string][]float64{}
	for t, n := range p.cfg.Topics {
		p.owed[t] = make([]float64, n)
	}
	return nil
}

func (p *Producer) close() {
	if p.prod != nil {
		_ = p.prod.Close()
	}
}

// step writes, per partition, the records the trace makes due between
// elapsed from and to (fractions carried over), keyed by a hash spread
// over Keys keys, and stamped with at. It returns an error when Kafka
// refuses the batch outright; records whose send failed are counted.
func (p *Producer) step(from, to time.Duration, at time.Time) error {
	if p.stopped.Load() || (p.cfg.Until > 0 && from >= p.cfg.Until) {
		return nil
	}
	dt := (to - from).Seconds()
	var msgs []*sarama.ProducerMessage
	for _, topic := range slices.Sorted(maps.Keys(p.owed)) {
		r := p.cfg.Rate(topic, from)
		if !(r > 0) {
			continue
		}
		parts := p.owed[topic]
		for k := range parts {
			parts[k] += r * dt
			n := int(parts[k])
			parts[k] -= float64(n)
			for range n {
				p.seq++
				msgs = append(msgs, &sarama.ProducerMessage{
					Topic: topic, Partition: int32(k), Timestamp: at,
					Key:   sarama.StringEncoder(p.key()),
					Value: sarama.StringEncoder("event-" + strconv.FormatUint(p.seq, 10)),
				})
			}
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	err := p.prod.SendMessages(msgs)
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
	defer p.mu.Unlock()
	for t, n := range ok {
		p.produced[t] += n
	}
	for t, n := range bad {
		p.failed[t] += n
	}
	return nil
}

// key picks the next record's key: a hash of the sequence, so keys spread
// evenly over Keys.
func (p *Producer) key() string {
	h := fnv.New64a()
	_, _ = fmt.Fprint(h, p.seq)
	return "k" + strconv.FormatUint(h.Sum64()%uint64(p.cfg.Keys), 10)
}
