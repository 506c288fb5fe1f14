package flinkapi_test

import (
	"context"
	"slices"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// TestSpecConformance drives every client method against flinktest through
// the spec validator (spec_test.go): each request the client sends and each
// answer flinktest serves, errors included, is validated against both
// vendored specs with the listed wire deviations. It then checks that every
// operation the client supports was exercised, so a new method cannot skip
// validation unnoticed.
func TestSpecConformance(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	callEveryMethod(t, e)
	want := []string{
		"cancelJob", "getAggregatedSubtaskMetrics", "getCheckpointConfig", "getCheckpointingStatistics",
		"getClusterConfigurationInfo", "getClusterOverview", "getJobDetails", "getJobManagerMetrics",
		"getJobMetrics", "getJobResourceRequirements", "getJobStatusInfo", "getJobVertexDetails",
		"getJobsOverview", "getSavepointStatus", "getTaskManagers", "triggerSavepoint",
		"triggerStopWithSavepoint", "updateJobResourceRequirements",
	}
	covered := e.spec.Covered()
	for _, op := range want {
		if !slices.Contains(covered, op) {
			t.Errorf("operation %s was not validated against the spec", op)
		}
	}
}

// callEveryMethod adds a job to e's server and calls every method of the
// client on it, successes and the errors a test would meet (a 409, a 404),
// one after the other, failing t on an unexpected error.
func callEveryMethod(t *testing.T, e *env) {
	t.Helper()
	id, vs := e.addJob(t, pipeline())
	e.srv.Metrics().SetSubtaskMetric(id, vs[0], "busyTimeMsPerSecond", 1, 2, 3, nan())
	e.srv.Metrics().SetIO(id, vs[0], flinkapi.IOMetrics{AccumulatedBusyTime: flinkapi.Float(nan())})
	if err := e.srv.AddCheckpoint(id, flinkapi.Checkpoint{StateSize: 10}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.AddCheckpoint(id, flinkapi.Checkpoint{Status: flinkapi.CheckpointFailed, FailureMessage: "expired"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	unknown := flinkapi.JobID("ffffffffffffffffffffffffffffffff")
	calls := []struct {
		name string
		call func() error
	}{
		{"Overview", func() error { _, err := e.c.Overview(ctx); return err }},
		{"TaskManagers", func() error { _, err := e.c.TaskManagers(ctx); return err }},
		{"JobManagerConfig", func() error { _, err := e.c.JobManagerConfig(ctx); return err }},
		{"JobManagerMetrics", func() error { _, err := e.c.JobManagerMetrics(ctx, "taskSlotsTotal"); return err }},
		{"JobsOverview", func() error { _, err := e.c.JobsOverview(ctx); return err }},
		{"JobStatus", func() error { _, err := e.c.JobStatus(ctx, id); return err }},
		{"JobDetails", func() error { _, err := e.c.JobDetails(ctx, id); return err }},
		{"VertexDetails", func() error { _, err := e.c.VertexDetails(ctx, id, vs[0]); return err }},
		{"VertexMetricNames", func() error { _, err := e.c.VertexMetricNames(ctx, id, vs[0]); return err }},
		{"VertexMetrics", func() error {
			_, err := e.c.VertexMetrics(ctx, id, vs[0], flinkapi.MetricsQuery{Names: []string{"busyTimeMsPerSecond"}, Subtasks: []int{0, 1, 3}})
			return err
		}},
		{"JobMetricNames", func() error { _, err := e.c.JobMetricNames(ctx, id); return err }},
		{"JobMetrics", func() error { _, err := e.c.JobMetrics(ctx, id, "uptime"); return err }},
		{"Checkpoints", func() error { _, err := e.c.Checkpoints(ctx, id); return err }},
		{"CheckpointConfig", func() error { _, err := e.c.CheckpointConfig(ctx, id); return err }},
		{"ResourceRequirements", func() error { _, err := e.c.ResourceRequirements(ctx, id); return err }},
		{"Rescale", func() error { _, err := e.c.Rescale(ctx, id, map[flinkapi.VertexID]int{vs[1]: 3}); return err }},
		{"TriggerSavepoint+WaitOperation", func() error {
			tid, err := e.c.TriggerSavepoint(ctx, id, flinkapi.SavepointRequest{TargetDirectory: "s3://b/sp", Format: flinkapi.FormatCanonical})
			if err != nil {
				return err
			}
			_, err = e.c.WaitOperation(ctx, id, tid)
			return err
		}},
		{"StopWithSavepoint+SavepointStatus", func() error {
			tid, err := e.c.StopWithSavepoint(ctx, id, flinkapi.StopRequest{Drain: true})
			if err != nil {
				return err
			}
			_, err = e.c.SavepointStatus(ctx, id, tid)
			return err
		}},
		{"Cancel (409 on the finished job)", func() error { _ = e.c.Cancel(ctx, id); return nil }},
		{"JobDetails (404)", func() error { _, _ = e.c.JobDetails(ctx, unknown); return nil }},
	}
	for _, c := range calls {
		if err := c.call(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
