//go:build realstack

package flinkdrain_test

// The real tier: stop-with-drain through flinkdrain, with a drain.FileStore,
// on the repository's exactly-once test job running on a real Flink 1.20
// session cluster and a real Kafka. Two jobs on one cluster: one drained
// after its sources read every record (the drain must flush and commit what
// was read), one drained the moment an in-place rescale (PUT
// resource-requirements) has restarted it. Each must end Drained with the
// savepoint's _metadata on disk under the cluster's savepoint directory, the
// job FINISHED, no cancel sent, the operation on record in the FileStore,
// and every record in the sink topic exactly once (read-committed).
//
//	flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -run TestRealDrain -v ./drain/flinkdrain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

// realRecords is the number of records produced to each pipeline's topic.
const realRecords = 3000

// recordingFlink is the real client with every call flinkdrain makes
// recorded: the cancels sent, when each stop was sent, and each job state
// it was told (once per change).
type recordingFlink struct {
	*flinkapi.Client
	mu      sync.Mutex
	cancels int
	stops   []time.Time
	states  []flinkapi.JobState
}

func (r *recordingFlink) Cancel(ctx context.Context, job flinkapi.JobID) error {
	r.mu.Lock()
	r.cancels++
	r.mu.Unlock()
	return r.Client.Cancel(ctx, job)
}

func (r *recordingFlink) StopWithSavepoint(ctx context.Context, job flinkapi.JobID, req flinkapi.StopRequest) (flinkapi.TriggerID, error) {
	r.mu.Lock()
	r.stops = append(r.stops, time.Now())
	r.mu.Unlock()
	return r.Client.StopWithSavepoint(ctx, job, req)
}

func (r *recordingFlink) JobStatus(ctx context.Context, job flinkapi.JobID) (flinkapi.JobState, error) {
	st, err := r.Client.JobStatus(ctx, job)
	if err == nil {
		r.mu.Lock()
		if n := len(r.states); n == 0 || r.states[n-1] != st {
			r.states = append(r.states, st)
		}
		r.mu.Unlock()
	}
	return st, err
}

