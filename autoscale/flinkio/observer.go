package flinkio

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// Flink is the part of the Flink REST client the Observer uses;
// *flinkapi.Client satisfies it, and so does *Shared.
type Flink interface {
	JobDetails(ctx context.Context, job flinkapi.JobID) (flinkapi.JobDetails, error)
	VertexMetricNames(ctx context.Context, job flinkapi.JobID, vertex flinkapi.VertexID) ([]string, error)
	VertexMetrics(ctx context.Context, job flinkapi.JobID, vertex flinkapi.VertexID, q flinkapi.MetricsQuery) (flinkapi.VertexMetricsResult, error)
	Overview(ctx context.Context) (flinkapi.ClusterOverview, error)
	TaskManagers(ctx context.Context) ([]flinkapi.TaskManager, error)
}

var _ Flink = (*flinkapi.Client)(nil)

// ErrInvalidConfig is wrapped by every error about a bad Config. It wraps
// flinkscale.ErrInvalidConfig.
var ErrInvalidConfig = fmt.Errorf("flinkio: %w", flinkscale.ErrInvalidConfig)

// ObserverConfig configures an Observer.
type ObserverConfig struct {
	// Client reads the job. Give the Observer and a flinkbacklog Source in
	// Backlog the same *Shared, and each REST resource is read once per
	// observation. Required.
	Client Flink
	// Job is the job to observe. Required.
	Job flinkapi.JobID
	// Backlog, if set, supplies source backlog and time lag; its figures
	// replace the sources' own pendingRecords. Use backlog.Merge over
	// flinkbacklog and kafkalag, in that order, for Flink's records with
	// Kafka's as the fallback and Kafka's time lag: a source's records come
	// from the entries keyed by its vertex when they are known, else from
	// the partitions of its topics; its time lag from the partitions. A
	// source the backlog source has no entries for, or every source when
	// it fails, keeps its own pendingRecords (Source.Origin says which),
	// with its time lag missing for the reason. backlog.Fallback over the
	// same gives one view or the other. Default: the sources'
	// pendingRecords alone, with no time lag.
	Backlog backlog.Source
	// Topics maps a source vertex to the Kafka topics it reads, to match
	// Backlog's per-partition entries and count partitions. Default:
	// entries keyed by the vertex (as flinkbacklog's), and the partition
	// count from the source's KafkaSourceReader metric names.
	Topics map[flinkapi.VertexID][]string
	// TopicsByName is Topics keyed by the source vertex's name as the job
	// details show it ("Source: orders"), resolved against the job details
	// at every observation (ResolveTopics), so it holds across a
	// resubmitted job whose vertex IDs changed. The key "" names the job's
	// only source. Topics wins for a vertex both name. Default: none.
	TopicsByName map[string][]string
	// Health, if set with Backlog, evaluates the lag health of the
	// partitions of the sources' topics at every observation (it is fed
	// Backlog's snapshot) and fills Source.Health: partitions per status,
	// and what the stalled ones hold, which autoscale.Default leaves out of
	// its sizing. A Flink job's KafkaSource commits through assign(), with
	// no group membership, on every completed checkpoint: when Client is a
	// Checkpointer (*flinkapi.Client and *Shared are) the Observer reads
	// the job's checkpoint statistics (one REST call more per observation)
	// and marks the partitions Live when a checkpoint completed since the
	// previous observation, so a partition stuck behind one offset is
	// STALL, not STOP; except the partitions of a source spending half its
	// time or more backpressured (or not known), whose commits wait behind
	// its fetcher (measured on Flink 1.20.5): those are never STALL. Give
	// it a Health of its own (one per job).
	// Default: none, Source.Health stays zero.
	Health *backlog.Health
	// Concurrency bounds the REST calls in flight. Default: 8.
	Concurrency int
	// Logger receives a debug line per partial failure. Default: discard.
	Logger *slog.Logger
}

