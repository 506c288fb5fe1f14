//go:build realstack

package flinkapi_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

// jobCalls: the per-job read calls on the running job. It returns the
// job's vertices in the order JobDetails lists them (sources first).
func jobCalls(ctx context.Context, t *testing.T, c *flinkapi.Client, id flinkapi.JobID) []flinkapi.VertexID {
	d := realtest.WaitRunning(ctx, t, c, id, nil)
	if len(d.Vertices) != 4 || d.MaxParallelism != 8 {
		t.Errorf("JobDetails: %d vertices, max parallelism %d; want 4 and 8", len(d.Vertices), d.MaxParallelism)
	}
	var ids []flinkapi.VertexID
	for _, v := range d.Vertices {
		ids = append(ids, v.ID)
		t.Logf("vertex %s %q p=%d slotSharingGroup %q/%q busy %v", v.ID, v.Name, v.Parallelism,
			v.SlotSharingGroupID, v.SlotSharingGroupName, v.Metrics.AccumulatedBusyTime)
		vd, err := c.VertexDetails(ctx, id, v.ID)
		if err != nil || len(vd.Subtasks) != v.Parallelism || vd.Subtasks[0].TaskManagerID == "" {
			t.Errorf("VertexDetails %s: %+v, %v", v.Name, vd, err)
		}
	}
	if s, err := c.JobStatus(ctx, id); err != nil || s != flinkapi.JobRunning {
		t.Errorf("JobStatus: %s, %v", s, err)
	}
	jobs, err := c.JobsOverview(ctx)
	if err != nil || !slices.ContainsFunc(jobs, func(j flinkapi.JobOverview) bool { return j.ID == id && j.State == flinkapi.JobRunning }) {
		t.Errorf("JobsOverview: %+v, %v", jobs, err)
	}
	names, err := c.JobMetricNames(ctx, id)
	if err != nil || len(names) == 0 {
		t.Errorf("JobMetricNames: %v, %v", names, err)
	}
	t.Logf("job metric names: %v", names)
	m, err := c.JobMetrics(ctx, id, "numRestarts", "noSuchMetric")
	if err != nil || m.Values["numRestarts"] == "" || !slices.Equal(m.Missing, []string{"noSuchMetric"}) {
		t.Errorf("JobMetrics: %+v, %v", m, err)
	}
	src, cost := ids[0], ids[2] // Source: in-0, Cost 0 -> Sink 0
	var pending string          // the source's pendingRecords, prefixed by its operator
	realtest.Eventually(ctx, t, "the source's metric names", 3*time.Minute, func() (bool, error) {
		names, err := c.VertexMetricNames(ctx, id, src)
		i := slices.IndexFunc(names, func(n string) bool { return strings.HasSuffix(n, ".pendingRecords") })
		if i >= 0 {
			pending = names[i]
			t.Logf("source vertex metric names: %v", names)
		}
		return i >= 0, fmt.Errorf("%d names, %v", len(names), err)
	})
	realtest.Eventually(ctx, t, "source vertex metrics", 3*time.Minute, func() (bool, error) {
		r, err := c.VertexMetrics(ctx, id, src, flinkapi.MetricsQuery{
			Names: []string{"numRecordsOutPerSecond", pending, "busyTimeMsPerSecond", "noSuchMetric"},
		})
		_, ok := r.Metrics[pending]
		return err == nil && ok && slices.Equal(r.Missing, []string{"noSuchMetric"}), fmt.Errorf("source metrics %+v, %v", r, err)
	})
	r, err := c.VertexMetrics(ctx, id, cost, flinkapi.MetricsQuery{
		Names:        []string{"busyTimeMsPerSecond", "numRecordsInPerSecond"},
		Aggregations: []flinkapi.Aggregation{flinkapi.AggMax, flinkapi.AggSum}, Subtasks: []int{0},
	})
	if err != nil || len(r.Metrics) != 2 {
		t.Errorf("VertexMetrics of %s: %+v, %v", cost, r, err)
	}
	return ids
}

