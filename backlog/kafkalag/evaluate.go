package kafkalag

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
)

// reading is what one evaluation read from Kafka, shared by every group.
type reading struct {
	commits []commits // per group, in order
	lay     *layout
}

// evaluate measures groups in one evaluation. Its requests run under ectx,
// which ends with ctx or after Config.Timeout; what is not answered by
// then is unknown (backlog.TimedOut), and the snapshots are returned with
// what was read. Only ctx's end, or nothing read at all, is an error.
func (l *Lag) evaluate(ctx context.Context, groups []Group) (snaps []backlog.Snapshot, err error) {
	if l.cfg.OnEvaluation != nil {
		start := time.Now()
		n := new(atomic.Int64)
		ctx = context.WithValue(ctx, requestsKey{}, n)
		defer func() {
			names := make([]string, len(groups))
			for i, g := range groups {
				names[i] = g.Name
			}
			l.cfg.OnEvaluation(Evaluation{Groups: names, Requests: int(n.Load()), Duration: time.Since(start), Err: err})
		}()
	}
	if l.isClosed() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("kafkalag: %w", err)
	}
	ectx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	est, err := l.measure(ectx, groups)
	if cerr := ctx.Err(); cerr != nil {
		return nil, fmt.Errorf("kafkalag: %w", cerr) // the caller gave up
	}
	if err != nil {
		return nil, fmt.Errorf("kafkalag: %w", err)
	}
	return est.snapshots(), nil
}

// measure sends the evaluation's requests: one OffsetFetch per group, all
// concurrently, and one Metadata request followed by the ListOffsets
// requests, concurrently with the OffsetFetches when every group lists its
// topics, after them when topics are discovered from the commits. A
// broker's answers are turned into backlog as soon as the commits are in,
// so a slow coordinator does not delay the end offsets, nor a slow leader
// the other partitions.
func (l *Lag) measure(ctx context.Context, groups []Group) (*estimator, error) {
	r := &reading{commits: make([]commits, len(groups))}
	var est *estimator
	ready := make(chan struct{}) // closed once est is built
	ls := &lister{l: l, finish: func(x ref) { <-ready; est.finish(x) }, laid: make(chan layoutResult, 1)}
	explicit := !slices.ContainsFunc(groups, func(g Group) bool { return len(g.Topics) == 0 })
	if explicit {
		ls.start(ctx, topicsToRead(groups, nil))
	}
	var fetching sync.WaitGroup
	for i, g := range groups {
		fetching.Go(func() {
			c := l.fetchCommits(ctx, g.Name)
			if l.cfg.Liveness && c.err == nil {
				c.live = l.describeLiveness(ctx, g.Name)
			}
			r.commits[i] = c
		})
	}
	fetching.Wait()
	if !explicit {
		if err := ls.startDiscovered(ctx, groups, r.commits); err != nil {
			return nil, err
		}
	}
	res := <-ls.laid
	if res.err != nil {
		ls.wg.Wait()
		return nil, fmt.Errorf("metadata: %w", l.late(ctx, res.err))
	}
	r.lay = res.lay
	est = l.newEstimator(l.cfg.Clock.Now(), groups, r)
	close(ready)
	ls.wg.Wait()
	est.finishRest()
	l.forgetDeleted(r)
	for _, sampled := range l.sample(ctx, r) {
		est.estimate(sampled) // with the sizes just sampled
	}
	return est, nil
}

// lister runs an evaluation's Metadata request and then its ListOffsets
// requests in the background, handing the layout over on laid as soon as
// it is known.
type lister struct {
	l      *Lag
	finish func(ref)
	laid   chan layoutResult // buffered: one result
	wg     sync.WaitGroup
}

// layoutResult is the answer to the evaluation's Metadata request.
type layoutResult struct {
	lay *layout
	err error
}

// start sends the Metadata request for names, then the ListOffsets
// requests, in the background.
func (ls *lister) start(ctx context.Context, names []string) {
	ls.wg.Go(func() {
		lay, err := ls.l.metadata(ctx, names)
		ls.laid <- layoutResult{lay, err}
		if err == nil {
			ls.l.listOffsets(ctx, lay, ls.finish)
		}
	})
}

// startDiscovered starts with the topics discovered from the commits, or
// hands over an empty layout when there are none. When every group's
// commits timed out, nothing at all was read in time: there is no
// snapshot, and the error says so.
func (ls *lister) startDiscovered(ctx context.Context, groups []Group, cs []commits) error {
	if topics := topicsToRead(groups, cs); len(topics) > 0 {
		ls.start(ctx, topics)
		return nil
	}
	if !slices.ContainsFunc(cs, func(c commits) bool { return !c.timedOut }) {
		return fmt.Errorf("committed offsets: %w", cs[0].err)
	}
	ls.laid <- layoutResult{lay: newLayout()}
	return nil
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
