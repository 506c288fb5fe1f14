package flinkdrain_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// A job ID is reused (an application cluster with HA keeps its fixed ID):
// a Drain after a finished operation starts a new one and never reports
// the old result; Resume returns the recorded result without calling
// Flink.
func TestFinishedOperationIsHistory(t *testing.T) {
	e := newEnv(t)
	id := flinkapi.JobID("0123456789abcdef0123456789abcdef")
	spec := flinktest.JobSpec{ID: id, Vertices: []flinktest.VertexSpec{{Name: "Source"}}, Checkpointing: &flinktest.CheckpointingSpec{}}
	_, _, err := e.srv.AddJob(spec)
	must(t, err)
	d := e.drainer(t)
	first, err := d.Drain(context.Background(), id)
	must(t, err)

	e.srv.ResetRequests()
	recorded, err := d.Resume(context.Background(), id)
	if err != nil || recorded.Location != first.Location || len(e.srv.Requests()) != 0 {
		t.Errorf("Resume: %s %q, %v, %d requests; want the recorded result and no request", recorded.State, recorded.Location, err, len(e.srv.Requests()))
	}

	// The same ID runs again (a new JobManager, the same fixed ID).
	e.clock.Advance(time.Hour)
	srv2 := flinktest.Start(t, flinktest.Config{Clock: e.clock})
	_, _, err = srv2.AddJob(spec)
	must(t, err)
	c2, err := flinkapi.New(flinkapi.Config{BaseURL: srv2.URL})
	must(t, err)
	second, err := e.drainer(t, func(c *flinkdrain.Config) { c.Flink = c2 }).Drain(context.Background(), id)
	must(t, err)
	if second.Location == first.Location || !second.Requested.After(first.Requested) {
		t.Errorf("second drain reported the first one's result: %q requested %v", second.Location, second.Requested)
	}
	if st, _ := srv2.JobState(id); st != flinkapi.JobFinished {
		t.Errorf("the new job is %s, want FINISHED", st)
	}
	if _, err := e.drainer(t).Resume(context.Background(), "fedcba9876543210fedcba9876543210"); !errors.Is(err, flinkdrain.ErrNoOperation) {
		t.Errorf("Resume without a record: %v", err)
	}
}

// Two concurrent Drain calls for one job do one drain.
func TestConcurrentDrainsShareOne(t *testing.T) {
	e := newEnv(t)
	job := e.job(t, flinktest.SavepointBehavior{Delay: 5 * time.Second})
	d := e.drainer(t)
	var wg sync.WaitGroup
	locs := make([]string, 4)
	for i := range locs {
		wg.Go(func() {
			op, err := d.Drain(context.Background(), job)
			if err != nil {
				t.Error(err)
			}
			locs[i] = op.Location
		})
	}
	wg.Wait()
	if n, _ := e.srv.Operations(job); n != 1 {
		t.Errorf("%d operations, want 1", n)
	}
	for _, l := range locs {
		if l == "" || l != locs[0] {
			t.Errorf("locations %v, want one shared savepoint", locs)
		}
	}
}

// Two Drainers sharing a FileStore directory, as two processes would (an
// flock is per open file, so two stores exclude each other as two
// processes do): one stops the job, the other waits for the lock and
// reports that drain's result.
func TestOneDrainPerJobAcrossStores(t *testing.T) {
	e := newEnv(t)
	job := e.job(t, flinktest.SavepointBehavior{Delay: 5 * time.Second})
	dir := t.TempDir()
	var wg sync.WaitGroup
	ops := make([]drain.Operation, 2)
	for i := range ops {
		fs, err := drain.NewFileStore(dir)
		must(t, err)
		d := e.drainer(t, func(c *flinkdrain.Config) { c.Store = fs })
		wg.Go(func() {
			op, err := d.Drain(context.Background(), job)
			if err != nil {
				t.Error(err)
			}
			ops[i] = op
		})
	}
	wg.Wait()
	if n, _ := e.srv.Operations(job); n != 1 || e.srv.CountRequests("POST /jobs/{jobid}/stop") != 1 {
		t.Errorf("%d operations, %d stop requests; want 1 and 1", n, e.srv.CountRequests("POST /jobs/{jobid}/stop"))
	}
	if ops[0].Location == "" || ops[0].Location != ops[1].Location {
		t.Errorf("locations %q and %q, want one shared savepoint", ops[0].Location, ops[1].Location)
	}
}