// checkpointCalls: statistics and configuration of a checkpointing job,
// and of a job without checkpoints.
func checkpointCalls(ctx context.Context, t *testing.T, c *flinkapi.Client, id, noCkpt flinkapi.JobID) {
	realtest.Eventually(ctx, t, "a completed checkpoint", 3*time.Minute, func() (bool, error) {
		s, err := c.Checkpoints(ctx, id)
		return err == nil && s.Counts.Completed > 0 && s.Latest.Completed != nil, err
	})
	cc, err := c.CheckpointConfig(ctx, id)
	if err != nil || cc.Mode != flinkapi.ExactlyOnce || cc.Interval != 1000 {
		t.Errorf("CheckpointConfig: %+v, %v", cc, err)
	}
	// A streaming job without checkpointing still has a checkpoint
	// coordinator (savepoints need one): Flink answers 200, not a 404; the
	// configuration's interval is Long.MAX_VALUE, which the client reports
	// as ErrCheckpointingDisabled.
	st, err := c.Checkpoints(ctx, noCkpt)
	t.Logf("Checkpoints of a job without checkpointing: %+v, %v", st.Counts, err)
	if err != nil {
		t.Errorf("Checkpoints of a job without checkpointing: %v", err)
	}
	cc, err = c.CheckpointConfig(ctx, noCkpt)
	t.Logf("CheckpointConfig of a job without checkpointing: %+v, %v", cc, err)
	if !errors.Is(err, flinkapi.ErrCheckpointingDisabled) {
		t.Errorf("CheckpointConfig of a job without checkpointing: %v; want ErrCheckpointingDisabled", err)
	}
}

// rescaleCalls: read the requirements, rescale one vertex in place to 2,
// wait for it, and write the whole map back as it was.
func rescaleCalls(ctx context.Context, t *testing.T, c *flinkapi.Client, id flinkapi.JobID, vertex flinkapi.VertexID) {
	before, err := c.ResourceRequirements(ctx, id)
	if err != nil || len(before) != 4 {
		t.Fatalf("ResourceRequirements: %+v, %v", before, err)
	}
	if _, err := c.Rescale(ctx, id, map[flinkapi.VertexID]int{vertex: 2}); err != nil {
		t.Fatalf("Rescale: %v", err)
	}
	waitParallelism(ctx, t, c, id, vertex, 2)
	if err := c.SetResourceRequirements(ctx, id, before); err != nil {
		t.Fatalf("SetResourceRequirements: %v", err)
	}
	waitParallelism(ctx, t, c, id, vertex, before[vertex].Parallelism.UpperBound)
}

// waitParallelism waits until the job runs with vertex at parallelism p
// and every task of every vertex RUNNING.
func waitParallelism(ctx context.Context, t *testing.T, c *flinkapi.Client, id flinkapi.JobID, vertex flinkapi.VertexID, p int) {
	t.Helper()
	realtest.Eventually(ctx, t, fmt.Sprintf("the rescale to %d", p), 3*time.Minute, func() (bool, error) {
		d, err := c.JobDetails(ctx, id)
		if err != nil {
			return false, err
		}
		if d.State != flinkapi.JobRunning {
			return false, fmt.Errorf("job %s", d.State)
		}
		for _, v := range d.Vertices {
			if v.Tasks[flinkapi.ExecRunning] != v.Parallelism || (v.ID == vertex && v.Parallelism != p) {
				return false, fmt.Errorf("vertex %s p=%d %v", v.Name, v.Parallelism, v.Tasks)
			}
		}
		return true, nil
	})
}

// savepointCalls: a savepoint that succeeds (and its status polled), one
// that fails, and a trigger id sent twice.
func savepointCalls(ctx context.Context, t *testing.T, f *realstack.Flink, c *flinkapi.Client, id flinkapi.JobID) {
	tid, err := c.TriggerSavepoint(ctx, id, flinkapi.SavepointRequest{})
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.SavepointStatus(ctx, id, tid)
	t.Logf("savepoint status right after the trigger: %+v, %v", op, err)
	loc, err := c.WaitOperation(ctx, id, tid)
	if err != nil || !strings.HasPrefix(loc, "file:") || !strings.Contains(loc, f.SavepointDir()) {
		t.Errorf("savepoint: %q, %v (want one under %s)", loc, err, f.SavepointDir())
	}
	checkSavepointOnDisk(t, loc)
	again, err := c.TriggerSavepoint(ctx, id, flinkapi.SavepointRequest{TriggerID: tid})
	t.Logf("the same trigger id again: %s, %v", again, err)

	bad := f.Dir() + "/not-a-dir"
	if err := os.WriteFile(bad, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	tid, err = c.TriggerSavepoint(ctx, id, flinkapi.SavepointRequest{TargetDirectory: "file://" + bad + "/sp", Format: flinkapi.FormatCanonical})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitOperation(ctx, id, tid)
	var oe *flinkapi.OperationError
	if !errors.As(err, &oe) || oe.Cause.Class == "" {
		t.Errorf("savepoint into a file: %v, want an *OperationError with a class", err)
	} else {
		t.Logf("failed savepoint: class %s", oe.Cause.Class)
	}
	realtest.WaitRunning(ctx, t, c, id, nil)
}
