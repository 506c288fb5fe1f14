package drain

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Store persists drain operations, one per job, so that a controller that
// restarts mid-drain resumes the same operation.
type Store interface {
	// Load returns the job's operation; found is false when there is none.
	Load(ctx context.Context, job string) (op Operation, found bool, err error)
	// Save records op, replacing the job's previous operation.
	Save(ctx context.Context, op Operation) error
	// Delete forgets the job's operation (a missing one is not an error).
	Delete(ctx context.Context, job string) error
}

// ErrInvalidJob is wrapped by store errors for an empty or unsafe job ID.
var ErrInvalidJob = errors.New("drain: invalid job ID")

// MemoryStore is a Store in memory, for tests and for controllers that
// need no resumption across restarts. Safe for concurrent use. The zero
// value is ready.
type MemoryStore struct {
	mu  sync.Mutex
	ops map[string]Operation
}

var _ Store = (*MemoryStore)(nil)

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

// Save implements Store.
func (s *MemoryStore) Save(ctx context.Context, op Operation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if op.Job == "" {
		return fmt.Errorf("%w: empty", ErrInvalidJob)
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
