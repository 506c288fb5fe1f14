//go:build !unix

package realstack

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// sysProcAttr: no process groups here; Stop kills the process itself.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup kills p: other signals cannot be sent on this platform.
func signalGroup(p *os.Process, _ syscall.Signal) error { return p.Kill() }

// lockFile does not lock here: run one test binary at a time.
func lockFile(_ context.Context, _ string) (func(), error) { return func() {}, nil }

// RSS is only measured on Linux.
func (p *Process) RSS() (int64, error) { return 0, errors.ErrUnsupported }
