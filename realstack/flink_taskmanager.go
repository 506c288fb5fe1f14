package realstack

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TaskManager is one TaskManager process of a Flink cluster. Safe for
// concurrent use.
type TaskManager struct {
	f     *Flink
	index int

	mu   sync.Mutex
	proc *Process // nil when stopped
}

// ResourceID returns the TaskManager's taskmanager.resource-id, "tm-i",
// which is also its id in the REST API (/taskmanagers/{id}).
func (tm *TaskManager) ResourceID() string { return "tm-" + strconv.Itoa(tm.index) }

// LogPath returns the TaskManager's log file (every start, appended).
func (tm *TaskManager) LogPath() string {
	return filepath.Join(tm.f.dir, "log", "taskmanager-"+strconv.Itoa(tm.index)+".log")
}

// Process returns the running JVM, or nil when the TaskManager is stopped.
func (tm *TaskManager) Process() *Process {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.proc
}

// Running reports whether the TaskManager's JVM is running.
func (tm *TaskManager) Running() bool {
	p := tm.Process()
	if p == nil {
		return false
	}
	exited, _ := p.Exited()
	return !exited
}

// Start starts a stopped TaskManager again, with the same resource id and
// log file, and waits until the JobManager lists this new process (bounded
// by ctx and FlinkConfig.StartTimeout): after Kill the JobManager may still
// list the dead one until its heartbeat times out, so an entry counts only
// when its RPC address differs from the one listed before the start. A
// TaskManager that exits while starting yields an *ExitError naming its log
// file.
func (tm *TaskManager) Start(ctx context.Context) error {
	if tm.Running() {
		return fmt.Errorf("%w: flink %s", ErrRunning, tm.ResourceID())
	}
	t0 := time.Now()
	before, err := tm.f.registeredTaskManagers(ctx)
	if err != nil {
		return fmt.Errorf("realstack: flink %s: listing TaskManagers: %w", tm.ResourceID(), err)
	}
	if err := tm.launch(); err != nil {
		return err
	}
	p := tm.Process()
	err = p.WaitReady(ctx, tm.f.cfg.StartTimeout, func(ctx context.Context) error {
		now, err := tm.f.registeredTaskManagers(ctx)
		if err != nil {
			return err
		}
		if path, ok := now[tm.ResourceID()]; !ok || path == before[tm.ResourceID()] {
			return fmt.Errorf("%s not registered yet (registered: %v)", tm.ResourceID(), now)
		}
		return nil
	})
	var exit *ExitError
	if errors.As(err, &exit) {
		return flinkExitError(p)
	}
	if err != nil {
		return err
	}
	tm.f.cfg.Logger.Info("realstack: flink taskmanager started", "id", tm.ResourceID(), "took", time.Since(t0))
	return nil
}

// Stop stops the TaskManager: SIGTERM (it deregisters from the
// JobManager), SIGKILL after FlinkConfig.StopGrace or when ctx ends. A
// stopped TaskManager is a no-op.
func (tm *TaskManager) Stop(ctx context.Context) error {
	tm.mu.Lock()
	p := tm.proc
	tm.proc = nil
	tm.mu.Unlock()
	if p == nil {
		return nil
	}
	t0 := time.Now()
	err := p.Stop(ctx)
	tm.f.cfg.Logger.Info("realstack: flink taskmanager stopped", "id", tm.ResourceID(), "took", time.Since(t0))
	return err
}

// Kill stops the TaskManager with SIGKILL at once, as when a machine
// dies: the JobManager notices only when its heartbeats time out (or a
// task's connection fails).
func (tm *TaskManager) Kill() error {
	tm.mu.Lock()
	p := tm.proc
	tm.proc = nil
	tm.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.Kill()
}

// launch starts the TaskManager's JVM.
func (tm *TaskManager) launch() error {
	f := tm.f
	args := append([]string{"--configDir", f.ConfigDir()}, f.jvm.tmDynamic...)
	args = append(args, "-D", "taskmanager.resource-id="+tm.ResourceID())
	p, err := StartProcess(f.flinkProcess("flink-"+tm.ResourceID(), tm.LogPath(), f.jvm.tmJVM, f.classpath,
		"org.apache.flink.runtime.taskexecutor.TaskManagerRunner", args...))
	if err != nil {
		return err
	}
	tm.mu.Lock()
	tm.proc = p
	tm.mu.Unlock()
	return nil
}

