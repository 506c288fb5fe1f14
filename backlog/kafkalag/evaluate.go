package kafkalag

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/flinkscale/flinkscale/backlog"
)

// reading is what one evaluation read from Kafka, shared by every group.
type reading struct {
	commits []commits // per group, in order
	lay     *layout
}

// evaluate measures groups in one evaluation.
func (l *Lag) evaluate(ctx context.Context, groups []Group) ([]backlog.Snapshot, error) {
	if l.isClosed() {
		return nil, ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	r, err := l.read(ctx, groups)
	if err != nil {
		return nil, fmt.Errorf("kafkalag: %w", err)
	}
	est := l.newEstimator(l.cfg.Clock(), groups, r)
	if err := l.listOffsets(ctx, r.lay, est.finish); err != nil {
		return nil, fmt.Errorf("kafkalag: %w", err)
	}
	est.finishRest()
	l.forgetDeleted(r)
	for _, sampled := range l.sample(ctx, r) {
		est.estimate(sampled) // with the sizes just sampled
	}
	return est.snapshots(), nil
}

// read sends the evaluation's first requests: one OffsetFetch per group,
// all concurrently, and one Metadata request, concurrently with them when
// every group lists its topics, after them when topics are discovered from
// the commits.
func (l *Lag) read(ctx context.Context, groups []Group) (*reading, error) {
	r := &reading{commits: make([]commits, len(groups)), lay: newLayout()}
	explicit := !slices.ContainsFunc(groups, func(g Group) bool { return len(g.Topics) == 0 })
	var mdErr error
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Go(func() { r.commits[i] = l.fetchCommits(ctx, g.Name) })
	}
	if explicit {
		wg.Go(func() { r.lay, mdErr = l.metadata(ctx, topicsToRead(groups, nil)) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !explicit {
		if topics := topicsToRead(groups, r.commits); len(topics) > 0 {
			r.lay, mdErr = l.metadata(ctx, topics)
		}
	}
	if mdErr != nil {
		return nil, fmt.Errorf("metadata: %w", mdErr)
	}
	return r, nil
}

// topicsToRead is the union of the groups' topics, configured or
// discovered from their commits (when commits is not nil), sorted.
func topicsToRead(groups []Group, commits []commits) []string {
	var ts []string
	for i, g := range groups {
		if len(g.Topics) == 0 && commits != nil {
			ts = append(ts, commits[i].topics()...)
		}
		ts = append(ts, g.Topics...)
	}
	return slices.Compact(slices.Sorted(slices.Values(ts)))
}

// forgetDeleted makes the Tracker forget the partitions of deleted topics.
func (l *Lag) forgetDeleted(r *reading) {
	for name, e := range r.lay.missing {
		if e.Reason == backlog.TopicNotFound {
			l.cfg.Tracker.ForgetTopic(name)
		}
	}
}
