//go:build realstack

package kafkalag

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/realstack"
)

// logRecorder is a slog.Handler keeping the messages logged (the Lag logs
// its retries at debug level).
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	var sb strings.Builder
	sb.WriteString(rec.Message)
	rec.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&sb, " %s=%v", a.Key, a.Value); return true })
	r.mu.Lock()
	r.msgs = append(r.msgs, sb.String())
	r.mu.Unlock()
	return nil
}

// take returns the messages logged since the last take.
func (r *logRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.msgs
	r.msgs = nil
	return m
}

// leaders returns the leader of each partition of topic, as the controller
// sees it (DescribeTopics), and whether every replica is in sync.
func leaders(t *testing.T, c *testCluster, topic string) (map[int32]int32, bool) {
	t.Helper()
	md, err := c.admin.DescribeTopics([]string{topic})
	if err != nil || len(md) != 1 || md[0].Err != sarama.ErrNoError {
		t.Fatalf("describe %s: %v %v", topic, md, err)
	}
	out, synced := map[int32]int32{}, true
	for _, p := range md[0].Partitions {
		out[p.ID] = p.Leader
		synced = synced && len(p.Isr) == len(p.Replicas)
	}
	return out, synced
}

// allRecords checks every partition of topic in s has n records.
func allRecords(t *testing.T, s backlog.Snapshot, topic string, parts int, n int64) {
	t.Helper()
	ws := make([]want, parts)
	for p := range ws {
		ws[p] = want{topic: topic, p: int32(p), records: n}
	}
	checkRecords(t, s, ws)
	if len(s.Partitions) != parts || len(s.Errors) != 0 {
		t.Errorf("partitions %d errors %v, want %d and none", len(s.Partitions), s.Errors, parts)
	}
}

// TestRealBrokerStoppedMidRun: 3 brokers, "orders" with 6 partitions
// (replication 3, min ISR 2) and "solo" with one replica on node 2. A Lag
// evaluates while node 2 is stopped (controlled shutdown: its leaders
// move; "solo" has none), while records are written without it, when it
// is back and when the preferred leaders are elected again, then while
// leaders move round the nodes without pause (churn); the figures are right
// at every step.
func TestRealBrokerStoppedMidRun(t *testing.T) {
	k := realstack.StartKafka(t, realstack.KafkaConfig{Brokers: 3})
	c := realCluster(t, k)
	createTopic(t, c, "orders", 6)
	if err := c.admin.CreateTopic("solo", &sarama.TopicDetail{NumPartitions: -1, ReplicationFactor: -1,
		ReplicaAssignment: map[int32][]int32{0: {2}}}, false); err != nil {
		t.Fatal(err)
	}
	c.produce("orders", all(6), 5, 10)
	realCommit(c, "g", offsets("orders", 1, 1, 1, 1, 1, 1))
	rec := &logRecorder{}
	l := c.newLag(Config{Brokers: k.Addrs(), Groups: []Group{{Name: "g", Topics: []string{"orders", "solo"}}},
		Timeout: 30 * time.Second, Logger: slog.New(rec)})
	s := evaluate(t, l)[0]
	allRecords(t, filter(s, "orders"), "orders", 6, 4)
	before, _ := leaders(t, c, "orders")
	t.Logf("leaders before: %v", before)

	node2 := k.Broker(1)
	if err := node2.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	after, _ := leaders(t, c, "orders")
	moved := 0
	for p, id := range before {
		if id == 2 {
			moved++
			if after[p] == 2 {
				t.Errorf("orders/%d still led by the stopped node", p)
			}
		}
	}
	t.Logf("leaders after stopping node 2: %v (%d moved)", after, moved)
	s = evaluate(t, l)[0]
	allRecords(t, filter(s, "orders"), "orders", 6, 4)
	solo := part(t, s, "solo", 0)
	if solo.Records.Reason() != backlog.NoLeader {
		t.Errorf("solo/0 with its only replica stopped: records %v (%s), want unknown (%s)", solo.Records, solo.Detail, backlog.NoLeader)
	}
	t.Logf("evaluation with node 2 stopped logged: %q", rec.take())

	// Two of three replicas in sync: acks=all writes go on.
	c.produce("orders", all(6), 3, 10)
	allRecords(t, filter(evaluate(t, l)[0], "orders"), "orders", 6, 7)

	if err := node2.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Minute, "node 2 back in sync", func() error {
		if _, synced := leaders(t, c, "orders"); !synced {
			return fmt.Errorf("ISR not full")
		}
		return nil
	})
	allRecords(t, filter(evaluate(t, l)[0], "orders"), "orders", 6, 7)
	rec.take()

	// Preferred leaders again: partitions move back to node 2.
	if _, err := c.admin.ElectLeaders(sarama.PreferredElection, map[string][]int32{"orders": all(6)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "leaders back on node 2", func() error {
		now, _ := leaders(t, c, "orders")
		for p, id := range before {
			if id == 2 && now[p] != 2 {
				return fmt.Errorf("orders/%d led by %d", p, now[p])
			}
		}
		return nil
	})
	s = evaluate(t, l)[0]
	allRecords(t, filter(s, "orders"), "orders", 6, 7)
	if n, ok := part(t, s, "solo", 0).Records.Value(); !ok || n != 0 {
		t.Errorf("solo/0 after the restart: %v, want 0", part(t, s, "solo", 0).Records)
	}
	rec.take()
	churn(t, c, l, rec)
}

