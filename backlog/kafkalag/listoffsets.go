package kafkalag

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
)

// kind is which end of the log a ListOffsets request asks for. A request
// may not name a partition twice, so each kind is its own request.
type kind int8

const (
	latest kind = iota
	earliest
)

func (k kind) timestamp() int64 {
	if k == earliest {
		return sarama.OffsetOldest
	}
	return sarama.OffsetNewest
}

func (k kind) String() string {
	if k == earliest {
		return "log start offset"
	}
	return "end offset"
}

// bounds are a partition's log start and end offsets.
type bounds struct {
	start, end backlog.Figure[int64]
	detail     string
}

func (b *bounds) set(k kind, f backlog.Figure[int64]) {
	if k == earliest {
		b.start = f
	} else {
		b.end = f
	}
}

func (b *bounds) fail(k kind, r backlog.Reason, detail string) {
	b.set(k, backlog.Unknown[int64](r))
	if b.detail != "" {
		b.detail += "; "
	}
	b.detail += k.String() + ": " + detail
}

// target is a partition to ask for and the broker to ask.
type target struct {
	ref    ref
	broker *sarama.Broker
}

// job is one ListOffsets request: one leader broker, one kind.
type job struct {
	broker *sarama.Broker
	kind   kind
	refs   []ref // sorted by topic and partition
}

// outcome is a job's answer, indexed like job.refs.
type outcome struct {
	job      job
	offsets  []int64
	errs     []error // nil where offsets holds the answer
	retry    []bool  // retried once, after a metadata refresh
	timedOut bool    // no answer before the evaluation's time was up
}

// miss is an offset to retry.
type miss struct {
	kind kind
	ref  ref
	err  error
}

// listOffsets reads the log start and end offset of every partition in lay
// into its bounds: one ListOffsets request per leader broker and kind,
// brokers concurrently. Partitions whose leader moved (NOT_LEADER_OR_FOLLOWER and
// the like) or whose request failed are retried once, alone, after one
// metadata refresh; sarama does not refresh on NOT_LEADER itself. finish
// gets each partition whose bounds are final, as soon as they are. When ctx
// is done, the offsets not read by then are unknown (backlog.TimedOut) and
// listOffsets returns at once: one slow broker leaves the others'
// partitions known.
func (l *Lag) listOffsets(ctx context.Context, lay *layout, finish func(ref)) {
	for _, t := range lay.topics {
		for i := range t.ids {
			unknown := backlog.Unknown[int64](backlog.MissingOffset)
			if f, ok := t.fails[i]; ok {
				unknown = backlog.Unknown[int64](f.reason)
				t.bounds[i].detail = f.detail
			}
			t.bounds[i].start, t.bounds[i].end = unknown, unknown
		}
	}
	refs := lay.refs()
	todo := make([]target, len(refs))
	for i, r := range refs {
		todo[i] = target{r, r.t.leaders[r.i]}
	}
	if misses := l.listRound(ctx, map[kind][]target{latest: todo, earliest: todo}, finish); len(misses) > 0 {
		l.retryOffsets(ctx, misses, finish)
	}
}

