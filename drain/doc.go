// Package drain is the stop-with-drain protocol's state machine, its
// persisted operation record and the stores that keep it, so that a
// controller that crashes mid-drain resumes the same operation. It imports
// only the standard library; package drain/flinkdrain runs the protocol
// against Flink.
//
// An Operation moves through these states, by one transition function
// (Apply) over typed events:
//
//	Requested --trigger--> Stopping --accept--> Waiting --savepoint--> Finishing --finish--> Drained
//	Requested, Cancelling --savepoint--> Finishing   (a job found FINISHED, its savepoint in its history)
//	    ^                     |                   |                       |
//	    +--------retry--------+-------------------+-----------------------+   (the attempt failed; the job lives on)
//	Requested, Stopping, Waiting, Finishing --fallback--> Cancelling --cancel--> Cancelled
//	any non-terminal state --fail--> Failed; --cancel--> Cancelled (cancelled by someone else)
//
// Drained, Cancelled and Failed are terminal. An event that cannot happen
// in a state is an error wrapping ErrIllegalTransition. An operation is
// Drained only from Finishing, which needs a confirmed savepoint location
// (a Savepoint event without one is ErrNoSavepoint), and only by a Finish
// event: the job was seen FINISHED after it. A savepoint written by an
// attempt whose job then ran again is kept in Operation.WrittenSavepoint
// and never counts as drained. Every attempt starts with a Trigger event
// whose trigger ID is recorded before the stop is sent, and every failed
// attempt ends with a Retry event that records its cause, so
// Operation.History tells each attempt and why it failed; a fallback to
// cancel is recorded, not silent.
//
// Machine applies events and calls an OnTransition hook after each.
//
// Store persists the latest operation of each job: MemoryStore, and
// FileStore, which writes each job's JSON atomically (temporary file,
// fsync, rename, fsync of the directory). Both refuse records that
// Operation.Check rejects (another job's, a drained one without a
// location, a stop in flight without a well-formed trigger ID, unknown
// states, a torn file), with errors wrapping ErrInvalidRecord. Both are
// Lockers: FileStore's lock is an flock(2) on a per-job lock file, so that
// two processes sharing its directory never drain one job at once. Both
// are safe for concurrent use.
package drain
