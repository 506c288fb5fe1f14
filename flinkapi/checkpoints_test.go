package flinkapi_test

import (
	"context"
	"errors"
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
	_, err = e.c.Checkpoints(ctx, id)
	if !errors.Is(err, flinkapi.ErrCheckpointingDisabled) {
		t.Errorf("Checkpoints, checkpointing off: %v; want ErrCheckpointingDisabled", err)
	}
	_, err = e.c.CheckpointConfig(ctx, unknown)
	if !errors.Is(err, flinkapi.ErrNotFound) || errors.Is(err, flinkapi.ErrCheckpointingDisabled) {
		t.Errorf("CheckpointConfig, unknown job: %v; want ErrNotFound only", err)
	}
}
