//go:build realstack

package kafkalag

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/realstack"
)

// The real tier: the edge cases of edgecases_test.go, the failover of
// faults_test.go and BenchmarkKafkaLag10k, on Apache Kafka started by
// realstack. Run with: go test -tags realstack -p 1 ./backlog/kafkalag

// realCluster returns a testCluster (the kfake tests' helper: produce,
// commit and newLag work unchanged) whose client and admin talk to k; its
// kfake cluster is nil, so every Lag must be given Brokers.
func realCluster(tb testing.TB, k *realstack.Kafka) *testCluster {
	tb.Helper()
	conf := k.SaramaConfig()
	conf.Producer.Return.Successes = true
	conf.Producer.Partitioner = sarama.NewManualPartitioner
	conf.Producer.Idempotent = true
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Producer.Retry.Max = 20 // new partitions get their leader a moment later
	conf.Producer.Retry.Backoff = 250 * time.Millisecond
	conf.Net.MaxOpenRequests = 1
	c := &testCluster{tb: tb, conf: conf}
	var err error
	if c.client, err = sarama.NewClient(k.Addrs(), conf); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.client.Close() })
	if c.admin, err = sarama.NewClusterAdmin(k.Addrs(), k.SaramaConfig()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.admin.Close() })
	return c
}

// realCommit commits offsets for group as testCluster.commit does, but
// retries (for up to a minute) while the group's coordinator is not ready:
// on a cluster just started, the first FindCoordinator creates
// __consumer_offsets and its partitions take a moment to load, during
// which Kafka answers NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS
// (kfake never does).
func realCommit(c *testCluster, group string, offsets map[tp]int64) {
	c.tb.Helper()
	waitFor(c.tb, time.Minute, "commit for "+group, func() error {
		if err := c.client.RefreshCoordinator(group); err != nil {
			return err
		}
		coord, err := c.client.Coordinator(group)
		if err != nil {
			return err
		}
		req := sarama.NewOffsetCommitRequest(c.conf, group)
		for k, off := range offsets {
			req.AddBlock(k.topic, k.partition, off, 0, "")
		}
		resp, err := coord.CommitOffset(req)
		if err != nil {
			return err
		}
		for t, ps := range resp.Errors {
			for p, kerr := range ps {
				switch kerr {
				case sarama.ErrNoError:
				case sarama.ErrNotCoordinatorForConsumer, sarama.ErrOffsetsLoadInProgress, sarama.ErrConsumerCoordinatorNotAvailable:
					return fmt.Errorf("commit %s/%d: %w", t, p, kerr)
				default:
					c.tb.Fatalf("commit %s/%d: %v", t, p, kerr)
				}
			}
		}
		return nil
	})
}

// createTopic creates topic with n partitions (default replication) and
// waits until every partition has a leader.
func createTopic(tb testing.TB, c *testCluster, topic string, n int32) {
	tb.Helper()
	if err := c.admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: n, ReplicationFactor: -1}, false); err != nil {
		tb.Fatalf("create %s: %v", topic, err)
	}
	waitFor(tb, time.Minute, fmt.Sprintf("leaders of %s", topic), func() error {
		if err := c.client.RefreshMetadata(topic); err != nil {
			return err
		}
		for p := range n {
			if _, err := c.client.Leader(topic, p); err != nil {
				return fmt.Errorf("partition %d: %w", p, err)
			}
		}
		return nil
	})
}

// waitFor polls cond every 100 ms until it returns nil, failing the test
// with cond's last error after d.
func waitFor(tb testing.TB, d time.Duration, what string, cond func() error) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %v: %v", what, d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// topicGone waits until no broker of k lists topic in its metadata: topic
// deletion reaches each broker's metadata cache asynchronously.
func topicGone(tb testing.TB, k *realstack.Kafka, conf *sarama.Config, topic string) {
	tb.Helper()
	waitFor(tb, time.Minute, "deletion of "+topic+" seen by every broker", func() error {
		for _, addr := range k.Addrs() {
			b := sarama.NewBroker(addr)
			if err := b.Open(conf); err != nil {
				return err
			}
			resp, err := b.GetMetadata(sarama.NewMetadataRequest(conf.Version, []string{topic}))
			_ = b.Close()
			if err != nil {
				return err
			}
			for _, t := range resp.Topics {
				if t.Name == topic && t.Err != sarama.ErrUnknownTopicOrPartition {
					return fmt.Errorf("%s still listed by %s (%v)", topic, addr, t.Err)
				}
			}
		}
		return nil
	})
}