// A caller whose ctx ends while another holds the job's lock gets
// ErrLocked, and nothing is sent to Flink.
func TestLockedDrainFailsClearly(t *testing.T) {
	e := newEnv(t)
	job := e.job(t, flinktest.SavepointBehavior{})
	fs, err := drain.NewFileStore(t.TempDir())
	must(t, err)
	unlock, err := fs.Lock(context.Background(), string(job))
	must(t, err)
	defer unlock()
	e.srv.ResetRequests()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = e.drainer(t, func(c *flinkdrain.Config) { c.Store = fs }).Drain(ctx, job)
	if !errors.Is(err, drain.ErrLocked) || !errors.Is(err, context.DeadlineExceeded) || len(e.srv.Requests()) != 0 {
		t.Errorf("Drain while locked: %v, %d requests; want ErrLocked and none", err, len(e.srv.Requests()))
	}
}

// A record that cannot be true is refused before anything is sent to
// Flink, from any Store.
func TestCorruptRecordsAreNotActedOn(t *testing.T) {
	e := newEnv(t)
	job := e.job(t, flinktest.SavepointBehavior{})
	now := e.clock.Now().UTC().Format(time.RFC3339)
	records := map[string]string{
		"another job":           `{"job":"ffffffffffffffffffffffffffffffff","state":"requested","requested":"` + now + `","updated":"` + now + `","history":[]}`,
		"drained, no location":  `{"job":"` + string(job) + `","state":"drained","requested":"` + now + `","updated":"` + now + `","history":[{"at":"` + now + `","from":"finishing","to":"drained","event":"finish"}]}`,
		"waiting, bad trigger":  `{"job":"` + string(job) + `","state":"waiting","triggerId":"xyz","requested":"` + now + `","updated":"` + now + `","history":[{"at":"` + now + `","from":"stopping","to":"waiting","event":"accept"}]}`,
		"waiting, no requested": `{"job":"` + string(job) + `","state":"waiting","triggerId":"0123456789abcdef0123456789abcdef","updated":"` + now + `","history":[{"at":"` + now + `","from":"stopping","to":"waiting","event":"accept"}]}`,
		"unknown state":         `{"job":"` + string(job) + `","state":"paused","requested":"` + now + `","updated":"` + now + `","history":[]}`,
		"truncated":             `{"job":"` + string(job) + `","state":"wai`,
		"not JSON":              "\x00\x01garbage",
	}
	for name, rec := range records {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			must(t, os.WriteFile(filepath.Join(dir, string(job)+".json"), []byte(rec), 0o600))
			fs, err := drain.NewFileStore(dir)
			must(t, err)
			e.srv.ResetRequests()
			_, err = e.drainer(t, func(c *flinkdrain.Config) { c.Store = fs }).Drain(context.Background(), job)
			if !errors.Is(err, drain.ErrInvalidRecord) {
				t.Errorf("Drain = %v, want ErrInvalidRecord", err)
			}
			if n := len(e.srv.Requests()); n != 0 {
				t.Errorf("%d requests sent on a corrupt record", n)
			}
		})
	}
	// A Store that does not check is checked by the Drainer.
	e.srv.ResetRequests()
	lax := laxStore{op: drain.Operation{Job: string(job), State: drain.Drained, Requested: e.clock.Now(), Updated: e.clock.Now()}}
	if _, err := e.drainer(t, func(c *flinkdrain.Config) { c.Store = lax }).Resume(context.Background(), job); !errors.Is(err, drain.ErrInvalidRecord) || len(e.srv.Requests()) != 0 {
		t.Errorf("lax store: %v", err)
	}
}

// laxStore returns one record without checking it.
type laxStore struct{ op drain.Operation }

