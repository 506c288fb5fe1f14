package realstack

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr puts the child in its own process group (so Stop reaches all
// of it and a terminal's Ctrl-C goes to the test binary only) and has the
// kernel SIGKILL it when the thread that started it dies: a test binary
// killed by its timeout or a signal never leaves a JVM behind. (Go never
// ends a thread while goroutines need it, unless it is locked with
// runtime.LockOSThread and its goroutine returns: do not start processes
// from such a goroutine.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup signals the process group led by p.
func signalGroup(p *os.Process, sig syscall.Signal) error {
	return syscall.Kill(-p.Pid, sig)
}

// RSS returns the process's resident memory in bytes (VmRSS; the JVM's
// own children, if any, are not counted).
func (p *Process) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("realstack: no VmRSS for pid %d", p.PID())
}