// TestRealSingleBroker runs, on one real broker (a broker start costs
// seconds), the edge cases of TestEdgeCases, TestDeletedTopicForgotten, and
// checks Kafka's own answer for a group that never committed.
func TestRealSingleBroker(t *testing.T) {
	k := realstack.StartKafka(t, realstack.KafkaConfig{})
	c := realCluster(t, k)
	t.Run("EdgeCases", func(t *testing.T) { realEdgeCases(t, k, c) })
	t.Run("NeverCommittedAnswer", func(t *testing.T) { c.tb = t; realNeverCommitted(t, c) })
	t.Run("DeletedTopicForgotten", func(t *testing.T) { c.tb = t; realDeletedTopicForgotten(t, k, c) })
}

// realEdgeCases: each case of TestEdgeCases gets "orders" (3 partitions,
// 10 records each) and "payments" (2 partitions), named for the case.
// Kafka has no fault injection: the kfake case of a partition without a
// leader is TestRealBrokerStoppedMidRun's "solo" topic.
func realEdgeCases(t *testing.T, k *realstack.Kafka, c *testCluster) {
	tests := []struct {
		name   string
		group  Group
		setup  func(c *testCluster, orders, payments string)
		before func(c *testCluster, orders, payments string) // after a first evaluation
		want   []want
		errs   []backlog.ScopeError
		notes  int
	}{{
		name:  "committed",
		group: Group{Topics: []string{"orders"}},
		setup: func(c *testCluster, o, _ string) { realCommit(c, gname(o), offsets(o, 4, 10, 0)) },
		want:  []want{{topic: "orders", p: 0, records: 6}, {topic: "orders", p: 1, records: 0}, {topic: "orders", p: 2, records: 10}},
	}, {
		name:  "no commit, reset earliest: end minus log start, not end",
		group: Group{Topics: []string{"orders"}, Reset: backlog.ResetEarliest},
		setup: func(c *testCluster, o, _ string) {
			realCommit(c, gname(o), offsets(o, 5))
			if err := c.admin.DeleteRecords(o, map[int32]int64{1: 3}); err != nil {
				c.tb.Fatal(err)
			}
		},
		want: []want{{topic: "orders", p: 0, records: 5}, {topic: "orders", p: 1, records: 7, noCommit: true}, {topic: "orders", p: 2, records: 10, noCommit: true}},
	}, {
		name:  "no commit, reset latest: 0, flagged",
		group: Group{Topics: []string{"orders"}, Reset: backlog.ResetLatest},
		setup: func(c *testCluster, o, _ string) { realCommit(c, gname(o), offsets(o, 5)) },
		want:  []want{{topic: "orders", p: 0, records: 5}, {topic: "orders", p: 1, noCommit: true}, {topic: "orders", p: 2, noCommit: true}},
	}, {
		name:  "committed below the log start: counted from the log start",
		group: Group{Topics: []string{"orders"}},
		setup: func(c *testCluster, o, _ string) {
			realCommit(c, gname(o), offsets(o, 1, 1, 1))
			if err := c.admin.DeleteRecords(o, map[int32]int64{0: 6}); err != nil {
				c.tb.Fatal(err)
			}
		},
		want: []want{{topic: "orders", p: 0, records: 4}, {topic: "orders", p: 1, records: 9}},
	}, {
		name:  "committed beyond end: unknown, never negative",
		group: Group{Topics: []string{"orders"}},
		setup: func(c *testCluster, o, _ string) { realCommit(c, gname(o), offsets(o, 100, 10, 2)) },
		want:  []want{{topic: "orders", p: 0, reason: backlog.CommittedBeyondEnd}, {topic: "orders", p: 1}, {topic: "orders", p: 2, records: 8}},
	}, {
		name:  "group never committed, topics configured, earliest (Kafka: offsets -1)",
		group: Group{Name: "fresh", Topics: []string{"orders"}, Reset: backlog.ResetEarliest},
		want:  []want{{topic: "orders", p: 0, records: 10, noCommit: true}, {topic: "orders", p: 1, records: 10, noCommit: true}, {topic: "orders", p: 2, records: 10, noCommit: true}},
	}, {
		name:  "group never committed, topics configured, latest (Kafka: offsets -1)",
		group: Group{Name: "fresh", Topics: []string{"orders"}},
		want:  []want{{topic: "orders", p: 0, noCommit: true}, {topic: "orders", p: 1, noCommit: true}, {topic: "orders", p: 2, noCommit: true}},
	}, {
		name:  "group never committed, topics discovered: nothing to report, with a note",
		group: Group{Name: "fresh"},
		notes: 1,
	}, {
		name:  "topics discovered from commits",
		group: Group{Reset: backlog.ResetEarliest},
		setup: func(c *testCluster, o, p string) {
			realCommit(c, gname(o), offsets(o, 3))
			realCommit(c, gname(o), offsets(p, 0))
		},
		want: []want{
			{topic: "orders", p: 0, records: 7}, {topic: "orders", p: 1, records: 10, noCommit: true}, {topic: "orders", p: 2, records: 10, noCommit: true},
			{topic: "payments", p: 0, records: 0}, {topic: "payments", p: 1, records: 0, noCommit: true},
		},
	}, {
		name:  "partitions added: new ones appear, NoCommit",
		group: Group{Topics: []string{"orders"}},
		setup: func(c *testCluster, o, _ string) { realCommit(c, gname(o), offsets(o, 1, 1, 1)) },
		before: func(c *testCluster, o, _ string) {
			if err := c.admin.CreatePartitions(o, 5, nil, false); err != nil {
				c.tb.Fatal(err)
			}
			c.produce(o, []int32{4}, 2, 10)
		},
		want: []want{{topic: "orders", p: 0, records: 9}, {topic: "orders", p: 3, noCommit: true}, {topic: "orders", p: 4, noCommit: true}},
	}, {
		name:  "deleted topic: a ScopeError for it, other topics reported",
		group: Group{Topics: []string{"orders", "payments"}},
		setup: func(c *testCluster, o, _ string) { realCommit(c, gname(o), offsets(o, 2, 2, 2)) },
		before: func(c *testCluster, _, p string) {
			if err := c.admin.DeleteTopic(p); err != nil {
				c.tb.Fatal(err)
			}
			topicGone(c.tb, k, c.conf, p)
		},
		want: []want{{topic: "orders", p: 0, records: 8}, {topic: "orders", p: 2, records: 8}},
		errs: []backlog.ScopeError{{Scope: "payments", Reason: backlog.TopicNotFound}},
	}, {
		name:  "topic that never existed: not auto-created",
		group: Group{Topics: []string{"nope", "orders"}},
		setup: func(c *testCluster, o, _ string) { realCommit(c, gname(o), offsets(o, 2, 2, 2)) },
		want:  []want{{topic: "orders", p: 1, records: 8}},
		errs:  []backlog.ScopeError{{Scope: "nope", Reason: backlog.TopicNotFound}},
	}}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.tb = t
			// Per case: orders-<i>, payments-<i>, group g-orders-<i>;
			// "fresh" and "nope" get the suffix too.
			o, p := fmt.Sprintf("orders-%d", i), fmt.Sprintf("payments-%d", i)
			rename := strings.NewReplacer("orders", o, "payments", p, "nope", fmt.Sprintf("nope-%d", i), "fresh", fmt.Sprintf("fresh-%d", i))
			createTopic(t, c, o, 3)
			createTopic(t, c, p, 2)
			c.produce(o, all(3), 10, 10)
			if tt.setup != nil {
				tt.setup(c, o, p)
			}
			g := tt.group
			g.Name = gname(o)
			if tt.group.Name != "" {
				g.Name = rename.Replace(tt.group.Name)
			}
			for j := range g.Topics {
				g.Topics[j] = rename.Replace(g.Topics[j])
			}
			l := c.newLag(Config{Brokers: k.Addrs(), Groups: []Group{g}})
			if tt.before != nil {
				evaluate(t, l)
				tt.before(c, o, p)
			}
			s := evaluate(t, l)[0]
			ws := slices.Clone(tt.want)
			for j := range ws {
				ws[j].topic = rename.Replace(ws[j].topic)
			}
			es := slices.Clone(tt.errs)
			for j := range es {
				es[j].Scope = rename.Replace(es[j].Scope)
			}
			checkRecords(t, s, ws)
			checkErrors(t, s, es)
			if len(s.Notes) != tt.notes {
				t.Errorf("notes = %q, want %d", s.Notes, tt.notes)
			}
			for _, n := range g.Topics { // kafkalag never auto-creates
				if strings.HasPrefix(n, "nope") {
					if ts, err := c.admin.ListTopics(); err == nil && ts[n].NumPartitions != 0 {
						t.Errorf("topic %s was auto-created", n)
					}
				}
			}
		})
	}
}

