//go:build !unix

package drain

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// Lock implements Locker with an exclusively created <Dir>/<job>.lock
// file, removed by unlock. Unlike flock(2) on Unix, a lock file left by a
// process that died stays until removed by hand; the error a waiting
// caller gets names it.
func (s *FileStore) Lock(ctx context.Context, job string) (func() error, error) {
	p, err := s.path(job)
	if err != nil {
		return nil, err
	}
	p = strings.TrimSuffix(p, ".json") + ".lock"
	for n := 0; ; n++ {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_ = f.Close()
			return func() error { return os.Remove(p) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("drain: FileStore: lock %s: %w", p, err)
		}
		t := time.NewTimer(lockBackoff(n))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: job %s (%s): %w", ErrLocked, job, p, ctx.Err())
		}
	}
}
