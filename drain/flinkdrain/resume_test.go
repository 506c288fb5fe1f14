package flinkdrain_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/drain/flinkdrain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// failingStore fails to save an operation in one state, as a controller
// that crashes right after its previous step would.
type failingStore struct {
	drain.Store
	failIn drain.State
}

var errCrash = errors.New("crash")

func (s failingStore) Save(ctx context.Context, op drain.Operation) error {
	if op.State == s.failIn {
		return errCrash
	}
	return s.Store.Save(ctx, op)
}

// A controller crashes at each state; a new one with the same FileStore
// resumes the same operation: one savepoint, never a second trigger
// started.
func TestCrashAndResumeFromFileStore(t *testing.T) {
	tests := []struct {
		name      string
		behavior  flinktest.SavepointBehavior
		crashIn   drain.State // the first run stops on entering this state
		afterSend bool        // the crash loses the save after the trigger was sent
		downtime  time.Duration
		want      drain.State
		wantStops int    // stop requests the JobManager saw in all
		reason    string // in the resumed operation's history
	}{
		{name: "crash in Stopping, before the trigger was sent", crashIn: drain.Stopping, want: drain.Drained, wantStops: 1},
		{name: "crash after the trigger was sent, before Waiting was saved", crashIn: drain.Waiting, afterSend: true, want: drain.Drained, wantStops: 2},
		{name: "crash in Waiting: the same trigger is polled", crashIn: drain.Waiting, behavior: flinktest.SavepointBehavior{Delay: time.Minute}, want: drain.Drained, wantStops: 1},
		{name: "crash in Waiting, back after Flink forgot the trigger: savepoint found in the history",
			crashIn: drain.Waiting, behavior: flinktest.SavepointBehavior{Delay: time.Minute}, downtime: time.Hour, want: drain.Drained, wantStops: 1,
			reason: "trigger forgotten; savepoint found in the job's checkpoint history"},
		{name: "crash in Cancelling: the cancel is sent again", crashIn: drain.Cancelling,
			behavior: flinktest.SavepointBehavior{Outcome: flinktest.FailSavepoint}, want: drain.Cancelled, wantStops: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			job := e.job(t, tt.behavior)
			fs, err := drain.NewFileStore(filepath.Join(t.TempDir(), "drains"))
			must(t, err)
			first, stop := context.WithCancel(context.Background())
			var store drain.Store = fs
			if tt.afterSend {
				store = failingStore{fs, tt.crashIn}
			}
			d1 := e.drainer(t, func(c *flinkdrain.Config) {
				c.Store = store
				c.OnTransition = func(op drain.Operation, _ drain.Step) {
					if op.State == tt.crashIn {
						stop() // the controller dies here
					}
				}
			})
			op, err := d1.Drain(first, job)
			if err == nil || op.State.Terminal() {
				t.Fatalf("first run: %s, %v; want it interrupted", op.State, err)
			}
			e.clock.Advance(tt.downtime)
			saved, _, _ := fs.Load(context.Background(), string(job))

			d2 := e.drainer(t, func(c *flinkdrain.Config) { c.Store = fs })
			op, err = d2.Drain(context.Background(), job)
			if op.State != tt.want || (tt.want == drain.Drained) != (err == nil) {
				t.Fatalf("resumed: %s, %v (reason %q); want %s", op.State, err, op.Reason, tt.want)
			}
			if op.TriggerID != saved.TriggerID && saved.TriggerID != "" {
				t.Errorf("resumed with trigger %s, saved %s", op.TriggerID, saved.TriggerID)
			}
			if n, _ := e.srv.Operations(job); n != 1 {
				t.Errorf("%d savepoint operations started, want 1", n)
			}
			if n := e.srv.CountRequests(stopRoute); n != tt.wantStops {
				t.Errorf("%d stop requests, want %d", n, tt.wantStops)
			}
			if tt.reason != "" && !historyHas(op, tt.reason) {
				t.Errorf("history %+v lacks %q", op.History, tt.reason)
			}
			if !op.Requested.Equal(saved.Requested) {
				t.Errorf("Requested moved from %v to %v: the deadline must survive restarts", saved.Requested, op.Requested)
			}
		})
	}
}

// A finished drain is answered from the store, without calling Flink.
func TestDrainIsIdempotent(t *testing.T) {
	e := newEnv(t)
	job := e.job(t, flinktest.SavepointBehavior{})
	d := e.drainer(t)
	first, err := d.Drain(context.Background(), job)
	must(t, err)
	e.srv.ResetRequests()
	again, err := d.Drain(context.Background(), job)
	if err != nil || again.Location != first.Location || len(e.srv.Requests()) != 0 {
		t.Errorf("second Drain: %+v, %v, %d requests; want the recorded result and no request", again, err, len(e.srv.Requests()))
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

// Cancelling ctx stops the drain at once, with its state saved.
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

func TestConfigAndInput(t *testing.T) {
	for _, cfg := range []flinkdrain.Config{
		{},
		{Flink: &flinkapi.Client{}, Timeout: -1},
		{Flink: &flinkapi.Client{}, PollMin: time.Second, PollMax: time.Millisecond},
		{Flink: &flinkapi.Client{}, Fallback: 7},
	} {
		if _, err := flinkdrain.New(cfg); !errors.Is(err, flinkdrain.ErrInvalidConfig) {
			t.Errorf("New(%+v) = %v", cfg, err)
		}
	}
	e := newEnv(t)
	if _, err := e.drainer(t).Drain(context.Background(), "nope"); !errors.Is(err, flinkapi.ErrInvalidRequest) {
		t.Errorf("bad job ID: %v", err)
	}
}

func historyHas(op drain.Operation, reason string) bool {
	for _, s := range op.History {
		if strings.Contains(s.Reason, reason) {
			return true
		}
	}
	return false
}

// Flink forgot the trigger and the job FINISHED, but its checkpoint
// history shows no savepoint (checkpointing off): no success is claimed.
func TestForgottenTriggerWithoutHistoryIsNotSuccess(t *testing.T) {
	e := newEnv(t)
	job, err := e.srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{{Name: "Source"}},
		Savepoints: flinktest.SavepointBehavior{Delay: time.Minute}})
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	d := e.drainer(t, func(c *flinkdrain.Config) {
		c.OnTransition = func(op drain.Operation, _ drain.Step) {
			if op.State == drain.Waiting {
				cancel()
			}
		}
	})
	if _, err := d.Drain(ctx, job); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	op, err := e.drainer(t).Drain(context.Background(), job)
	if !errors.Is(err, flinkdrain.ErrFailed) || op.State != drain.Failed || op.Location != "" || !strings.Contains(op.Reason, "without a confirmed savepoint") {
		t.Errorf("Drain = %s (%q), %v; want Failed without a savepoint", op.State, op.Reason, err)
	}
}