// gname is the group of a case whose orders topic is o.
func gname(o string) string { return "g-" + o }

// realNeverCommitted checks what the package doc says Kafka answers for a
// group that never committed (kfake answers GROUP_ID_NOT_FOUND instead), at
// the OffsetFetch versions of sarama V2_8_0_0 (v7, kafkalag's default) and
// of realstack's V3_9_0_0 (v8, groups batched).
func realNeverCommitted(t *testing.T, c *testCluster) {
	createTopic(t, c, "never", 2)
	coord, err := c.client.Coordinator("never-committed")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []sarama.KafkaVersion{sarama.V2_8_0_0, sarama.V3_9_0_0} {
		for _, parts := range []map[string][]int32{{"never": {0, 1}}, nil} {
			req := sarama.NewOffsetFetchRequest(v, "never-committed", parts)
			resp, err := coord.FetchOffset(req)
			if err != nil {
				t.Fatalf("v%d: %v", req.Version, err)
			}
			if resp.Err != sarama.ErrNoError {
				t.Errorf("OffsetFetch v%d (partitions %v): group error %v, want none (kfake: GROUP_ID_NOT_FOUND)", req.Version, parts, resp.Err)
			}
			n := 0
			for topic, bs := range resp.Blocks {
				for p, b := range bs {
					n++
					if b.Offset != -1 || b.Err != sarama.ErrNoError {
						t.Errorf("v%d %s/%d: offset %d err %v, want -1 and no error", req.Version, topic, p, b.Offset, b.Err)
					}
				}
			}
			if want := len(parts["never"]); n != want {
				t.Errorf("v%d (partitions %v): %d blocks, want %d", req.Version, parts, n, want)
			}
		}
	}
}

