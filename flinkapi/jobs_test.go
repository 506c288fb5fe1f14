package flinkapi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
	"github.com/google/go-cmp/cmp"
)

func TestOverviewAndTaskManagers(t *testing.T) {
	e := newEnv(t, flinktest.Config{TaskManagers: 3, SlotsPerTaskManager: 2, FlinkVersion: "1.20.1"})
	e.addJob(t, pipeline()) // widest vertex 4 -> 4 slots in the one slot-sharing group
	ctx := context.Background()

	o, err := e.c.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := flinkapi.ClusterOverview{TaskManagers: 3, SlotsTotal: 6, SlotsAvailable: 2, JobsRunning: 1, FlinkVersion: "1.20.1", FlinkCommit: "flinktest"}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("Overview (-want +got):\n%s", diff)
	}

	tms, err := e.c.TaskManagers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var free []int
	for _, tm := range tms {
		free = append(free, tm.FreeSlots)
		if tm.SlotsNumber != 2 || tm.ID == "" {
			t.Errorf("TaskManager %+v: want 2 slots and an ID", tm)
		}
	}
	// Flink's default allocator fills the first TaskManagers first.
	if diff := cmp.Diff([]int{0, 0, 2}, free); diff != "" {
		t.Errorf("free slots per TaskManager (-want +got):\n%s", diff)
	}

	m, err := e.c.JobManagerMetrics(ctx, "taskSlotsTotal", "taskSlotsAvailable", "numRegisteredTaskManagers", "noSuchMetric")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := m.Float("taskSlotsAvailable"); !ok || v != 2 {
		t.Errorf("taskSlotsAvailable = %v, %v; want 2", v, ok)
	}
	if diff := cmp.Diff([]string{"noSuchMetric"}, m.Missing); diff != "" {
		t.Errorf("Missing (-want +got):\n%s", diff)
	}

	conf, err := e.c.JobManagerConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if conf["jobmanager.scheduler"] != "adaptive" {
		t.Errorf("jobmanager.scheduler = %q, want adaptive", conf["jobmanager.scheduler"])
	}
}

func TestJobsOverviewAndStatus(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, _ := e.addJob(t, pipeline())
	ctx := context.Background()

	jobs, err := e.c.JobsOverview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].ID != id || jobs[0].State != flinkapi.JobRunning || jobs[0].Tasks["total"] != 8 || jobs[0].Tasks["running"] != 8 {
		t.Fatalf("JobsOverview = %+v; want the one running job with 8 tasks", jobs)
	}
	if !jobs[0].StartTime.Time().Equal(e.clock.Now().Truncate(time.Millisecond)) || jobs[0].EndTime.IsSet() {
		t.Errorf("start %v end %v; want start now, no end", jobs[0].StartTime.Time(), jobs[0].EndTime)
	}

	st, err := e.c.JobStatus(ctx, id)
	if err != nil || st != flinkapi.JobRunning {
		t.Errorf("JobStatus = %q, %v; want RUNNING", st, err)
	}
}