func (s laxStore) Load(context.Context, string) (drain.Operation, bool, error) {
	return s.op, true, nil
}
func (s laxStore) Save(context.Context, drain.Operation) error { return nil }
func (s laxStore) Delete(context.Context, string) error        { return nil }

// A trigger ID answered in an unexpected form is an error at trigger
// time: nothing is cancelled, the operation stays Stopping, and a later
// Drain sends the same trigger again.
func TestMalformedTriggerAnswer(t *testing.T) {
	e := newEnv(t)
	job := e.job(t, flinktest.SavepointBehavior{})
	must(t, e.srv.InjectFault(stopRoute, flinktest.Fault{Status: 202, Body: `{"request-id":"not-a-trigger"}`, ContentType: "application/json", Times: 3}))
	d := e.drainer(t)
	op, err := d.Drain(context.Background(), job)
	if !errors.Is(err, flinkdrain.ErrBadAnswer) || op.State != drain.Stopping || e.srv.CountRequests(cancelRoute) != 0 {
		t.Fatalf("Drain = %s, %v; want Stopping and ErrBadAnswer, no cancel", op.State, err)
	}
	e.srv.ClearFaults()
	again, err := d.Drain(context.Background(), job)
	if err != nil || again.State != drain.Drained || again.History[0].TriggerID != op.TriggerID {
		t.Errorf("second Drain: %s, %v; want Drained under the same trigger %s", again.State, err, op.TriggerID)
	}
}

