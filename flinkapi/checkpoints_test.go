package flinkapi_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

func TestCheckpoints(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, _ := e.addJob(t, pipeline())
	ctx := context.Background()

	st, err := e.c.Checkpoints(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Total != 0 || st.Latest.Completed != nil || st.Summary.StateSize.P50.Valid() {
		t.Errorf("no checkpoints yet: %+v; want zero counts and NaN percentiles", st)
	}

	for i := 1; i <= 12; i++ {
		cp := flinkapi.Checkpoint{StateSize: int64(i) * 1000, CheckpointedSize: int64(i) * 100, EndToEndDuration: flinkapi.Millis(i * 10)}
		if i == 12 {
			cp = flinkapi.Checkpoint{Status: flinkapi.CheckpointFailed, FailureMessage: "Checkpoint expired before completing."}
		}
		if err := e.srv.AddCheckpoint(id, cp); err != nil {
			t.Fatal(err)
		}
	}
	st, err = e.c.Checkpoints(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Total != 12 || st.Counts.Completed != 11 || st.Counts.Failed != 1 {
		t.Errorf("counts = %+v", st.Counts)
	}
	if len(st.History) != 10 || st.History[0].ID != 12 || st.History[0].ClassName != "failed" {
		t.Errorf("history: %d entries, newest %+v; want 10, newest the failed #12", len(st.History), st.History[0])
	}
	if c := st.Latest.Completed; c == nil || c.ID != 11 || c.StateSize != 11000 {
		t.Errorf("latest completed = %+v, want #11", c)
	}
	if f := st.Latest.Failed; f == nil || f.FailureMessage == "" {
		t.Errorf("latest failed = %+v", f)
	}
	if s := st.Summary.StateSize; s.Min != 1000 || s.Max != 11000 || s.Avg != 6000 || float64(s.P50) != 6000 {
		t.Errorf("state size summary = %+v", s)
	}
}

func TestCheckpointConfig(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	spec := pipeline()
	spec.Checkpointing.Mode = flinkapi.AtLeastOnce
	spec.Checkpointing.Unaligned = true
	id, _ := e.addJob(t, spec)

	cc, err := e.c.CheckpointConfig(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Mode != flinkapi.AtLeastOnce || cc.Interval.Duration() != 10*time.Second || cc.Timeout.Duration() != time.Minute || !cc.UnalignedCheckpoints || cc.MaxConcurrent != 1 {
		t.Errorf("CheckpointConfig = %+v", cc)
	}
}

func TestCheckpointingDisabledIsASentinel(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	spec := pipeline()
	spec.Checkpointing = nil
	id, _ := e.addJob(t, spec)
	ctx := context.Background()
	unknown := flinkapi.JobID("ffffffffffffffffffffffffffffffff")

	_, err := e.c.CheckpointConfig(ctx, id)
	if !errors.Is(err, flinkapi.ErrCheckpointingDisabled) || errors.Is(err, flinkapi.ErrNotFound) || errors.Is(err, flinkapi.ErrDecode) {
		t.Errorf("CheckpointConfig, checkpointing off: %v; want ErrCheckpointingDisabled only", err)
	}
	// Flink 1.20 and 2.2 answer the statistics of a job without
	// checkpointing with 200 and nothing in them.
	st, err := e.c.Checkpoints(ctx, id)
	if err != nil || st.Counts.Total != 0 || st.Latest.Completed != nil {
		t.Errorf("Checkpoints, checkpointing off: %+v, %v; want empty statistics", st.Counts, err)
	}
	_, err = e.c.CheckpointConfig(ctx, unknown)
	if !errors.Is(err, flinkapi.ErrNotFound) || errors.Is(err, flinkapi.ErrCheckpointingDisabled) {
		t.Errorf("CheckpointConfig, unknown job: %v; want ErrNotFound only", err)
	}
	// Older versions and batch jobs answer 404 with an explanation.
	for route, msg := range map[string]string{
		"GET /jobs/{jobid}/checkpoints":        "Checkpointing has not been enabled.",
		"GET /jobs/{jobid}/checkpoints/config": "Checkpointing is not enabled for this job (" + string(id) + ").",
	} {
		if err := e.srv.InjectFault(route, flinktest.Fault{Status: http.StatusNotFound, Message: msg}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err = e.c.Checkpoints(ctx, id); !errors.Is(err, flinkapi.ErrCheckpointingDisabled) || errors.Is(err, flinkapi.ErrNotFound) {
		t.Errorf("Checkpoints, 404 checkpointing off: %v; want ErrCheckpointingDisabled only", err)
	}
	if _, err = e.c.CheckpointConfig(ctx, id); !errors.Is(err, flinkapi.ErrCheckpointingDisabled) || errors.Is(err, flinkapi.ErrNotFound) {
		t.Errorf("CheckpointConfig, 404 checkpointing off: %v; want ErrCheckpointingDisabled only", err)
	}
}

// Flink 1.20.5 and 2.2.1 answer GET status and resource-requirements of an
// unknown job with a 500 carrying FlinkJobNotFoundException: the client
// reports it as ErrNotFound, not transient, as it reports the other
// calls' 404.
func TestUnknownJobIsNotFound(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	ctx := context.Background()
	unknown := flinkapi.JobID("ffffffffffffffffffffffffffffffff")
	calls := map[string]func() error{
		"JobStatus":            func() error { _, err := e.c.JobStatus(ctx, unknown); return err },
		"ResourceRequirements": func() error { _, err := e.c.ResourceRequirements(ctx, unknown); return err },
		"JobDetails":           func() error { _, err := e.c.JobDetails(ctx, unknown); return err },
		"Cancel":               func() error { return e.c.Cancel(ctx, unknown) },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, flinkapi.ErrNotFound) || flinkapi.IsTransient(err) {
			t.Errorf("%s of an unknown job: %v; want ErrNotFound, not transient", name, err)
		}
	}
	var fe *flinkapi.Error
	if _, err := e.c.JobStatus(ctx, unknown); !errors.As(err, &fe) || fe.Status != http.StatusInternalServerError {
		t.Errorf("JobStatus of an unknown job: %v; want the 500 Flink answers", err)
	}
	// Any other 500 stays transient and is no ErrNotFound.
	if err := e.srv.InjectFault("GET /jobs/{jobid}/status", flinktest.Fault{Status: http.StatusInternalServerError}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.JobStatus(ctx, unknown); errors.Is(err, flinkapi.ErrNotFound) || !flinkapi.IsTransient(err) {
		t.Errorf("JobStatus, plain 500: %v; want transient, not ErrNotFound", err)
	}
}
