//go:build unix

package realstack

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests run in the fast tier: they start /bin/sh, never Java.

// sh starts `sh -c script` logging to a file in a temp dir.
func sh(t *testing.T, script string, grace time.Duration) *Process {
	t.Helper()
	p, err := StartProcess(ProcessConfig{
		Name: "sh", Path: "/bin/sh", Args: []string{"-c", script},
		LogPath: filepath.Join(t.TempDir(), "sh.log"), StopGrace: grace,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill() })
	return p
}

func TestWaitReadyExitNamesStatusAndLog(t *testing.T) {
	p := sh(t, `for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do echo line$i; done; echo "bind: Address already in use" >&2; exit 3`, 0)
	err := p.WaitReady(t.Context(), time.Minute, func(context.Context) error { return errors.New("not yet") })
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v, want *ExitError", err)
	}
	if !errors.Is(err, ErrProcessExited) || !errors.Is(err, ErrPortInUse) {
		t.Errorf("err %v: want ErrProcessExited and ErrPortInUse", err)
	}
	if ee.Status != "exit status 3" || ee.LogPath != p.LogPath() {
		t.Errorf("status %q log %q", ee.Status, ee.LogPath)
	}
	msg := err.Error()
	for _, w := range []string{"exit status 3", p.LogPath(), "line25", "Address already in use"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
	if strings.Contains(msg, "line5\n") || strings.Count(ee.Tail, "\n") != logTailLines-1 {
		t.Errorf("tail is not the last %d lines: %q", logTailLines, ee.Tail)
	}
}

func TestWaitReadyProbeSucceeds(t *testing.T) {
	p := sh(t, `sleep 60`, time.Second)
	calls := 0
	err := p.WaitReady(t.Context(), time.Minute, func(context.Context) error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v after %d probes, want nil after 3", err, calls)
	}
}

func TestWaitReadyDeadlineIsBounded(t *testing.T) {
	p := sh(t, `echo started; sleep 60`, time.Second)
	start := time.Now()
	err := p.WaitReady(t.Context(), 300*time.Millisecond, func(context.Context) error { return errors.New("refused") })
	if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), p.LogPath()) {
		t.Fatalf("err = %v, want ErrNotReady naming the probe error and the log", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("WaitReady took %v for a 300ms timeout", d)
	}
	if exited, _ := p.Exited(); exited {
		t.Error("WaitReady must not stop the process")
	}
}

func TestStopEscalatesToKill(t *testing.T) {
	// The shell ignores SIGTERM (and so does the sleep it waits for, which
	// inherits the disposition): only SIGKILL after the grace ends it.
	p := sh(t, `trap "" TERM; echo re""ady; sleep 60`, 300*time.Millisecond)
	waitLog(t, p, "ready")
	start := time.Now()
	if err := p.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if d < 300*time.Millisecond || d > 10*time.Second {
		t.Errorf("Stop took %v, want the 300ms grace then SIGKILL", d)
	}
	exited, err := p.Exited()
	if !exited || err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("exited %v err %v, want killed", exited, err)
	}
	if err := p.Stop(t.Context()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestStopTerminatesTheGroup(t *testing.T) {
	// A child of the process (the background sleep) is in its group and
	// gets the SIGTERM too.
	p := sh(t, `sleep 60 & echo ch""ild $!; wait`, 5*time.Second)
	line := waitLog(t, p, "child ")
	pid := strings.Fields(line[strings.Index(line, "child "):])[1]
	if err := p.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("child %s still running after Stop", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLog polls p's log until it contains s (bounded: 10 s) and returns
// it. The log starts with the command line: look for output the command
// line does not contain verbatim.
func waitLog(t *testing.T, p *Process, s string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(p.LogPath())
		if strings.Contains(string(b), s) {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("log never contained %q: %q", s, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid string) bool {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] != "Z"
}

func TestPorts(t *testing.T) {
	ports, err := FreePorts(4)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] || p <= 0 {
			t.Fatalf("ports %v not distinct and positive", ports)
		}
		seen[p] = true
		if err := CheckPortFree(p); err != nil {
			t.Errorf("free port %d: %v", p, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if err := CheckPortFree(port); !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), l.Addr().String()) {
		t.Errorf("CheckPortFree(taken) = %v, want ErrPortInUse naming %s", err, l.Addr())
	}
}

func TestFindJavaMissing(t *testing.T) {
	t.Setenv("JAVA_HOME", t.TempDir()) // no bin/java in it
	t.Setenv("PATH", t.TempDir())
	if _, err := FindJava(); !errors.Is(err, ErrJavaNotFound) {
		t.Fatalf("FindJava = %v, want ErrJavaNotFound", err)
	}
	_, err := StartProcess(ProcessConfig{Name: "x", LogPath: filepath.Join(t.TempDir(), "x.log")})
	if !errors.Is(err, ErrJavaNotFound) {
		t.Fatalf("StartProcess = %v, want ErrJavaNotFound", err)
	}
}

func TestFindJavaPrefersJavaHome(t *testing.T) {
	home := t.TempDir()
	java := filepath.Join(home, "bin", "java")
	if err := os.MkdirAll(filepath.Dir(java), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(java, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("JAVA_HOME", home)
	if got, err := FindJava(); err != nil || got != java {
		t.Fatalf("FindJava = %q, %v; want %q", got, err, java)
	}
}

// StartProcess refuses a config Validate rejects, with ErrInvalidConfig,
// before it starts anything.
func TestProcessConfigValidate(t *testing.T) {
	log := filepath.Join(t.TempDir(), "p.log")
	for _, c := range []ProcessConfig{
		{LogPath: log},
		{Name: "p"},
		{Name: "p", LogPath: log, StopGrace: -time.Second},
	} {
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: Validate %v, want ErrInvalidConfig", c, err)
		}
		if p, err := StartProcess(c); !errors.Is(err, ErrInvalidConfig) || p != nil {
			t.Errorf("%+v: StartProcess %v, want ErrInvalidConfig and no process", c, err)
		}
	}
	if err := (ProcessConfig{Name: "p", LogPath: log}).Validate(); err != nil {
		t.Errorf("a config with Name and LogPath: %v", err)
	}
}