func TestRealDrain(t *testing.T) {
	start := time.Now()
	k := realstack.StartKafka(t, realstack.KafkaConfig{})
	f := realstack.StartFlink(t, realstack.FlinkConfig{
		Version: "1.20", TaskManagers: 1, Slots: 3, MetricsFetchInterval: 500 * time.Millisecond,
		Config: realtest.RescaleAtOnce(),
	})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	store, err := drain.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()

	t.Run("after reading every record", func(t *testing.T) {
		job := realDrainJob(ctx, t, k, "drainread", 1)
		id := realtest.Submit(ctx, t, f, c, job)
		realtest.Eventually(ctx, t, "the sources to read every record", 3*time.Minute, func() (bool, error) {
			return sourcesRead(ctx, c, id, realRecords)
		})
		for _, p := range job.Pipelines {
			n, err := realstack.CountTestRecords(ctx, k, p.Out)
			t.Logf("%s: %d of %d records committed before the drain (err %v)", p.Out, n, realRecords, err)
		}
		rf, op := realDrainOnce(ctx, t, c, store, id)
		checkDrained(ctx, t, f, c, rf, store, id, op)
		checkSink(ctx, t, k, job)
	})

	t.Run("right after a rescale", func(t *testing.T) {
		job := realDrainJob(ctx, t, k, "drainrescale", 2)
		id := realtest.Submit(ctx, t, f, c, job)
		checkSink(ctx, t, k, job) // every record committed by a checkpoint before the rescale
		d, err := c.JobDetails(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		targets := map[flinkapi.VertexID]int{}
		for _, v := range d.Vertices {
			targets[v.ID] = 1
		}
		put := time.Now()
		if _, err := c.Rescale(ctx, id, targets); err != nil {
			t.Fatal(err)
		}
		rf, op := realDrainOnce(ctx, t, c, store, id)
		checkDrained(ctx, t, f, c, rf, store, id, op)
		checkRescaledFirst(ctx, t, c, id, put)
		checkSink(ctx, t, k, job)
	})
	t.Logf("real tier of flinkdrain: %v (Flink %s up in %v)", time.Since(start).Round(time.Second), f.Version(), f.StartupTime().Round(time.Millisecond))
}

// realDrainJob is the exactly-once test job (checkpoint every second) with
// two pipelines at the given parallelism, its topics created and
// realRecords records produced to each input.
func realDrainJob(ctx context.Context, t *testing.T, k *realstack.Kafka, name string, parallelism int) realstack.TestJob {
	t.Helper()
	job := realstack.TestJob{
		BootstrapServers: strings.Join(k.Addrs(), ","), Name: name, Parallelism: parallelism, MaxParallelism: 8,
		CheckpointInterval: time.Second,
	}
	for i := range 2 {
		job.Pipelines = append(job.Pipelines, realstack.TestPipeline{
			In: fmt.Sprintf("%s-in-%d", name, i), Out: fmt.Sprintf("%s-out-%d", name, i),
			Group: fmt.Sprintf("%s-%d", name, i), Cost: 100 * time.Microsecond,
		})
	}
	if err := realstack.CreateTestJobTopics(ctx, k, job, 2); err != nil {
		t.Fatal(err)
	}
	for _, p := range job.Pipelines {
		if err := realstack.ProduceTestRecords(ctx, k, p.In, "r", realRecords); err != nil {
			t.Fatal(err)
		}
	}
	return job
}

// realDrainOnce drains the job as a user would: a Drainer over the real
// client (recorded) and the FileStore. It logs every transition with its
// time since the drain began, and the drain's duration.
func realDrainOnce(ctx context.Context, t *testing.T, c *flinkapi.Client, store drain.Store, id flinkapi.JobID) (*recordingFlink, drain.Operation) {
	t.Helper()
	rf := &recordingFlink{Client: c}
	began := time.Now()
	d, err := flinkdrain.New(flinkdrain.Config{
		Flink: rf, Store: store, Timeout: 4 * time.Minute, PollMax: 500 * time.Millisecond,
		OnTransition: func(op drain.Operation, s drain.Step) {
			t.Logf("  %7v %s -> %s (%s) %s", time.Since(began).Round(time.Millisecond), s.From, s.To, s.Event, s.Reason)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	op, err := d.Drain(ctx, id)
	took := time.Since(began)
	rf.mu.Lock()
	defer rf.mu.Unlock()
	t.Logf("drain of %s: %s in %v, %d attempt(s), %d stop(s) sent, job states seen %v, savepoint %s",
		id, op.State, took.Round(time.Millisecond), op.Attempts(), len(rf.stops), rf.states, op.Location)
	if err != nil {
		t.Fatalf("Drain: %v (reason %q)", err, op.Reason)
	}
	return rf, op
}

// checkDrained checks what a drain claims against the real system.
func checkDrained(ctx context.Context, t *testing.T, f *realstack.Flink, c *flinkapi.Client, rf *recordingFlink,
	store drain.Store, id flinkapi.JobID, op drain.Operation) {
	t.Helper()
	if op.State != drain.Drained || op.Location == "" {
		t.Errorf("operation %s at %q, want drained with a savepoint", op.State, op.Location)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(op.Location, "file:"), "//")
	if rel, err := filepath.Rel(f.SavepointDir(), path); err != nil || strings.HasPrefix(rel, "..") {
		t.Errorf("savepoint %s is not under the savepoint directory %s", op.Location, f.SavepointDir())
	}
	if fi, err := os.Stat(filepath.Join(path, "_metadata")); err != nil || fi.Size() == 0 {
		t.Errorf("savepoint %s: _metadata: %v", op.Location, err)
	}
	if st, err := c.JobStatus(ctx, id); err != nil || st != flinkapi.JobFinished {
		t.Errorf("job %s after the drain: %s (%v), want FINISHED", id, st, err)
	}
	rf.mu.Lock()
	cancels := rf.cancels
	rf.mu.Unlock()
	if cancels != 0 || historyVisits(op, drain.Cancelling) {
		t.Errorf("the drain cancelled: %d cancel requests, history %v", cancels, op.History)
	}
	saved, found, err := store.Load(ctx, string(id))
	if err != nil || !found || saved.State != drain.Drained || saved.Location != op.Location {
		t.Errorf("FileStore record: found %v, %s at %q (%v); want drained at %q", found, saved.State, saved.Location, err, op.Location)
	}
}

// historyVisits reports whether the operation ever entered state s.
func historyVisits(op drain.Operation, s drain.State) bool {
	for _, st := range op.History {
		if st.To == s {
			return true
		}
	}
	return false
}

// checkRescaledFirst checks that the rescale took effect before the job
// stopped: it restarted after the PUT, and every vertex finished at the new
// parallelism, so the drain ran on the restarted job.
func checkRescaledFirst(ctx context.Context, t *testing.T, c *flinkapi.Client, id flinkapi.JobID, put time.Time) {
	t.Helper()
	d, err := c.JobDetails(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// The adaptive scheduler restarts into a new execution graph, whose
	// timestamps start afresh: RESTARTING is the old graph's and reads 0,
	// so the restart shows as RUNNING entered again after the PUT.
	again := d.LastRunning()
	t.Logf("restart after the PUT: RUNNING again at +%v", again.Sub(put).Round(time.Millisecond))
	if !again.After(put) { // the JobManager's clock is this machine's
		t.Errorf("no restart after the rescale: RUNNING since %v, rescale sent at %v", again, put)
	}
	for _, v := range d.Vertices {
		if v.Parallelism != 1 {
			t.Errorf("vertex %s finished at parallelism %d, want the rescaled 1", v.Name, v.Parallelism)
		}
	}
}

// checkSink waits until every output topic holds realRecords committed
// records, then checks it holds no more (exactly once).
func checkSink(ctx context.Context, t *testing.T, k *realstack.Kafka, job realstack.TestJob) {
	t.Helper()
	for _, p := range job.Pipelines {
		var n int
		realtest.Eventually(ctx, t, p.Out+" to hold every record", 3*time.Minute, func() (bool, error) {
			var err error
			n, err = realstack.CountTestRecords(ctx, k, p.Out)
			return err == nil && n >= realRecords, err
		})
		if n != realRecords {
			t.Errorf("%s holds %d committed records, want %d", p.Out, n, realRecords)
		}
	}
}

// sourcesRead reports whether every source vertex has emitted n records.
func sourcesRead(ctx context.Context, c *flinkapi.Client, id flinkapi.JobID, n int64) (bool, error) {
	d, err := c.JobDetails(ctx, id)
	if err != nil {
		return false, err
	}
	var read []int64
	for _, v := range d.Vertices {
		if strings.HasPrefix(v.Name, "Source:") {
			read = append(read, v.Metrics.WriteRecords)
			if v.Metrics.WriteRecords != n || !v.Metrics.WriteRecordsComplete {
				return false, fmt.Errorf("sources read %v of %d", read, n)
			}
		}
	}
	if len(read) == 0 {
		return false, errors.New("no source vertex")
	}
	return true, nil
}
