package kafkalag

// Replays of the scenarios where backlog.Health and LinkedIn's Burrow were
// seen to disagree (issue 20), with real produces and commits on kfake,
// polled by a Lag as a user's poller would, in virtual time: each step
// moves the clock, acts on the cluster, evaluates, and feeds the snapshot
// to Health.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/clock/clocktest"
)

// healthStep is one poll: at a virtual time, optionally produce records to
// partition 0 and commit an offset (as a standalone committer), then poll
// and expect a status.
type healthStep struct {
	at      time.Duration
	produce int
	commit  int64 // -1: none
	want    backlog.Status
}

// replay runs steps against group on topic's partition 0 and returns the
// statuses seen.
func replay(t *testing.T, c *testCluster, cfg Config, hcfg backlog.HealthConfig, topic, group string, steps []healthStep) {
	t.Helper()
	clk := clocktest.New(clocktest.Start)
	cfg.Clock = clk
	cfg.Groups = []Group{{Name: group, Topics: []string{topic}}}
	l := c.newLag(cfg)
	h, err := backlog.NewHealth(hcfg)
	if err != nil {
		t.Fatal(err)
	}
	k := backlog.TopicPartition(topic, 0)
	for i, s := range steps {
		clk.Set(clocktest.Start.Add(s.at))
		if s.produce > 0 {
			c.produce(topic, []int32{0}, s.produce, 10)
		}
		if s.commit >= 0 {
			c.commit(group, offsets(topic, s.commit))
		}
		h.Observe(evaluate(t, l)[0])
		got := h.Evaluate(clk.Now(), k)
		t.Logf("+%v: %s (%s)", s.at, got.Status, got.Detail)
		if got.Status != s.want {
			t.Errorf("step %d (+%v): %s (%s), want %s", i, s.at, got.Status, got.Detail, s.want)
		}
	}
}

// Point 1: after a quiet spell a record arrives on a partition the
// consumer had caught up on. Health said STOP at once (silence measured
// from the last commit); it now measures the silence from when the lag
// appeared, as Burrow suppresses STOP when the consumer was caught up
// recently. A consumer that really stopped still goes STOP.
func TestHealthReplayBurstAfterIdle(t *testing.T) {
	c := newCluster(t, map[string]int32{"quiet": 1})
	c.produce("quiet", []int32{0}, 100, 10)
	sec := time.Second
	steps := []healthStep{{0, 0, 100, backlog.StatusOK}}
	for at := 10 * sec; at <= 3*time.Minute; at += 10 * sec {
		steps = append(steps, healthStep{at, 0, -1, backlog.StatusOK}) // idle and caught up
	}
	steps = append(steps,
		healthStep{3*time.Minute + 5*sec, 1, -1, backlog.StatusOK},  // one record: was STOP
		healthStep{3*time.Minute + 30*sec, 0, -1, backlog.StatusOK}, // no checkpoint yet
		healthStep{3*time.Minute + 35*sec, 0, 101, backlog.StatusOK},
	)
	replay(t, c, Config{}, backlog.HealthConfig{}, "quiet", "flink-job", steps)

	// The same burst, and the consumer never commits again: STOP once the
	// silence since the lag appeared outlasts the window (1 minute).
	c2 := newCluster(t, map[string]int32{"quiet": 1})
	c2.produce("quiet", []int32{0}, 100, 10)
	replay(t, c2, Config{}, backlog.HealthConfig{}, "quiet", "dead", []healthStep{
		{0, 0, 100, backlog.StatusOK},
		{2 * time.Minute, 0, -1, backlog.StatusOK},
		{2*time.Minute + 5*sec, 1, -1, backlog.StatusOK},
		{3 * time.Minute, 0, -1, backlog.StatusOK},
		{3*time.Minute + 10*sec, 0, -1, backlog.StatusStop},
	})
}

