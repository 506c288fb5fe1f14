package kafkalag

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
)

// commits is what one group has committed.
type commits struct {
	blocks   map[string]map[int32]*sarama.OffsetFetchResponseBlock // by topic and partition
	err      error                                                 // the offsets could not be read at all
	timedOut bool                                                  // err: no answer before the evaluation's end
	live     live                                                  // with Config.Liveness: what live members hold
}

// reason is why the offsets could not be read at all.
func (c commits) reason() backlog.Reason {
	if c.timedOut {
		return backlog.TimedOut
	}
	return backlog.FetchFailed
}

// committed returns a partition's committed offset from its block (nil
// when the response has none): unknown with NoCommit when nothing is
// committed (no block, or offset -1), FetchFailed when it could not be
// read.
func (c commits) committed(b *sarama.OffsetFetchResponseBlock) (backlog.Figure[int64], string) {
	if c.err != nil {
		return backlog.Unknown[int64](c.reason()), "committed offset: " + c.err.Error()
	}
	switch {
	case b == nil || b.Err == sarama.ErrNoError && b.Offset < 0:
		return backlog.Unknown[int64](backlog.NoCommit), ""
	case b.Err != sarama.ErrNoError:
		return backlog.Unknown[int64](backlog.FetchFailed), "committed offset: " + b.Err.Error()
	default:
		return backlog.Known(b.Offset), ""
	}
}

// topics returns the topics the group has committed offsets for, sorted.
func (c commits) topics() []string {
	var ts []string
	for t, ps := range c.blocks {
		for _, b := range ps {
			if b != nil && (b.Offset >= 0 || b.Err != sarama.ErrNoError) {
				ts = append(ts, t)
				break
			}
		}
	}
	slices.Sort(ts)
	return ts
}

// fetchCommits reads everything group has committed with one OffsetFetch
// request to its coordinator (sarama caches the coordinator lookup). On a
// coordinator error or a broken connection it finds the coordinator again
// and retries, up to Config.Retries times, waiting Config.RetryBackoff.
func (l *Lag) fetchCommits(ctx context.Context, group string) commits {
	var err error
	for attempt := 0; attempt <= l.cfg.Retries; attempt++ {
		if attempt > 0 {
			if serr := sleep(ctx, l.cfg.RetryBackoff); serr != nil {
				return commits{err: l.late(ctx, fmt.Errorf("%w (last error: %w)", serr, err)), timedOut: true}
			}
		}
		var c commits
		var retry bool
		c, retry, err = l.offsetFetch(ctx, group)
		switch {
		case err == nil:
			return c
		case ctx.Err() != nil:
			return commits{err: l.late(ctx, err), timedOut: true}
		case !retry:
			return commits{err: err}
		}
		l.cfg.Logger.Debug("kafkalag: OffsetFetch failed, retrying", "group", group, "attempt", attempt+1, "err", err)
	}
	l.cfg.Logger.Warn("kafkalag: cannot read committed offsets", "group", group, "err", err)
	if errors.Is(err, errVanished) {
		l.forget(group)
	}
	return commits{err: fmt.Errorf("after %d retries: %w", l.cfg.Retries, err)}
}

// offsetFetch sends one OffsetFetch for all of group's offsets and reports
// whether a failure is worth a retry.
func (l *Lag) offsetFetch(ctx context.Context, group string) (commits, bool, error) {
	coord, err := call(ctx, func() (*sarama.Broker, error) { return l.client.Coordinator(group) })
	if err != nil {
		return commits{}, true, fmt.Errorf("finding the coordinator: %w", err)
	}
	req := sarama.NewOffsetFetchRequest(l.version(), group, nil) // nil: every partition
	resp, err := request(ctx, l, coord, func() (*sarama.OffsetFetchResponse, error) { return coord.FetchOffset(req) })
	if err != nil {
		l.refreshCoordinator(ctx, group)
		return commits{}, true, fmt.Errorf("coordinator %d: %w", coord.ID(), err)
	}
	switch gerr := resp.GroupError(); gerr {
	case sarama.ErrNoError:
		return l.vanished(group, coord.ID(), parseCommits(resp, group))
	case sarama.ErrGroupIDNotFound:
		// kfake's answer for a group that never committed, where Kafka
		// answers no offsets: both mean nothing committed.
		return l.vanished(group, coord.ID(), commits{})
	case sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable:
		l.refreshCoordinator(ctx, group)
		return commits{}, true, fmt.Errorf("coordinator %d: %w", coord.ID(), gerr)
	case sarama.ErrOffsetsLoadInProgress:
		return commits{}, true, fmt.Errorf("coordinator %d: %w", coord.ID(), gerr)
	default:
		return commits{}, false, fmt.Errorf("coordinator %d: %w", coord.ID(), gerr)
	}
}

// errVanished is offsetFetch's error for committed offsets that a new
// coordinator does not have (yet).
var errVanished = errors.New("answers no committed offsets where the group's previous coordinator had some (the group still loading after a failover?)")

// vanished checks an answer of coordinator coord for group against the
// last answer with offsets. Kafka keeps committed offsets across a
// coordinator failover, but the new coordinator of a group can answer none
// while it loads the group (measured on Kafka 4.4 with three brokers: the
// answer came between the old coordinator's fencing and the end of the new
// one's 14 ms load): read as they are, every partition's lag would become
// that of a group that never committed. So an empty answer from another
// coordinator than the last to answer with offsets is retried, and reported
// unknown if the retries end the same; the memory is dropped then, so a
// group whose offsets were really deleted reads as such from the next
// evaluation.
func (l *Lag) vanished(group string, coord int32, c commits) (commits, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(c.topics()) > 0 {
		if l.answered == nil {
			l.answered = map[string]int32{}
		}
		l.answered[group] = coord
		return c, false, nil
	}
	if prev, ok := l.answered[group]; ok && prev != coord {
		return commits{}, true, fmt.Errorf("coordinator %d %w", coord, errVanished)
	}
	return c, false, nil
}

// forget drops what vanished remembers of group.
func (l *Lag) forget(group string) {
	l.mu.Lock()
	delete(l.answered, group)
	l.mu.Unlock()
}

// refreshCoordinator makes sarama look the coordinator up again (one
// FindCoordinator request), so the next attempt asks the right broker.
func (l *Lag) refreshCoordinator(ctx context.Context, group string) {
	_, err := call(ctx, func() (struct{}, error) { return struct{}{}, l.client.RefreshCoordinator(group) })
	if err != nil && ctx.Err() == nil {
		l.cfg.Logger.Debug("kafkalag: finding the coordinator failed", "group", group, "err", err)
	}
}

// byIndex returns topic t's blocks indexed like t.ids.
func (c commits) byIndex(t *topic) []*sarama.OffsetFetchResponseBlock {
	out := make([]*sarama.OffsetFetchResponseBlock, len(t.ids))
	for p, b := range c.blocks[t.name] {
		if i, ok := t.index(p); ok {
			out[i] = b
		}
	}
	return out
}

// parseCommits returns the blocks of an OffsetFetch response.
func parseCommits(resp *sarama.OffsetFetchResponse, group string) commits {
	if resp.Version < 8 {
		return commits{blocks: resp.Blocks}
	}
	if g := resp.GetGroup(group); g != nil {
		return commits{blocks: g.Blocks}
	}
	return commits{}
}

// joinDetail joins non-empty details.
func joinDetail(ds ...string) string {
	return strings.Join(slices.DeleteFunc(ds, func(d string) bool { return d == "" }), "; ")
}
