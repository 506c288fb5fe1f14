//go:build realstack

package kafkaread_test

// The real tier on the seed's own stack: one hot topic read alone and
// beside 20 and 100 idle ones, by Beam's KafkaIO reader in Beam 2.70.0's
// classic FlinkRunner on Flink 1.19.3 (realstack.BeamJob, one subtask,
// maxParallelism = partitions so the runner makes one KafkaIO reader per
// partition and one thread visits them all, as the seed's jobs did), by
// this package's Reader with Default on the same topics of the same Kafka
// 4.4, and by adaptivetimeout/sim's model of Beam's loop (BeamLoop with
// Beam's merged wait rule, BeamAIAD, and its old fixed 10 ms wait).
//
//	flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -timeout 20m -run TestRealBeamIdleTopics -v ./adaptivetimeout/kafkaread

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/kafkaread"
	"github.com/flinkscale/flinkscale/adaptivetimeout/sim"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

const (
	ritHot     = "rit-hot"
	ritBacklog = 150000 // records waiting in the hot topic before each read
	ritWindow  = 10 * time.Second
)

// ritRow is one case's figures, records per second of the hot topic.
type ritRow struct {
	idle                      int
	beam, reader              float64
	simAIAD, simFixed, splits int
}

func TestRealBeamIdleTopics(t *testing.T) {
	began := time.Now()
	k := realstack.StartKafka(t, realstack.KafkaConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	idle := make([]string, 100)
	for i := range idle {
		idle[i] = fmt.Sprintf("rit-idle-%03d", i)
	}
	if err := realstack.CreateTopics(ctx, k, 1, append([]string{ritHot, "rit-out-0", "rit-out-20", "rit-out-100"}, idle...)...); err != nil {
		t.Fatal(err)
	}
	if err := realstack.ProduceTestRecords(ctx, k, ritHot, "r", ritBacklog); err != nil {
		t.Fatal(err)
	}
	f := realstack.StartFlink(t, realstack.FlinkConfig{Version: "1.19", TaskManagers: 1, Slots: 2, MetricsFetchInterval: 500 * time.Millisecond})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	kv := realtest.NewOffsets(t, k)
	var rows []ritRow
	for _, n := range []int{0, 20, 100} {
		row := ritRow{idle: n}
		topics := append([]string{ritHot}, idle[:n]...)
		row.beam, row.splits = ritBeam(ctx, t, f, c, k, kv, topics)
		var rs []float64
		for range 5 { // the reader drains the backlog in some 0.1 s: the median of 5
			rs = append(rs, ritReader(ctx, t, k, topics))
		}
		slices.Sort(rs)
		row.reader = rs[2]
		row.simAIAD, row.simFixed = ritSim(t, n, adaptivetimeout.BeamAIAD{}), ritSim(t, n, adaptivetimeout.Fixed{})
		t.Logf("MEASURE hot topic beside %d idle: Beam %.0f records/s (%d splits listed), kafkaread Default %.0f, sim of Beam's loop %d (merged rule) / %d (fixed 10 ms)",
			n, row.beam, row.splits, row.reader, row.simAIAD, row.simFixed)
		rows = append(rows, row)
	}
	t.Logf("%5s | %12s %12s | %14s %14s", "idle", "Beam (rec/s)", "kafkaread", "sim Beam AIAD", "sim Beam 10ms")
	for _, r := range rows {
		t.Logf("%5d | %12.0f %12.0f | %14d %14d", r.idle, r.beam, r.reader, r.simAIAD, r.simFixed)
	}
	t.Logf("took %v", time.Since(began).Round(time.Second))
	alone := rows[0]
	for _, r := range rows[1:] {
		if r.beam > alone.beam/100 {
			t.Errorf("Beam beside %d idle topics read %.0f records/s, alone %.0f: the starvation measured before (0.1%% and less) is gone", r.idle, r.beam, alone.beam)
		}
		if ratio := r.beam / float64(r.simAIAD); ratio < 1.0/3 || ratio > 3 {
			t.Errorf("beside %d idle topics: Beam %.0f records/s, the simulator's model of its loop %d: more than 3x apart", r.idle, r.beam, r.simAIAD)
		}
		if r.reader < alone.reader/4 || r.reader < 100*r.beam {
			t.Errorf("kafkaread beside %d idle topics: %.0f records/s, alone %.0f, Beam %.0f", r.idle, r.reader, alone.reader, r.beam)
		}
	}
}

// ritBeam runs the Beam job on topics from the start, with one KafkaIO
// reader per partition on its one subtask, and returns the rate it wrote
// its output at (ritRate; one record out per record read) and how many
// splits it lists.
func ritBeam(ctx context.Context, t *testing.T, f *realstack.Flink, c *flinkapi.Client, k *realstack.Kafka, kv *realtest.Offsets, topics []string) (float64, int) {
	t.Helper()
	name := fmt.Sprintf("rit-%d", len(topics)-1)
	out := fmt.Sprintf("rit-out-%d", len(topics)-1)
	s, err := f.SubmitBeam(ctx, realstack.BeamJob{BootstrapServers: strings.Join(k.Addrs(), ","), Topics: topics, Out: out,
		Group: name, Name: name, MaxParallelism: len(topics), CheckpointInterval: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	id := flinkapi.JobID(s)
	defer func() {
		if err := c.Cancel(ctx, id); err != nil {
			t.Errorf("cancelling %s: %v", id, err)
		}
		realtest.Eventually(ctx, t, name+" cancelled", 2*time.Minute, func() (bool, error) {
			st, err := c.JobStatus(ctx, id)
			return err == nil && st == flinkapi.JobCanceled, err
		})
	}()
	d := realtest.WaitRunning(ctx, t, c, id, nil)
	var src flinkapi.VertexID
	for _, v := range d.Vertices {
		if strings.HasPrefix(v.Name, "Source: ReadKafka") {
			src = v.ID
		}
	}
	// The job writes every record it reads to its own output topic (no cost
	// per record): the output's end offset counts what the source emitted,
	// read from Kafka. (The job details' vertex counters were seen frozen
	// for a whole run on Flink 1.19.3, see docs/beam-fidelity.md.)
	emitted := func() (int64, error) {
		ends, err := kv.Ends(out)
		if err != nil {
			return 0, err
		}
		return ends[0], nil
	}
	rate := ritRate(ctx, t, name, 250*time.Millisecond, emitted)
	names, err := c.VertexMetricNames(ctx, id, src)
	if err != nil {
		t.Fatal(err)
	}
	splits := 0
	for _, m := range names {
		if g, _ := flinkapi.ParseBacklogMetric(m); g == flinkapi.BeamSplitElements {
			splits++
		}
	}
	return rate, splits
}

// ritRate polls a count of hot records read every poll and returns the
// rate between the first count above 0 and the count reaching 90% of the
// backlog or ritWindow after the first, whichever comes first.
func ritRate(ctx context.Context, t *testing.T, what string, poll time.Duration, count func() (int64, error)) float64 {
	t.Helper()
	var n0, n1 int64
	var t0, t1 time.Time
	deadline := time.Now().Add(3 * time.Minute)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		n, err := count()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		now := time.Now()
		if n > 0 && t0.IsZero() {
			n0, t0 = n, now
		}
		n1, t1 = n, now
		if !t0.IsZero() && (n >= ritBacklog*9/10 || now.Sub(t0) >= ritWindow) {
			break
		}
		if now.After(deadline) {
			t.Fatalf("%s: %d hot records read in 3 min", what, n)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-tick.C:
		}
	}
	if n1 == n0 {
		t.Errorf("%s: %d hot records read at the first look, %d %v later: no rate", what, n0, n1, t1.Sub(t0))
		return 0
	}
	return float64(n1-n0) / t1.Sub(t0).Seconds()
}

// ritReader reads topics from the start with a kafkaread.Reader (Default,
// BatchLoop) and returns the hot topic's rate (ritRate).
func ritReader(ctx context.Context, t *testing.T, k *realstack.Kafka, topics []string) float64 {
	t.Helper()
	var parts []kafkaread.Partition
	for _, tp := range topics {
		parts = append(parts, kafkaread.Partition{Topic: tp, Partition: 0, Offset: sarama.OffsetOldest})
	}
	r, err := kafkaread.New(kafkaread.Config{Brokers: k.Addrs(), Partitions: parts, Sarama: k.SaramaConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var hot atomic.Int64
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- r.Run(rctx, func(_ context.Context, b kafkaread.Batch) error {
			if b.Topic == ritHot {
				hot.Add(int64(len(b.Records)))
			}
			return nil
		})
	}()
	rate := ritRate(ctx, t, "kafkaread", time.Millisecond, func() (int64, error) { return hot.Load(), nil })
	stop()
	if err := <-done; err != nil && rctx.Err() == nil {
		t.Fatal(err)
	}
	return rate
}

// ritSim is adaptivetimeout/sim's hot-reader rate for Beam's loop beside
// idle readers, with policy p and the simulator's defaults.
func ritSim(t *testing.T, idle int, p adaptivetimeout.Policy) int {
	t.Helper()
	readers := []sim.Traffic{sim.Hot()}
	for range idle {
		readers = append(readers, sim.Idle())
	}
	res, err := sim.Run(context.Background(), sim.Config{Readers: readers, Seed: 1}, adaptivetimeout.BeamLoop{}, p)
	if err != nil {
		t.Fatal(err)
	}
	return int(res.Throughput(0))
}
