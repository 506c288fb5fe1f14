package flinkbacklog

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// Flink is the part of the Flink REST client this package uses;
// *flinkapi.Client satisfies it, and so does *flinkio.Shared, which answers
// a Source's calls from the reads an autoscale/flinkio Observer makes
// anyway.
type Flink interface {
	JobDetails(ctx context.Context, job flinkapi.JobID) (flinkapi.JobDetails, error)
	VertexMetricNames(ctx context.Context, job flinkapi.JobID, vertex flinkapi.VertexID) ([]string, error)
	VertexMetrics(ctx context.Context, job flinkapi.JobID, vertex flinkapi.VertexID, q flinkapi.MetricsQuery) (flinkapi.VertexMetricsResult, error)
}

var _ Flink = (*flinkapi.Client)(nil)

// ErrInvalidConfig is wrapped by every error New and Config.Validate return
// for a bad Config. It wraps backlog.ErrInvalidConfig, which wraps
// flinkscale.ErrInvalidConfig, so errors.Is matches any of the three.
var ErrInvalidConfig = fmt.Errorf("flinkbacklog: %w", backlog.ErrInvalidConfig)

// SourceName is Snapshot.Source and Partition.Source of this package's
// snapshots.
const SourceName = "flink"

// Config configures a Source. Zero fields mean the documented defaults.
type Config struct {
	// Client reads the job. Required; usually a *flinkapi.Client.
	Client Flink
	// Job is the job to read. Required.
	Job flinkapi.JobID
	// Vertices are the source vertices to read. Default: every vertex
	// without inputs in the job's plan.
	Vertices []flinkapi.VertexID
	// Clock tells the time of a snapshot. Default: the system clock
	// (clock.System).
	Clock clock.Clock
	// Logger receives a debug line per snapshot. Default: discard.
	Logger *slog.Logger
}

// Source is a backlog.Source reading the backlog a Flink job reports about
// its own sources. Safe for concurrent use.
type Source struct {
	cfg Config
}

var _ backlog.Source = (*Source)(nil)

// Validate reports whether the Config is usable, wrapping ErrInvalidConfig
// if not.
func (cfg Config) Validate() error {
	if cfg.Client == nil {
		return fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	}
	if err := cfg.Job.Validate(); err != nil {
		return fmt.Errorf("%w: Job: %w", ErrInvalidConfig, err)
	}
	for _, v := range cfg.Vertices {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("%w: Vertices: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

// New returns a Source, or an error wrapping ErrInvalidConfig.
func New(cfg Config) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Vertices = slices.Clone(cfg.Vertices)
	return &Source{cfg: cfg}, nil
}

// Backlog reads the job's source vertices: one job-details call, then per
// source vertex one aggregated-metrics call once flinkapi's metric-name
// cache is warm. A vertex it cannot read at all is a ScopeError in the
// snapshot; the error return is for a job it cannot read.
func (s *Source) Backlog(ctx context.Context) (backlog.Snapshot, error) {
	d, err := s.cfg.Client.JobDetails(ctx, s.cfg.Job)
	if err != nil {
		return backlog.Snapshot{}, fmt.Errorf("flinkbacklog: job %s: %w", s.cfg.Job, err)
	}
	snap := backlog.Snapshot{Time: s.cfg.Clock.Now(), Group: string(s.cfg.Job), Source: SourceName}
	for _, v := range s.sources(d) {
		entries, err := s.vertex(ctx, v)
		if err != nil {
			if ctx.Err() != nil {
				return backlog.Snapshot{}, fmt.Errorf("flinkbacklog: job %s: %w", s.cfg.Job, ctx.Err())
			}
			snap.Errors = append(snap.Errors, backlog.ScopeError{Scope: "vertex " + string(v), Reason: backlog.FetchFailed, Detail: err.Error()})
			continue
		}
		snap.Partitions = append(snap.Partitions, entries...)
	}
	snap.Sort()
	s.cfg.Logger.DebugContext(ctx, "flinkbacklog: snapshot", "job", string(s.cfg.Job), "entries", len(snap.Partitions), "errors", len(snap.Errors))
	return snap, nil
}

// sources returns the configured vertices, or the plan's sources.
func (s *Source) sources(d flinkapi.JobDetails) []flinkapi.VertexID {
	if len(s.cfg.Vertices) > 0 {
		return s.cfg.Vertices
	}
	var out []flinkapi.VertexID
	for _, n := range d.Plan.Nodes {
		if len(n.Inputs) == 0 {
			out = append(out, n.ID)
		}
	}
	return out
}

// vertex reads one source vertex's backlog metrics.
func (s *Source) vertex(ctx context.Context, v flinkapi.VertexID) ([]backlog.Partition, error) {
	names, err := s.cfg.Client.VertexMetricNames(ctx, s.cfg.Job, v)
	if err != nil {
		return nil, err
	}
	var found []metricName
	var get []string
	for _, n := range names {
		if m := parseName(n); m.kind != kindNone {
			found = append(found, m)
			get = append(get, n)
		}
	}
	if len(found) == 0 {
		return []backlog.Partition{missingEntry(v)}, nil
	}
	res, err := s.cfg.Client.VertexMetrics(ctx, s.cfg.Job, v, flinkapi.MetricsQuery{
		Names: get, Aggregations: []flinkapi.Aggregation{flinkapi.AggSum, flinkapi.AggMin},
	})
	if err != nil {
		return nil, err
	}
	return entries(v, found, res), nil
}

func missingEntry(v flinkapi.VertexID) backlog.Partition {
	return backlog.Partition{
		Key:     backlog.VertexSplit(string(v), ""),
		Records: backlog.Unknown[int64](backlog.MetricMissing),
		Bytes:   backlog.Unknown[int64](backlog.MetricMissing),
		TimeLag: backlog.Unknown[time.Duration](backlog.MetricMissing),
		Source:  SourceName,
	}
}

// value turns an aggregated gauge into a figure: the sum over subtasks,
// unknown when a subtask reports a negative value (Beam's BACKLOG_UNKNOWN is
// -1, which a plain sum would hide), NaN, or nothing.
func value(res flinkapi.VertexMetricsResult, name string) backlog.Figure[int64] {
	m, ok := res.Metrics[name]
	if !ok {
		return backlog.Unknown[int64](backlog.MetricMissing)
	}
	lo, okMin := m.Value(flinkapi.AggMin)
	sum, okSum := m.Value(flinkapi.AggSum)
	if !okMin || !okSum || lo < 0 || sum < 0 || sum > math.MaxInt64/2 {
		return backlog.Unknown[int64](backlog.InvalidValue)
	}
	return backlog.Known(int64(math.Round(sum)))
}
