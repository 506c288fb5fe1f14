package drain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Store persists drain operations, the latest one per job, so that a
// controller that restarts mid-drain resumes the same operation.
//
// A Store must refuse to keep or return a record that Operation.Check
// rejects, with an error wrapping ErrInvalidRecord; package flinkdrain
// checks every loaded record again, so a Store that does not is still
// never acted on.
type Store interface {
	// Load returns the job's operation; found is false when there is none.
	Load(ctx context.Context, job string) (op Operation, found bool, err error)
	// Save records op, replacing the job's previous operation.
	Save(ctx context.Context, op Operation) error
	// Delete forgets the job's operation (a missing one is not an error).
	Delete(ctx context.Context, job string) error
}

// Locker is implemented by a Store that can make the drain of a job
// exclusive: while one caller holds a job's lock, no other caller of the
// same store (in this process or, for FileStore, in another process
// sharing its directory) can take it. Package flinkdrain holds the lock for
// the whole of each drain when its Store implements Locker.
type Locker interface {
	// Lock takes job's lock, waiting while another holder has it, until
	// ctx ends (then the error wraps ErrLocked and ctx's error). unlock
	// releases it; call it exactly once.
	Lock(ctx context.Context, job string) (unlock func() error, err error)
}

// Errors of stores.
var (
	// ErrInvalidJob is wrapped by store errors for an empty or unsafe job
	// ID.
	ErrInvalidJob = errors.New("drain: invalid job ID")
	// ErrLocked: another caller holds the job's drain lock.
	ErrLocked = errors.New("drain: another drain of the job holds its lock")
)

// MemoryStore is a Store in memory, for tests and for controllers that
// need no resumption across restarts. It is also a Locker within the
// process. Safe for concurrent use. The zero value is ready.
type MemoryStore struct {
	mu    sync.Mutex
	ops   map[string]Operation
	locks map[string]chan struct{}
}

var (
	_ Store  = (*MemoryStore)(nil)
	_ Locker = (*MemoryStore)(nil)
)

// Load implements Store.
func (s *MemoryStore) Load(ctx context.Context, job string) (Operation, bool, error) {
	if err := ctx.Err(); err != nil {
		return Operation{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := s.ops[job]
	return op, ok, nil
}

// Save implements Store. It refuses an operation that Operation.Check
// rejects.
func (s *MemoryStore) Save(ctx context.Context, op Operation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if op.Job == "" {
		return fmt.Errorf("%w: empty", ErrInvalidJob)
	}
	if err := op.Check(op.Job); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ops == nil {
		s.ops = map[string]Operation{}
	}
	s.ops[op.Job] = op
	return nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(ctx context.Context, job string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ops, job)
	return nil
}

// Lock implements Locker within this process.
func (s *MemoryStore) Lock(ctx context.Context, job string) (func() error, error) {
	for {
		s.mu.Lock()
		if s.locks == nil {
			s.locks = map[string]chan struct{}{}
		}
		held, busy := s.locks[job]
		if !busy {
			release := make(chan struct{})
			s.locks[job] = release
			s.mu.Unlock()
			var once sync.Once
			return func() error {
				once.Do(func() {
					s.mu.Lock()
					delete(s.locks, job)
					s.mu.Unlock()
					close(release)
				})
				return nil
			}, nil
		}
		s.mu.Unlock()
		select {
		case <-held:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: job %s: %w", ErrLocked, job, ctx.Err())
		}
	}
}

// lockBackoff is how long a waiting Lock sleeps between tries of a lock
// it cannot be told about (a file lock held by another process).
func lockBackoff(n int) time.Duration {
	return min(10*time.Millisecond<<min(n, 5), 250*time.Millisecond)
}