// realDeletedTopicForgotten is TestDeletedTopicForgotten on Kafka: a topic
// deleted is reported TopicNotFound; recreated, its history (record sizes)
// is forgotten.
func realDeletedTopicForgotten(t *testing.T, k *realstack.Kafka, c *testCluster) {
	createTopic(t, c, "recreated", 2)
	c.produce("recreated", all(2), 3, 10)
	realCommit(c, "g-recreated", offsets("recreated", 0))
	tr, err := backlog.NewTracker(backlog.TrackerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tr.ObserveSize(backlog.TopicPartition("recreated", 0), 100) // as a reader would
	l := c.newLag(Config{Brokers: k.Addrs(), Groups: []Group{{Name: "g-recreated", Topics: []string{"recreated"}}}, Tracker: tr})
	if b := part(t, evaluate(t, l)[0], "recreated", 0).Bytes; b.String() != "300" {
		t.Fatalf("bytes = %v, want 300", b)
	}
	if err := c.admin.DeleteTopic("recreated"); err != nil {
		t.Fatal(err)
	}
	topicGone(t, k, c.conf, "recreated")
	checkErrors(t, evaluate(t, l)[0], []backlog.ScopeError{{Scope: "recreated", Reason: backlog.TopicNotFound}})
	// Kafka deletes the log directories asynchronously: creating the topic
	// again may be refused for a moment.
	waitFor(t, time.Minute, "recreate the topic", func() error {
		return c.admin.CreateTopic("recreated", &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1}, false)
	})
	c.produce("recreated", []int32{0}, 2, 10)
	realCommit(c, "g-recreated", offsets("recreated", 0))
	p := part(t, evaluate(t, l)[0], "recreated", 0)
	if p.Records.String() != "2" || p.Bytes.Reason() != backlog.NoRecordSize {
		t.Errorf("recreated/0: records %v bytes %v, want 2 and sizes forgotten", p.Records, p.Bytes)
	}
}