// flinkOverview is the part of GET /overview the harness reads.
type flinkOverview struct {
	TaskManagers int    `json:"taskmanagers"`
	SlotsTotal   int    `json:"slots-total"`
	Version      string `json:"flink-version"`
}

// waitOverview waits until GET /overview counts want TaskManagers and
// want*Slots slots. It fails at once when the JobManager or a TaskManager
// exits (an *ExitError naming its log), and with ErrNotReady (the last
// answer and the JobManager log's tail) when StartTimeout passes or ctx
// ends. Probes are spaced 100 ms, growing to 1 s.
func (f *Flink) waitOverview(ctx context.Context, want int) error {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.StartTimeout)
	defer cancel()
	t0 := time.Now()
	delay := 100 * time.Millisecond
	var last error
	for {
		if err := f.exitedProcess(); err != nil {
			return err
		}
		var ov flinkOverview
		last = f.getJSON(ctx, "/overview", &ov)
		if last == nil {
			if ov.TaskManagers == want && ov.SlotsTotal == want*f.cfg.Slots {
				return nil
			}
			last = fmt.Errorf("overview counts %d TaskManagers and %d slots, want %d and %d",
				ov.TaskManagers, ov.SlotsTotal, want, want*f.cfg.Slots)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			if err := f.exitedProcess(); err != nil {
				return err
			}
			return fmt.Errorf("%w: flink %s after %v (%v); last probe: %v; log %s, last lines:\n%s", ErrNotReady,
				f.cfg.Version, time.Since(t0).Round(time.Millisecond), ctx.Err(), last, f.JobManagerLog(),
				tailFile(f.JobManagerLog(), logTailLines))
		case <-t.C:
		}
		delay = min(delay*2, time.Second)
	}
}

// exitedProcess returns an *ExitError for the first of the JobManager and
// the started TaskManagers that has exited, or nil.
func (f *Flink) exitedProcess() error {
	f.mu.Lock()
	procs := []*Process{f.jm}
	for _, tm := range f.tms {
		procs = append(procs, tm.Process())
	}
	f.mu.Unlock()
	for _, p := range procs {
		if p == nil {
			continue
		}
		if exited, _ := p.Exited(); exited {
			return flinkExitError(p)
		}
	}
	return nil
}

// flinkFailureLines caps the failure summary flinkExitError quotes.
const flinkFailureLines = 12

// flinkExitError is p's *ExitError with the log's ERROR lines and their
// "Caused by:" chain put before the last lines: Flink logs its orderly
// shutdown after the failure, so the last lines rarely show the cause.
// When the cause is a failed bind it wraps ErrPortInUse too (Flink words
// it "Could not start rest endpoint on any port in port range", even for
// the TaskManager's data port).
func flinkExitError(p *Process) error {
	e := p.exitError()
	s := flinkFailureSummary(e.LogPath)
	if s == "" {
		return e
	}
	e.Tail = s + "\n...\n" + e.Tail
	if strings.Contains(s, "java.net.BindException") {
		return fmt.Errorf("%w\n%w: a Flink process could not bind its port", e, ErrPortInUse)
	}
	return e
}

// flinkFailureSummary returns the first flinkFailureLines ERROR and
// "Caused by:" lines of the log at path.
func flinkFailureSummary(path string) string {
	fh, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(out) < flinkFailureLines {
		line := sc.Text()
		if strings.Contains(line, " ERROR ") || strings.HasPrefix(strings.TrimSpace(line), "Caused by:") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// registeredTaskManagers returns the TaskManagers GET /taskmanagers
// lists: resource id -> RPC address (path).
func (f *Flink) registeredTaskManagers(ctx context.Context) (map[string]string, error) {
	var body struct {
		TaskManagers []struct {
			ID   string `json:"id"`
			Path string `json:"path"`
		} `json:"taskmanagers"`
	}
	if err := f.getJSON(ctx, "/taskmanagers", &body); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(body.TaskManagers))
	for _, tm := range body.TaskManagers {
		out[tm.ID] = tm.Path
	}
	return out, nil
}

// errFlinkHTTP marks a REST answer other than 200.
var errFlinkHTTP = errors.New("realstack: flink REST")

// getJSON GETs path from the REST API into v, each request bounded by
// flinkReadinessRequestTimeout.
func (f *Flink) getJSON(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, flinkReadinessRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL()+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s: %s: %.200s", errFlinkHTTP, path, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}
