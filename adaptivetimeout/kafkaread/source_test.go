package kafkaread

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// fakePC is a sarama.PartitionConsumer the test feeds by hand.
type fakePC struct {
	msgs chan *sarama.ConsumerMessage
	errs chan *sarama.ConsumerError
	hwm  atomic.Int64
}

func newFakePC() *fakePC {
	return &fakePC{msgs: make(chan *sarama.ConsumerMessage, 100), errs: make(chan *sarama.ConsumerError, 10)}
}

func (f *fakePC) AsyncClose()                              {}
func (f *fakePC) Close() error                             { return nil }
func (f *fakePC) Messages() <-chan *sarama.ConsumerMessage { return f.msgs }
func (f *fakePC) Errors() <-chan *sarama.ConsumerError     { return f.errs }
func (f *fakePC) HighWaterMarkOffset() int64               { return f.hwm.Load() }
func (f *fakePC) Pause()                                   {}
func (f *fakePC) Resume()                                  {}
func (f *fakePC) IsPaused() bool                           { return false }
func (f *fakePC) send(from, to int64) {
	for o := from; o < to; o++ {
		f.msgs <- &sarama.ConsumerMessage{Topic: "t", Offset: o}
	}
	f.hwm.Store(max(f.hwm.Load(), to))
}

// recorder is a Handler keeping the offsets it was given.
type recorder struct {
	mu   sync.Mutex
	offs []int64
	fail error
}

func (r *recorder) handle(_ context.Context, b Batch) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	for _, m := range b.Records {
		r.offs = append(r.offs, m.Offset)
	}
	return nil
}

func testSource(t *testing.T, capacity int, pcs ...*fakePC) (*source, *recorder) {
	t.Helper()
	bufs := make([]*buffer, len(pcs))
	for i, pc := range pcs {
		bufs[i] = newBuffer(Partition{Topic: "t", Partition: int32(i)}, pc, capacity, 0)
	}
	rec := &recorder{}
	s := newSource(bufs, make([]atomic.Int64, len(pcs)), rec.handle, slog.New(slog.DiscardHandler))
	t.Cleanup(s.stop)
	return s, rec
}

// liveness bounds waits that must end; it is not a performance assertion.
const liveness = 30 * time.Second

// Before sarama's first fetch response its high watermark reads 0: the
// backlog is unknown with a reason, not a 0 nobody measured.
func TestSourceBacklogUnknownBeforeFetch(t *testing.T) {
	s, _ := testSource(t, 3, newFakePC())
	rd, err := s.Wait(context.Background(), 0, 0)
	if err != nil || rd.Records != 0 {
		t.Fatalf("Wait = %+v, %v; want nothing held", rd, err)
	}
	if rd.Backlog.Known() || rd.Backlog.Reason() != adaptivetimeout.NoFetchResponse {
		t.Errorf("backlog %v, want unknown (%s)", rd.Backlog, adaptivetimeout.NoFetchResponse)
	}
}

func TestSourceWaitEmit(t *testing.T) {
	pc := newFakePC()
	pc.hwm.Store(7)
	pc.send(0, 5)
	s, rec := testSource(t, 3, pc)
	ctx := context.Background()
	rd, err := s.Wait(ctx, 0, liveness)
	if err != nil || rd.Records != 3 || rd.Backlog != adaptivetimeout.Known[int64](4) || rd.Since.IsZero() {
		t.Fatalf("Wait = %+v, %v; want the 3 records that fit, backlog 7-3", rd, err)
	}
	if err := s.Emit(ctx, 0, 2); err != nil {
		t.Fatal(err)
	}
	if got := s.pos[0].Load(); got != 2 {
		t.Fatalf("position %d after offsets 0, 1", got)
	}
	if err := s.Emit(ctx, 0, 9); err == nil {
		t.Fatal("Emit of more than held succeeded")
	}
	rd.Records = 0
	for rd.Records != 3 { // the feeder refills the freed room
		if rd, err = s.Wait(ctx, 0, liveness); err != nil {
			t.Fatal(err)
		}
		if rd.Records < 3 {
			time.Sleep(time.Millisecond)
		}
	}
	if rd.Backlog != adaptivetimeout.Known[int64](2) {
		t.Errorf("backlog %v, want 7-5", rd.Backlog)
	}
	rec.fail = errors.New("boom")
	if err := s.Emit(ctx, 0, 1); !errors.Is(err, rec.fail) {
		t.Fatalf("Emit = %v, want the handler's error", err)
	}
	if got := s.pos[0].Load(); got != 2 {
		t.Fatalf("position %d moved past a failed batch", got)
	}
	rec.fail = nil
	if err := s.Emit(ctx, 0, 2); err != nil {
		t.Fatal(err)
	}
	// Offset 2 is gone from the buffer: the loop stops at a failed Emit,
	// and the next Run starts again from the position.
	if want := []int64{0, 1, 3, 4}; !slices.Equal(rec.offs, want) || s.pos[0].Load() != 5 {
		t.Errorf("handled %v, position %d; want %v, 5 (offset 2 failed)", rec.offs, s.pos[0].Load(), want)
	}
}

func TestSourceIdle(t *testing.T) {
	idle, busy := newFakePC(), newFakePC()
	s, _ := testSource(t, 10, idle, busy)
	ctx := context.Background()
	if rd, err := s.Wait(ctx, 0, time.Millisecond); err != nil || rd.Records != 0 {
		t.Fatalf("Wait on an idle partition = %+v, %v", rd, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Wait(cancelled, 0, liveness); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a cancelled ctx = %v", err)
	}
	if err := s.WaitAny(cancelled, liveness); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitAny with a cancelled ctx = %v", err)
	}
	if err := s.Sleep(cancelled, liveness); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep with a cancelled ctx = %v", err)
	}
	go busy.send(0, 1)
	start := time.Now()
	if err := s.WaitAny(ctx, liveness); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) >= liveness {
		t.Fatal("WaitAny did not wake on a record")
	}
	if rd, _ := s.Wait(ctx, 1, 0); rd.Records != 1 {
		t.Fatalf("the record that woke WaitAny is not there: %+v", rd)
	}
	if err := s.WaitAny(ctx, liveness); err != nil { // returns at once: records are held
		t.Fatal(err)
	}
}

func TestSourcePartitionStopped(t *testing.T) {
	pc := newFakePC()
	pc.send(0, 2)
	pc.errs <- &sarama.ConsumerError{Topic: "t", Err: sarama.ErrOffsetOutOfRange}
	s, _ := testSource(t, 10, pc)
	ctx := context.Background()
	rd, err := s.Wait(ctx, 0, liveness)
	if err != nil || rd.Records == 0 {
		t.Fatalf("Wait = %+v, %v", rd, err)
	}
	if err := s.Emit(ctx, 0, rd.Records); err != nil {
		t.Fatal(err)
	}
	close(pc.msgs)
	close(pc.errs)
	for {
		rd, err = s.Wait(ctx, 0, liveness)
		if err != nil {
			break
		}
		if rd.Records > 0 {
			if err := s.Emit(ctx, 0, rd.Records); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !errors.Is(err, ErrPartitionStopped) || !errors.Is(err, sarama.ErrOffsetOutOfRange) {
		t.Fatalf("Wait after the consumer stopped = %v, want ErrPartitionStopped with sarama's reason", err)
	}
	if err := s.WaitAny(ctx, liveness); err != nil { // a stopped partition needs the loop's attention
		t.Fatal(err)
	}
	if s.pos[0].Load() != 2 {
		t.Errorf("position %d, want 2", s.pos[0].Load())
	}
}
