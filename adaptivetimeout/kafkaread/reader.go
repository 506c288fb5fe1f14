package kafkaread

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// Batch is records of one partition, in offset order, handed to the
// Handler together. The Handler may keep it and its records: they are not
// reused. It is a plain value.
type Batch struct {
	Topic     string
	Partition int32
	Records   []*sarama.ConsumerMessage
}

// Next returns the offset after the batch's last record: the partition's
// position once the batch is handled.
func (b Batch) Next() int64 { return b.Records[len(b.Records)-1].Offset + 1 }

// Handler processes a batch. It runs on Run's goroutine; while it runs, no
// other partition is served. An error stops Run, which returns it wrapped.
// It need not be safe for concurrent use: calls never overlap.
type Handler func(ctx context.Context, b Batch) error

// Position is a partition's next offset to read: one past the last record
// a Handler accepted, which is what Kafka expects as a committed offset.
// It is a plain value.
type Position struct {
	Topic     string
	Partition int32
	Offset    int64
}

// Reader reads many partitions on one goroutine. Run serves them with the
// configured loop and policy; Positions may be called at any time, from
// any goroutine. Safe for concurrent use, but only one Run at a time.
type Reader struct {
	cfg    Config
	client sarama.Client
	owned  bool // Close closes client
	policy adaptivetimeout.Policy
	loop   adaptivetimeout.Loop
	log    *slog.Logger
	pos    []atomic.Int64

	closing sync.WaitGroup // partition consumers of past Runs winding down
	mu      sync.Mutex
	running bool
	closed  bool
}

// New returns a Reader, or an error wrapping ErrInvalidConfig. With
// Config.Brokers it creates a client, which does no I/O until Run.
func New(cfg Config) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Partitions = append([]Partition(nil), cfg.Partitions...)
	cfg.Brokers = append([]string(nil), cfg.Brokers...)
	r := &Reader{cfg: cfg, client: cfg.Client, policy: cfg.Policy, loop: cfg.Loop, log: cfg.Logger}
	if r.policy == nil {
		r.policy = &adaptivetimeout.Default{}
	}
	if r.loop == nil {
		r.loop = adaptivetimeout.BatchLoop{}
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Buffer == 0 {
		r.cfg.Buffer = DefaultBuffer
	}
	if r.client == nil {
		conf, err := cfg.saramaConfig()
		if err != nil {
			return nil, err
		}
		if r.client, err = sarama.NewClient(cfg.Brokers, conf); err != nil {
			return nil, fmt.Errorf("kafkaread: new client: %w", err)
		}
		r.owned = true
	}
	r.pos = make([]atomic.Int64, len(cfg.Partitions))
	for i, p := range cfg.Partitions {
		r.pos[i].Store(p.Offset)
	}
	return r, nil
}

// Positions returns every partition's next offset to read, in Config
// order. Before Run has resolved a partition's start, its Offset is the
// configured sarama.OffsetOldest or sarama.OffsetNewest. Safe for
// concurrent use, also while Run runs.
func (r *Reader) Positions() []Position {
	out := make([]Position, len(r.cfg.Partitions))
	for i, p := range r.cfg.Partitions {
		out[i] = Position{Topic: p.Topic, Partition: p.Partition, Offset: r.pos[i].Load()}
	}
	return out
}

// Close closes the client New created (a client passed in Config.Client
// stays open) and waits until the partition consumers of past Runs have
// closed: with a client of the caller's that takes until their fetches in
// flight return (sarama's Consumer.MaxWaitTime, 500 ms by default). On
// return every goroutine the Reader started has exited. It returns
// ErrRunning while Run runs: cancel Run's ctx and wait for it first.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		return ErrRunning
	}
	if r.closed {
		return nil
	}
	r.closed = true
	var err error
	if r.owned {
		err = r.client.Close() // ends the fetches in flight at once
	}
	r.closing.Wait()
	return err
}

// Run reads the partitions from their positions, handing records to h in
// batches, until ctx is done (it returns ctx.Err()), h fails or a
// partition consumer stops. It starts one sarama partition consumer and
// one feeder goroutine per partition and serves them all on the calling
// goroutine. It returns promptly: once it has, no Handler call is in
// progress or will start, and the feeders have exited; the partition
// consumers are closing, which takes until their fetches in flight
// return, and Close waits for that. Run may be called again afterwards:
// it resumes from Positions. Starting a partition consumer (sarama's
// ConsumePartition) is bounded by the client's Net timeouts, not by ctx.
func (r *Reader) Run(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("kafkaread: nil Handler")
	}
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	consumer, err := sarama.NewConsumerFromClient(r.client)
	if err != nil {
		return fmt.Errorf("kafkaread: new consumer: %w", err)
	}
	bufs, err := r.start(ctx, consumer)
	defer r.closing.Go(func() { closeAll(consumer, bufs) })
	if err != nil {
		return err
	}
	src := newSource(bufs, r.pos, h, r.log)
	defer src.stop()
	return r.loop.Run(ctx, src, r.policy)
}

// begin marks the Reader running, unless it is already or is closed.
func (r *Reader) begin() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return ErrClosed
	case r.running:
		return ErrRunning
	}
	r.running = true
	return nil
}

func (r *Reader) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = false
}

// start resolves the partitions' positions and starts their consumers.
// The buffers of the consumers started are returned even on error.
func (r *Reader) start(ctx context.Context, consumer sarama.Consumer) ([]*buffer, error) {
	bufs := make([]*buffer, 0, len(r.cfg.Partitions))
	for i, p := range r.cfg.Partitions {
		if err := ctx.Err(); err != nil {
			return bufs, err
		}
		off := r.pos[i].Load()
		if off < 0 { // OffsetOldest or OffsetNewest: fix it, so Positions can be committed
			resolved, err := r.client.GetOffset(p.Topic, p.Partition, off)
			if err != nil {
				return bufs, fmt.Errorf("kafkaread: %s/%d: resolve start offset: %w", p.Topic, p.Partition, err)
			}
			r.pos[i].Store(resolved)
			off = resolved
		}
		pc, err := consumer.ConsumePartition(p.Topic, p.Partition, off)
		if err != nil {
			return bufs, fmt.Errorf("kafkaread: %s/%d: consume from %d: %w", p.Topic, p.Partition, off, err)
		}
		bufs = append(bufs, newBuffer(p, pc, r.cfg.Buffer, off))
	}
	return bufs, nil
}

// closeAll closes the partition consumers, all asked at once, then each
// waited for, and then the consumer (which leaves the client open).
func closeAll(consumer sarama.Consumer, bufs []*buffer) {
	for _, b := range bufs {
		b.pc.AsyncClose()
	}
	for _, b := range bufs {
		_ = b.pc.Close() // drains its errors until sarama closes the channel
	}
	_ = consumer.Close()
}
