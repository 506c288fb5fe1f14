package kafkalag

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
)

// failure is why a partition's offsets cannot be read.
type failure struct {
	reason backlog.Reason
	detail string
}

// topic is one topic's partitions, in partition order, with what one
// evaluation learns about them. Slices are indexed like ids; per-topic
// slices (not maps keyed by topic and partition) keep an evaluation of
// 10,000 partitions cheap.
type topic struct {
	name    string
	ids     []int32          // partition ids, sorted
	leaders []*sarama.Broker // leader of ids[i], nil when fails[i] is set
	fails   map[int]failure  // why ids[i] has no usable leader (rare)
	bounds  []bounds         // log start and end offsets of ids[i]
}

// index returns the position of partition id.
func (t *topic) index(id int32) (int, bool) {
	if i := int(id); i >= 0 && i < len(t.ids) && t.ids[i] == id { // ids are 0..n-1 in Kafka
		return i, true
	}
	return slices.BinarySearch(t.ids, id)
}

// ref is one partition of a topic.
type ref struct {
	t *topic
	i int
}

func (r ref) id() int32        { return r.t.ids[r.i] }
func (r ref) key() backlog.Key { return backlog.TopicPartition(r.t.name, r.id()) }

// layout is what one metadata response says about the topics measured.
type layout struct {
	topics  map[string]*topic
	missing map[string]backlog.ScopeError // topics that could not be described
}

func newLayout() *layout {
	return &layout{topics: map[string]*topic{}, missing: map[string]backlog.ScopeError{}}
}

// refs returns every partition of the layout with a usable leader, sorted
// by topic and partition.
func (lay *layout) refs() []ref {
	n := 0
	for _, t := range lay.topics {
		n += len(t.ids)
	}
	out := make([]ref, 0, n)
	for _, name := range slices.Sorted(maps.Keys(lay.topics)) {
		t := lay.topics[name]
		for i := range t.ids {
			if t.leaders[i] != nil {
				out = append(out, ref{t, i})
			}
		}
	}
	return out
}

// metadata sends one Metadata request for names and resolves each
// partition's leader to a broker of the client.
func (l *Lag) metadata(ctx context.Context, names []string) (*layout, error) {
	resp, err := l.requestMetadata(ctx, names)
	if err != nil {
		return nil, err
	}
	lay, ids := parseMetadata(resp, names)
	if err := l.resolveLeaders(ctx, lay, ids); err != nil {
		return nil, err
	}
	return lay, nil
}

// parseMetadata sorts the response into a layout, returning the leader id
// of every partition that has one (-1 for those without).
func parseMetadata(resp *sarama.MetadataResponse, names []string) (*layout, map[*topic][]int32) {
	lay := newLayout()
	ids := map[*topic][]int32{}
	for _, tm := range resp.Topics {
		if !slices.Contains(names, tm.Name) {
			continue
		}
		if tm.Err == sarama.ErrUnknownTopicOrPartition {
			lay.missing[tm.Name] = backlog.ScopeError{Scope: tm.Name, Reason: backlog.TopicNotFound, Detail: tm.Err.Error()}
			continue
		}
		if tm.Err != sarama.ErrNoError && len(tm.Partitions) == 0 {
			lay.missing[tm.Name] = backlog.ScopeError{Scope: tm.Name, Reason: backlog.FetchFailed, Detail: tm.Err.Error()}
			continue
		}
		parts := byPartition(tm.Partitions)
		n := len(parts)
		t := &topic{name: tm.Name, ids: make([]int32, n), leaders: make([]*sarama.Broker, n), fails: map[int]failure{}, bounds: make([]bounds, n)}
		leaderIDs := make([]int32, n)
		for i, p := range parts {
			t.ids[i], leaderIDs[i] = p.ID, p.Leader
			switch {
			case p.Err != sarama.ErrNoError && p.Err != sarama.ErrReplicaNotAvailable:
				t.fails[i], leaderIDs[i] = failure{backlog.NoLeader, p.Err.Error()}, -1
			case p.Leader < 0:
				t.fails[i] = failure{backlog.NoLeader, fmt.Sprintf("leader %d", p.Leader)}
			}
		}
		lay.topics[tm.Name], ids[t] = t, leaderIDs
	}
	for _, name := range names {
		if _, ok := lay.topics[name]; !ok && lay.missing[name].Scope == "" {
			lay.missing[name] = backlog.ScopeError{Scope: name, Reason: backlog.TopicNotFound, Detail: "absent from the metadata response"}
		}
	}
	return lay, ids
}

