package drain_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/drain"
)

// FuzzFileStoreLoad feeds arbitrary bytes to FileStore.Load as a job's
// record: it never panics, refuses what it cannot trust with an error
// wrapping drain.ErrInvalidRecord, and whatever it returns is a record of
// that job that Operation.Check accepts and that saves and loads back
// unchanged.
func FuzzFileStoreLoad(f *testing.F) {
	const job = "7a7c3291accebd10b6be8d4f8c8d8dfc"
	ts := t0.Format(time.RFC3339Nano)
	f.Add([]byte(`{"job":"` + job + `","state":"requested","requested":"` + ts + `","updated":"` + ts + `","history":[]}`))
	f.Add([]byte(`{"job":"` + job + `","state":"waiting","triggerId":"0123456789abcdef0123456789abcdef","requested":"` + ts + `","updated":"` + ts +
		`","history":[{"at":"` + ts + `","from":"requested","to":"stopping","event":"trigger"},{"at":"` + ts + `","from":"stopping","to":"waiting","event":"accept"}]}`))
	f.Add([]byte(`{"job":"` + job + `","state":"drained","location":"s3://sp","requested":"` + ts + `","updated":"` + ts +
		`","history":[{"at":"` + ts + `","from":"finishing","to":"drained","event":"finish"}]}`))
	f.Add([]byte(`{"job":"` + job + `","state":"drained","requested":"` + ts + `"}`))
	f.Add([]byte(`{"job":"` + job + `","state":7}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	dir := f.TempDir()
	s, err := drain.NewFileStore(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx := context.Background()
		if err := os.WriteFile(filepath.Join(dir, job+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		op, found, err := s.Load(ctx, job)
		if err != nil {
			if !errors.Is(err, drain.ErrInvalidRecord) || found {
				t.Fatalf("Load error %v (found %v) does not wrap ErrInvalidRecord", err, found)
			}
			return
		}
		if !found {
			t.Fatal("an existing file loaded as not found")
		}
		if err := op.Check(job); err != nil {
			t.Fatalf("loaded a record Check refuses: %v", err)
		}
		if err := s.Save(ctx, op); err != nil {
			t.Fatalf("a loaded record cannot be saved: %v", err)
		}
		back, _, err := s.Load(ctx, job)
		if err != nil || back.State != op.State || back.Location != op.Location || back.TriggerID != op.TriggerID ||
			!back.Requested.Equal(op.Requested) || len(back.History) != len(op.History) {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, op)
		}
	})
}

// FuzzApply drives the state machine with arbitrary events: it never
// panics, an operation that Check accepted is accepted after every legal
// transition, Drained always has a savepoint location, and nothing leaves
// a terminal state.
func FuzzApply(f *testing.F) {
	f.Add([]byte{0, 1, 2, 7}, "s3://sp", "0123456789abcdef0123456789abcdef")
	f.Add([]byte{0, 1, 6, 0, 1, 2, 6, 3, 4}, "", "0123456789abcdef0123456789abcdef")
	f.Add([]byte{5, 0, 9, 255}, "x", "bad")
	f.Fuzz(func(t *testing.T, kinds []byte, loc, tid string) {
		op := drain.NewOperation("job", t0)
		for i, k := range kinds {
			e := drain.Event{Kind: drain.Kind(int(k) % 10), TriggerID: tid, Location: loc, Reason: "r"}
			if i%3 == 0 {
				e.Location = ""
			}
			was := op.State
			next, err := drain.Apply(op, t0.Add(time.Duration(i)*time.Second), e)
			if err != nil {
				if next.State != was || len(next.History) != len(op.History) {
					t.Fatalf("a refused event changed the operation: %s -> %s", was, next.State)
				}
				continue
			}
			if was.Terminal() {
				t.Fatalf("%s left terminal state %s", e.Kind, was)
			}
			if err := next.Check("job"); err != nil {
				t.Fatalf("after %s from %s: %v", e.Kind, was, err)
			}
			if next.State == drain.Drained && (next.Location == "" || was != drain.Finishing) {
				t.Fatalf("drained from %s with location %q", was, next.Location)
			}
			op = next
		}
	})
}
