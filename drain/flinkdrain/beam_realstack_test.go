//go:build realstack

package flinkdrain_test

// The real tier on the seed's own stack: stop-with-drain through
// flinkdrain of a Beam KafkaIO pipeline (realstack.BeamJob: Beam 2.70.0's
// classic FlinkRunner on Flink 1.19.3, Kafka 4.4) while records keep
// arriving. The drain must end Drained with the savepoint on disk, the job
// FINISHED and no cancel sent; every record the Beam source read must be in
// the sink topic, once (nothing was restarted, so the plain at-least-once
// KafkaIO writer has nothing to repeat). The drain's savepoint commits the
// group's offsets (KafkaIO commits offsets when a checkpoint finalizes): the
// sink must hold exactly the input's records below them.
//
//	flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -run TestRealBeamDrain -v ./drain/flinkdrain

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

func TestRealBeamDrain(t *testing.T) {
	start := time.Now()
	k := realstack.StartKafka(t, realstack.KafkaConfig{})
	f := realstack.StartFlink(t, realstack.FlinkConfig{Version: "1.19", TaskManagers: 1, Slots: 2, MetricsFetchInterval: 500 * time.Millisecond})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	store, err := drain.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	const in, out, group = "beamdrain-in", "beamdrain-out", "beamdrain"
	if err := realstack.CreateTopics(ctx, k, 2, in, out); err != nil {
		t.Fatal(err)
	}
	s, err := f.SubmitBeam(ctx, realstack.BeamJob{BootstrapServers: strings.Join(k.Addrs(), ","), Topics: []string{in}, Out: out,
		Group: group, Cost: 200 * time.Microsecond, CheckpointInterval: time.Second, Name: "beamdrain"})
	if err != nil {
		t.Fatal(err)
	}
	id := flinkapi.JobID(s)
	realtest.WaitRunning(ctx, t, c, id, nil)

	// Records arrive at 300/s before, during and after the drain.
	var produced atomic.Int64
	prodCtx, stopProducing := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var prodErr error
	wg.Go(func() {
		prodErr = realstack.ProduceAtRate(prodCtx, k, in, func(time.Time) (float64, bool) { return 300, false }, &produced)
	})
	realtest.Eventually(ctx, t, "the Beam source to emit 3000 records", 3*time.Minute, func() (bool, error) {
		n, err := sourceEmitted(ctx, c, id)
		return n >= 3000, err
	})
	rf, op := realDrainOnce(ctx, t, c, store, id)
	stopProducing()
	wg.Wait()
	if prodErr != nil && prodCtx.Err() == nil {
		t.Fatal(prodErr)
	}
	checkDrained(ctx, t, f, c, rf, store, id, op)

	// What the drain left committed for the group is what the source read:
	// the sink must hold exactly the input's records below those offsets.
	kv := realtest.NewOffsets(t, k)
	committed, err := kv.Committed(group, in)
	if err != nil {
		t.Fatal(err)
	}
	read, err := inputBelow(k, in, committed)
	if err != nil {
		t.Fatal(err)
	}
	var counts map[string]int
	realtest.Eventually(ctx, t, out+" to hold every record read", time.Minute, func() (bool, error) {
		var err error
		counts, err = realstack.TestRecordCounts(ctx, k, out)
		return err == nil && len(counts) >= len(read), err
	})
	var total, twice, missing, extra int
	for v, n := range counts {
		total += n
		if n > 1 {
			twice++
		}
		if !read[v] {
			extra++
		}
	}
	for v := range read {
		if counts[v] == 0 {
			missing++
		}
	}
	emitted, err := sourceEmitted(ctx, c, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MEASURE beam drain: %s in %d attempt(s); produced %d; the group's offsets committed by the drain cover %d records (offsets %v); the sink holds %d distinct in %d records (%d more than once, %d missing, %d not below the offsets); the finished job's source vertex counts %d records out; %v in all",
		op.State, op.Attempts(), produced.Load(), len(read), committed, len(counts), total, twice, missing, extra, emitted, time.Since(start).Round(time.Second))
	if len(read) == 0 || missing != 0 || extra != 0 || twice != 0 {
		t.Errorf("sink against the records below the committed offsets: %d missing, %d extra, %d more than once (of %d read)", missing, extra, twice, len(read))
	}
}

// inputBelow reads topic's records below offsets (one per partition) and
// returns their values.
func inputBelow(k *realstack.Kafka, topic string, offsets []int64) (map[string]bool, error) {
	cons, err := sarama.NewConsumer(k.Addrs(), k.SaramaConfig())
	if err != nil {
		return nil, err
	}
	defer cons.Close()
	vals := map[string]bool{}
	for p, end := range offsets {
		if end <= 0 {
			continue
		}
		pc, err := cons.ConsumePartition(topic, int32(p), sarama.OffsetOldest)
		if err != nil {
			return nil, err
		}
		for m := range pc.Messages() {
			vals[string(m.Value)] = true
			if m.Offset+1 >= end {
				break
			}
		}
		if err := pc.Close(); err != nil {
			return nil, err
		}
	}
	return vals, nil
}

// sourceEmitted is what the Beam job's source vertex has emitted.
func sourceEmitted(ctx context.Context, c *flinkapi.Client, id flinkapi.JobID) (int64, error) {
	d, err := c.JobDetails(ctx, id)
	if err != nil {
		return 0, err
	}
	for _, v := range d.Vertices {
		if strings.HasPrefix(v.Name, "Source: ReadKafka") {
			return v.Metrics.WriteRecords, nil
		}
	}
	return 0, fmt.Errorf("no Beam source vertex in %d vertices", len(d.Vertices))
}
