//go:build realstack

package realstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The real tier's tests of the Flink harness: they start JVMs.

// flinkVersions are the lines every Flink test runs on.
var flinkVersions = []string{"1.20", "2.2"}

// flinkRSS returns the resident memory of the JobManager and of each
// running TaskManager, in MiB.
func flinkRSS(t *testing.T, f *Flink) (int64, []int64) {
	t.Helper()
	mib := func(p *Process) int64 {
		if p == nil {
			return 0
		}
		n, err := p.RSS()
		if err != nil {
			t.Logf("RSS of %s: %v", p.Name(), err)
		}
		return n >> 20
	}
	var tms []int64
	for i := range f.TaskManagers() {
		tms = append(tms, mib(f.TaskManager(i).Process()))
	}
	return mib(f.JobManager()), tms
}

// TestFlinkStartupAndMemory starts each version with 2 TaskManagers x 2
// slots and reports start-up time and resident memory (the figures in
// flink.go's comment). It checks what the harness promises the REST API
// shows: the version, every TaskManager by resource id, the adaptive
// scheduler and the configured metrics interval.
func TestFlinkStartupAndMemory(t *testing.T) {
	for _, v := range flinkVersions {
		t.Run(v, func(t *testing.T) {
			t0 := time.Now()
			f := StartFlink(t, FlinkConfig{Version: v, TaskManagers: 2, Slots: 2, MetricsFetchInterval: 500 * time.Millisecond})
			total := time.Since(t0)
			jm, tms := flinkRSS(t, f)
			t.Logf("MEASURE flink %s: NewFlink %v (processes to ready %v); RSS JobManager %d MiB, TaskManagers %v MiB",
				f.Version(), total.Round(time.Millisecond), f.StartupTime().Round(time.Millisecond), jm, tms)

			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var ov flinkOverview
			if err := f.getJSON(ctx, "/overview", &ov); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ov.Version, v+".") || ov.Version != f.Version() {
				t.Errorf("overview says flink %q, want %s", ov.Version, f.Version())
			}
			listed, err := f.registeredTaskManagers(ctx)
			if err != nil || len(listed) != 2 || listed["tm-0"] == "" || listed["tm-1"] == "" {
				t.Errorf("taskmanagers %v (%v), want tm-0 and tm-1", listed, err)
			}
			var conf []struct{ Key, Value string }
			if err := f.getJSON(ctx, "/jobmanager/config", &conf); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, e := range conf {
				got[e.Key] = e.Value
			}
			for k, want := range map[string]string{
				"jobmanager.scheduler":                  "adaptive",
				"metrics.fetcher.update-interval":       "500",
				"execution.checkpointing.savepoint-dir": "file://" + f.SavepointDir(),
			} {
				if got[k] != want {
					t.Errorf("jobmanager config %s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
}

// TestFlinkTaskManagerStopStart stops a TaskManager (it deregisters) and
// starts it again under the same resource id.
func TestFlinkTaskManagerStopStart(t *testing.T) {
	f := StartFlink(t, FlinkConfig{TaskManagers: 2, Slots: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tm := f.TaskManager(1)
	if err := tm.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if tm.Running() {
		t.Fatal("stopped TaskManager still running")
	}
	if err := f.waitOverview(ctx, 1); err != nil {
		t.Fatalf("after stopping %s: %v", tm.ResourceID(), err)
	}
	t0 := time.Now()
	if err := tm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("MEASURE flink %s: TaskManager restart to registered %v", f.Version(), time.Since(t0).Round(time.Millisecond))
	if err := f.waitOverview(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := tm.Start(ctx); !errors.Is(err, ErrRunning) {
		t.Errorf("Start on a running TaskManager: %v, want ErrRunning", err)
	}

	// Killed, the JobManager lists it until its heartbeat times out; Start
	// waits for the new process's registration, not the stale entry.
	before, err := f.registeredTaskManagers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := tm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := f.registeredTaskManagers(ctx)
	if err != nil || after[tm.ResourceID()] == before[tm.ResourceID()] {
		t.Errorf("after Kill and Start %s is listed at %q, before at %q (%v)", tm.ResourceID(), after[tm.ResourceID()], before[tm.ResourceID()], err)
	}
}

// TestFlinkTaskManagerDiesAtStart: a TaskManager whose data port is taken
// exits while the cluster starts; NewFlink fails at once (no waiting for
// the start timeout) with an *ExitError naming the TaskManager's log, and
// leaves nothing running.
func TestFlinkTaskManagerDiesAtStart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultSetupTimeout)
	defer cancel()
	t0 := time.Now()
	f, err := NewFlink(ctx, FlinkConfig{Dir: dir, Logger: testLogger(t), StartTimeout: 5 * time.Minute,
		Config: map[string]string{"taskmanager.data.port": strconv.Itoa(port)}})
	if err == nil {
		f.Close()
		t.Fatal("NewFlink succeeded with the TaskManager's data port taken")
	}
	t.Logf("after %v: %v", time.Since(t0).Round(time.Millisecond), err)
	var exit *ExitError
	if !errors.As(err, &exit) || !errors.Is(err, ErrProcessExited) {
		t.Fatalf("error %v is not an *ExitError", err)
	}
	if exit.Name != "flink-tm-0" || !strings.HasSuffix(exit.LogPath, "taskmanager-0.log") {
		t.Errorf("ExitError names %s, log %s; want flink-tm-0 and its log", exit.Name, exit.LogPath)
	}
	if _, serr := os.Stat(exit.LogPath); serr != nil {
		t.Errorf("log file: %v", serr)
	}
	if !errors.Is(err, ErrPortInUse) {
		t.Errorf("the error does not wrap ErrPortInUse")
	}
	if left := processesMentioning(t, dir); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
	if time.Since(t0) > 4*time.Minute {
		t.Errorf("took %v: the exit was not noticed before the start timeout", time.Since(t0))
	}
}

// TestFlinkBadMemoryConfig: a memory configuration Flink refuses fails in
// BashJavaUtils, before any cluster process starts, with an error naming
// its log and quoting Flink's reason.
func TestFlinkBadMemoryConfig(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultSetupTimeout)
	defer cancel()
	_, err := NewFlink(ctx, FlinkConfig{Dir: dir, TaskManagerMemoryMB: 200})
	if err == nil || !strings.Contains(err.Error(), "bash-java-utils-GET_TM_RESOURCE_PARAMS.log") {
		t.Fatalf("NewFlink with a 200 MiB TaskManager: %v, want an error naming the BashJavaUtils log", err)
	}
	t.Logf("%v", err)
	if left := processesMentioning(t, dir); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
}

// TestFlinkRestPortInUse: an explicit RestPort that is taken fails before
// anything starts.
func TestFlinkRestPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = NewFlink(context.Background(), FlinkConfig{RestPort: l.Addr().(*net.TCPAddr).Port})
	if !errors.Is(err, ErrPortInUse) {
		t.Fatalf("NewFlink with its REST port taken: %v, want ErrPortInUse", err)
	}
}

// TestFlinkTestJob runs the test job on each version: two pipelines, each
// in its own slot sharing group, exactly-once; every record produced
// reaches its output topic exactly once.
func TestFlinkTestJob(t *testing.T) {
	k := StartKafka(t, KafkaConfig{})
	for _, v := range flinkVersions {
		t.Run(v, func(t *testing.T) {
			f := StartFlink(t, FlinkConfig{Version: v, TaskManagers: 2, Slots: 2})
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			pre := "v" + strings.ReplaceAll(v, ".", "")
			job := TestJob{
				BootstrapServers: strings.Join(k.Addrs(), ","), Parallelism: 2, SlotSharingGroups: true,
				CheckpointInterval: time.Second, Name: "testjob-" + pre,
				Pipelines: []TestPipeline{
					{In: pre + "-in-0", Out: pre + "-out-0", Cost: 200 * time.Microsecond},
					{In: pre + "-in-1", Out: pre + "-out-1", Cost: time.Millisecond},
				},
			}
			if err := CreateTestJobTopics(ctx, k, job, 4); err != nil {
				t.Fatal(err)
			}
			want := []int{3000, 1000}
			for i, p := range job.Pipelines {
				if err := ProduceTestRecords(ctx, k, p.In, "r", want[i]); err != nil {
					t.Fatal(err)
				}
			}
			t0 := time.Now()
			id, err := f.Submit(ctx, job)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("MEASURE flink %s: job %s submitted in %v", f.Version(), id, time.Since(t0).Round(time.Millisecond))
			for i, p := range job.Pipelines {
				waitCount(ctx, t, k, p.Out, want[i])
			}
			jm, tms := flinkRSS(t, f)
			t.Logf("MEASURE flink %s: every record through after %v; RSS with the job running: JobManager %d MiB, TaskManagers %v MiB",
				f.Version(), time.Since(t0).Round(time.Millisecond), jm, tms)
		})
	}
}

// waitCount polls CountTestRecords until topic holds want records (more is
// a failure: exactly-once broken).
func waitCount(ctx context.Context, t *testing.T, k *Kafka, topic string, want int) {
	t.Helper()
	last := -1
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		n, err := CountTestRecords(ctx, k, topic)
		switch {
		case err != nil && ctx.Err() == nil:
			t.Logf("counting %s: %v", topic, err)
		case n > want:
			t.Fatalf("%s holds %d records, want %d: duplicates", topic, n, want)
		case n == want:
			return
		}
		last = n
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	t.Fatalf("%s holds %d records, want %d (%v)", topic, last, want, ctx.Err())
}

// processesMentioning returns the pids of processes whose command line
// mentions s (Linux; none elsewhere).
func processesMentioning(t *testing.T, s string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && strings.Contains(string(b), s) {
			pids = append(pids, pid)
		}
	}
	return pids
}
