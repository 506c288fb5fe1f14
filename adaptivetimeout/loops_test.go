package adaptivetimeout_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// script is a Source in virtual time whose readers receive batches at
// scripted times; it logs every call. Emitting costs 1 µs a record; a look
// costs nothing.
type script struct {
	now     time.Duration
	end     time.Duration
	readers []*scripted
	log     []string
}

type scripted struct {
	batches []batch // still to come, in time order
	held    int
	since   time.Duration
	backlog int64
	fetched bool // whether a batch has come: the backlog is known
}

type batch struct {
	at      time.Duration
	n       int
	backlog int64 // Kafka's backlog once the batch is taken
}

var errEnd = errors.New("end of script")

func (s *script) Len() int       { return len(s.readers) }
func (s *script) Now() time.Time { return t0.Add(s.now) }

func (s *script) advance(t time.Duration) error {
	if t >= s.end {
		s.now = s.end
		return errEnd
	}
	s.now = max(s.now, t)
	return nil
}

func (s *script) Wait(_ context.Context, i int, d time.Duration) (adaptivetimeout.Ready, error) {
	r := s.readers[i]
	if r.held == 0 && len(r.batches) > 0 {
		if b := r.batches[0]; b.at <= s.now+max(d, 0) {
			if err := s.advance(b.at); err != nil {
				return adaptivetimeout.Ready{}, err
			}
			r.held, r.since, r.backlog, r.batches, r.fetched = b.n, b.at, b.backlog, r.batches[1:], true
		}
	}
	if r.held == 0 && d > 0 {
		if err := s.advance(s.now + d); err != nil {
			return adaptivetimeout.Ready{}, err
		}
	}
	s.log = append(s.log, fmt.Sprintf("wait %d %v: %d", i, d, r.held))
	rd := adaptivetimeout.Ready{Records: r.held, Backlog: adaptivetimeout.Unknown[int64](adaptivetimeout.NoFetchResponse)}
	if r.fetched {
		rd.Backlog = adaptivetimeout.Known(r.backlog)
	}
	if r.held > 0 {
		rd.Since = t0.Add(r.since)
	}
	return rd, nil
}

func (s *script) Emit(_ context.Context, i, n int) error {
	r := s.readers[i]
	if n < 1 || n > r.held {
		return fmt.Errorf("emit %d of %d", n, r.held)
	}
	r.held -= n
	s.log = append(s.log, fmt.Sprintf("emit %d %d", i, n))
	return s.advance(s.now + time.Duration(n)*time.Microsecond)
}

func (s *script) WaitAny(_ context.Context, d time.Duration) error {
	s.log = append(s.log, fmt.Sprintf("waitany %v", d))
	t := s.now + d
	for _, r := range s.readers {
		if r.held > 0 {
			return nil
		}
		if len(r.batches) > 0 {
			t = min(t, max(r.batches[0].at, s.now))
		}
	}
	return s.advance(t)
}

func (s *script) Sleep(_ context.Context, d time.Duration) error {
	s.log = append(s.log, fmt.Sprintf("sleep %v", d))
	return s.advance(s.now + d)
}

// run runs loop over s with p until the script ends.
func run(t *testing.T, loop adaptivetimeout.Loop, s *script, p adaptivetimeout.Policy) {
	t.Helper()
	if err := loop.Run(context.Background(), s, p); !errors.Is(err, errEnd) {
		t.Fatalf("Run = %v, want the end of the script", err)
	}
}

func TestBeamLoopOneRecordPerReaderPerPass(t *testing.T) {
	s := &script{end: 200 * ms, readers: []*scripted{
		{batches: []batch{{0, 3, 0}}},
		{},
		{batches: []batch{{0, 1, 0}}},
	}}
	run(t, adaptivetimeout.BeamLoop{}, s, adaptivetimeout.Fixed{})
	want := []string{
		"wait 0 10ms: 3", "emit 0 1", "wait 1 10ms: 0", "wait 2 10ms: 1", "emit 2 1", // pass 1
		"emit 0 1", "wait 1 10ms: 0", "wait 2 10ms: 0", // pass 2: reader 0 still holds records, no wait
		"emit 0 1", "wait 1 10ms: 0", "wait 2 10ms: 0", // pass 3
		"wait 0 10ms: 0", "wait 1 10ms: 0", "wait 2 10ms: 0", "sleep 50ms", // pass 4: all empty, sleep
	}
	if !slices.Equal(s.log[:len(want)], want) {
		t.Fatalf("calls:\n%v\nwant:\n%v", s.log[:len(want)], want)
	}
}

