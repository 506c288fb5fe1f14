package kafkalag

import (
	"context"
	"fmt"

	"github.com/IBM/sarama"
)

// live is which partitions a live member of a group holds: topic ->
// partition -> true.
type live map[string]map[int32]bool

// describeLiveness asks group's coordinator (one DescribeGroups request)
// which partitions the members of the group hold, when the group is Stable
// and uses the consumer protocol. Kafka's OffsetFetch carries no commit
// time, so this is what tells a consumer that re-commits an offset it
// cannot move past (alive: STALL) from one that no longer commits (STOP). A
// group without members, as a Flink job's KafkaSource (assign(), no
// membership) or a consumer that is gone, holds nothing: its partitions are
// not Live, which Health reads as "cannot tell". Failures are logged and
// leave every partition not Live.
func (l *Lag) describeLiveness(ctx context.Context, group string) live {
	held, err := l.describeGroup(ctx, group)
	if err != nil {
		if ctx.Err() == nil {
			l.cfg.Logger.Debug("kafkalag: DescribeGroups failed: liveness unknown", "group", group, "err", err)
		}
		return nil
	}
	return held
}

func (l *Lag) describeGroup(ctx context.Context, group string) (live, error) {
	coord, err := call(ctx, func() (*sarama.Broker, error) { return l.client.Coordinator(group) })
	if err != nil {
		return nil, fmt.Errorf("finding the coordinator: %w", err)
	}
	req := &sarama.DescribeGroupsRequest{Groups: []string{group}}
	resp, err := request(ctx, l, coord, func() (*sarama.DescribeGroupsResponse, error) { return coord.DescribeGroups(req) })
	if err != nil {
		return nil, fmt.Errorf("coordinator %d: %w", coord.ID(), err)
	}
	for _, g := range resp.Groups {
		if g == nil || g.GroupId != group {
			continue
		}
		if g.Err != sarama.ErrNoError {
			return nil, fmt.Errorf("coordinator %d: %w", coord.ID(), g.Err)
		}
		return membersHold(g)
	}
	return nil, fmt.Errorf("coordinator %d: group %q not in the answer", coord.ID(), group)
}

// membersHold returns the partitions assigned to the members of a Stable
// consumer group (nothing for any other state or protocol).
func membersHold(g *sarama.GroupDescription) (live, error) {
	held := live{}
	if g.State != "Stable" || g.ProtocolType != "consumer" {
		return held, nil
	}
	for id, m := range g.Members {
		if m == nil || len(m.MemberAssignment) == 0 {
			continue
		}
		a, err := m.GetMemberAssignment()
		if err != nil {
			return nil, fmt.Errorf("member %s: assignment: %w", id, err)
		}
		for topic, ps := range a.Topics {
			if held[topic] == nil {
				held[topic] = map[int32]bool{}
			}
			for _, p := range ps {
				held[topic][p] = true
			}
		}
	}
	return held, nil
}
