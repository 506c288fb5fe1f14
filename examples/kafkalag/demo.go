package main

import (
	"context"
	"fmt"
	"io"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
)

const (
	demoTopic = "orders"
	demoGroup = "demo"
)

// role is what one partition of the demo topic does: the records it
// receives before the first evaluation and before each later one, and the
// offset the demo group commits at step s (0 for the first evaluation), or
// -1 for no commit.
type role struct {
	what    string
	initial int64
	perStep int64
	commit  func(step int, end int64) int64
}

func keepUp(_ int, end int64) int64   { return end - 5 }
func caughtUp(_ int, end int64) int64 { return end }
func never(int, int64) int64          { return -1 }

// stuck commits once, then never again.
func stuck(s int, _ int64) int64 {
	if s == 0 {
		return 100
	}
	return -1
}

// rewound keeps up but moves back to offset 40 at step 2, as after an
// offset reset for a replay.
func rewound(s int, end int64) int64 {
	if s == 2 {
		return 40
	}
	return end - 10
}

// roles are the 12 partitions of the demo topic, with a skew: partition 0
// is hot.
var roles = []role{
	{"hot, group falling behind", 900, 120, func(s int, _ int64) int64 { return 450 + 60*int64(s) }},
	{"busy, group keeping up", 600, 100, keepUp},
	{"busy, group keeping up", 480, 80, keepUp},
	{"group stuck", 360, 30, stuck},
	{"idle, caught up", 240, 0, caughtUp},
	{"offsets reset back at step 2", 240, 20, rewound},
	{"steady", 120, 20, keepUp},
	{"steady", 120, 20, keepUp},
	{"steady", 120, 20, keepUp},
	{"steady", 120, 20, keepUp},
	{"group never committed", 120, 20, never},
	{"group never committed", 120, 20, never},
}

// demo is the embedded cluster and the workload it runs.
type demo struct {
	cluster  *kfake.Cluster
	conf     *sarama.Config
	client   sarama.Client
	producer sarama.SyncProducer
	ends     []int64 // records produced per partition: the end offsets
	step     int
}

// runDemo starts the embedded cluster, seeds it and measures the demo group.
func runDemo(ctx context.Context, o options, stdout, stderr io.Writer) int {
	d, err := startDemo()
	if err != nil {
		fmt.Fprintf(stderr, "kafkalag: demo: %v\n", err)
		return exitFailure
	}
	defer d.close()
	if err := d.advance(); err != nil {
		fmt.Fprintf(stderr, "kafkalag: demo: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "embedded Kafka (kfake, 3 brokers) at %v\n", d.cluster.ListenAddrs())
	fmt.Fprintf(stdout, "topic %q: %d partitions, %d records; group %q (reset earliest)\n", demoTopic, len(roles), sum(d.ends), demoGroup)
	for p, r := range roles {
		fmt.Fprintf(stdout, "  %s/%d: %s\n", demoTopic, p, r.what)
	}
	lag, err := kafkalag.New(kafkalag.Config{
		Brokers: d.cluster.ListenAddrs(),
		Groups:  []kafkalag.Group{{Name: demoGroup, Topics: []string{demoTopic}, Reset: backlog.ResetEarliest}},
		Timeout: o.timeout,
	})
	if err != nil {
		fmt.Fprintf(stderr, "kafkalag: %v\n", err)
		return exitFailure
	}
	defer lag.Close()
	// A window of one interval, not a minute, so a stuck partition shows
	// STOP within the demo.
	health, err := backlog.NewHealth(backlog.HealthConfig{MinSpan: o.interval})
	if err != nil {
		fmt.Fprintf(stderr, "kafkalag: %v\n", err)
		return exitFailure
	}
	l := loop{src: lag, health: health, count: o.count, interval: o.interval, timeout: o.timeout,
		before: func(context.Context) error { return d.advance() }}
	return l.run(ctx, stdout, stderr)
}

// startDemo starts a 3-broker cluster with the demo topic, partition p led
// by broker p%3, and a sarama client to produce and commit.
func startDemo() (*demo, error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(int32(len(roles)), demoTopic))
	if err != nil {
		return nil, err
	}
	d := &demo{cluster: c, ends: make([]int64, len(roles))}
	for p := range int32(len(roles)) {
		if err := c.MoveTopicPartition(demoTopic, p, p%3); err != nil {
			d.close()
			return nil, err
		}
	}
	d.conf = sarama.NewConfig()
	d.conf.Version = sarama.V2_8_0_0
	d.conf.Producer.Return.Successes = true
	d.conf.Producer.Partitioner = sarama.NewManualPartitioner
	d.conf.Producer.Idempotent = true // a batch sarama retries is not duplicated
	d.conf.Producer.RequiredAcks = sarama.WaitForAll
	d.conf.Net.MaxOpenRequests = 1
	if d.client, err = sarama.NewClient(c.ListenAddrs(), d.conf); err != nil {
		d.close()
		return nil, err
	}
	if d.producer, err = sarama.NewSyncProducerFromClient(d.client); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *demo) close() {
	if d.producer != nil {
		_ = d.producer.Close()
	}
	if d.client != nil {
		_ = d.client.Close()
	}
	d.cluster.Close()
}

// advance runs one step of the workload: produce, then commit.
func (d *demo) advance() error {
	var msgs []*sarama.ProducerMessage
	for p, r := range roles {
		n := r.perStep
		if d.step == 0 {
			n = r.initial
		}
		for range n {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: demoTopic, Partition: int32(p), Value: sarama.StringEncoder("order")})
		}
		d.ends[p] += n
	}
	if err := d.producer.SendMessages(msgs); err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	if err := d.commit(); err != nil {
		return err
	}
	d.step++
	return nil
}

// commit commits the group's offsets for this step with one OffsetCommit
// request, as a standalone consumer (no member, generation -1) would.
func (d *demo) commit() error {
	coord, err := d.client.Coordinator(demoGroup)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	req := sarama.NewOffsetCommitRequest(d.conf, demoGroup)
	for p, r := range roles {
		if off := r.commit(d.step, d.ends[p]); off >= 0 {
			req.AddBlock(demoTopic, int32(p), off, 0, "")
		}
	}
	resp, err := coord.CommitOffset(req)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for t, ps := range resp.Errors {
		for p, kerr := range ps {
			if kerr != sarama.ErrNoError {
				return fmt.Errorf("commit %s/%d: %w", t, p, kerr)
			}
		}
	}
	return nil
}

func sum(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}
