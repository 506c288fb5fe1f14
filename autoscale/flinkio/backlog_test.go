package flinkio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// The backlog source's verdict reaches the observation with its reason;
// where it has nothing to say (it fails, or has no entry for the source),
// the source keeps its own pendingRecords, and Origin says so.
func TestObserveBacklogReasons(t *testing.T) {
	vertexEntry := func(r backlog.Figure[int64]) backlog.Snapshot {
		return backlog.Snapshot{Source: "flink", Partitions: []backlog.Partition{{Key: backlog.VertexSplit(string(src), ""), Records: r,
			TimeLag: backlog.Unknown[time.Duration](backlog.MetricMissing)}}}
	}
	tests := []struct {
		name                 string
		snap                 backlog.Snapshot
		err                  error
		backlog, lag, origin string
	}{
		{"the backlog source fails", backlog.Snapshot{}, errors.New("kafka: connection refused"),
			"100", "missing (the backlog source failed: kafka: connection refused)", flinkio.OriginFlink},
		{"no entry for the source", backlog.Snapshot{Source: "kafka", Partitions: []backlog.Partition{{Key: backlog.TopicPartition("payments", 0), Records: backlog.Known[int64](5)}}}, nil,
			"100", "missing (the backlog source (kafka) has no entries for this source)", flinkio.OriginFlink},
		{"the job does not report the metric", vertexEntry(backlog.Unknown[int64](backlog.MetricMissing)), nil,
			"missing (metric not reported)", "missing (metric not reported)", "flink"},
		{"a scope error about the vertex", backlog.Snapshot{Source: "flink", Errors: []backlog.ScopeError{{Scope: "vertex " + string(src), Reason: backlog.FetchFailed, Detail: "503"}}}, nil,
			"missing (backlog: vertex " + string(src) + ": fetch failed: 503)", "missing (backlog: vertex " + string(src) + ": fetch failed: 503)", "flink"},
		{"a known figure", vertexEntry(backlog.Known[int64](7)), nil, "7", "missing (metric not reported)", "flink"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			o := observer(t, e, func(c *flinkio.ObserverConfig) {
				c.Backlog = backlog.SourceFunc(func(context.Context) (backlog.Snapshot, error) { return tt.snap, tt.err })
			})
			obs, err := o.Observe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			s, _ := obs.Vertex(string(src))
			if s.Source.Backlog.String() != tt.backlog || s.Source.TimeLag.String() != tt.lag || s.Source.Origin != tt.origin {
				t.Errorf("backlog %s, lag %s, origin %q; want %s, %s, %q", s.Source.Backlog, s.Source.TimeLag, s.Source.Origin, tt.backlog, tt.lag, tt.origin)
			}
		})
	}
}

// flinkbacklog's reason crosses into the observation intact: a source
// that reports no pendingRecords has a backlog missing because the metric
// is not reported, not a backlog of 0 and not a failed source.
func TestObserveFlinkBacklogReason(t *testing.T) {
	e := newEnv(t)
	e.srv.Metrics().DeleteSubtaskMetric(e.job, src, flinkapi.OperatorMetric("Source__orders", flinkapi.MetricPendingRecords))
	sh, err := flinkio.NewShared(flinkio.SharedConfig{Client: e.c})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := flinkbacklog.New(flinkbacklog.Config{Client: sh, Job: e.job})
	if err != nil {
		t.Fatal(err)
	}
	o := observer(t, e, func(c *flinkio.ObserverConfig) { c.Client, c.Backlog = sh, fb })
	obs, err := o.Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := obs.Vertex(string(src))
	if got := s.Source.Backlog; got.Valid() || got.Reason() != string(backlog.MetricMissing) || s.Source.Origin != flinkbacklog.SourceName {
		t.Errorf("backlog %v from %q, want missing (%s) from %q", got, s.Source.Origin, backlog.MetricMissing, flinkbacklog.SourceName)
	}
}
