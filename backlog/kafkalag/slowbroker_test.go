package kafkalag

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkscale/flinkscale/backlog"
)

// slowBrokers delays every request the given brokers receive by d, from now
// until the test ends, and counts the requests delayed.
func slowBrokers(c *testCluster, d time.Duration, nodes ...int32) *atomic.Int64 {
	var slowed atomic.Int64
	var stopped atomic.Bool
	c.tb.Cleanup(func() { stopped.Store(true) })
	c.kc.Control(func(kmsg.Request) (kmsg.Response, error, bool) {
		c.kc.KeepControl()
		if stopped.Load() {
			return nil, nil, false
		}
		node := c.kc.CurrentNode()
		for _, n := range nodes {
			if n == node {
				slowed.Add(1)
				c.kc.SleepControl(func() { time.Sleep(d) })
				break
			}
		}
		return nil, nil, false
	})
	return &slowed
}

// slowCase is an evaluation with some brokers 10 s slow and Timeout 1 s.
type slowCase struct {
	name string
	// slow picks the slow brokers from the group's coordinator.
	slow func(coord int32) []int32
	// check checks one evaluation's outcome; partitions p and p+3 are led
	// by broker p.
	check func(t *testing.T, slow []int32, s backlog.Snapshot, err error)
}

// TestSlowBroker: a broker answering in 10 s must not hold an evaluation
// with Timeout 1 s past about 1 s, and must not lose the other brokers'
// partitions. Before the fix, the second evaluation took 4 s (sarama's
// LeastLoadedBroker waited for the lock the first evaluation's abandoned
// request held), all brokers slow took up to 5 s, and any slow broker
// turned the whole snapshot into an error.
func TestSlowBroker(t *testing.T) {
	tests := []slowCase{{
		name: "a leader",
		// Broker 0, the first one asked for metadata, unless it is the
		// coordinator.
		slow:  func(coord int32) []int32 { return []int32{map[bool]int32{true: 1, false: 0}[coord == 0]} },
		check: checkSlowLeader,
	}, {
		name:  "the coordinator",
		slow:  func(coord int32) []int32 { return []int32{coord} },
		check: checkSlowCoordinator,
	}, {
		name: "every broker",
		slow: func(int32) []int32 { return []int32{0, 1, 2} },
		check: func(t *testing.T, _ []int32, _ backlog.Snapshot, err error) {
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "Timeout (1s)") {
				t.Errorf("err = %v, want the evaluation's Timeout (no metadata, no snapshot)", err)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, l := faultCluster(t)
			l.cfg.Timeout = time.Second
			coord, err := c.client.Coordinator("g")
			if err != nil {
				t.Fatal(err)
			}
			slow := tt.slow(coord.ID())
			slowed := slowBrokers(c, 10*time.Second, slow...)
			// The second evaluation finds the first one's requests still
			// in flight on the slow brokers.
			for i := range 2 {
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				start := time.Now()
				s, err := l.Backlog(ctx)
				took := time.Since(start)
				cancel()
				// About 1 s; the bound is far from it for a loaded machine
				// and far below the slow brokers' 10 s (before the fix the
				// second evaluation waited for the first one's requests).
				if took > 6*time.Second {
					t.Errorf("evaluation %d took %v with Timeout 1s", i, took)
				}
				tt.check(t, slow, s, err)
			}
			if slowed.Load() == 0 {
				t.Error("no request was slowed")
			}
		})
	}
}

// checkSlowLeader: the healthy brokers' partitions are known, the slow
// broker's unknown (TimedOut) with the broker and the Timeout named.
func checkSlowLeader(t *testing.T, slow []int32, s backlog.Snapshot, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("err = %v, want a partial snapshot", err)
		return
	}
	if len(s.Partitions) != 6 || len(s.Errors) != 0 {
		t.Fatalf("partitions %d, errors %v", len(s.Partitions), s.Errors)
	}
	for _, p := range s.Partitions {
		n, ok := p.Records.Value()
		if p.Key.Partition%3 != slow[0] {
			if !ok || n != 4 {
				t.Errorf("%v (healthy broker): records %v (%s)", p.Key, p.Records, p.Detail)
			}
			continue
		}
		if ok || p.Records.Reason() != backlog.TimedOut || p.Offsets.End.Reason() != backlog.TimedOut {
			t.Errorf("%v (slow broker): records %v end %v, want unknown (%s)", p.Key, p.Records, p.Offsets.End, backlog.TimedOut)
		}
		if !strings.Contains(p.Detail, "Timeout (1s)") || !strings.Contains(p.Detail, "broker") {
			t.Errorf("%v: detail %q, want the broker and the Timeout named", p.Key, p.Detail)
		}
	}
	if tot := s.Totals(); tot.Records.Known() || tot.KnownRecords != 16 || tot.Unknown != 2 {
		t.Errorf("totals %+v, want records unknown, 16 known in 4 partitions, 2 unknown", tot)
	}
}

// checkSlowCoordinator: the committed offsets are unknown (TimedOut), so
// are the records; the healthy brokers' end offsets are known.
func checkSlowCoordinator(t *testing.T, slow []int32, s backlog.Snapshot, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("err = %v, want a partial snapshot", err)
		return
	}
	if len(s.Errors) != 1 || s.Errors[0].Scope != "group g" || s.Errors[0].Reason != backlog.TimedOut {
		t.Errorf("errors = %v, want group g timed out", s.Errors)
	}
	if len(s.Partitions) != 6 {
		t.Fatalf("partitions %d", len(s.Partitions))
	}
	for _, p := range s.Partitions {
		if p.Records.Reason() != backlog.TimedOut || p.Offsets.Committed.Reason() != backlog.TimedOut {
			t.Errorf("%v: records %v committed %v, want unknown (%s)", p.Key, p.Records, p.Offsets.Committed, backlog.TimedOut)
		}
		end, ok := p.Offsets.End.Value()
		if healthy := p.Key.Partition%3 != slow[0]; healthy && (!ok || end != 5) {
			t.Errorf("%v (healthy broker): end %v, want 5", p.Key, p.Offsets.End)
		}
	}
}

// TestNothingReadInTime: a group whose topics are discovered from its
// commits, every broker slow: nothing is read within the Timeout, so there
// is no snapshot, and the error says it was the deadline, about 1 s in.
func TestNothingReadInTime(t *testing.T) {
	c, _ := faultCluster(t)
	l := c.newLag(Config{Groups: []Group{{Name: "g"}}, Timeout: time.Second})
	if s := evaluate(t, l)[0]; len(s.Partitions) != 6 {
		t.Fatalf("warm-up: %d partitions", len(s.Partitions))
	}
	slowBrokers(c, 10*time.Second, 0, 1, 2)
	start := time.Now()
	_, err := l.Backlogs(t.Context())
	if took := time.Since(start); took > 6*time.Second { // about 1 s; the brokers answer in 10 s
		t.Errorf("took %v with Timeout 1s", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "committed offsets") {
		t.Errorf("err = %v, want the deadline, reading the committed offsets", err)
	}
}
