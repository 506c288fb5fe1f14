package drain_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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
	const tid = "0123456789abcdef0123456789abcdef"
	op, err := drain.Apply(drain.NewOperation(job, t0), t0, drain.Event{Kind: drain.Trigger, TriggerID: tid})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, op); err != nil {
		t.Fatal(err)
	}
	got, found, err := s.Load(ctx, job)
	if !found || err != nil || got.State != drain.Stopping || got.TriggerID != tid || !got.Requested.Equal(t0) || len(got.History) != 1 {
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
	drained := drain.Operation{Job: job, State: drain.Drained, Requested: t0, Updated: t0,
		History: []drain.Step{{At: t0, From: drain.Finishing, To: drain.Drained, Event: drain.Finish}}}
	if err := s.Save(ctx, drained); !errors.Is(err, drain.ErrInvalidRecord) {
		t.Errorf("saving a drained record without a location: %v", err)
	}
	if l, ok := s.(drain.Locker); ok {
		lockContract(t, l)
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

// lockContract: one holder at a time; a waiter gets the lock when it is
// released, or ErrLocked with ctx's error.
func lockContract(t *testing.T, l drain.Locker) {
	t.Helper()
	ctx := context.Background()
	unlock, err := l.Lock(ctx, "job1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := l.Lock(ctx, "job2") // another job is not blocked
	if err != nil {
		t.Fatal(err)
	}
	_ = other()
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(short, "job1"); !errors.Is(err, drain.ErrLocked) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Lock while held: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		u, err := l.Lock(ctx, "job1")
		if err == nil {
			err = u()
		}
		got <- err
	}()
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Errorf("waiter after unlock: %v", err)
	}
}

// Records that cannot be true are refused on load, each with an error
// wrapping ErrInvalidRecord.
func TestFileStoreRefusesBadRecords(t *testing.T) {
	const job = "7a7c3291accebd10b6be8d4f8c8d8dfc"
	ts := t0.Format(time.RFC3339)
	step := func(from, to, ev string) string {
		return `{"at":"` + ts + `","from":"` + from + `","to":"` + to + `","event":"` + ev + `"}`
	}
	rec := func(fields string, history ...string) string {
		return `{"job":"` + job + `",` + fields + `,"requested":"` + ts + `","updated":"` + ts + `","history":[` + strings.Join(history, ",") + `]}`
	}
	for name, body := range map[string]string{
		"another job":                     strings.Replace(rec(`"state":"requested"`), job, "ffffffffffffffffffffffffffffffff", 1),
		"drained without a location":      rec(`"state":"drained"`, step("finishing", "drained", "finish")),
		"waiting, malformed trigger":      rec(`"state":"waiting","triggerId":"../../x"`, step("stopping", "waiting", "accept")),
		"waiting, no request time":        strings.Replace(rec(`"state":"waiting","triggerId":"0123456789abcdef0123456789abcdef"`, step("stopping", "waiting", "accept")), `"requested":"`+ts+`",`, "", 1),
		"unknown state":                   rec(`"state":"paused"`),
		"unknown event":                   rec(`"state":"stopping","triggerId":"0123456789abcdef0123456789abcdef"`, step("requested", "stopping", "teleport")),
		"history not ending in the state": rec(`"state":"waiting","triggerId":"0123456789abcdef0123456789abcdef"`, step("requested", "stopping", "trigger")),
		"unknown field":                   rec(`"state":"requested","future":1`),
		"truncated":                       rec(`"state":"requested"`)[:40],
		"trailing data":                   rec(`"state":"requested"`) + `{}`,
		"not JSON":                        "\x00garbage",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, job+".json"), []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := drain.NewFileStore(dir)
			if err != nil {
				t.Fatal(err)
			}
			if op, found, err := s.Load(context.Background(), job); !errors.Is(err, drain.ErrInvalidRecord) || found {
				t.Errorf("Load = %+v, %v, %v; want ErrInvalidRecord", op, found, err)
			}
		})
	}
}

// Two processes sharing a FileStore directory: while a child process
// holds the job's lock, this one cannot take it; once the child exits
// (the kernel drops its lock), it can.
func TestFileStoreLockAcrossProcesses(t *testing.T) {
	if dir := os.Getenv("DRAIN_LOCK_CHILD_DIR"); dir != "" {
		s, err := drain.NewFileStore(dir)
		if err == nil {
			_, err = s.Lock(context.Background(), "job1")
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		_, _ = io.Copy(io.Discard, os.Stdin) // hold until the parent closes stdin
		os.Exit(0)
	}
	if runtime.GOOS == "windows" {
		t.Skip("flock(2) is Unix")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFileStoreLockAcrossProcesses$")
	cmd.Env = append(os.Environ(), "DRAIN_LOCK_CHILD_DIR="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child: %q, %v", line, err)
	}
	s, err := drain.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = s.Lock(short, "job1")
	if !errors.Is(err, drain.ErrLocked) || !strings.Contains(err.Error(), strconv.Itoa(cmd.Process.Pid)) {
		t.Errorf("Lock while another process holds it: %v; want ErrLocked naming process %d", err, cmd.Process.Pid)
	}
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock(context.Background(), "job1")
	if err != nil {
		t.Fatalf("Lock after the other process exited: %v", err)
	}
	_ = unlock()
}
