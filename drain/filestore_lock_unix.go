//go:build unix

package drain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Lock implements Locker with an exclusive flock(2) on <Dir>/<job>.lock,
// so that two processes sharing the directory never drain one job at
// once. The lock is released by unlock or when the process dies (the
// kernel drops it with the file descriptor); the file stays, holding the
// last holder's process ID for the error a waiting caller gets.
func (s *FileStore) Lock(ctx context.Context, job string) (func() error, error) {
	p, err := s.path(job)
	if err != nil {
		return nil, err
	}
	p = strings.TrimSuffix(p, ".json") + ".lock"
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("drain: FileStore: %w", err)
	}
	for n := 0; ; n++ {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("drain: FileStore: lock %s: %w", p, err)
		}
		t := time.NewTimer(lockBackoff(n))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			holder, _ := os.ReadFile(p)
			_ = f.Close()
			return nil, fmt.Errorf("%w: job %s (%s, held by process %s): %w", ErrLocked, job, p, strings.TrimSpace(string(holder)), ctx.Err())
		}
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() error {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}
