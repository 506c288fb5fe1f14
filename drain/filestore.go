package drain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FileStore is a Store keeping each job's operation in a JSON file,
// <Dir>/<job>.json, written atomically: to a temporary file in the same
// directory, fsynced, renamed over the old file, and the directory fsynced,
// so that a crash leaves either the old or the new operation, never a torn
// one.
//
// Load refuses, with an error wrapping ErrInvalidRecord, a file that is
// truncated or not JSON, has fields this version does not know (a newer
// version's record is not half-read), is for another job, or fails
// Operation.Check; Save refuses what Check rejects.
//
// FileStore is a Locker: its Lock takes an exclusive flock(2) on
// <Dir>/<job>.lock, so processes sharing the directory (two controllers,
// a controller and a CLI) never drain one job at once; the kernel releases
// the lock of a process that dies. Safe for concurrent use.
type FileStore struct {
	dir string
	mu  sync.Mutex
}

var (
	_ Store  = (*FileStore)(nil)
	_ Locker = (*FileStore)(nil)
)

// NewFileStore returns a FileStore in dir, creating it (0700) if needed.
func NewFileStore(dir string) (*FileStore, error) {
	if dir == "" {
		return nil, errors.New("drain: FileStore needs a directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("drain: FileStore: %w", err)
	}
	return &FileStore{dir: dir}, nil
}

// path returns the job's file, refusing IDs that could escape the
// directory.
func (s *FileStore) path(job string) (string, error) {
	if job == "" || job == "." || job == ".." || filepath.Base(job) != job || !filepath.IsLocal(job) {
		return "", fmt.Errorf("%w: %q", ErrInvalidJob, job)
	}
	return filepath.Join(s.dir, job+".json"), nil
}

// Load implements Store.
func (s *FileStore) Load(ctx context.Context, job string) (Operation, bool, error) {
	if err := ctx.Err(); err != nil {
		return Operation{}, false, err
	}
	p, err := s.path(job)
	if err != nil {
		return Operation{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Operation{}, false, nil
	}
	if err != nil {
		return Operation{}, false, fmt.Errorf("drain: FileStore: %w", err)
	}
	op, err := decodeRecord(b)
	if err == nil {
		err = op.Check(job)
	}
	if err != nil {
		return Operation{}, false, fmt.Errorf("drain: FileStore: %s: %w", p, err)
	}
	return op, true, nil
}

// Save implements Store.
func (s *FileStore) Save(ctx context.Context, op Operation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := s.path(op.Job)
	if err != nil {
		return err
	}
	if err := op.Check(op.Job); err != nil {
		return fmt.Errorf("drain: FileStore: %w", err)
	}
	b, err := json.MarshalIndent(op, "", "  ")
	if err != nil {
		return fmt.Errorf("drain: FileStore: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeAtomic(s.dir, p, b); err != nil {
		return fmt.Errorf("drain: FileStore: %w", err)
	}
	return nil
}

// Delete implements Store.
func (s *FileStore) Delete(ctx context.Context, job string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := s.path(job)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("drain: FileStore: %w", err)
	}
	return syncDir(s.dir)
}

// decodeRecord reads one operation from b, strictly: unknown fields and
// trailing data are errors wrapping ErrInvalidRecord.
func decodeRecord(b []byte) (Operation, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var op Operation
	if err := dec.Decode(&op); err != nil {
		if errors.Is(err, ErrInvalidRecord) {
			return Operation{}, err
		}
		return Operation{}, fmt.Errorf("%w: %w", ErrInvalidRecord, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Operation{}, fmt.Errorf("%w: data after the record", ErrInvalidRecord)
	}
	return op, nil
}

// writeAtomic writes b to path through a temporary file, fsync and rename.
func writeAtomic(dir, path string, b []byte) (err error) {
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
