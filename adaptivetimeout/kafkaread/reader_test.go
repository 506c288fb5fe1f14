package kafkaread_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/kafkaread"
)

// TestReadAll reads partitions of very different sizes, some empty, with
// each loop and policy: every record exactly once, in order per partition,
// and the positions end at the partitions' ends.
func TestReadAll(t *testing.T) {
	for _, c := range []struct {
		name   string
		loop   adaptivetimeout.Loop
		policy adaptivetimeout.Policy
		counts []int
	}{
		{"Default/BatchLoop", adaptivetimeout.BatchLoop{}, &adaptivetimeout.Default{}, []int{50, 0, 3000, 7, 1200, 1}},
		{"NoWait/BatchLoop small batches", adaptivetimeout.BatchLoop{Batch: 3, MaxBatch: 5}, adaptivetimeout.NoWait{}, []int{50, 0, 300, 7, 120, 1}},
		{"BeamAIAD/BeamLoop", adaptivetimeout.BeamLoop{}, adaptivetimeout.BeamAIAD{}, []int{5, 0, 30, 7, 60, 1}},
		{"Fixed 1ms/BeamLoop", adaptivetimeout.BeamLoop{}, adaptivetimeout.Fixed{Wait: time.Millisecond}, []int{5, 0, 30, 7, 60, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := int32(len(c.counts))
			kc := newCluster(t, "orders", n)
			total := 0
			for p, k := range c.counts {
				kc.produce("orders", int32(p), 0, k)
				total += k
			}
			r, err := kafkaread.New(kafkaread.Config{Client: kc.client(), Partitions: partitions("orders", n, sarama.OffsetOldest), Loop: c.loop, Policy: c.policy, Buffer: 100})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			col := newCollector(total, cancel)
			if err := run(t, r, ctx, col.handle); !errors.Is(err, context.Canceled) {
				t.Fatalf("Run = %v, want context.Canceled", err)
			}
			for p, k := range c.counts {
				if got := col.values(int32(p)); !slices.Equal(got, expect(int32(p), 0, k)) {
					t.Errorf("partition %d: got %d records %.60v, want %d in order", p, len(got), got, k)
				}
				if pos := r.Positions()[p]; pos.Offset != int64(k) || pos.Partition != int32(p) || pos.Topic != "orders" {
					t.Errorf("position %+v, want orders/%d at %d", pos, p, k)
				}
			}
			t.Logf("%d records in %d batches", total, col.batches)
			if c.name == "Default/BatchLoop" && col.batches >= total/2 {
				t.Errorf("%d batches for %d records: not batching", col.batches, total)
			}
		})
	}
}

