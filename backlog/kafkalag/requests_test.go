package kafkalag

import (
	"maps"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkscale/flinkscale/backlog"
)

// TestRequestsPerEvaluation counts the requests of a warm evaluation
// (coordinators known, connections open): one Metadata, one OffsetFetch per
// group, and at most two ListOffsets per broker however many groups read
// the topics.
func TestRequestsPerEvaluation(t *testing.T) {
	orders := []string{"orders"}
	tests := []struct {
		name   string
		groups []Group
	}{
		{"one group", []Group{{Name: "a", Topics: orders}}},
		{"two groups on the same topic share the end offsets", []Group{{Name: "a", Topics: orders}, {Name: "b", Topics: orders}}},
		{"two groups, overlapping topics", []Group{{Name: "a", Topics: orders}, {Name: "b", Topics: []string{"orders", "payments"}}}},
		{"topics discovered from commits", []Group{{Name: "a"}, {Name: "b"}}},
		{"three groups, one never committed", []Group{{Name: "a", Topics: orders}, {Name: "b", Topics: orders}, {Name: "none", Topics: orders}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, map[string]int32{"orders": 6, "payments": 3})
			c.produce("orders", all(6), 3, 10)
			c.commit("a", offsets("orders", 1, 1, 1, 1, 1, 1))
			c.commit("b", offsets("orders", 2, 2, 2, 2, 2, 2))
			c.commit("b", offsets("payments", 0, 0, 0))
			l := c.newLag(Config{Groups: tt.groups})
			evaluate(t, l) // finds the coordinators, opens the connections
			ct := c.count()
			snaps := evaluate(t, l)
			if len(snaps) != len(tt.groups) {
				t.Fatalf("%d snapshots for %d groups", len(snaps), len(tt.groups))
			}
			for _, s := range snaps {
				if s.Totals().Unknown != 0 || len(s.Errors) != 0 {
					t.Errorf("group %s: %+v", s.Group, s.Totals())
				}
			}
			if n := ct.total(kmsg.Metadata); n != 1 {
				t.Errorf("Metadata requests = %d, want 1", n)
			}
			if n := ct.total(kmsg.OffsetFetch); n != len(tt.groups) {
				t.Errorf("OffsetFetch requests = %d, want %d (one per group)", n, len(tt.groups))
			}
			if n := ct.total(kmsg.FindCoordinator) + ct.total(kmsg.Fetch); n != 0 {
				t.Errorf("FindCoordinator + Fetch requests = %d, want 0 (coordinators cached, sampling off)", n)
			}
			want := map[int32]int{0: 2, 1: 2, 2: 2} // latest + earliest, every broker leads some partition
			if got := ct.perBroker(kmsg.ListOffsets); !maps.Equal(got, want) {
				t.Errorf("ListOffsets per broker = %v, want %v", got, want)
			}
		})
	}
}

// TestRequestsFirstEvaluation counts the one-off requests of a first
// evaluation: a FindCoordinator per group (cached by sarama afterwards), and
// for a client New created, one more Metadata to register the brokers.
func TestRequestsFirstEvaluation(t *testing.T) {
	for _, own := range []bool{true, false} {
		name := map[bool]string{true: "client from Brokers", false: "existing Client"}[own]
		t.Run(name, func(t *testing.T) {
			c := newCluster(t, map[string]int32{"orders": 3})
			cfg := Config{Groups: []Group{{Name: "x", Topics: []string{"orders"}}, {Name: "y", Topics: []string{"orders"}}}}
			wantMetadata := 2
			if !own {
				cfg.Client, wantMetadata = c.client, 1
				connect(t, c.client) // an existing client is usually connected
			}
			l := c.newLag(cfg)
			ct := c.count()
			evaluate(t, l)
			if n := ct.total(kmsg.FindCoordinator); n != 2 {
				t.Errorf("FindCoordinator = %d, want 2", n)
			}
			if n := ct.total(kmsg.Metadata); n != wantMetadata {
				t.Errorf("Metadata = %d, want %d", n, wantMetadata)
			}
			evaluate(t, l)
			if n := ct.total(kmsg.FindCoordinator); n != 2 {
				t.Errorf("FindCoordinator after a second evaluation = %d, want still 2", n)
			}
		})
	}
}

// TestConcurrentEvaluations runs Backlogs and the Group sources at once
// (for the race detector) and checks they agree.
func TestConcurrentEvaluations(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 3})
	c.produce("orders", all(3), 4, 10)
	c.commit("a", offsets("orders", 1, 2, 3))
	c.commit("b", offsets("orders", 0, 0, 0))
	l := c.newLag(Config{Groups: []Group{{Name: "a", Topics: []string{"orders"}}, {Name: "b"}}})
	var wg sync.WaitGroup
	totals := make([]int64, 6)
	for i := range totals {
		wg.Go(func() {
			var s backlog.Snapshot
			var err error
			switch i % 3 {
			case 0:
				var snaps []backlog.Snapshot
				snaps, err = l.Backlogs(t.Context())
				if err == nil {
					s = snaps[0]
				}
			default:
				s, err = l.Group("a").Backlog(t.Context())
			}
			if err != nil {
				t.Error(err)
				return
			}
			totals[i] = s.Totals().KnownRecords
		})
	}
	wg.Wait()
	for i, n := range totals {
		if n != 6 {
			t.Errorf("evaluation %d: group a records %d, want 6", i, n)
		}
	}
}
