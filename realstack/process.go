package realstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Sentinel errors of the harness. Tests use errors.Is.
var (
	// ErrJavaNotFound: no java executable in $JAVA_HOME/bin nor on PATH.
	ErrJavaNotFound = errors.New("realstack: java not found (set JAVA_HOME or put java 17+ on PATH)")
	// ErrPortInUse: a port the harness was asked to use (or a process it
	// started tried to bind) is already taken on 127.0.0.1.
	ErrPortInUse = errors.New("realstack: port already in use")
	// ErrProcessExited: a process exited while the harness waited for it
	// to become ready. The error is an *ExitError naming the log file.
	ErrProcessExited = errors.New("realstack: process exited")
	// ErrNotReady: the readiness deadline passed with the process still
	// running and the probe still failing.
	ErrNotReady = errors.New("realstack: process not ready before the deadline")
)

// DefaultStopGrace is how long Stop waits after SIGTERM before SIGKILL.
const DefaultStopGrace = 15 * time.Second

// runHeader starts the line StartProcess writes to a log before each start.
const runHeader = "=== realstack "

// logTailLines is how many lines of a process's log an error quotes.
const logTailLines = 20

// ProcessConfig describes one process (usually a JVM) to start.
type ProcessConfig struct {
	// Name names the process in errors and logs, e.g. "kafka-1". Required.
	Name string
	// Path is the executable. Default: the java found by FindJava.
	// Zero means default.
	Path string
	// Args are the arguments after the executable: JVM options, the main
	// class and its arguments. Default: none.
	Args []string
	// Env is appended to the harness's own environment (later entries
	// win). Default: the harness's environment unchanged.
	Env []string
	// Dir is the working directory. Default: the current directory.
	Dir string
	// LogPath is the file receiving stdout and stderr, appended to (a
	// restarted process keeps one log). Required; its directory must exist.
	LogPath string
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
	// Default: DefaultStopGrace. Zero means default.
	StopGrace time.Duration
}

// Validate reports a config StartProcess refuses: Name or LogPath missing,
// or a negative StopGrace. Its errors wrap ErrInvalidConfig.
func (c ProcessConfig) Validate() error {
	switch {
	case c.Name == "" || c.LogPath == "":
		return fmt.Errorf("%w: ProcessConfig needs Name and LogPath", ErrInvalidConfig)
	case c.StopGrace < 0:
		return fmt.Errorf("%w: %s: negative StopGrace %v", ErrInvalidConfig, c.Name, c.StopGrace)
	}
	return nil
}

// Process is a running (or exited) process started by StartProcess, in its
// own process group, with the parent-death signal set to SIGKILL on Linux so
// a dying test binary never leaves it behind. Safe for concurrent use.
type Process struct {
	cfg  ProcessConfig
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has been waited for

	mu      sync.Mutex
	waitErr error // the result of cmd.Wait, valid once done is closed
}

// ExitError reports a process that exited while the harness waited for it.
// It wraps ErrProcessExited (and ErrPortInUse when its log says a bind
// failed).
type ExitError struct {
	Name    string // ProcessConfig.Name
	Status  string // e.g. "exit status 1" or "signal: killed"
	LogPath string // the process's log file
	Tail    string // its last lines

	bindFailed bool // the log's end says "Address already in use"
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("realstack: %s exited while starting (%s); log %s, last lines:\n%s",
		e.Name, e.Status, e.LogPath, e.Tail)
}

// Unwrap returns ErrProcessExited, and ErrPortInUse when the log shows a
// failed bind.
func (e *ExitError) Unwrap() []error {
	errs := []error{ErrProcessExited}
	if e.bindFailed || strings.Contains(e.Tail, "Address already in use") {
		errs = append(errs, ErrPortInUse)
	}
	return errs
}

// javaOr returns path when it names an existing file, FindJava when path
// is empty, and an error wrapping ErrJavaNotFound otherwise: how a
// Config's Java field becomes the java to run.
func javaOr(path string) (string, error) {
	if path == "" {
		return FindJava()
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%w: %v", ErrJavaNotFound, err)
	}
	return path, nil
}

// FindJava returns $JAVA_HOME/bin/java when JAVA_HOME is set and holds one,
// else java on PATH, else an error wrapping ErrJavaNotFound.
func FindJava() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		p := filepath.Join(home, "bin", "java")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrJavaNotFound, err)
	}
	return p, nil
}