// Cancelling ctx stops the drain at once, with its state saved and the
// job left running.
func TestContextCancelled(t *testing.T) {
	e := newEnv(t)
	job := e.job(t, flinktest.SavepointBehavior{Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	d := e.drainer(t, func(c *flinkdrain.Config) {
		c.OnTransition = func(op drain.Operation, _ drain.Step) {
			if op.State == drain.Waiting {
				cancel()
			}
		}
	})
	op, err := d.Drain(ctx, job)
	if !errors.Is(err, context.Canceled) || op.State != drain.Waiting {
		t.Fatalf("Drain = %s, %v; want Waiting, context.Canceled", op.State, err)
	}
	saved, found, _ := e.store.Load(context.Background(), string(job))
	if !found || saved.State != drain.Waiting || saved.TriggerID == "" {
		t.Errorf("saved %+v; want Waiting with its trigger", saved)
	}
	if st, _ := e.srv.JobState(job); st != flinkapi.JobRunning {
		t.Errorf("job %s: an interrupted drain must not fall back", st)
	}
}

// Flink forgot the trigger and the job FINISHED: only a savepoint of the
// drain's kind (SYNC_SAVEPOINT), triggered and completed since the drain
// was requested, in the job's checkpoint history counts as drained.
func TestForgottenTriggerNeedsTheDrainsSavepoint(t *testing.T) {
	for _, tt := range []struct {
		name    string
		kind    string
		before  bool // triggered before the drain was requested
		drained bool
	}{
		{"the drain's own savepoint", "SYNC_SAVEPOINT", false, true},
		{"a plain savepoint someone took", "SAVEPOINT", false, false},
		{"a stop-with-savepoint from before the request", "SYNC_SAVEPOINT", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			job := e.job(t, flinktest.SavepointBehavior{Delay: time.Minute})
			ctx, cancel := context.WithCancel(context.Background())
			d := e.drainer(t, func(c *flinkdrain.Config) {
				c.OnTransition = func(op drain.Operation, _ drain.Step) {
					if op.State == drain.Waiting {
						cancel()
					}
				}
			})
			first, err := d.Drain(ctx, job)
			if !errors.Is(err, context.Canceled) {
				t.Fatal(err)
			}
			e.clock.Advance(time.Hour) // the stop completes, Flink forgets its trigger
			trig := first.Requested.Add(time.Second)
			if tt.before {
				trig = first.Requested.Add(-time.Minute)
			}
			cp := fmt.Sprintf(`{"className":"completed","id":7,"status":"COMPLETED","is_savepoint":true,"checkpoint_type":%q,`+
				`"trigger_timestamp":%d,"latest_ack_timestamp":%d,"external_path":"file:/sp/7"}`, tt.kind, trig.UnixMilli(), trig.Add(time.Second).UnixMilli())
			must(t, e.srv.InjectFault(checkpointsRoute, flinktest.Fault{Body: `{"counts":{},"summary":{},"latest":{"savepoint":` + cp + `},"history":[` + cp + `]}`,
				ContentType: "application/json", Times: -1}))
			op, err := e.drainer(t).Drain(context.Background(), job)
			if got := op.State == drain.Drained; got != tt.drained || got != (err == nil) || got && op.Location != "file:/sp/7" {
				t.Errorf("Drain = %s at %q, %v; want drained %v", op.State, op.Location, err, tt.drained)
			}
		})
	}
}

func TestConfigAndInput(t *testing.T) {
	for _, cfg := range []flinkdrain.Config{
		{},
		{Flink: &flinkapi.Client{}, Timeout: -1},
		{Flink: &flinkapi.Client{}, ForgetAfter: -1},
		{Flink: &flinkapi.Client{}, MaxAttempts: -1},
		{Flink: &flinkapi.Client{}, PollMin: time.Second, PollMax: time.Millisecond},
		{Flink: &flinkapi.Client{}, Fallback: 7},
	} {
		_, err := flinkdrain.New(cfg)
		if !errors.Is(err, flinkdrain.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("New(%+v) = %v, want flinkdrain.ErrInvalidConfig and flinkscale.ErrInvalidConfig", cfg, err)
		}
	}
	e := newEnv(t)
	if _, err := e.drainer(t).Drain(context.Background(), "nope"); !errors.Is(err, flinkapi.ErrInvalidRequest) {
		t.Errorf("bad job ID: %v", err)
	}
}

// A Drain after a finished drain of the same job (a caller that came a
// moment too late to join it) finds the job FINISHED: drained, at the
// savepoint the job's own history confirms, with no stop sent. A job of
// the same ID that finished another way is not.
func TestDrainAfterDrainOfTheSameJob(t *testing.T) {
	e := newEnv(t)
	job := e.job(t, flinktest.SavepointBehavior{})
	d := e.drainer(t)
	first, err := d.Drain(context.Background(), job)
	must(t, err)
	e.clock.Advance(time.Minute)
	e.srv.ResetRequests()
	again, err := d.Drain(context.Background(), job)
	if err != nil || again.State != drain.Drained || again.Location != first.Location || !again.Requested.After(first.Requested) ||
		e.srv.CountRequests(stopRoute) != 0 || !historyHas(again, "already drained by the operation requested at") {
		t.Errorf("second Drain: %s at %q, %v, %d stops; want the same savepoint, no stop\n%s", again.State, again.Location, err, e.srv.CountRequests(stopRoute), history(again))
	}

	// The same ID, a new job that was stopped by someone else: the
	// previous drain's savepoint is not in its history.
	srv2 := flinktest.Start(t, flinktest.Config{Clock: e.clock})
	_, _, err = srv2.AddJob(flinktest.JobSpec{ID: job, Vertices: []flinktest.VertexSpec{{Name: "Source"}}, Checkpointing: &flinktest.CheckpointingSpec{}})
	must(t, err)
	c2, err := flinkapi.New(flinkapi.Config{BaseURL: srv2.URL})
	must(t, err)
	tid, err := c2.StopWithSavepoint(context.Background(), job, flinkapi.StopRequest{Drain: true})
	must(t, err)
	if _, err := c2.WaitOperation(context.Background(), job, tid); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	third, err := e.drainer(t, func(c *flinkdrain.Config) { c.Flink = c2 }).Drain(context.Background(), job)
	if !errors.Is(err, flinkdrain.ErrFailed) || third.State != drain.Failed || third.Location != "" || !historyHas(third, "FINISHED without a confirmed savepoint") {
		t.Errorf("Drain of another job of the same ID, already stopped: %s at %q, %v; want Failed", third.State, third.Location, err)
	}
}