// Point 2: a live member holds the partition and re-commits the offset
// it cannot get past (a poison record). OffsetFetch shows the same offset
// every time; with Config.Liveness the poller learns from DescribeGroups
// that a member holds the partition, and Health says STALL within a few
// polls, where it used to say OK and then STOP at 60 s. Without Liveness
// it still cannot tell, and says STOP.
func TestHealthReplayLiveMemberStuck(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 1})
	c.produce("orders", []int32{0}, 100, 10)
	c.commit("stuck", offsets("orders", 50)) // before the member joins: a standalone commit
	stop := stuckMember(t, c, "stuck", "orders", 50)
	defer stop()
	waitLive(t, c, "stuck", "orders")

	sec := time.Second
	var live, blind []healthStep
	for i, at := 0, time.Duration(0); at <= 70*sec; i, at = i+1, at+5*sec {
		live = append(live, healthStep{at, 5, -1, map[bool]backlog.Status{true: backlog.StatusOK, false: backlog.StatusStall}[i < 2]})
		want := backlog.StatusOK
		if at > time.Minute {
			want = backlog.StatusStop
		}
		blind = append(blind, healthStep{at, 5, -1, want})
	}
	t.Run("liveness", func(t *testing.T) {
		replay(t, c, Config{Liveness: true}, backlog.HealthConfig{}, "orders", "stuck", live)
	})
	t.Run("offsets only", func(t *testing.T) {
		replay(t, c, Config{}, backlog.HealthConfig{}, "orders", "stuck", blind)
	})
}

// Point 3: re-commits made while caught up are no STALL when a record
// then arrives (Burrow requires lag at every commit in the window), and a
// consumer that then dies goes STOP, not STALL.
func TestHealthReplayRecommitsWhileCaughtUp(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 1})
	c.produce("orders", []int32{0}, 100, 10)
	c.commit("g", offsets("orders", 100))
	stop := stuckMember(t, c, "g", "orders", 100)
	waitLive(t, c, "g", "orders")
	sec := time.Second
	var steps []healthStep
	for at := time.Duration(0); at < 50*sec; at += 5 * sec {
		steps = append(steps, healthStep{at, 0, -1, backlog.StatusOK}) // ten re-commits, caught up
	}
	clk := clocktest.New(clocktest.Start)
	l := c.newLag(Config{Clock: clk, Liveness: true, Groups: []Group{{Name: "g", Topics: []string{"orders"}}}})
	h, err := backlog.NewHealth(backlog.HealthConfig{})
	if err != nil {
		t.Fatal(err)
	}
	k := backlog.TopicPartition("orders", 0)
	check := func(at time.Duration, want backlog.Status) {
		t.Helper()
		clk.Set(clocktest.Start.Add(at))
		h.Observe(evaluate(t, l)[0])
		got := h.Evaluate(clk.Now(), k)
		t.Logf("+%v: %s (%s)", at, got.Status, got.Detail)
		if got.Status != want {
			t.Errorf("+%v: %s (%s), want %s", at, got.Status, got.Detail, want)
		}
	}
	for _, s := range steps {
		check(s.at, s.want)
	}
	c.produce("orders", []int32{0}, 1, 10)
	check(50*sec, backlog.StatusOK) // was STALL
	stop()                          // the consumer dies: the group empties
	waitNotLive(t, c, "g", "orders")
	c.produce("orders", []int32{0}, 10, 10)
	check(80*sec, backlog.StatusOK)    // behind for 30 s: was STALL
	check(110*sec, backlog.StatusOK)   // the window spans 45 s, MinSpan 1 min
	check(111*sec, backlog.StatusStop) // silent over 1 min since the lag appeared
}