// retryOffsets refreshes the metadata of the missed partitions' topics and
// asks their (new) leaders once more.
func (l *Lag) retryOffsets(ctx context.Context, misses []miss, finish func(ref)) {
	var names []string
	for _, m := range misses {
		names = append(names, m.ref.t.name)
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	l.cfg.Logger.Debug("kafkalag: retrying ListOffsets after a metadata refresh", "topics", names, "offsets", len(misses))
	lay, err := l.metadata(ctx, names)
	if err != nil {
		reason := failReason(ctx)
		for _, m := range misses {
			m.ref.bounds().fail(m.kind, reason, fmt.Sprintf("%v; refreshing metadata: %v", m.err, l.late(ctx, err)))
		}
		return
	}
	todo := map[kind][]target{}
	for _, m := range misses {
		b := m.ref.bounds()
		t, ok := lay.topics[m.ref.t.name]
		j, found := 0, false
		if ok {
			j, found = t.index(m.ref.id())
		}
		switch {
		case !ok && lay.missing[m.ref.t.name].Scope != "":
			s := lay.missing[m.ref.t.name]
			b.fail(m.kind, s.Reason, s.Detail)
		case !found:
			b.fail(m.kind, backlog.FetchFailed, m.err.Error())
		case t.leaders[j] != nil:
			todo[m.kind] = append(todo[m.kind], target{m.ref, t.leaders[j]})
		default:
			b.fail(m.kind, t.fails[j].reason, t.fails[j].detail)
		}
	}
	for _, m := range l.listRound(ctx, todo, finish) {
		m.ref.bounds().fail(m.kind, backlog.FetchFailed, m.err.Error())
	}
}

func (r ref) bounds() *bounds { return &r.t.bounds[r.i] }

// listRound sends the requests for todo, one per broker and kind: brokers
// concurrently, a broker's requests one after the other (sarama sends one
// request at a time on a connection anyway). As soon as a broker has
// answered, its partitions that need no retry go to finish, while other
// brokers are still answering. It returns what to retry.
func (l *Lag) listRound(ctx context.Context, todo map[kind][]target, finish func(ref)) []miss {
	var perBroker [][]job
	for _, j := range plan(todo) { // sorted by broker id
		if n := len(perBroker); n > 0 && perBroker[n-1][0].broker == j.broker {
			perBroker[n-1] = append(perBroker[n-1], j)
		} else {
			perBroker = append(perBroker, []job{j})
		}
	}
	misses := make([][]miss, len(perBroker))
	var wg sync.WaitGroup
	for i, jobs := range perBroker {
		wg.Go(func() { misses[i] = l.runBroker(ctx, jobs, finish) })
	}
	wg.Wait()
	return slices.Concat(misses...)
}

// runBroker runs one broker's jobs, records the answers in the bounds, and
// finishes the partitions that need no retry.
func (l *Lag) runBroker(ctx context.Context, jobs []job, finish func(ref)) []miss {
	var misses []miss
	var missed map[ref]bool
	for _, j := range jobs {
		o := l.runJob(ctx, j)
		for i, r := range j.refs {
			switch {
			case o.timedOut:
				r.bounds().fail(j.kind, backlog.TimedOut, o.errs[i].Error())
			case o.retry[i]:
				misses = append(misses, miss{j.kind, r, o.errs[i]})
				if missed == nil {
					missed = map[ref]bool{}
				}
				missed[r] = true
			case o.errs[i] != nil:
				r.bounds().fail(j.kind, backlog.FetchFailed, o.errs[i].Error())
			default:
				r.bounds().set(j.kind, backlog.Known(o.offsets[i]))
			}
		}
	}
	for _, j := range jobs {
		for _, r := range j.refs {
			if !missed[r] {
				finish(r) // a partition in both jobs is finished once
			}
		}
	}
	return misses
}

// plan groups targets by broker, one job per broker and kind.
func plan(todo map[kind][]target) []job {
	var jobs []job
	for _, kd := range []kind{latest, earliest} {
		counts := map[*sarama.Broker]int{}
		for _, tg := range todo[kd] {
			counts[tg.broker]++
		}
		byBroker := map[*sarama.Broker]int{}
		for _, tg := range todo[kd] {
			i, ok := byBroker[tg.broker]
			if !ok {
				i = len(jobs)
				byBroker[tg.broker] = i
				jobs = append(jobs, job{broker: tg.broker, kind: kd, refs: make([]ref, 0, counts[tg.broker])})
			}
			jobs[i].refs = append(jobs[i].refs, tg.ref)
		}
	}
	slices.SortStableFunc(jobs, func(a, b job) int {
		return cmp.Or(cmp.Compare(a.broker.ID(), b.broker.ID()), cmp.Compare(a.kind, b.kind))
	})
	return jobs
}

// runJob sends one ListOffsets request. A failed request (a broken
// connection, a timeout) marks all its partitions for the retry.
func (l *Lag) runJob(ctx context.Context, j job) outcome {
	n := len(j.refs)
	o := outcome{job: j, offsets: make([]int64, n), errs: make([]error, n), retry: make([]bool, n)}
	req := sarama.NewOffsetRequest(l.version())
	for _, r := range j.refs {
		req.AddBlock(r.t.name, r.id(), j.kind.timestamp(), 1)
	}
	resp, err := request(ctx, l, j.broker, func() (*sarama.OffsetResponse, error) { return j.broker.GetAvailableOffsets(req) })
	if err != nil {
		o.timedOut = ctx.Err() != nil
		if !o.timedOut {
			l.cfg.Logger.Debug("kafkalag: ListOffsets failed", "broker", j.broker.Addr(), "err", err)
		}
		err = fmt.Errorf("broker %d: %w", j.broker.ID(), l.late(ctx, err))
		for i := range n {
			o.errs[i], o.retry[i] = err, !o.timedOut
		}
		return o
	}
	var cur *topic
	var blocks map[int32]*sarama.OffsetResponseBlock
	for i, r := range j.refs {
		if r.t != cur {
			cur, blocks = r.t, resp.Blocks[r.t.name]
		}
		block := blocks[r.id()]
		switch {
		case block == nil:
			o.errs[i], o.retry[i] = fmt.Errorf("broker %d: %w", j.broker.ID(), sarama.ErrIncompleteResponse), true
		case block.Err != sarama.ErrNoError:
			o.errs[i], o.retry[i] = fmt.Errorf("broker %d: %w", j.broker.ID(), block.Err), leaderMoved(block.Err)
		case block.Offset < 0:
			o.errs[i] = fmt.Errorf("broker %d: no offset returned (%d)", j.broker.ID(), block.Offset)
		default:
			o.offsets[i] = block.Offset
		}
	}
	return o
}
