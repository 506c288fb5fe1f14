package drain_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/flinkscale/flinkscale/drain"
)

// Both stores pass the same contract.
func TestStores(t *testing.T) {
	fs, err := drain.NewFileStore(filepath.Join(t.TempDir(), "ops"))
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]drain.Store{"memory": &drain.MemoryStore{}, "file": fs} {
		t.Run(name, func(t *testing.T) { storeContract(t, s) })
	}
}

func storeContract(t *testing.T, s drain.Store) {
	ctx := context.Background()
	const job = "7a7c3291accebd10b6be8d4f8c8d8dfc"
	if _, found, err := s.Load(ctx, job); found || err != nil {
		t.Fatalf("empty store: found %v, %v", found, err)
	}
	op, _ := drain.Apply(drain.NewOperation(job, t0), t0, drain.Event{Kind: drain.Trigger, TriggerID: "abc"})
	if err := s.Save(ctx, op); err != nil {
		t.Fatal(err)
	}
	got, found, err := s.Load(ctx, job)
	if !found || err != nil || got.State != drain.Stopping || got.TriggerID != "abc" || !got.Requested.Equal(t0) || len(got.History) != 1 {
		t.Fatalf("Load = %+v, %v, %v", got, found, err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := s.Save(ctx, op); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := s.Delete(ctx, job); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.Load(ctx, job); found {
		t.Error("found after Delete")
	}
	if err := s.Delete(ctx, job); err != nil {
		t.Errorf("deleting a missing job: %v", err)
	}
	if err := s.Save(ctx, drain.Operation{}); !errors.Is(err, drain.ErrInvalidJob) {
		t.Errorf("empty job: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Save(cancelled, op); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
}

func TestFileStoreIsAtomicAndSafe(t *testing.T) {
	dir := t.TempDir()
	s, err := drain.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, bad := range []string{"../escape", "a/b", "..", "."} {
		if err := s.Save(ctx, drain.Operation{Job: bad}); !errors.Is(err, drain.ErrInvalidJob) {
			t.Errorf("job %q: %v", bad, err)
		}
	}
	op := drain.NewOperation("job1", t0)
	for range 3 {
		if err := s.Save(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "job1.json" {
		t.Errorf("directory holds %v, want only job1.json (no temporary files left)", entries)
	}
	// A torn file from an old crash is reported, not silently read as empty.
	if err := os.WriteFile(filepath.Join(dir, "job2.json"), []byte(`{"job":"job2","sta`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(ctx, "job2"); err == nil {
		t.Error("torn file loaded without error")
	}
	if _, err := drain.NewFileStore(""); err == nil {
		t.Error("empty directory accepted")
	}
}