// byPartition orders partitions by id: placed by id when the ids are
// 0..n-1, as Kafka's are, sorted otherwise. A partition listed twice (a
// broker's bug) keeps its first listing, so it is asked for and reported
// once.
func byPartition(ps []*sarama.PartitionMetadata) []*sarama.PartitionMetadata {
	out := make([]*sarama.PartitionMetadata, len(ps))
	for _, p := range ps {
		if p.ID < 0 || int(p.ID) >= len(out) || out[p.ID] != nil {
			byID := func(a, b *sarama.PartitionMetadata) int { return cmp.Compare(a.ID, b.ID) }
			sorted := slices.Clone(ps)
			slices.SortStableFunc(sorted, byID)
			return slices.CompactFunc(sorted, func(a, b *sarama.PartitionMetadata) bool { return a.ID == b.ID })
		}
		out[p.ID] = p
	}
	return out
}

// resolveLeaders maps leader ids to the client's brokers. A leader the
// client does not know yet (a fresh client, a broker that joined) makes it
// refresh its metadata once, for one topic, to learn the brokers.
func (l *Lag) resolveLeaders(ctx context.Context, lay *layout, ids map[*topic][]int32) error {
	brokers, unknown, err := l.lookupBrokers(ctx, ids)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		name := slices.Min(slices.Collect(maps.Keys(lay.topics)))
		_, err := call(ctx, func() (struct{}, error) { return struct{}{}, l.client.RefreshMetadata(name) })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l.cfg.Logger.Debug("kafkalag: learning brokers", "unknown", unknown, "err", err)
		if brokers, _, err = l.lookupBrokers(ctx, ids); err != nil { // all again: the refresh may have replaced some
			return err
		}
	}
	for t, leaderIDs := range ids {
		for i, id := range leaderIDs {
			switch b := brokers[id]; {
			case id < 0:
			case b != nil:
				t.leaders[i] = b
			default:
				t.fails[i] = failure{backlog.FetchFailed, fmt.Sprintf("leader broker %d is unknown to the client", id)}
			}
		}
	}
	return nil
}

// lookupBrokers returns the client's broker of each leader id, and the ids
// it does not know. The client's lookups wait on its lock, which a sarama
// goroutine may hold while waiting on a slow broker: they run under call.
func (l *Lag) lookupBrokers(ctx context.Context, ids map[*topic][]int32) (map[int32]*sarama.Broker, []int32, error) {
	type found struct {
		brokers map[int32]*sarama.Broker
		unknown []int32
	}
	f, err := call(ctx, func() (found, error) {
		b, u := l.brokersOf(ids)
		return found{b, u}, nil
	})
	return f.brokers, f.unknown, err
}

func (l *Lag) brokersOf(ids map[*topic][]int32) (map[int32]*sarama.Broker, []int32) {
	brokers := map[int32]*sarama.Broker{}
	var unknown []int32
	for _, leaderIDs := range ids {
		for _, id := range leaderIDs {
			if _, done := brokers[id]; done || id < 0 || slices.Contains(unknown, id) {
				continue
			}
			if b, err := l.client.Broker(id); err == nil {
				brokers[id] = b
			} else {
				unknown = append(unknown, id)
			}
		}
	}
	return brokers, unknown
}

func (l *Lag) version() sarama.KafkaVersion { return l.client.Config().Version }