// StartProcess starts cfg's process and returns at once; use WaitReady to
// wait for it to serve. The process is not tied to any context: it runs
// until Stop or Kill (or the death of the calling process, on Linux).
func StartProcess(cfg ProcessConfig) (*Process, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Path == "" {
		java, err := FindJava()
		if err != nil {
			return nil, err
		}
		cfg.Path = java
	}
	if cfg.StopGrace <= 0 {
		cfg.StopGrace = DefaultStopGrace
	}
	logf, err := os.OpenFile(cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("realstack: %s: log file: %w", cfg.Name, err)
	}
	defer logf.Close() // the child has its own descriptor
	fmt.Fprintf(logf, "%s%s: %s %s\n", runHeader, time.Now().Format(time.RFC3339Nano), cfg.Path, strings.Join(cfg.Args, " "))

	cmd := exec.Command(cfg.Path, cfg.Args...)
	cmd.Dir = cfg.Dir
	cmd.Env = append(os.Environ(), cfg.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("realstack: starting %s (%s): %w", cfg.Name, cfg.Path, err)
	}
	p := &Process{cfg: cfg, cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// Name returns ProcessConfig.Name.
func (p *Process) Name() string { return p.cfg.Name }

// PID returns the process id (also its process group id).
func (p *Process) PID() int { return p.cmd.Process.Pid }

// LogPath returns the file receiving the process's output.
func (p *Process) LogPath() string { return p.cfg.LogPath }

// Done is closed once the process has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited, and how (nil for status 0).
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.waitErr
	default:
		return false, nil
	}
}

// LogTail returns the last n lines of the process's log.
func (p *Process) LogTail(n int) string { return tailFile(p.cfg.LogPath, n) }

// exitError describes the exited process; call only once done is closed.
func (p *Process) exitError() *ExitError {
	p.mu.Lock()
	status := "exit status 0"
	if p.waitErr != nil {
		status = p.waitErr.Error()
	}
	p.mu.Unlock()
	return &ExitError{Name: p.cfg.Name, Status: status, LogPath: p.cfg.LogPath, Tail: p.LogTail(logTailLines),
		bindFailed: strings.Contains(lastRun(p.cfg.LogPath), "Address already in use")}
}

// WaitReady calls probe until it returns nil, the process exits (an
// *ExitError naming its status and log, wrapping ErrProcessExited), timeout
// passes or ctx ends (an error wrapping ErrNotReady with the probe's last
// error and the log's tail). Each probe call gets a context bounded by the
// remaining time; probes are spaced 100 ms, growing to 1 s.
func (p *Process) WaitReady(ctx context.Context, timeout time.Duration, probe func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	delay := 100 * time.Millisecond
	var last error
	for {
		select {
		case <-p.done:
			return p.exitError()
		default:
		}
		if last = probe(ctx); last == nil {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-p.done:
			t.Stop()
			return p.exitError()
		case <-ctx.Done():
			t.Stop()
			select { // an exit explains more than the deadline does
			case <-p.done:
				return p.exitError()
			default:
			}
			return fmt.Errorf("%w: %s after %v (%v); last probe error: %v; log %s, last lines:\n%s",
				ErrNotReady, p.cfg.Name, time.Since(start).Round(time.Millisecond), ctx.Err(), last,
				p.cfg.LogPath, p.LogTail(logTailLines))
		case <-t.C:
		}
		delay = min(delay*2, time.Second)
	}
}

// Stop sends SIGTERM to the process group, waits up to StopGrace (or until
// ctx ends) for it to exit, then sends SIGKILL and waits for the exit. It
// returns nil when the process is gone, whatever its exit status; calling it
// again, or after the process exited, is a no-op.
func (p *Process) Stop(ctx context.Context) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = signalGroup(p.cmd.Process, syscall.SIGTERM)
	t := time.NewTimer(p.cfg.StopGrace)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	return p.Kill()
}

// Kill sends SIGKILL to the process group and waits for the process to be
// reaped (bounded: 10 s, after which it reports an error).
func (p *Process) Kill() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = signalGroup(p.cmd.Process, syscall.SIGKILL)
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("realstack: %s (pid %d) not reaped 10 s after SIGKILL", p.cfg.Name, p.PID())
	}
}

// tailFile returns the last n lines of the file at path (at most the last
// 64 KiB are read), or a note saying why it could not be read.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	defer f.Close()
	const maxRead = 64 << 10
	st, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	off := max(st.Size()-maxRead, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(buf, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// lastRun returns the log of the latest start in the log file at path
// (after its last "=== realstack" header; at most the last 16 MiB).
func lastRun(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-16<<20, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return ""
	}
	if i := bytes.LastIndex(buf, []byte(runHeader)); i >= 0 {
		buf = buf[i:]
		if j := bytes.IndexByte(buf, '\n'); j >= 0 { // the header line names the arguments
			buf = buf[j+1:]
		}
	}
	return string(buf)
}

// FreePorts returns n distinct TCP ports free on 127.0.0.1 at the time of
// the call (all are held open together, then released). Another process
// may still take one before it is used; a process that then fails to bind
// reports ErrPortInUse through its ExitError.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("realstack: finding a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// CheckPortFree returns an error wrapping ErrPortInUse when port cannot be
// bound on 127.0.0.1 (nil when it can; it is released at once).
func CheckPortFree(port int) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%w: %s", ErrPortInUse, addr)
		}
		return fmt.Errorf("realstack: checking %s: %w", addr, err)
	}
	return l.Close()
}
