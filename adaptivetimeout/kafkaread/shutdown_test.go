package kafkaread_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/kafkaread"
)

// TestShutdownNoLeak cancels Run, in the middle of reading and while
// every partition is idle, with each loop, and checks that every
// goroutine the Reader (and its sarama client) started is gone after
// Close.
func TestShutdownNoLeak(t *testing.T) {
	for _, c := range []struct {
		name    string
		loop    adaptivetimeout.Loop
		records int // cancel after this many; 0: cancel while idle
	}{
		{"BatchLoop/reading", adaptivetimeout.BatchLoop{}, 500},
		{"BatchLoop/idle", adaptivetimeout.BatchLoop{}, 0},
		{"BeamLoop/reading", adaptivetimeout.BeamLoop{}, 50},
		{"BeamLoop/idle", adaptivetimeout.BeamLoop{}, 0},
	} {
		t.Run(c.name, func(t *testing.T) { shutdown(t, c.loop, c.records) })
	}
}

// shutdown reads 20 partitions with loop, cancels Run after records
// records (0: once the loop idles), closes the Reader and checks that the
// goroutines are back to what they were before New.
func shutdown(t *testing.T, loop adaptivetimeout.Loop, records int) {
	kc := newCluster(t, "t", 20)
	if records > 0 {
		kc.produce("t", 7, 0, 5000)
	}
	base, _ := goroutines()
	r, err := kafkaread.New(kafkaread.Config{Brokers: kc.kc.ListenAddrs(), Partitions: partitions("t", 20, sarama.OffsetOldest), Loop: loop})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	col := newCollector(records, nil)
	var cancelled time.Time
	done := make(chan error, 1)
	go func() {
		done <- run(t, r, ctx, func(ctx context.Context, b kafkaread.Batch) error {
			_ = col.handle(ctx, b)
			if records > 0 && col.total >= records && cancelled.IsZero() {
				cancelled = time.Now()
				cancel()
			}
			return nil
		})
	}()
	if records == 0 {
		waitStarted(t, r)
		time.Sleep(100 * time.Millisecond) // let the loop settle into its idle wait
		cancelled = time.Now()
		cancel()
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	t.Logf("Run returned %v after cancel", time.Since(cancelled).Round(time.Millisecond))
	start := time.Now()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Close took %v", time.Since(start).Round(time.Millisecond))
	settle(t, base)
}

// TestSharedClientStaysOpen: with a client of the caller's, Run and Close
// leave it open and usable, and leak nothing of their own.
func TestSharedClientStaysOpen(t *testing.T) {
	kc := newCluster(t, "t", 3)
	kc.produce("t", 1, 0, 10)
	client := kc.client()
	if _, err := client.Partitions("t"); err != nil {
		t.Fatal(err)
	}
	for _, b := range client.Brokers() { // the client's own connections, kept open
		_ = b.Open(client.Config())
		if ok, err := b.Connected(); !ok {
			t.Fatalf("broker %d: %v", b.ID(), err)
		}
	}
	base, _ := goroutines()
	for range 2 {
		r, err := kafkaread.New(kafkaread.Config{Client: client, Partitions: partitions("t", 3, sarama.OffsetOldest)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		col := newCollector(10, cancel)
		if err := run(t, r, ctx, col.handle); !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if client.Closed() {
			t.Fatal("Close closed the caller's client")
		}
	}
	settle(t, base)
}

// waitStarted waits until Run has resolved the start offsets.
func waitStarted(t *testing.T, r *kafkaread.Reader) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		started := true
		for _, p := range r.Positions() {
			started = started && p.Offset >= 0
		}
		if started {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