func TestJobDetails(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	spec := pipeline()
	id, vs := e.addJob(t, spec)
	e.srv.Metrics().SetIO(id, vs[0], flinkapi.IOMetrics{WriteRecords: 1200, WriteRecordsComplete: true, AccumulatedBusyTime: flinkapi.Float(nan())})

	d, err := e.c.JobDetails(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != id || d.Name != "orders" || d.State != flinkapi.JobRunning || len(d.Vertices) != 3 {
		t.Fatalf("JobDetails = %+v", d)
	}
	src, ok := d.Vertex(vs[0])
	if !ok || src.Parallelism != 4 || src.MaxParallelism != 128 || src.Metrics.WriteRecords != 1200 {
		t.Errorf("source vertex = %+v", src)
	}
	if src.Metrics.AccumulatedBusyTime.Valid() {
		t.Errorf("source busy time = %v, want NaN (sent as the string \"NaN\")", src.Metrics.AccumulatedBusyTime)
	}
	if len(src.SlotSharingGroupID) != 32 || d.Vertices[1].SlotSharingGroupID != src.SlotSharingGroupID {
		t.Errorf("slot-sharing group IDs %q, %q: want one shared 32-hex ID", src.SlotSharingGroupID, d.Vertices[1].SlotSharingGroupID)
	}
	in := d.Inputs(vs[1])
	if len(in) != 1 || in[0].ID != vs[0] || !in[0].IsKeyed() {
		t.Errorf("inputs of the aggregation = %+v, want one keyed edge from the source", in)
	}
	if in := d.Inputs(vs[2]); len(in) != 1 || in[0].ShipStrategy != flinkapi.ShipForward {
		t.Errorf("inputs of the sink = %+v, want FORWARD (same parallelism)", in)
	}
	if !d.LastRunning().Equal(e.clock.Now().Truncate(time.Millisecond)) {
		t.Errorf("LastRunning = %v, want %v", d.LastRunning(), e.clock.Now())
	}
}

func TestVertexDetails(t *testing.T) {
	e := newEnv(t, flinktest.Config{TaskManagers: 2, SlotsPerTaskManager: 2})
	id, vs := e.addJob(t, pipeline())
	vd, err := e.c.VertexDetails(context.Background(), id, vs[0])
	if err != nil {
		t.Fatal(err)
	}
	if vd.ID != vs[0] || vd.Parallelism != 4 || len(vd.Subtasks) != 4 {
		t.Fatalf("VertexDetails = %+v", vd)
	}
	tms := map[string]int{}
	for _, st := range vd.Subtasks {
		tms[st.TaskManagerID]++
	}
	if len(tms) != 2 {
		t.Errorf("subtasks run on %v; want 2 subtasks on each of 2 TaskManagers", tms)
	}
	_, err = e.c.VertexDetails(context.Background(), id, "00000000000000000000000000000000")
	if !errors.Is(err, flinkapi.ErrNotFound) {
		t.Errorf("unknown vertex: err = %v, want ErrNotFound", err)
	}
}

func TestCancel(t *testing.T) {
	e := newEnv(t, flinktest.Config{CancelDelay: time.Second})
	id, _ := e.addJob(t, pipeline())
	ctx := context.Background()
	if err := e.c.Cancel(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.c.JobStatus(ctx, id); st != flinkapi.JobCancelling {
		t.Errorf("after Cancel: %s, want CANCELLING", st)
	}
	e.clock.Advance(time.Second)
	if st, _ := e.c.JobStatus(ctx, id); st != flinkapi.JobCanceled {
		t.Errorf("after CancelDelay: %s, want CANCELED", st)
	}
	if err := e.c.Cancel(ctx, id); err != nil {
		t.Errorf("cancel a cancelled job: %v, want nil (idempotent)", err)
	}
}

func TestErrorClassification(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	id, _ := e.addJob(t, pipeline())
	ctx := context.Background()
	if _, err := e.c.StopWithSavepoint(ctx, id, flinkapi.StopRequest{}); err != nil {
		t.Fatal(err)
	}
	unknown := flinkapi.JobID("ffffffffffffffffffffffffffffffff")
	tests := []struct {
		name   string
		call   func() error
		want   error
		status int
	}{
		{"unknown job", func() error { _, err := e.c.JobDetails(ctx, unknown); return err }, flinkapi.ErrNotFound, 404},
		{"cancel finished job", func() error {
			if _, err := e.c.JobStatus(ctx, id); err != nil { // completes the stop
				return err
			}
			return e.c.Cancel(ctx, id)
		}, flinkapi.ErrConflict, 409},
		{"unknown trigger", func() error {
			_, err := e.c.SavepointStatus(ctx, id, "0123456789abcdef0123456789abcdef")
			return err
		}, flinkapi.ErrNotFound, 404},
		{"503 after retries", func() error {
			if err := e.srv.InjectFault("GET /jobs/{jobid}/status", flinktest.Fault{Status: 503, Times: 10}); err != nil {
				return err
			}
			_, err := e.c.JobStatus(ctx, id)
			return err
		}, flinkapi.ErrUnavailable, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var apiErr *flinkapi.Error
			if !errors.As(err, &apiErr) || apiErr.Status != tt.status || len(apiErr.Errors) == 0 {
				t.Errorf("err = %#v, want *Error with status %d and Flink's messages", err, tt.status)
			}
		})
	}
}

func TestInvalidIDsAreRefusedBeforeIO(t *testing.T) {
	e := newEnv(t, flinktest.Config{})
	ctx := context.Background()
	for _, id := range []flinkapi.JobID{"", "../overview", "ABCDEF0123456789ABCDEF0123456789", "abc"} {
		if _, err := e.c.JobDetails(ctx, id); !errors.Is(err, flinkapi.ErrInvalidRequest) {
			t.Errorf("JobDetails(%q) = %v, want ErrInvalidRequest", id, err)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the server, want 0", n)
	}
}
