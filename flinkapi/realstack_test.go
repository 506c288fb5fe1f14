//go:build realstack

package flinkapi_test

// The real tier: every Client method against a real Flink session cluster
// (realstack) on each supported Flink line, with the repository's test job
// running on a real Kafka. Every exchange goes through the same OpenAPI
// validator as the fast tier's (spec_validator_test.go), and is recorded
// so wire_realstack_test.go can tell which entries of the wire-deviation
// table the real wire needs.
//
//	go test -tags realstack -run TestRealFlink -v ./flinkapi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

// realVersions are the Flink lines the real tier runs on.
var realVersions = []string{"1.20", "2.2"}

// realClient is a client of f whose exchanges are validated and recorded.
func realClient(t *testing.T, f *realstack.Flink, rec *exchangeRecorder) (*flinkapi.Client, *specValidator) {
	t.Helper()
	v := &specValidator{t: t, specs: realSpecs(t), covered: map[string]bool{}}
	c, err := flinkapi.New(flinkapi.Config{
		BaseURL:    f.URL(),
		HTTPClient: &http.Client{Transport: rec.Transport(v.Transport(http.DefaultTransport.(*http.Transport).Clone()))},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, v
}

// realJob is the test job of the scenario: two pipelines with exactly-once
// checkpoints every second.
func realJob(k *realstack.Kafka, name string, pipelines int, interval time.Duration) realstack.TestJob {
	job := realstack.TestJob{
		BootstrapServers: strings.Join(k.Addrs(), ","), Name: name, MaxParallelism: 8,
		CheckpointInterval: interval,
	}
	for i := range pipelines {
		job.Pipelines = append(job.Pipelines, realstack.TestPipeline{
			In: fmt.Sprintf("%s-in-%d", name, i), Out: fmt.Sprintf("%s-out-%d", name, i), Cost: 100 * time.Microsecond,
		})
	}
	return job
}

// TestRealFlink runs every Client method against a real cluster of each
// Flink line, then checks the recorded wire against each deviation.
func TestRealFlink(t *testing.T) {
	k := realstack.StartKafka(t, realstack.KafkaConfig{})
	for _, v := range realVersions {
		t.Run(v, func(t *testing.T) {
			f := realstack.StartFlink(t, realstack.FlinkConfig{
				Version: v, TaskManagers: 2, Slots: 2, MetricsFetchInterval: 500 * time.Millisecond,
				Config: realtest.RescaleAtOnce(),
			})
			rec := &exchangeRecorder{}
			c, val := realClient(t, f, rec)
			ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
			defer cancel()
			runScenario(ctx, t, k, f, c)
			t.Logf("flink %s: %d exchanges; operations validated: %v", f.Version(), len(rec.all()), val.Covered())
			checkDeviations(t, f.Version(), rec.all())
		})
	}
}

// runScenario calls every Client method.
func runScenario(ctx context.Context, t *testing.T, k *realstack.Kafka, f *realstack.Flink, c *flinkapi.Client) {
	clusterCalls(ctx, t, f, c)
	unknownIDs(ctx, t, c)

	name := "rt" + strings.ReplaceAll(f.Version(), ".", "")
	job := realJob(k, name, 2, time.Second)
	plain := realJob(k, name+"nock", 1, -1)
	for _, j := range []realstack.TestJob{job, plain} {
		if err := realstack.CreateTestJobTopics(ctx, k, j, 2); err != nil {
			t.Fatal(err)
		}
		for _, p := range j.Pipelines {
			if err := realstack.ProduceTestRecords(ctx, k, p.In, "r", 2000); err != nil {
				t.Fatal(err)
			}
		}
	}
	id := realtest.Submit(ctx, t, f, c, job)
	early, err := c.Checkpoints(ctx, id) // likely before the first checkpoint completed
	t.Logf("checkpoints right after RUNNING: counts %+v, latest completed %v (err %v)", early.Counts, early.Latest.Completed != nil, err)
	noCkpt := realtest.Submit(ctx, t, f, c, plain)

	vertices := jobCalls(ctx, t, c, id)
	checkpointCalls(ctx, t, c, id, noCkpt)
	rescaleCalls(ctx, t, c, id, vertices[1])
	savepointCalls(ctx, t, f, c, id)

	// Stop without drain, cancel, and what a terminal job answers.
	tid, err := c.StopWithSavepoint(ctx, noCkpt, flinkapi.StopRequest{})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := c.WaitOperation(ctx, noCkpt, tid)
	t.Logf("stop without drain of the job without checkpoints: %q, %v", loc, err)
	waitState(ctx, t, c, noCkpt, flinkapi.JobFinished)
	tid, err = c.StopWithSavepoint(ctx, id, flinkapi.StopRequest{Drain: true})
	if err != nil {
		t.Fatal(err)
	}
	if loc, err = c.WaitOperation(ctx, id, tid); err != nil {
		t.Fatalf("stop with drain: %v", err)
	}
	checkSavepointOnDisk(t, loc)
	waitState(ctx, t, c, id, flinkapi.JobFinished)
	// While the JobManager still holds the finished job's runner (its
	// cleanup after FINISHED), Flink hands a cancel to that runner, which
	// acknowledges it and changes nothing; once the job is archived it
	// answers 409 (Dispatcher.cancelJob). Both tiers' runs saw each.
	err = c.Cancel(ctx, id)
	t.Logf("Cancel of a FINISHED job: %v (conflict %v)", err, errors.Is(err, flinkapi.ErrConflict))
	if err != nil && !errors.Is(err, flinkapi.ErrConflict) {
		t.Errorf("Cancel of a finished job: %v, want ErrConflict (or an acknowledgement during its cleanup)", err)
	}
	realtest.Until(ctx, t, "a cancel of the finished job answered 409", time.Minute, func() error {
		if st, err := c.JobStatus(ctx, id); err != nil || st != flinkapi.JobFinished {
			t.Fatalf("the finished job after a cancel: %s, %v", st, err)
		}
		if err := c.Cancel(ctx, id); !errors.Is(err, flinkapi.ErrConflict) {
			return fmt.Errorf("Cancel: %v", err)
		}
		return nil
	})

	third := realtest.Submit(ctx, t, f, c, realJob(k, name, 2, time.Second))
	if err := c.Cancel(ctx, third); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	waitState(ctx, t, c, third, flinkapi.JobCanceled)
	jobs, err := c.JobsOverview(ctx)
	if err != nil || len(jobs) != 3 {
		t.Errorf("JobsOverview after the scenario: %d jobs (%v), want 3", len(jobs), err)
	}
}

// waitState waits until JobStatus says want.
func waitState(ctx context.Context, t *testing.T, c *flinkapi.Client, id flinkapi.JobID, want flinkapi.JobState) {
	t.Helper()
	realtest.Eventually(ctx, t, fmt.Sprintf("job %s %s", id, want), 3*time.Minute, func() (bool, error) {
		s, err := c.JobStatus(ctx, id)
		return s == want, err
	})
}

// clusterCalls: the cluster-wide endpoints.
func clusterCalls(ctx context.Context, t *testing.T, f *realstack.Flink, c *flinkapi.Client) {
	ov, err := c.Overview(ctx)
	if err != nil || ov.FlinkVersion != f.Version() || ov.TaskManagers != 2 || ov.SlotsTotal != 4 {
		t.Errorf("Overview: %+v, %v", ov, err)
	}
	tms, err := c.TaskManagers(ctx)
	if err != nil || len(tms) != 2 || tms[0].SlotsNumber != 2 {
		t.Errorf("TaskManagers: %+v, %v", tms, err)
	}
	conf, err := c.JobManagerConfig(ctx)
	if err != nil || conf["jobmanager.scheduler"] != "adaptive" {
		t.Errorf("JobManagerConfig: scheduler %q, %v", conf["jobmanager.scheduler"], err)
	}
	// REST metrics come from the metric fetcher: empty until its first run.
	realtest.Eventually(ctx, t, "JobManager metrics", 3*time.Minute, func() (bool, error) {
		m, err := c.JobManagerMetrics(ctx, "taskSlotsTotal", "numRegisteredTaskManagers", "noSuchMetric")
		return err == nil && m.Values["taskSlotsTotal"] == "4" && slices.Equal(m.Missing, []string{"noSuchMetric"}),
			fmt.Errorf("JobManagerMetrics: %+v, %v", m, err)
	})
	jobs, err := c.JobsOverview(ctx)
	if err != nil || len(jobs) != 0 {
		t.Errorf("JobsOverview of an empty cluster: %+v, %v", jobs, err)
	}
}

// unknownIDs: every per-job call on a job the cluster does not know.
func unknownIDs(ctx context.Context, t *testing.T, c *flinkapi.Client) {
	job := flinkapi.JobID("0123456789abcdef0123456789abcdef")
	vertex := flinkapi.VertexID("fedcba9876543210fedcba9876543210")
	calls := map[string]func() error{
		"JobStatus":            func() error { _, err := c.JobStatus(ctx, job); return err },
		"JobDetails":           func() error { _, err := c.JobDetails(ctx, job); return err },
		"VertexDetails":        func() error { _, err := c.VertexDetails(ctx, job, vertex); return err },
		"Checkpoints":          func() error { _, err := c.Checkpoints(ctx, job); return err },
		"CheckpointConfig":     func() error { _, err := c.CheckpointConfig(ctx, job); return err },
		"JobMetrics":           func() error { _, err := c.JobMetrics(ctx, job, "numRestarts"); return err },
		"ResourceRequirements": func() error { _, err := c.ResourceRequirements(ctx, job); return err },
		"SavepointStatus":      func() error { _, err := c.SavepointStatus(ctx, job, flinkapi.NewTriggerID()); return err },
		"Cancel":               func() error { return c.Cancel(ctx, job) },
		"TriggerSavepoint":     func() error { _, err := c.TriggerSavepoint(ctx, job, flinkapi.SavepointRequest{}); return err },
	}
	// What each call gets for an unknown job, as Flink 1.20.5 and 2.2.1
	// answer: most 404 (ErrNotFound); the status and resource-requirements
	// handlers let FlinkJobNotFoundException through as a 500, which the
	// client reports as ErrNotFound too; metrics answer an empty list; a
	// savepoint trigger is accepted (202) and the operation fails.
	notFound := []string{"CheckpointConfig", "Checkpoints", "Cancel", "JobDetails", "JobStatus", "ResourceRequirements", "SavepointStatus", "VertexDetails"}
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		err := calls[name]()
		var fe *flinkapi.Error
		switch {
		case errors.Is(err, flinkapi.ErrNotFound):
		case errors.As(err, &fe):
			t.Logf("%s of an unknown job: HTTP %d (not ErrNotFound): %.120q", name, fe.Status, strings.Join(fe.Errors, " "))
		default:
			t.Logf("%s of an unknown job: %v", name, err)
		}
		if slices.Contains(notFound, name) != errors.Is(err, flinkapi.ErrNotFound) {
			t.Errorf("%s of an unknown job: %v; ErrNotFound expected: %v", name, err, slices.Contains(notFound, name))
		}
	}
	tid, err := c.TriggerSavepoint(ctx, job, flinkapi.SavepointRequest{})
	if err == nil {
		_, err = c.WaitOperation(ctx, job, tid)
	}
	t.Logf("savepoint of an unknown job: %v", err)
}

// checkSavepointOnDisk checks that a savepoint location ("file:/...") is a
// directory holding _metadata.
func checkSavepointOnDisk(t *testing.T, loc string) {
	t.Helper()
	p := strings.TrimPrefix(strings.TrimPrefix(loc, "file:"), "//")
	if _, err := os.Stat(p + "/_metadata"); err != nil {
		t.Errorf("savepoint %s: %v", loc, err)
	}
}
