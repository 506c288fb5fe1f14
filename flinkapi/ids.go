package flinkapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// JobID identifies a Flink job: 32 lower-case hexadecimal characters, as
// Flink prints it (for example "7a7c3291accebd10b6be8d4f8c8d8dfc").
type JobID string

// VertexID identifies a job vertex (a chain of operators scheduled as one
// task): 32 lower-case hexadecimal characters.
type VertexID string

// TriggerID identifies an asynchronous operation (savepoint, stop): 32
// lower-case hexadecimal characters. The client always generates one for a
// trigger it sends, so that a retried POST names the same operation and
// Flink starts it at most once.
type TriggerID string

// Validate reports whether id has the form Flink uses. The error wraps
// ErrInvalidRequest.
func (id JobID) Validate() error { return validateHexID("job ID", string(id)) }

// Validate reports whether id has the form Flink uses. The error wraps
// ErrInvalidRequest.
func (id VertexID) Validate() error { return validateHexID("vertex ID", string(id)) }

// Validate reports whether id has the form Flink uses. The error wraps
// ErrInvalidRequest.
func (id TriggerID) Validate() error { return validateHexID("trigger ID", string(id)) }

// NewTriggerID returns a fresh random trigger ID (128 bits from crypto/rand,
// rendered as 32 hexadecimal characters).
func NewTriggerID() TriggerID {
	var b [16]byte
	// crypto/rand.Read never returns an error since Go 1.24; it crashes the
	// program instead if the platform has no randomness at all.
	_, _ = rand.Read(b[:])
	return TriggerID(hex.EncodeToString(b[:]))
}

// validateHexID checks that s is 32 lower-case hexadecimal characters. IDs
// become path segments, so anything else is refused before any I/O.
func validateHexID(what, s string) error {
	if len(s) != 32 {
		return fmt.Errorf("%w: %s %q: want 32 hexadecimal characters, got %d characters", ErrInvalidRequest, what, s, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("%w: %s %q: character %q at %d is not lower-case hexadecimal", ErrInvalidRequest, what, s, c, i)
		}
	}
	return nil
}
