package kafkaread_test

import (
	"context"
	"errors"
	"flag"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/kafkaread"
)

var (
	hotBacklog = flag.Int("hot-backlog", 1_000_000, "records in the hot partition of BenchmarkKafkaSkewedRead")
	readWindow = flag.Duration("read-window", 2*time.Second, "longest time one op of BenchmarkKafkaSkewedRead reads after its first record")
)

// benchCase is a policy and the loop it is meant for.
type benchCase struct {
	name   string
	loop   adaptivetimeout.Loop
	policy adaptivetimeout.Policy
}

func benchCases() []benchCase {
	return []benchCase{
		{"policy=Fixed", adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{}},
		{"policy=BeamAIAD", adaptivetimeout.BeamLoop{}, adaptivetimeout.BeamAIAD{}},
		{"policy=Default", adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{}},
	}
}

// BenchmarkKafkaSkewedRead reads one hot partition holding a backlog of
// -hot-backlog records (1,000,000) together with 99 idle partitions of the
// same topic, on a 3-broker kfake cluster, one Reader and one goroutine,
// with each policy and its loop (Beam's loop for Fixed and BeamAIAD, ours
// for Default). A read goes until the backlog is drained or -read-window
// (2s) has passed since the first record; its rate is the hot records
// after the first batch over the time since it. One op is two reads: the
// hot partition alone, then with the idle ones, each by a new Reader with
// the same policy and loop, so that drift on a shared machine hits both.
// It reports records/s (with the idle partitions), alone_records/s and
// hot_ratio, their ratio, each over all ops.
func BenchmarkKafkaSkewedRead(b *testing.B) {
	start := time.Now()
	kc := newCluster(b, "skewed", 100)
	kc.produce("skewed", 0, 0, *hotBacklog)
	b.Logf("seeded %d records in %v", *hotBacklog, time.Since(start).Round(time.Millisecond))
	client := kc.client()
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			var alone, skewed readResult
			for b.Loop() {
				alone.add(readHot(b, client, c, partitions("skewed", 1, 0)))
				skewed.add(readHot(b, client, c, partitions("skewed", 100, 0)))
			}
			b.ReportMetric(skewed.rate(), "records/s")
			b.ReportMetric(alone.rate(), "alone_records/s")
			b.ReportMetric(skewed.rate()/alone.rate(), "hot_ratio")
		})
	}
}

type readResult struct {
	records int
	elapsed time.Duration
}

func (r readResult) rate() float64 { return float64(r.records) / r.elapsed.Seconds() }

func (r *readResult) add(o readResult) {
	r.records += o.records
	r.elapsed += o.elapsed
}

// readHot reads ps from offset 0 until the hot backlog is drained or the
// window has passed since the first record, and returns the records after
// the first batch and the time since it.
func readHot(b *testing.B, client sarama.Client, c benchCase, ps []kafkaread.Partition) readResult {
	b.Helper()
	r, err := kafkaread.New(kafkaread.Config{Client: client, Partitions: ps, Loop: c.loop, Policy: c.policy})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu           sync.Mutex
		first, last  time.Time
		total, after int
		window       *time.Timer
	)
	err = r.Run(ctx, func(_ context.Context, batch kafkaread.Batch) error {
		mu.Lock()
		defer mu.Unlock()
		total += len(batch.Records)
		last = time.Now()
		if first.IsZero() {
			first = last
			window = time.AfterFunc(*readWindow, cancel)
		} else {
			after += len(batch.Records)
		}
		if total >= *hotBacklog {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		b.Fatal(err)
	}
	window.Stop()
	mu.Lock()
	defer mu.Unlock()
	elapsed := last.Sub(first)
	if total < *hotBacklog {
		elapsed = *readWindow // stopped by the window, not by the end of the backlog
	}
	return readResult{records: after, elapsed: elapsed}
}
