package kafkalag

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkscale/flinkscale/backlog"
)

// want is one partition's expected records figure.
type want struct {
	topic    string
	p        int32
	records  int64          // when reason is ""
	reason   backlog.Reason // unknown with this reason
	noCommit bool
}

func checkRecords(t *testing.T, s backlog.Snapshot, ws []want) {
	t.Helper()
	for _, w := range ws {
		e := part(t, s, w.topic, w.p)
		got, ok := e.Records.Value()
		switch {
		case w.reason == "" && (!ok || got != w.records):
			t.Errorf("%s/%d: records = %v, want %d (offsets %+v, detail %q)", w.topic, w.p, e.Records, w.records, e.Offsets, e.Detail)
		case w.reason != "" && e.Records.Reason() != w.reason:
			t.Errorf("%s/%d: records = %v, want unknown (%s)", w.topic, w.p, e.Records, w.reason)
		}
		if e.NoCommit != w.noCommit {
			t.Errorf("%s/%d: NoCommit = %v, want %v", w.topic, w.p, e.NoCommit, w.noCommit)
		}
		if ok && got < 0 {
			t.Errorf("%s/%d: negative backlog %d", w.topic, w.p, got)
		}
		if e.Source != SourceName {
			t.Errorf("%s/%d: Source = %q", w.topic, w.p, e.Source)
		}
	}
}

// TestEdgeCases runs each edge case of the package doc on its own cluster
// with topic "orders" (3 partitions, 10 records each).
func TestEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		group  Group
		setup  func(c *testCluster)
		before func(c *testCluster, l *Lag) // after a first evaluation
		want   []want
		errs   []backlog.ScopeError
		notes  int
	}{{
		name:  "committed",
		group: Group{Name: "g", Topics: []string{"orders"}},
		setup: func(c *testCluster) { c.commit("g", offsets("orders", 4, 10, 0)) },
		want:  []want{{topic: "orders", p: 0, records: 6}, {topic: "orders", p: 1, records: 0}, {topic: "orders", p: 2, records: 10}},
	}, {
		name:  "no commit, reset earliest: end minus log start, not end",
		group: Group{Name: "g", Topics: []string{"orders"}, Reset: backlog.ResetEarliest},
		setup: func(c *testCluster) {
			c.commit("g", offsets("orders", 5))
			if err := c.admin.DeleteRecords("orders", map[int32]int64{1: 3}); err != nil {
				c.tb.Fatal(err)
			}
		},
		want: []want{{topic: "orders", p: 0, records: 5}, {topic: "orders", p: 1, records: 7, noCommit: true}, {topic: "orders", p: 2, records: 10, noCommit: true}},
	}, {
		name:  "no commit, reset latest: 0, flagged",
		group: Group{Name: "g", Topics: []string{"orders"}, Reset: backlog.ResetLatest},
		setup: func(c *testCluster) { c.commit("g", offsets("orders", 5)) },
		want:  []want{{topic: "orders", p: 0, records: 5}, {topic: "orders", p: 1, noCommit: true}, {topic: "orders", p: 2, noCommit: true}},
	}, {
		name:  "committed below the log start: counted from the log start",
		group: Group{Name: "g", Topics: []string{"orders"}},
		setup: func(c *testCluster) {
			c.commit("g", offsets("orders", 1, 1, 1))
			if err := c.admin.DeleteRecords("orders", map[int32]int64{0: 6}); err != nil {
				c.tb.Fatal(err)
			}
		},
		want: []want{{topic: "orders", p: 0, records: 4}, {topic: "orders", p: 1, records: 9}},
	}, {
		name:  "committed beyond end: unknown, never negative",
		group: Group{Name: "g", Topics: []string{"orders"}},
		setup: func(c *testCluster) { c.commit("g", offsets("orders", 100, 10, 2)) },
		want:  []want{{topic: "orders", p: 0, reason: backlog.CommittedBeyondEnd}, {topic: "orders", p: 1}, {topic: "orders", p: 2, records: 8}},
	}, {
		name:  "partition without a leader: unknown for that partition only",
		group: Group{Name: "g", Topics: []string{"orders"}},
		setup: func(c *testCluster) {
			c.commit("g", offsets("orders", 1, 2, 3))
			c.kc.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Topic: "orders", Partitions: []int32{1}, Err: kerr.LeaderNotAvailable, Count: -1})
		},
		want: []want{{topic: "orders", p: 0, records: 9}, {topic: "orders", p: 1, reason: backlog.NoLeader}, {topic: "orders", p: 2, records: 7}},
	}, {
		name:  "group never committed, topics configured (kfake: GROUP_ID_NOT_FOUND)",
		group: Group{Name: "fresh", Topics: []string{"orders"}, Reset: backlog.ResetEarliest},
		want:  []want{{topic: "orders", p: 0, records: 10, noCommit: true}, {topic: "orders", p: 1, records: 10, noCommit: true}, {topic: "orders", p: 2, records: 10, noCommit: true}},
	}, {
		name:  "group never committed, topics discovered: nothing to report, with a note",
		group: Group{Name: "fresh"},
		notes: 1,
	}, {
		name:  "group never committed (Kafka: offsets -1)",
		group: Group{Name: "g", Topics: []string{"orders"}},
		setup: func(c *testCluster) { answerMinusOne(c, "g", "orders", 3) },
		want:  []want{{topic: "orders", p: 0, noCommit: true}, {topic: "orders", p: 1, noCommit: true}, {topic: "orders", p: 2, noCommit: true}},
	}, {
		name:  "topics discovered from commits",
		group: Group{Name: "g", Reset: backlog.ResetEarliest},
		setup: func(c *testCluster) {
			c.commit("g", offsets("orders", 3))
			c.commit("g", offsets("payments", 0))
		},
		want: []want{
			{topic: "orders", p: 0, records: 7}, {topic: "orders", p: 1, records: 10, noCommit: true}, {topic: "orders", p: 2, records: 10, noCommit: true},
			{topic: "payments", p: 0, records: 0}, {topic: "payments", p: 1, records: 0, noCommit: true},
		},
	}, {
		name:  "partitions added: new ones appear, NoCommit",
		group: Group{Name: "g", Topics: []string{"orders"}},
		setup: func(c *testCluster) { c.commit("g", offsets("orders", 1, 1, 1)) },
		before: func(c *testCluster, _ *Lag) {
			if err := c.admin.CreatePartitions("orders", 5, nil, false); err != nil {
				c.tb.Fatal(err)
			}
			c.produce("orders", []int32{4}, 2, 10)
		},
		want: []want{{topic: "orders", p: 0, records: 9}, {topic: "orders", p: 3, noCommit: true}, {topic: "orders", p: 4, noCommit: true}},
	}, {
		name:  "deleted topic: a ScopeError for it, other topics reported",
		group: Group{Name: "g", Topics: []string{"orders", "payments"}},
		setup: func(c *testCluster) { c.commit("g", offsets("orders", 2, 2, 2)) },
		before: func(c *testCluster, _ *Lag) {
			if err := c.admin.DeleteTopic("payments"); err != nil {
				c.tb.Fatal(err)
			}
		},
		want: []want{{topic: "orders", p: 0, records: 8}, {topic: "orders", p: 2, records: 8}},
		errs: []backlog.ScopeError{{Scope: "payments", Reason: backlog.TopicNotFound}},
	}, {
		name:  "topic that never existed",
		group: Group{Name: "g", Topics: []string{"nope", "orders"}},
		setup: func(c *testCluster) { c.commit("g", offsets("orders", 2, 2, 2)) },
		want:  []want{{topic: "orders", p: 1, records: 8}},
		errs:  []backlog.ScopeError{{Scope: "nope", Reason: backlog.TopicNotFound}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, map[string]int32{"orders": 3, "payments": 2})
			c.produce("orders", all(3), 10, 10)
			if tt.setup != nil {
				tt.setup(c)
			}
			l := c.newLag(Config{Groups: []Group{tt.group}})
			if tt.before != nil {
				evaluate(t, l)
				tt.before(c, l)
			}
			s, err := l.Backlog(t.Context())
			if err != nil {
				t.Fatalf("Backlog: %v", err)
			}
			checkRecords(t, s, tt.want)
			checkErrors(t, s, tt.errs)
			if len(s.Notes) != tt.notes {
				t.Errorf("notes = %q, want %d", s.Notes, tt.notes)
			}
			if s.Group != tt.group.Name || s.Source != SourceName {
				t.Errorf("snapshot group %q source %q", s.Group, s.Source)
			}
		})
	}
}