// churn moves the leaders of "orders" round the three nodes (a reordering
// reassignment, then a preferred election) while the Lag evaluates
// without pause. The Lag asks for metadata on every evaluation, so it only
// meets NOT_LEADER_OR_FOLLOWER when a leader moves between its Metadata and
// ListOffsets requests (or a broker's metadata lags): a race, counted and
// logged, not assumed. Every figure read must be right (7) or unknown with
// a reason, never wrong; after the churn every figure is known again.
func churn(t *testing.T, c *testCluster, l *Lag, rec *logRecorder) {
	const flips = 12
	done := make(chan error, 1)
	go func() {
		for i := range flips {
			asg := make([][]int32, 6)
			for p := range asg {
				r := (p + i) % 3
				asg[p] = []int32{int32(r + 1), int32((r+1)%3 + 1), int32((r+2)%3 + 1)}
			}
			if err := c.admin.AlterPartitionReassignments("orders", asg); err != nil {
				done <- fmt.Errorf("flip %d: reassign: %w", i, err)
				return
			}
			if _, err := c.admin.ElectLeaders(sarama.PreferredElection, map[string][]int32{"orders": all(6)}); err != nil {
				done <- fmt.Errorf("flip %d: elect: %w", i, err)
				return
			}
		}
		done <- nil
	}()
	evals, unknown, detail := 0, 0, ""
	deadline := time.After(2 * time.Minute)
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		case <-deadline:
			t.Fatal("leader churn did not finish within 2 minutes")
		default:
		}
		evals++
		for _, p := range filter(evaluate(t, l)[0], "orders").Partitions {
			n, ok := p.Records.Value()
			switch {
			case ok && n != 7:
				t.Errorf("during churn: %v records %d, want 7", p.Key, n)
			case !ok:
				unknown++
				detail = p.Detail
				if p.Records.Reason() != backlog.FetchFailed && p.Records.Reason() != backlog.NoLeader {
					t.Errorf("during churn: %v unknown (%s): %s", p.Key, p.Records.Reason(), p.Detail)
				}
			}
		}
	}
	retries := 0
	for _, m := range rec.take() {
		if strings.Contains(m, "retrying ListOffsets") {
			retries++
		}
	}
	t.Logf("%d leader moves x 6 partitions during %d evaluations: %d ListOffsets retries after NOT_LEADER or a failed request, %d partition figures unknown (last: %q)", flips, evals, retries, unknown, detail)
	waitFor(t, time.Minute, "every figure known after the churn", func() error {
		s := filter(evaluate(t, l)[0], "orders")
		for _, p := range s.Partitions {
			if !p.Records.Known() {
				return fmt.Errorf("%v: %s", p.Key, p.Detail)
			}
		}
		allRecords(t, s, "orders", 6, 7)
		return nil
	})
}

// TestRealBrokerKilled: a node killed without a controlled shutdown keeps
// its leaderships until the controller fences it (broker.session.timeout.ms,
// 9 s by default): meanwhile its partitions are unknown (FetchFailed, never
// a wrong number), the others known; then all are known and right.
func TestRealBrokerKilled(t *testing.T) {
	k := realstack.StartKafka(t, realstack.KafkaConfig{Brokers: 3})
	c := realCluster(t, k)
	createTopic(t, c, "orders", 6)
	c.produce("orders", all(6), 5, 10)
	realCommit(c, "g", offsets("orders", 1, 1, 1, 1, 1, 1))
	l := c.newLag(Config{Brokers: k.Addrs(), Groups: []Group{{Name: "g", Topics: []string{"orders"}}}, Timeout: 20 * time.Second})
	allRecords(t, evaluate(t, l)[0], "orders", 6, 4)
	before, _ := leaders(t, c, "orders")

	if err := k.Broker(2).Kill(); err != nil {
		t.Fatal(err)
	}
	s := evaluate(t, l)[0]
	unknown := 0
	for _, p := range s.Partitions {
		n, ok := p.Records.Value()
		switch {
		case ok && n != 4:
			t.Errorf("%v: records %d, want 4 or unknown", p.Key, n)
		case !ok:
			unknown++
			t.Logf("%v unknown right after the kill (%s): %s", p.Key, p.Records.Reason(), p.Detail)
		}
	}
	t.Logf("right after killing node 3 (leaders %v): %d of 6 partitions unknown", before, unknown)
	start := time.Now()
	waitFor(t, time.Minute, "every partition known again", func() error {
		s := evaluate(t, l)[0]
		for _, p := range s.Partitions {
			if !p.Records.Known() {
				return fmt.Errorf("%v: %s", p.Key, p.Detail)
			}
		}
		allRecords(t, s, "orders", 6, 4)
		return nil
	})
	t.Logf("all known again %v after the kill", time.Since(start).Round(100*time.Millisecond))
}

// filter returns s with only topic's partitions.
func filter(s backlog.Snapshot, topic string) backlog.Snapshot {
	s.Partitions = slices.DeleteFunc(slices.Clone(s.Partitions), func(p backlog.Partition) bool { return p.Key.Topic != topic })
	return s
}