// Point 4: a rewind is REWIND only until the consumer is back where it
// was; once caught up it is OK (Burrow 1.9), where it used to stick for
// the whole window.
func TestHealthReplayRewindRecovers(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 1})
	c.produce("orders", []int32{0}, 100, 10)
	sec := time.Second
	replay(t, c, Config{}, backlog.HealthConfig{}, "orders", "g", []healthStep{
		{0, 0, 80, backlog.StatusOK},
		{10 * sec, 0, 90, backlog.StatusOK},
		{20 * sec, 0, 40, backlog.StatusRewind}, // moved back
		{30 * sec, 0, 70, backlog.StatusRewind}, // not yet where it was
		{40 * sec, 0, 95, backlog.StatusOK},     // past 90: recovered (was REWIND)
		{50 * sec, 0, 100, backlog.StatusOK},    // caught up (was REWIND)
	})
}

// stuckMember joins group as a live consumer of topic's partition 0 that
// never gets past offset at: every second it re-commits that offset (as a
// consumer retrying a poison record does). stop leaves the group.
func stuckMember(t *testing.T, c *testCluster, group, topic string, at int64) (stop func()) {
	t.Helper()
	conf := sarama.NewConfig()
	conf.Version = sarama.V2_8_0_0
	conf.Consumer.Offsets.Initial = sarama.OffsetOldest
	conf.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
	conf.Consumer.Group.Session.Timeout = 10 * time.Second
	conf.Consumer.Group.Heartbeat.Interval = time.Second
	cg, err := sarama.NewConsumerGroup(c.kc.ListenAddrs(), group, conf)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{topic}, stuckHandler{topic: topic, at: at}); err != nil && !errors.Is(err, sarama.ErrClosedConsumerGroup) && ctx.Err() == nil {
				t.Logf("consumer group: %v", err)
				time.Sleep(100 * time.Millisecond)
			}
		}
	})
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			_ = cg.Close()
		})
	}
	t.Cleanup(stop)
	return stop
}

// stuckHandler re-commits one offset every second and reads nothing.
type stuckHandler struct {
	topic string
	at    int64
}

func (stuckHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (stuckHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h stuckHandler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		s.ResetOffset(h.topic, claim.Partition(), h.at, "") // marks it for commit again
		s.Commit()
		select {
		case <-s.Context().Done():
			return nil
		case <-tick.C:
		}
	}
}

// waitLive waits (bounded) until a Lag with Liveness sees a member of
// group holding topic's partition 0.
func waitLive(t *testing.T, c *testCluster, group, topic string) {
	t.Helper()
	waitLiveness(t, c, group, topic, true)
}

// waitNotLive waits (bounded) until no member holds it.
func waitNotLive(t *testing.T, c *testCluster, group, topic string) {
	t.Helper()
	waitLiveness(t, c, group, topic, false)
}

func waitLiveness(t *testing.T, c *testCluster, group, topic string, want bool) {
	t.Helper()
	l := c.newLag(Config{Liveness: true, Groups: []Group{{Name: group, Topics: []string{topic}}}})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if part(t, evaluate(t, l)[0], topic, 0).Live == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s: partition 0 of %s never became Live=%v", group, topic, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Liveness costs one DescribeGroups per group per evaluation, and none
// without it.
func TestLivenessRequests(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 2})
	c.commit("a", offsets("orders", 0, 0))
	c.commit("b", offsets("orders", 0, 0))
	for _, on := range []bool{false, true} {
		var hs []*kfake.FaultHandle
		for node := range int32(3) {
			hs = append(hs, c.kc.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeGroups}, Nodes: []int32{node}, Observe: true, Count: -1}))
		}
		l := c.newLag(Config{Liveness: on, Groups: []Group{{Name: "a", Topics: []string{"orders"}}, {Name: "b", Topics: []string{"orders"}}}})
		for range 3 {
			snaps := evaluate(t, l)
			if p := part(t, snaps[0], "orders", 0); p.Live {
				t.Errorf("Liveness %v: a group without members is Live", on)
			}
		}
		n := 0
		for _, h := range hs {
			n += h.Hits()
			h.Remove()
		}
		if want := map[bool]int{false: 0, true: 6}[on]; n != want {
			t.Errorf("Liveness %v: %d DescribeGroups in 3 evaluations of 2 groups, want %d", on, n, want)
		}
	}
}