// Validate reports whether c is usable. Its errors wrap ErrInvalidConfig.
func (c ObserverConfig) Validate() error {
	if c.Client == nil {
		return fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	}
	if err := c.Job.Validate(); err != nil {
		return fmt.Errorf("%w: Job: %w", ErrInvalidConfig, err)
	}
	if c.Concurrency < 0 {
		return fmt.Errorf("%w: Concurrency %d is negative", ErrInvalidConfig, c.Concurrency)
	}
	for id := range c.Topics {
		if err := id.Validate(); err != nil {
			return fmt.Errorf("%w: Topics: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

// Observer builds autoscale.Observations from the Flink REST API: one
// job-details call, one aggregated-metrics call per vertex (flinkapi caches
// the metric names), the cluster overview and TaskManagers, and the
// optional backlog source (whose Flink reads a Shared client answers from
// the Observer's). A failed part leaves its figures missing, each with the
// reason (the failed call's error, a metric not reported, a backlog
// figure's own reason); only a job it cannot read at all is an error. Safe
// for concurrent use.
type Observer struct {
	cfg ObserverConfig

	mu        sync.Mutex // guards what follows
	seen      bool       // completed holds an earlier observation's count
	completed int64      // completed checkpoints at the last observation
}

var _ autoscale.Observer = (*Observer)(nil)

// NewObserver returns an Observer, or an error wrapping ErrInvalidConfig.
func NewObserver(cfg ObserverConfig) (*Observer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Topics = maps.Clone(cfg.Topics)
	cfg.TopicsByName = maps.Clone(cfg.TopicsByName)
	return &Observer{cfg: cfg}, nil
}

// Observe implements autoscale.Observer.
func (o *Observer) Observe(ctx context.Context) (autoscale.Observation, error) {
	if sh, ok := o.cfg.Client.(*Shared); ok {
		end, err := sh.begin(ctx)
		if err != nil {
			return autoscale.Observation{}, err
		}
		defer end()
	}
	d, err := o.cfg.Client.JobDetails(ctx, o.cfg.Job)
	if err != nil {
		return autoscale.Observation{}, fmt.Errorf("flinkio: job %s: %w", o.cfg.Job, err)
	}
	obs := graph(d)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.cfg.Concurrency)
	for i := range obs.Vertices {
		g.Go(func() error {
			o.vertexMetrics(gctx, &obs.Vertices[i])
			return nil
		})
	}
	g.Go(func() error {
		obs.Resources = o.resources(gctx)
		return nil
	})
	_ = g.Wait() // parts fail alone; their figures stay missing
	if err := ctx.Err(); err != nil {
		return autoscale.Observation{}, err
	}
	o.backlog(ctx, &obs, o.topics(ctx, d))
	return obs, nil
}

// topics is Topics, completed from TopicsByName against d.
func (o *Observer) topics(ctx context.Context, d flinkapi.JobDetails) map[flinkapi.VertexID][]string {
	if len(o.cfg.TopicsByName) == 0 {
		return o.cfg.Topics
	}
	byName, err := ResolveTopics(d, o.cfg.TopicsByName)
	if err != nil {
		o.cfg.Logger.DebugContext(ctx, "flinkio: topics by name", "err", err)
	}
	for id, ts := range o.cfg.Topics {
		byName[id] = ts
	}
	return byName
}

// graph turns job details into the observation's structure and counters.
func graph(d flinkapi.JobDetails) autoscale.Observation {
	obs := autoscale.Observation{Job: string(d.ID), Running: d.State == flinkapi.JobRunning, State: string(d.State), LastRestart: d.LastRunning()}
	if now := d.Now.Time(); !now.IsZero() {
		obs.Time = now
	}
	isSource := map[flinkapi.VertexID]bool{}
	for _, n := range d.Plan.Nodes {
		isSource[n.ID] = len(n.Inputs) == 0
		for _, in := range n.Inputs {
			obs.Edges = append(obs.Edges, autoscale.Edge{From: string(in.ID), To: string(n.ID), Keyed: in.IsKeyed()})
		}
	}
	for _, v := range d.Vertices {
		av := autoscale.Vertex{
			ID: string(v.ID), Name: v.Name, Parallelism: v.Parallelism, MaxParallelism: v.MaxParallelism,
			SlotSharingGroup: v.SlotSharingGroupID,
			RecordsIn:        counter(v.Metrics.ReadRecords, v.Metrics.ReadRecordsComplete),
			RecordsOut:       counter(v.Metrics.WriteRecords, v.Metrics.WriteRecordsComplete),
		}
		if isSource[v.ID] {
			// A source reads no network input: its records in are its source
			// operator's numRecordsIn, and its backlog its pendingRecords,
			// both read with its metrics (vertexMetrics).
			notRead := autoscale.MissingBecause("metrics not read")
			av.Source = &autoscale.Source{Backlog: notRead, TimeLag: noTimeLag, Origin: OriginFlink}
			av.RecordsIn = notRead
		}
		obs.Vertices = append(obs.Vertices, av)
	}
	obs.Vertices = topological(obs.Vertices, obs.Edges)
	return obs
}

// counter is an accumulated counter, missing while some subtask has not
// reported.
func counter(n int64, complete bool) autoscale.Value {
	switch {
	case !complete:
		return autoscale.MissingBecause("not every subtask has reported its counter yet")
	case n < 0:
		return autoscale.MissingBecause(fmt.Sprintf("invalid value reported (%d)", n))
	}
	return autoscale.Of(float64(n))
}

// topological orders vertices so that every edge goes forward, keeping the
// given order among independent vertices.
func topological(vs []autoscale.Vertex, es []autoscale.Edge) []autoscale.Vertex {
	indeg := map[string]int{}
	for _, e := range es {
		indeg[e.To]++
	}
	out := make([]autoscale.Vertex, 0, len(vs))
	placed := map[string]bool{}
	for len(out) < len(vs) {
		progress := false
		for _, v := range vs {
			if placed[v.ID] || indeg[v.ID] > 0 {
				continue
			}
			placed[v.ID], progress = true, true
			out = append(out, v)
			for _, e := range es {
				if e.From == v.ID {
					indeg[e.To]--
				}
			}
		}
		if !progress { // a cycle cannot happen in a Flink job graph; keep the rest as given
			for _, v := range vs {
				if !placed[v.ID] {
					out = append(out, v)
				}
			}
		}
	}
	return out
}