// TestResume stops a reader midway and runs it again, and starts a second
// reader from the first one's positions: together they read every record
// exactly once.
func TestResume(t *testing.T) {
	kc := newCluster(t, "t", 2)
	kc.produce("t", 0, 0, 100)
	kc.produce("t", 1, 0, 100)
	r, err := kafkaread.New(kafkaread.Config{Client: kc.client(), Partitions: partitions("t", 2, 0), Loop: adaptivetimeout.BatchLoop{Batch: 10, MaxBatch: 10}, Buffer: 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := newCollector(60, cancel)
	if err := run(t, r, ctx, first.handle); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	pos := r.Positions()
	for p := range int32(2) {
		if got := int64(len(first.values(p))); pos[p].Offset != got {
			t.Fatalf("partition %d: position %d after %d records", p, pos[p].Offset, got)
		}
	}
	kc.produce("t", 0, 100, 20)
	// A new reader from the positions, as after a restart from a commit.
	starts := []kafkaread.Partition{{Topic: "t", Partition: 0, Offset: pos[0].Offset}, {Topic: "t", Partition: 1, Offset: pos[1].Offset}}
	r2, err := kafkaread.New(kafkaread.Config{Client: kc.client(), Partitions: starts})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	second := newCollector(220-first.total, cancel)
	if err := run(t, r2, ctx, second.handle); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	// The first reader resumes too, from where it stopped.
	ctx, cancel = context.WithCancel(context.Background())
	third := newCollector(220-first.total, cancel)
	if err := run(t, r, ctx, third.handle); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for p, n := range []int{120, 100} {
		if got := append(first.values(int32(p)), second.values(int32(p))...); !slices.Equal(got, expect(int32(p), 0, n)) {
			t.Errorf("partition %d, restarted from positions: %d records, want %d in order", p, len(got), n)
		}
		if got := append(first.values(int32(p)), third.values(int32(p))...); !slices.Equal(got, expect(int32(p), 0, n)) {
			t.Errorf("partition %d, resumed: %d records, want %d in order", p, len(got), n)
		}
	}
}

// TestStartOffsets starts at the oldest offset, the newest, and an
// explicit one; Run resolves the first two into positions that can be
// committed before any record is read.
func TestStartOffsets(t *testing.T) {
	kc := newCluster(t, "t", 3)
	for p := range int32(3) {
		kc.produce("t", p, 0, 10)
	}
	r, err := kafkaread.New(kafkaread.Config{Client: kc.client(), Partitions: []kafkaread.Partition{
		{Topic: "t", Partition: 0, Offset: sarama.OffsetOldest},
		{Topic: "t", Partition: 1, Offset: sarama.OffsetNewest},
		{Topic: "t", Partition: 2, Offset: 3},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := offsetsOf(r.Positions()); !slices.Equal(got, []int64{sarama.OffsetOldest, sarama.OffsetNewest, 3}) {
		t.Fatalf("positions before Run: %v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	col := newCollector(15+5+12, cancel)
	done := make(chan error, 1)
	go func() { done <- run(t, r, ctx, col.handle) }()
	deadline := time.Now().Add(30 * time.Second)
	for r.Positions()[1].Offset != 10 { // resolved: now records after it are read
		if time.Now().After(deadline) {
			t.Fatalf("newest offset not resolved: %v", r.Positions())
		}
		time.Sleep(5 * time.Millisecond)
	}
	for p := range int32(3) {
		kc.produce("t", p, 10, 5)
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for p, from := range []int{0, 10, 3} {
		if got := col.values(int32(p)); !slices.Equal(got, expect(int32(p), from, 15)) {
			t.Errorf("partition %d: %v, want records %d..14", p, got, from)
		}
	}
	if got := offsetsOf(r.Positions()); !slices.Equal(got, []int64{15, 15, 15}) {
		t.Errorf("positions after Run: %v", got)
	}
}

func offsetsOf(ps []kafkaread.Position) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.Offset
	}
	return out
}

// TestHandlerError stops Run at the first failing batch, whose records do
// not count as read: the position is the batch's first offset, and the
// next Run delivers them again.
func TestHandlerError(t *testing.T) {
	kc := newCluster(t, "t", 1)
	kc.produce("t", 0, 0, 20)
	r, err := kafkaread.New(kafkaread.Config{Client: kc.client(), Partitions: partitions("t", 1, 0), Loop: adaptivetimeout.BatchLoop{Batch: 4, MaxBatch: 4}, Buffer: 4})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	var failedAt int64 = -1
	err = run(t, r, context.Background(), func(_ context.Context, b kafkaread.Batch) error {
		if b.Next() > 10 {
			failedAt = b.Records[0].Offset
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want boom", err)
	}
	if got := r.Positions()[0].Offset; got != failedAt || got > 10 {
		t.Fatalf("position %d, want the failed batch's first offset %d", got, failedAt)
	}
	ctx, cancel := context.WithCancel(context.Background())
	col := newCollector(20-int(failedAt), cancel)
	if err := run(t, r, ctx, col.handle); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if got := col.values(0); !slices.Equal(got, expect(0, int(failedAt), 20)) {
		t.Errorf("after the failure: %v, want records %d..19", got, failedAt)
	}
}

// TestOffsetOutOfRange fails Run when a start offset is beyond the log.
func TestOffsetOutOfRange(t *testing.T) {
	kc := newCluster(t, "t", 2)
	kc.produce("t", 0, 0, 5)
	r, err := kafkaread.New(kafkaread.Config{Client: kc.client(), Partitions: []kafkaread.Partition{{Topic: "t", Partition: 0}, {Topic: "t", Partition: 1, Offset: 99}}})
	if err != nil {
		t.Fatal(err)
	}
	err = run(t, r, context.Background(), func(context.Context, kafkaread.Batch) error { return nil })
	if !errors.Is(err, sarama.ErrOffsetOutOfRange) {
		t.Fatalf("Run = %v, want ErrOffsetOutOfRange", err)
	}
}

// TestRunStates: one Run at a time, Close only when none runs, no Run
// after Close.
func TestRunStates(t *testing.T) {
	kc := newCluster(t, "t", 1)
	r, err := kafkaread.New(kafkaread.Config{Brokers: kc.kc.ListenAddrs(), Partitions: partitions("t", 1, sarama.OffsetNewest)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(t, r, ctx, func(context.Context, kafkaread.Batch) error { return nil }) }()
	deadline := time.Now().Add(30 * time.Second)
	for r.Positions()[0].Offset < 0 { // Run has started
		if time.Now().After(deadline) {
			t.Fatal("Run did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := r.Run(ctx, func(context.Context, kafkaread.Batch) error { return nil }); !errors.Is(err, kafkaread.ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
	if err := r.Close(); !errors.Is(err, kafkaread.ErrRunning) {
		t.Errorf("Close while running = %v, want ErrRunning", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Run(context.Background(), func(context.Context, kafkaread.Batch) error { return nil }); !errors.Is(err, kafkaread.ErrClosed) {
		t.Errorf("Run after Close = %v, want ErrClosed", err)
	}
	if err := r.Run(context.Background(), nil); err == nil {
		t.Error("Run with a nil handler succeeded")
	}
}
