package realstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Flink is a local Flink standalone session cluster started by NewFlink.
// Safe for concurrent use.
type Flink struct {
	cfg       FlinkConfig
	dir       string
	ownDir    bool // Close removes dir
	restPort  int
	rpcPort   int
	classpath string
	jvm       flinkJVMParams

	mu  sync.Mutex
	jm  *Process
	tms []*TaskManager

	startup time.Duration // first JVM launched -> ready

	jobMu   sync.Mutex // one test job build at a time
	jobJar  string
	beamJar string // BeamJobJar's, under jobMu

	closeOnce sync.Once
	closeErr  error
}

// NewFlink resolves Flink's jars (once per version, see ResolveClasspath),
// writes the configuration, starts the JobManager and every TaskManager,
// and returns once GET /overview counts every TaskManager and slot. ctx
// bounds the whole start (the Maven resolution included); a process that
// exits while starting fails it with an *ExitError naming its log file; on
// error nothing is left running.
func NewFlink(ctx context.Context, cfg FlinkConfig) (*Flink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	var err error
	if cfg.Java, err = javaOr(cfg.Java); err != nil {
		return nil, err
	}
	f := &Flink{cfg: cfg, dir: cfg.Dir}
	if f.restPort, f.rpcPort, err = flinkPorts(cfg.RestPort); err != nil {
		return nil, err
	}
	if f.dir == "" {
		if f.dir, err = os.MkdirTemp("", "realstack-flink-"); err != nil {
			return nil, fmt.Errorf("realstack: run directory: %w", err)
		}
		f.ownDir = true
	}
	fail := func(err error) (*Flink, error) {
		_ = f.Close()
		return nil, err
	}
	if err := f.layout(); err != nil {
		return fail(err)
	}
	t0 := time.Now()
	if f.classpath, err = ResolveClasspath(ctx, flinkClusterPOM, f.mavenConfig(false)); err != nil {
		return fail(err)
	}
	cfg.Logger.Info("realstack: flink classpath resolved", "version", cfg.Version, "took", time.Since(t0))
	t1 := time.Now()
	if f.jvm, err = flinkMemoryParams(ctx, f); err != nil {
		return fail(err)
	}
	cfg.Logger.Info("realstack: flink memory computed", "took", time.Since(t1))
	if err := f.start(ctx); err != nil {
		return fail(err)
	}
	return f, nil
}

// flinkPorts returns the REST port (rest, checked free, or a free one) and
// a free JobManager RPC port.
func flinkPorts(rest int) (int, int, error) {
	free, err := FreePorts(2)
	if err != nil {
		return 0, 0, err
	}
	if rest == 0 {
		return free[0], free[1], nil
	}
	if err := CheckPortFree(rest); err != nil {
		return 0, 0, fmt.Errorf("realstack: flink RestPort: %w", err)
	}
	if free[1] == rest {
		free[1] = free[0]
	}
	return rest, free[1], nil
}

// mavenConfig is cfg.Maven with flink.version set (and connector.version
// for the test job).
func (f *Flink) mavenConfig(job bool) MavenConfig {
	m := f.cfg.Maven
	m.Properties = map[string]string{"flink.version": f.cfg.Version}
	if job {
		m.Properties["connector.version"] = f.cfg.ConnectorVersion
	}
	for k, v := range f.cfg.Maven.Properties {
		m.Properties[k] = v
	}
	return m
}

// start launches the JobManager and every TaskManager at once and waits
// until the cluster counts them all.
func (f *Flink) start(ctx context.Context) error {
	t0 := time.Now()
	jm, err := StartProcess(f.jobManagerProcess())
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.jm = jm
	for i := range f.cfg.TaskManagers {
		f.tms = append(f.tms, &TaskManager{f: f, index: i})
	}
	tms := f.tms
	f.mu.Unlock()
	for _, tm := range tms {
		if err := tm.launch(); err != nil {
			return err
		}
	}
	if err := f.waitOverview(ctx, f.cfg.TaskManagers); err != nil {
		return err
	}
	f.startup = time.Since(t0)
	f.cfg.Logger.Info("realstack: flink ready", "version", f.cfg.Version, "taskmanagers", f.cfg.TaskManagers,
		"slots", f.cfg.Slots, "took", time.Since(t0), "url", f.URL())
	return nil
}

// URL returns the REST endpoint, "http://127.0.0.1:port".
func (f *Flink) URL() string { return "http://" + f.Addr() }

// Addr returns the REST address, "127.0.0.1:port".
func (f *Flink) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(f.restPort)) }

// RestPort returns the REST port.
func (f *Flink) RestPort() int { return f.restPort }

// StartupTime returns how long the cluster took from launching its first
// JVM to being ready (jar resolution and memory computation excluded).
func (f *Flink) StartupTime() time.Duration { return f.startup }

// Version returns the Flink release running (e.g. "2.2.1").
func (f *Flink) Version() string { return f.cfg.Version }

// ConnectorVersion returns the flink-connector-kafka release the test job
// is built with.
func (f *Flink) ConnectorVersion() string { return f.cfg.ConnectorVersion }

// Dir returns the run directory.
func (f *Flink) Dir() string { return f.dir }

// ConfigDir returns the directory holding config.yaml.
func (f *Flink) ConfigDir() string { return filepath.Join(f.dir, "conf") }

// CheckpointDir returns execution.checkpointing.dir as a local path.
func (f *Flink) CheckpointDir() string { return filepath.Join(f.dir, "checkpoints") }

// SavepointDir returns execution.checkpointing.savepoint-dir as a local
// path.
func (f *Flink) SavepointDir() string { return filepath.Join(f.dir, "savepoints") }

// Classpath returns the cluster's classpath (also the job client's).
func (f *Flink) Classpath() string { return f.classpath }

// JobManager returns the JobManager's process (nil before it started).
func (f *Flink) JobManager() *Process {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.jm
}

// JobManagerLog returns the JobManager's log file.
func (f *Flink) JobManagerLog() string { return filepath.Join(f.dir, "log", "jobmanager.log") }

// TaskManager returns TaskManager i (0-based, resource id "tm-i"). It
// panics when i is out of range, like a slice index.
func (f *Flink) TaskManager(i int) *TaskManager {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tms[i]
}

// TaskManagers returns the number of TaskManagers.
func (f *Flink) TaskManagers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tms)
}

// LogPaths returns the JobManager's log file, then every TaskManager's.
func (f *Flink) LogPaths() []string {
	out := []string{f.JobManagerLog()}
	for i := range f.TaskManagers() {
		out = append(out, f.TaskManager(i).LogPath())
	}
	return out
}

// Close stops every TaskManager and the JobManager (SIGTERM to all at
// once, SIGKILL after StopGrace) and removes the run directory if NewFlink
// created it. It is idempotent and safe on a partly started cluster.
func (f *Flink) Close() error {
	f.closeOnce.Do(func() {
		f.closeErr = f.stopAll()
		if f.ownDir {
			if err := os.RemoveAll(f.dir); err != nil {
				f.closeErr = errors.Join(f.closeErr, err)
			}
		}
	})
	return f.closeErr
}

// stopAll stops every process at once and waits for them.
func (f *Flink) stopAll() error {
	f.mu.Lock()
	procs := []*Process{f.jm}
	for _, tm := range f.tms {
		procs = append(procs, tm.Process())
	}
	f.mu.Unlock()
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		if p != nil {
			wg.Go(func() { errs[i] = p.Stop(context.Background()) })
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}