// TestBeamLoopStarvation is the failure in miniature: a hot reader and 20
// idle ones at Beam's 10 ms: one hot record per 200 ms pass.
func TestBeamLoopStarvation(t *testing.T) {
	s := &script{end: 10 * time.Second, readers: []*scripted{{batches: []batch{{0, 1 << 30, 1 << 40}}}}}
	for range 20 {
		s.readers = append(s.readers, &scripted{})
	}
	run(t, adaptivetimeout.BeamLoop{}, s, adaptivetimeout.Fixed{})
	emitted := 0
	for _, l := range s.log {
		if l == "emit 0 1" {
			emitted++
		}
	}
	if emitted != 50 { // 10 s / (20 x 10 ms + 1 µs)
		t.Fatalf("hot reader emitted %d records in 10 s, want 50", emitted)
	}
}

func TestBatchLoopBudget(t *testing.T) {
	s := &script{end: 30 * ms, readers: []*scripted{
		{batches: []batch{{0, 1500, 1 << 40}, {0, 1500, 1 << 40}, {0, 1500, 1 << 40}}}, // far behind
		{batches: []batch{{0, 700, 0}}},    // holds 700, nothing more in Kafka
		{batches: []batch{{0, 1200, 300}}}, // 1200 + 300: budget 1500
		{},
	}}
	run(t, adaptivetimeout.BatchLoop{}, s, adaptivetimeout.NoWait{})
	want := []string{
		"wait 0 0s: 1500", "emit 0 1500", "wait 0 0s: 1500", "emit 0 500", // budget 2000 (MaxBatch)
		"wait 1 0s: 700", "emit 1 700", // budget 700: held 700, no backlog (at least Batch)
		"wait 2 0s: 1200", "emit 2 1200", "wait 2 0s: 0", // budget 1500; nothing more yet
		"wait 3 0s: 0",
		"emit 0 1000", "wait 0 0s: 1500", "emit 0 1000", // pass 2: reader 0 had 1000 left
		"wait 1 0s: 0", "wait 2 0s: 0", "wait 3 0s: 0",
	}
	if !slices.Equal(s.log[:len(want)], want) {
		t.Fatalf("calls:\n%v\nwant:\n%v", s.log[:len(want)], want)
	}
}

func TestBatchLoopMaxVisit(t *testing.T) {
	s := &script{end: 20 * ms, readers: []*scripted{{batches: []batch{{0, 100, 1 << 40}, {0, 100, 1 << 40}, {0, 100, 1 << 40}}}, {}}}
	run(t, adaptivetimeout.BatchLoop{MaxVisit: 150 * time.Microsecond}, s, adaptivetimeout.NoWait{})
	// The visit ends after 200 µs > 150 µs of emitting, with 200 of its
	// 2000 records.
	want := []string{"wait 0 0s: 100", "emit 0 100", "wait 0 0s: 100", "emit 0 100", "wait 1 0s: 0", "wait 0 0s: 100", "emit 0 100"}
	if !slices.Equal(s.log[:len(want)], want) {
		t.Fatalf("calls:\n%v\nwant:\n%v", s.log[:len(want)], want)
	}
}

// TestBatchLoopNoFixedSleep: an all-empty pass waits for any reader, up
// to IdleWait, and the loop resumes as soon as data arrives.
func TestBatchLoopNoFixedSleep(t *testing.T) {
	s := &script{end: 100 * ms, readers: []*scripted{{}, {batches: []batch{{7 * ms, 1, 0}}}}}
	run(t, adaptivetimeout.BatchLoop{}, s, adaptivetimeout.NoWait{})
	want := []string{"wait 0 0s: 0", "wait 1 0s: 0", "waitany 50ms", "wait 0 0s: 0", "wait 1 0s: 1", "emit 1 1", "wait 1 0s: 0", "wait 0 0s: 0", "wait 1 0s: 0", "waitany 50ms"}
	if !slices.Equal(s.log[:len(want)], want) {
		t.Fatalf("calls:\n%v\nwant:\n%v", s.log[:len(want)], want)
	}
	for _, l := range s.log {
		if l == "sleep 50ms" {
			t.Fatal("BatchLoop slept")
		}
	}
}

// spy is a policy recording the outcomes its readers are given.
type spy struct{ outs *[]adaptivetimeout.Outcome }

