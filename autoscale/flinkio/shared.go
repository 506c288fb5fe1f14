package flinkio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// SharedConfig configures a Shared.
type SharedConfig struct {
	// Client reads the job; usually a *flinkapi.Client. Required.
	Client Flink
}

// Validate reports whether c is usable. Its errors wrap ErrInvalidConfig.
func (c SharedConfig) Validate() error {
	if c.Client == nil {
		return fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	}
	return nil
}

// Shared is a Flink client that an Observer shares with the other readers
// of the same job, such as a backlog/flinkbacklog Source given as the
// Observer's Backlog: while the Observer observes, each REST resource is
// read once (the job details, each vertex's metric names and its
// aggregated metrics), and the others' calls are answered from that read.
// The Observer asks each source vertex for the backlog gauges
// (flinkapi.ParseBacklogMetric) along with its own metrics, so a
// flinkbacklog Source costs no request of its own: an observation of a job
// of V vertices with the Flink and Kafka backlog sources configured makes
// V+3 REST requests (job details, one metrics call per vertex, overview,
// TaskManagers) once flinkapi's metric-name cache is warm, where a Source
// with a client of its own adds one job-details call and one metrics call
// per source vertex.
//
// Outside an observation, and for a call the observation's reads do not
// cover (another job, other metric names, other aggregations or
// subtasks), Shared passes the call through. A read that failed is shared
// as it failed: the observation's readers see the same error. Observations
// through one Shared run one at a time. Safe for concurrent use.
type Shared struct {
	client Flink
	turn   chan struct{} // held by the observation in progress

	mu    sync.Mutex
	round *round // the observation's reads; nil outside one
}

var _ Flink = (*Shared)(nil)

// NewShared returns a Shared over cfg.Client, or an error wrapping
// ErrInvalidConfig.
func NewShared(cfg SharedConfig) (*Shared, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Shared{client: cfg.Client, turn: make(chan struct{}, 1)}, nil
}

// round holds one observation's reads, each made once.
type round struct {
	details memo[flinkapi.JobID, flinkapi.JobDetails]
	names   memo[vertexKey, []string]
	metrics memo[vertexKey, metricsRead]
}

type vertexKey struct {
	job    flinkapi.JobID
	vertex flinkapi.VertexID
}

// metricsRead is one aggregated-metrics read and the query it answered.
type metricsRead struct {
	q   flinkapi.MetricsQuery
	res flinkapi.VertexMetricsResult
}

// begin starts an observation's round, waiting for the one in progress to
// end (or ctx), and returns the function that ends it.
func (s *Shared) begin(ctx context.Context) (end func(), err error) {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	s.round = &round{}
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.round = nil
		s.mu.Unlock()
		<-s.turn
	}, nil
}

func (s *Shared) current() *round {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.round
}

// JobDetails implements Flink: within an observation, one read per job.
func (s *Shared) JobDetails(ctx context.Context, job flinkapi.JobID) (flinkapi.JobDetails, error) {
	r := s.current()
	if r == nil {
		return s.client.JobDetails(ctx, job)
	}
	return r.details.get(ctx, job, func() (flinkapi.JobDetails, error) { return s.client.JobDetails(ctx, job) })
}

// VertexMetricNames implements Flink: within an observation, one read per
// vertex.
func (s *Shared) VertexMetricNames(ctx context.Context, job flinkapi.JobID, vertex flinkapi.VertexID) ([]string, error) {
	r := s.current()
	if r == nil {
		return s.client.VertexMetricNames(ctx, job, vertex)
	}
	names, err := r.names.get(ctx, vertexKey{job, vertex}, func() ([]string, error) {
		return s.client.VertexMetricNames(ctx, job, vertex)
	})
	return slices.Clone(names), err
}

// VertexMetrics implements Flink: within an observation, the first read of
// a vertex's metrics is shared, and a later call whose names,
// aggregations and subtasks it covers is answered from it.
func (s *Shared) VertexMetrics(ctx context.Context, job flinkapi.JobID, vertex flinkapi.VertexID, q flinkapi.MetricsQuery) (flinkapi.VertexMetricsResult, error) {
	r := s.current()
	if r == nil {
		return s.client.VertexMetrics(ctx, job, vertex, q)
	}
	read, err := r.metrics.get(ctx, vertexKey{job, vertex}, func() (metricsRead, error) {
		res, err := s.client.VertexMetrics(ctx, job, vertex, q)
		return metricsRead{q: q, res: res}, err
	})
	switch {
	case !covers(read.q, q):
		return s.client.VertexMetrics(ctx, job, vertex, q)
	case err != nil:
		return flinkapi.VertexMetricsResult{}, err
	}
	return answer(read.res, q.Names), nil
}

// Overview implements Flink by passing the call through.
func (s *Shared) Overview(ctx context.Context) (flinkapi.ClusterOverview, error) {
	return s.client.Overview(ctx)
}

// TaskManagers implements Flink by passing the call through.
func (s *Shared) TaskManagers(ctx context.Context) ([]flinkapi.TaskManager, error) {
	return s.client.TaskManagers(ctx)
}

// covers reports whether a read made for query had answers for q: q's
// names and aggregations among its (no aggregations meaning all), the same
// subtasks.
func covers(read, q flinkapi.MetricsQuery) bool {
	all := []flinkapi.Aggregation{flinkapi.AggMin, flinkapi.AggMax, flinkapi.AggAvg, flinkapi.AggSum, flinkapi.AggSkew}
	have, want := read.Aggregations, q.Aggregations
	if len(have) == 0 {
		have = all
	}
	if len(want) == 0 {
		want = all
	}
	return subset(q.Names, read.Names) && subset(want, have) && slices.Equal(read.Subtasks, q.Subtasks)
}

func subset[T comparable](xs, of []T) bool {
	for _, x := range xs {
		if !slices.Contains(of, x) {
			return false
		}
	}
	return true
}

// answer is res restricted to names, as a call asking for them would have
// been answered.
func answer(res flinkapi.VertexMetricsResult, names []string) flinkapi.VertexMetricsResult {
	out := flinkapi.VertexMetricsResult{Metrics: map[string]flinkapi.AggregatedMetric{}}
	for _, n := range names {
		if m, ok := res.Metrics[n]; ok {
			out.Metrics[n] = m
		}
		if slices.Contains(res.Missing, n) && !slices.Contains(out.Missing, n) {
			out.Missing = append(out.Missing, n)
		}
	}
	return out
}

// memo makes each read once per key: the first caller reads, later ones
// (concurrent or not) share its answer. A read that ended with its
// caller's ctx is forgotten, so that another caller reads again.
type memo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*entry[V]
}

type entry[V any] struct {
	done chan struct{}
	v    V
	err  error
}

func (m *memo[K, V]) get(ctx context.Context, k K, read func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[K]*entry[V]{}
	}
	e, ok := m.m[k]
	if !ok {
		e = &entry[V]{done: make(chan struct{})}
		m.m[k] = e
	}
	m.mu.Unlock()
	if ok {
		select {
		case <-e.done:
			return e.v, e.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	e.v, e.err = read()
	if e.err != nil && ctx.Err() != nil && errors.Is(e.err, ctx.Err()) {
		m.mu.Lock()
		delete(m.m, k)
		m.mu.Unlock()
	}
	close(e.done)
	return e.v, e.err
}
