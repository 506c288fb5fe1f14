//go:build unix && !linux

package realstack

import (
	"errors"
	"os"
	"syscall"
)

// sysProcAttr puts the child in its own process group. Outside Linux there
// is no parent-death signal: a test binary killed by SIGKILL leaves its
// JVMs running (Stop and the t.Cleanup hooks still end them otherwise).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup signals the process group led by p.
func signalGroup(p *os.Process, sig syscall.Signal) error {
	return syscall.Kill(-p.Pid, sig)
}

// RSS is only measured on Linux.
func (p *Process) RSS() (int64, error) { return 0, errors.ErrUnsupported }
