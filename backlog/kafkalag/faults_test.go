package kafkalag

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkscale/flinkscale/backlog"
)

// faultCluster is a cluster with "orders" (6 partitions, 5 records each, two
// per broker), group "g" committed at 1 everywhere, and a Lag after one
// warm-up evaluation (coordinator found, connections open).
func faultCluster(t *testing.T) (*testCluster, *Lag) {
	t.Helper()
	c := newCluster(t, map[string]int32{"orders": 6})
	c.produce("orders", all(6), 5, 10)
	c.commit("g", offsets("orders", 1, 1, 1, 1, 1, 1))
	l := c.newLag(Config{Groups: []Group{{Name: "g", Topics: []string{"orders"}}}, RetryBackoff: 10 * time.Millisecond})
	evaluate(t, l)
	return c, l
}

// allKnown checks every partition of "orders" has 4 records.
func allKnown(t *testing.T, s backlog.Snapshot) {
	t.Helper()
	if len(s.Partitions) != 6 || len(s.Errors) != 0 {
		t.Fatalf("partitions %d, errors %v", len(s.Partitions), s.Errors)
	}
	for _, p := range s.Partitions {
		if n, ok := p.Records.Value(); !ok || n != 4 {
			t.Errorf("%v: records %v (%s) offsets %+v", p.Key, p.Records, p.Detail, p.Offsets)
		}
	}
}

func TestNotLeaderRetriesOnlyThatPartition(t *testing.T) {
	c, l := faultCluster(t)
	ct := c.count()
	rec := c.recordListOffsets() // after count: observing faults go first
	c.kc.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: "orders", Partitions: []int32{4}, Err: kerr.NotLeaderForPartition})
	s, err := l.Backlog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	allKnown(t, s)
	if n := ct.total(kmsg.Metadata); n != 2 {
		t.Errorf("metadata requests = %d, want 2 (one refresh)", n)
	}
	reqs := rec.requests()
	if len(reqs) != 7 { // 3 brokers x 2 kinds + 1 retry
		t.Fatalf("ListOffsets requests = %d, want 7: %q", len(reqs), reqs)
	}
	retried := reqs[6]
	if len(retried) != 1 || !strings.HasPrefix(retried[0], "orders/4@") {
		t.Errorf("retry asked %q, want only orders/4", retried)
	}
}

func TestNotLeaderTwiceIsUnknownForThatPartition(t *testing.T) {
	c, l := faultCluster(t)
	ct := c.count()
	c.kc.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.ListOffsets}, Topic: "orders", Partitions: []int32{2}, Err: kerr.NotLeaderForPartition, Count: -1})
	s, err := l.Backlog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Partitions {
		n, ok := p.Records.Value()
		switch {
		case p.Key.Partition == 2 && (ok || p.Records.Reason() != backlog.FetchFailed || !strings.Contains(p.Detail, "leader")):
			t.Errorf("orders/2: records %v detail %q, want unknown (fetch failed) naming the leader error", p.Records, p.Detail)
		case p.Key.Partition != 2 && (!ok || n != 4):
			t.Errorf("%v: records %v", p.Key, p.Records)
		}
	}
	if n := ct.total(kmsg.Metadata); n != 2 {
		t.Errorf("metadata requests = %d, want 2: one refresh, one retry", n)
	}
}

func TestCoordinatorNotAvailableTwice(t *testing.T) {
	for _, e := range []*kerr.Error{kerr.CoordinatorNotAvailable, kerr.NotCoordinator, kerr.CoordinatorLoadInProgress} {
		t.Run(e.Message, func(t *testing.T) {
			c, l := faultCluster(t)
			ct := c.count()
			c.kc.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Group: "g", Err: e, Count: 2})
			s, err := l.Backlog(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			allKnown(t, s)
			if n := ct.total(kmsg.OffsetFetch); n != 3 {
				t.Errorf("OffsetFetch requests = %d, want 3", n)
			}
		})
	}
}

func TestCoordinatorNeverAvailable(t *testing.T) {
	c, l := faultCluster(t)
	c.kc.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Group: "g", Err: kerr.CoordinatorNotAvailable, Count: -1})
	s, err := l.Backlog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Errors) != 1 || s.Errors[0].Scope != "group g" || s.Errors[0].Reason != backlog.FetchFailed {
		t.Fatalf("errors = %v, want one for group g", s.Errors)
	}
	for _, p := range s.Partitions {
		if p.Records.Known() || !p.Offsets.End.Known() {
			t.Errorf("%v: records %v end %v: want records unknown, end known", p.Key, p.Records, p.Offsets.End)
		}
	}
}

// sleepListOffsets delays every ListOffsets request by d and records how
// many were asleep at once.
func sleepListOffsets(c *testCluster, d time.Duration) (maxAsleep, answered *atomic.Int64) {
	var asleep atomic.Int64
	maxAsleep, answered = new(atomic.Int64), new(atomic.Int64)
	c.kc.ControlKey(int16(kmsg.ListOffsets), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.kc.KeepControl()
		n := asleep.Add(1)
		for m := maxAsleep.Load(); n > m && !maxAsleep.CompareAndSwap(m, n); m = maxAsleep.Load() {
		}
		c.kc.SleepControl(func() { time.Sleep(d) })
		asleep.Add(-1)
		answered.Add(1)
		return nil, nil, false
	})
	return maxAsleep, answered
}

