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

// Task metric names (nanoseconds and milliseconds per second).
const (
	alignmentTime     = "checkpointAlignmentTime"   // ns the last barrier alignment took
	startDelay        = "checkpointStartDelayNanos" // ns from the checkpoint's creation to the task starting it
	backpressuredTime = "backPressuredTimeMsPerSecond"
	// backpressuredMost is the share of time above which sources count as
	// backpressured "most of the time" (Facts.Backpressured).
	backpressuredMost = 500
)

// measureFacts fills what facts leaves unknown: Alignment, per vertex the
// largest alignment time plus the largest start delay among its subtasks
// for the last checkpoint (an upper bound on the time barriers waited),
// the largest over vertices, and Backpressured, whether some source's
// busiest subtask is backpressured more than half the time. A figure Flink
// does not report, or a call that fails, leaves the fact as it was: the
// advisor then does not judge on it.
func measureFacts(ctx context.Context, m TaskMetrics, job flinkapi.JobID, facts checkpointing.Facts) checkpointing.Facts {
	if facts.Alignment > 0 && facts.Backpressured {
		return facts
	}
	d, err := m.JobDetails(ctx, job)
	if err != nil {
		return facts
	}
	sources := map[flinkapi.VertexID]bool{}
	for _, n := range d.Plan.Nodes {
		sources[n.ID] = len(n.Inputs) == 0
	}
	var wait time.Duration
	for _, v := range d.Vertices {
		res, err := m.VertexMetrics(ctx, job, v.ID, flinkapi.MetricsQuery{
			Names: []string{alignmentTime, startDelay, backpressuredTime}, Aggregations: []flinkapi.Aggregation{flinkapi.AggMax},
		})
		if err != nil {
			continue
		}
		align, delay := nanos(res, alignmentTime), nanos(res, startDelay)
		wait = max(wait, align+min(delay, math.MaxInt64-align)) // saturating
		if bp, ok := res.Metrics[backpressuredTime].Value(flinkapi.AggMax); ok && sources[v.ID] && bp > backpressuredMost {
			facts.Backpressured = true
		}
	}
	if facts.Alignment == 0 {
		facts.Alignment = wait
	}
	return facts
}

// nanos reads a nanosecond gauge's MAX; 0 when missing or invalid (NaN,
// negative), the longest Duration when beyond it.
func nanos(res flinkapi.VertexMetricsResult, name string) time.Duration {
	v, ok := res.Metrics[name].Value(flinkapi.AggMax)
	if !ok {
		return 0
	}
	return saturating(float64(v))
}
