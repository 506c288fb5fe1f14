package flinkadvice

import (
	"context"
	"math"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// TaskMetrics is optional: a Flink client that also implements it lets
// Observe measure the facts the caller left unknown, from Flink's task
// metrics. *flinkapi.Client implements it.
type TaskMetrics interface {
	JobDetails(ctx context.Context, job flinkapi.JobID) (flinkapi.JobDetails, error)
	VertexMetrics(ctx context.Context, job flinkapi.JobID, vertex flinkapi.VertexID, q flinkapi.MetricsQuery) (flinkapi.VertexMetricsResult, error)
}

var _ TaskMetrics = (*flinkapi.Client)(nil)

// Task metric names (nanoseconds and milliseconds per second): flinkapi's,
// the same the fakes report.
const (
	alignmentTime     = flinkapi.MetricCheckpointAlignmentTime // ns the last barrier alignment took
	startDelay        = flinkapi.MetricCheckpointStartDelay    // ns from the checkpoint's creation to the task starting it
	backpressuredTime = flinkapi.MetricBackPressuredTime
	// backpressuredMost is the share of time above which sources count as
	// backpressured "most of the time" (Facts.Backpressured).
	backpressuredMost = 500
)

// measureFacts fills what facts leaves unknown. Alignment is, per vertex,
// the largest alignment time plus the largest start delay among its
// subtasks for the last checkpoint (an upper bound on the time barriers
// waited; a reported 0 is a known 0), the largest over the vertices that
// report either metric. Backpressured is true when some source's busiest
// subtask is backpressured more than half the time, false when every
// source reports it is not. A fact Flink does not report stays unknown
// (checkpointing.NotReported), and one a failed call left unmeasured
// unknown (checkpointing.ReadFailed): the advisor then does not judge on
// it. Facts the caller gave are kept.
func measureFacts(ctx context.Context, m TaskMetrics, job flinkapi.JobID, facts checkpointing.Facts) checkpointing.Facts {
	needAlign, needBP := !facts.Alignment.Known(), !facts.Backpressured.Known()
	if !needAlign && !needBP {
		return facts
	}
	var t tally
	if d, err := m.JobDetails(ctx, job); err != nil {
		t.alignFailed, t.bpFailed = true, true
	} else {
		t.read(ctx, m, job, d)
	}
	if needAlign {
		facts.Alignment = t.alignment()
	}
	if needBP {
		facts.Backpressured = t.backpressured()
	}
	return facts
}

// tally is what the task metrics of a job's vertices said.
type tally struct {
	wait                  time.Duration // the largest barrier wait reported
	waitSeen, alignFailed bool
	// busy: some source is backpressured; sources, reported: how many
	// sources there are and how many reported backpressure.
	busy              bool
	sources, reported int
	bpFailed          bool
}

// read asks each vertex of d for its metrics, one call per vertex.
func (t *tally) read(ctx context.Context, m TaskMetrics, job flinkapi.JobID, d flinkapi.JobDetails) {
	sources := map[flinkapi.VertexID]bool{}
	for _, n := range d.Plan.Nodes {
		sources[n.ID] = len(n.Inputs) == 0
	}
	for _, v := range d.Vertices {
		source := sources[v.ID]
		if source {
			t.sources++
		}
		res, err := m.VertexMetrics(ctx, job, v.ID, flinkapi.MetricsQuery{
			Names: []string{alignmentTime, startDelay, backpressuredTime}, Aggregations: []flinkapi.Aggregation{flinkapi.AggMax},
		})
		if err != nil {
			t.alignFailed = true
			t.bpFailed = t.bpFailed || source
			continue
		}
		align, alignOK := nanos(res, alignmentTime)
		delay, delayOK := nanos(res, startDelay)
		if alignOK || delayOK {
			t.waitSeen = true
			t.wait = max(t.wait, align+min(delay, math.MaxInt64-align)) // saturating
		}
		if bp, ok := reported(res, backpressuredTime); ok && source {
			t.reported++
			t.busy = t.busy || bp > backpressuredMost
		}
	}
}

func (t *tally) alignment() checkpointing.Figure[time.Duration] {
	switch {
	case t.alignFailed:
		return checkpointing.Unknown[time.Duration](checkpointing.ReadFailed)
	case !t.waitSeen:
		return checkpointing.Unknown[time.Duration](checkpointing.NotReported)
	}
	return checkpointing.Known(t.wait)
}

func (t *tally) backpressured() checkpointing.Figure[bool] {
	switch {
	case t.busy: // one busy source is enough, whatever the others said
		return checkpointing.Known(true)
	case t.bpFailed:
		return checkpointing.Unknown[bool](checkpointing.ReadFailed)
	case t.sources == 0 || t.reported < t.sources:
		return checkpointing.Unknown[bool](checkpointing.NotReported)
	}
	return checkpointing.Known(false)
}

// nanos reads a nanosecond gauge's MAX, the longest Duration when beyond
// it; ok is false when the metric is missing or its value invalid (NaN,
// infinite, negative).
func nanos(res flinkapi.VertexMetricsResult, name string) (time.Duration, bool) {
	v, ok := reported(res, name)
	return saturating(v), ok
}

// reported reads a metric's MAX; ok is false when the vertex does not have
// the metric (a missing one is absent from res.Metrics, not 0) or its value
// is NaN, infinite or negative.
func reported(res flinkapi.VertexMetricsResult, name string) (float64, bool) {
	m, has := res.Metrics[name]
	if !has {
		return 0, false
	}
	v, ok := m.Value(flinkapi.AggMax)
	return v, ok && v >= 0
}
