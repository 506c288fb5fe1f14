package kafkalag

import (
	"fmt"
	"slices"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
)

// estimator turns each partition's offsets into every group's entry as soon
// as they are read, while other brokers are still answering.
type estimator struct {
	l      *Lag
	now    time.Time
	groups []Group
	r      *reading
	names  [][]string // per group: the topics it reads
	// Per group and topic, indexed like topic.ids: the entries, and the
	// group's commit blocks. Built before the offsets are read and only
	// read afterwards, so finish may run concurrently for distinct
	// partitions.
	entries []map[*topic][]backlog.Partition
	blocks  []map[*topic][]*sarama.OffsetFetchResponseBlock
	done    map[*topic][]bool
}

func (l *Lag) newEstimator(now time.Time, groups []Group, r *reading) *estimator {
	e := &estimator{l: l, now: now, groups: groups, r: r, names: make([][]string, len(groups)),
		entries: make([]map[*topic][]backlog.Partition, len(groups)),
		blocks:  make([]map[*topic][]*sarama.OffsetFetchResponseBlock, len(groups)),
		done:    map[*topic][]bool{},
	}
	for gi, g := range groups {
		e.names[gi] = g.Topics
		if len(g.Topics) == 0 {
			e.names[gi] = r.commits[gi].topics()
		}
		e.entries[gi] = map[*topic][]backlog.Partition{}
		e.blocks[gi] = map[*topic][]*sarama.OffsetFetchResponseBlock{}
		for _, name := range e.names[gi] {
			if t := r.lay.topics[name]; t != nil {
				e.entries[gi][t] = make([]backlog.Partition, len(t.ids))
				e.blocks[gi][t] = r.commits[gi].byIndex(t)
			}
		}
	}
	for _, t := range r.lay.topics {
		e.done[t] = make([]bool, len(t.ids))
	}
	return e
}

// finish records a partition's end offset in the Tracker, once however many
// groups read it, and computes its entries; its bounds are final. Safe for
// concurrent use on distinct partitions.
func (e *estimator) finish(r ref) {
	if e.done[r.t][r.i] {
		return
	}
	e.done[r.t][r.i] = true
	if end, ok := r.bounds().end.Value(); ok {
		e.l.cfg.Tracker.ObserveEnd(e.now, r.key(), end)
	}
	e.estimate(r)
}

// finishRest finishes the partitions no ListOffsets answer finished: those
// without a leader, or whose retry could not be sent.
func (e *estimator) finishRest() {
	for t, done := range e.done {
		for i, d := range done {
			if !d {
				e.finish(ref{t, i})
			}
		}
	}
}

// estimate computes r's entry for every group reading its topic.
func (e *estimator) estimate(r ref) {
	for gi, g := range e.groups {
		if ents := e.entries[gi][r.t]; ents != nil {
			ents[r.i] = e.l.partition(e.now, g, r, e.blocks[gi][r.t][r.i], e.r.commits[gi])
		}
	}
}

// snapshots assembles each group's snapshot.
func (e *estimator) snapshots() []backlog.Snapshot {
	snaps := make([]backlog.Snapshot, len(e.groups))
	for gi, g := range e.groups {
		s := backlog.Snapshot{Time: e.now, Group: g.Name, Source: SourceName}
		c := e.r.commits[gi]
		if c.err != nil {
			s.Errors = append(s.Errors, backlog.ScopeError{Scope: "group " + g.Name, Reason: c.reason(), Detail: c.err.Error()})
		}
		if len(e.names[gi]) == 0 && c.err == nil {
			s.Notes = append(s.Notes, fmt.Sprintf("group %s has committed no offsets and Group.Topics is empty: no partitions to report", g.Name))
		}
		var parts [][]backlog.Partition
		for _, name := range e.names[gi] {
			if err, ok := e.r.lay.missing[name]; ok {
				s.Errors = append(s.Errors, err)
			} else if t := e.r.lay.topics[name]; t != nil {
				parts = append(parts, e.entries[gi][t])
			}
		}
		switch len(parts) {
		case 0:
			s.Partitions = []backlog.Partition{}
		case 1:
			s.Partitions = parts[0] // no copy: built for this group alone
		default:
			s.Partitions = slices.Concat(parts...)
		}
		s.Sort()
		snaps[gi] = s
	}
	return snaps
}

// partition estimates one partition's backlog with the Tracker.
func (l *Lag) partition(now time.Time, g Group, r ref, block *sarama.OffsetFetchResponseBlock, c commits) backlog.Partition {
	committed, detail := c.committed(block)
	b := r.bounds()
	o := backlog.Offsets{LogStart: b.start, End: b.end, Committed: committed}
	p := l.cfg.Tracker.Estimate(now, r.key(), o, g.Reset)
	p.Source = SourceName
	p.Detail = joinDetail(b.detail, detail)
	p.Live = c.live[r.t.name][p.Key.Partition]
	return p
}
