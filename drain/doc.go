// Package drain is the stop-with-drain protocol's state machine, its
// persisted operation record and the stores that keep it, so that a
// controller that crashes mid-drain resumes the same operation. It imports
// only the standard library; package drain/flinkdrain runs the protocol
// against Flink.
//
// An Operation moves through these states, by one transition function
// (Apply) over typed events:
//
//	Requested --trigger--> Stopping --accept--> Waiting --savepoint--> Drained
//	    |                     |                  |   \--trigger (Flink forgot it)--> Stopping
//	    +--------fallback-----+------------------+--> Cancelling --cancel--> Cancelled
//	any non-terminal state --fail--> Failed; --cancel--> Cancelled (cancelled by someone else)
//
// Drained, Cancelled and Failed are terminal. An event that cannot happen
// in a state is an error wrapping ErrIllegalTransition, and a Savepoint
// event without a location is ErrNoSavepoint: an operation is never
// Drained without a confirmed savepoint location. Machine applies events
// and calls an OnTransition hook after each. Every transition is kept in
// Operation.History with its time and reason, so a fallback to cancel is
// recorded, not silent.
//
// Store persists one operation per job: MemoryStore, and FileStore, which
// writes each job's JSON atomically (temporary file, fsync, rename, fsync
// of the directory). Both are safe for concurrent use.
package drain