func checkErrors(t *testing.T, s backlog.Snapshot, want []backlog.ScopeError) {
	t.Helper()
	if len(s.Errors) != len(want) {
		t.Fatalf("errors = %v, want %v", s.Errors, want)
	}
	for i, w := range want {
		if g := s.Errors[i]; g.Scope != w.Scope || g.Reason != w.Reason {
			t.Errorf("errors[%d] = %v, want scope %q reason %q", i, g, w.Scope, w.Reason)
		}
	}
	for _, p := range s.Partitions {
		for _, w := range want {
			if p.Key.Topic == w.Scope {
				t.Errorf("partition %v of a failed topic reported", p.Key)
			}
		}
	}
}

// answerMinusOne makes the coordinator answer group's OffsetFetch as Kafka
// does for a group that never committed: offset -1 for every partition.
func answerMinusOne(c *testCluster, group, topic string, partitions int32) {
	c.kc.ControlKey(int16(kmsg.OffsetFetch), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.kc.KeepControl()
		req := r.(*kmsg.OffsetFetchRequest)
		if req.Group != group {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
		st := kmsg.NewOffsetFetchResponseTopic()
		st.Topic = topic
		for p := range partitions {
			sp := kmsg.NewOffsetFetchResponseTopicPartition()
			sp.Partition, sp.Offset, sp.LeaderEpoch = p, -1, -1
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
		return resp, nil, true
	})
}