func (p spy) NewReader() adaptivetimeout.Reader {
	return adaptivetimeout.Func(func(_ time.Time, o adaptivetimeout.Outcome) time.Duration {
		*p.outs = append(*p.outs, o)
		return 10 * ms
	})
}

// TestOutcomes checks what the loop tells a policy: the records since the
// previous wait, how long it waited, the backlog, and the latency of
// records Kafka already held when the reader ran out.
func TestOutcomes(t *testing.T) {
	var outs []adaptivetimeout.Outcome
	s := &script{end: 100 * ms, readers: []*scripted{{batches: []batch{
		{2 * ms, 3, 500}, // the first wait finds 3 records after 2 ms; Kafka holds 500 more
		{20 * ms, 2, 0},  // runs out at ~2 ms with a backlog: waits 10 ms in vain, then finds 2 at 20 ms
	}}}}
	run(t, adaptivetimeout.BeamLoop{}, s, spy{&outs})
	if len(outs) < 4 {
		t.Fatalf("%d outcomes", len(outs))
	}
	check := func(i int, start time.Duration, waited time.Duration, records int, latency adaptivetimeout.Figure[time.Duration], backlog adaptivetimeout.Figure[int64]) {
		t.Helper()
		want := adaptivetimeout.Outcome{Start: t0.Add(start), Waited: waited, Records: records, Latency: latency, Backlog: backlog}
		if start < 0 {
			want.Start = time.Time{}
		}
		if outs[i] != want {
			t.Errorf("outcome %d: %+v\nwant %+v", i, outs[i], want)
		}
	}
	notMeasured := adaptivetimeout.Unknown[time.Duration](adaptivetimeout.NotMeasured)
	known := adaptivetimeout.Known[int64]
	// A new reader: nothing waited for, no fetch answered.
	check(0, -1, 0, 0, adaptivetimeout.Unknown[time.Duration](adaptivetimeout.NoPreviousWait), adaptivetimeout.Unknown[int64](adaptivetimeout.NoFetchResponse))
	check(1, 0, 2*ms, 3, notMeasured, known(500)) // found 3 after 2 ms; the reader was new, so no latency
	// Runs out at 2 ms + 3 µs with a backlog, waits 10 ms in vain.
	check(2, 2*ms+3*time.Microsecond, 10*ms, 0, notMeasured, known(500))
	// The next wait (after the 50 ms sleep) finds the records ready since
	// 20 ms: latency 20 ms - 2.003 ms; a known 0 backlog (caught up).
	check(3, 62*ms+3*time.Microsecond, 0, 2, adaptivetimeout.Known(18*ms-3*time.Microsecond), known(0))
}

func TestLoopsStopOnCancelAndErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, l := range []adaptivetimeout.Loop{adaptivetimeout.BeamLoop{}, adaptivetimeout.BatchLoop{}} {
		s := &script{end: time.Hour, readers: []*scripted{{}}}
		if err := l.Run(ctx, s, adaptivetimeout.NoWait{}); !errors.Is(err, context.Canceled) {
			t.Errorf("%T with a cancelled ctx: %v", l, err)
		}
		bad := &script{end: time.Hour, readers: []*scripted{{batches: []batch{{0, 1, 0}}}}}
		if err := l.Run(context.Background(), failing{bad}, adaptivetimeout.NoWait{}); !errors.Is(err, errBoom) {
			t.Errorf("%T with a failing Emit: %v", l, err)
		}
	}
	for _, l := range []interface{ Validate() error }{
		adaptivetimeout.BeamLoop{Sleep: -1},
		adaptivetimeout.BatchLoop{Batch: -1},
		adaptivetimeout.BatchLoop{Batch: 600, MaxBatch: 500},
		adaptivetimeout.BatchLoop{IdleWait: -1},
	} {
		if err := l.Validate(); !errors.Is(err, adaptivetimeout.ErrInvalidConfig) {
			t.Errorf("%+v: %v", l, err)
		}
		if err := l.(adaptivetimeout.Loop).Run(context.Background(), &script{}, adaptivetimeout.NoWait{}); !errors.Is(err, adaptivetimeout.ErrInvalidConfig) {
			t.Errorf("Run of %+v: %v", l, err)
		}
	}
}

var errBoom = errors.New("boom")

// failing is a script whose Emit fails.
type failing struct{ *script }

func (failing) Emit(context.Context, int, int) error { return errBoom }