func TestLatencyDeadline(t *testing.T) {
	c, l := faultCluster(t)
	_, answered := sleepListOffsets(c, 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := l.Backlogs(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if n := answered.Load(); n != 0 {
		t.Errorf("returned after %d ListOffsets answers, want before the first (300ms)", n)
	}
}

func TestLatencyConcurrentPerBroker(t *testing.T) {
	c, l := faultCluster(t)
	maxAsleep, answered := sleepListOffsets(c, 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	s, err := l.Backlog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	allKnown(t, s)
	if n := answered.Load(); n != 6 {
		t.Errorf("ListOffsets answered %d, want 6", n)
	}
	if m := maxAsleep.Load(); m < 2 {
		t.Errorf("at most %d ListOffsets in flight at once, want the brokers' requests concurrent", m)
	}
}

// TestTimeoutConfig: when Config.Timeout passes, the evaluation returns a
// snapshot with what it read, the rest unknown (TimedOut), not an error:
// slow brokers must not lose the whole snapshot.
func TestTimeoutConfig(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 3})
	c.commit("g", offsets("orders", 0, 0, 0))
	l := c.newLag(Config{Groups: []Group{{Name: "g", Topics: []string{"orders"}}}, Timeout: 100 * time.Millisecond})
	evaluate(t, l)
	_, answered := sleepListOffsets(c, 2*time.Second)
	snaps, err := l.Backlogs(t.Context())
	if err != nil {
		t.Fatalf("err = %v, want a snapshot with the offsets unknown", err)
	}
	// Returned on the Timeout, not on the brokers' answers (an event, not
	// a wall-clock bound: the machine may be loaded).
	if n := answered.Load(); n != 0 {
		t.Errorf("returned after %d ListOffsets answers with Timeout 100ms and brokers answering in 2s", n)
	}
	if ps := snaps[0].Partitions; len(ps) != 3 {
		t.Fatalf("partitions = %+v", ps)
	}
	for _, p := range snaps[0].Partitions {
		if p.Records.Reason() != backlog.TimedOut || p.Offsets.End.Reason() != backlog.TimedOut || !strings.Contains(p.Detail, "end offset: broker") || !strings.Contains(p.Detail, "Timeout (100ms)") {
			t.Errorf("%v: records %v end %v detail %q, want both unknown (%s), naming the broker and the Timeout", p.Key, p.Records, p.Offsets.End, p.Detail, backlog.TimedOut)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	_, l := faultCluster(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Backlogs(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// dropConnection closes the connection of the next request of kind k.
func dropConnection(c *testCluster, k kmsg.Key) *atomic.Int64 {
	var dropped atomic.Int64
	c.kc.ControlKey(int16(k), func(kmsg.Request) (kmsg.Response, error, bool) {
		dropped.Add(1)
		return nil, errors.New("connection dropped by the test"), true
	})
	return &dropped
}

func TestDroppedConnectionRecovers(t *testing.T) {
	for _, k := range []kmsg.Key{kmsg.ListOffsets, kmsg.OffsetFetch, kmsg.Metadata} {
		t.Run(k.Name(), func(t *testing.T) {
			c, l := faultCluster(t)
			dropped := dropConnection(c, k)
			s, err := l.Backlog(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if dropped.Load() != 1 {
				t.Fatalf("dropped %d connections, want 1", dropped.Load())
			}
			allKnown(t, s)
			allKnown(t, evaluate(t, l)[0]) // and the next evaluation too
		})
	}
}

func TestDeletedTopicForgotten(t *testing.T) {
	c := newCluster(t, map[string]int32{"payments": 2})
	c.produce("payments", all(2), 3, 10)
	c.commit("g", offsets("payments", 0))
	tr, err := backlog.NewTracker(backlog.TrackerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tr.ObserveSize(backlog.TopicPartition("payments", 0), 100) // as a reader would
	l := c.newLag(Config{Groups: []Group{{Name: "g", Topics: []string{"payments"}}}, Tracker: tr})
	if b := part(t, evaluate(t, l)[0], "payments", 0).Bytes; b.String() != "300" {
		t.Fatalf("bytes = %v, want 300", b)
	}
	if err := c.admin.DeleteTopic("payments"); err != nil {
		t.Fatal(err)
	}
	checkErrors(t, evaluate(t, l)[0], []backlog.ScopeError{{Scope: "payments", Reason: backlog.TopicNotFound}})
	if err := c.admin.CreateTopic("payments", &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	c.produce("payments", []int32{0}, 2, 10)
	c.commit("g", offsets("payments", 0))
	p := part(t, evaluate(t, l)[0], "payments", 0)
	if p.Records.String() != "2" || p.Bytes.Reason() != backlog.NoRecordSize {
		t.Errorf("recreated payments/0: records %v bytes %v, want 2 and sizes forgotten", p.Records, p.Bytes)
	}
}
