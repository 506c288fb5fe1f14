// Package flinkdrain runs the stop-with-drain protocol against a Flink
// JobManager, on the state machine of package drain, with cancel as the
// recorded last fallback.
//
// A drain sends POST /jobs/{jobid}/stop with drain: sources stop, emit
// MAX_WATERMARK so every event-time timer fires and windows flush, the job
// takes a savepoint and finishes (FLINK-32700). A cancel without a
// savepoint loses the job's state, and a false "drained" makes a user
// redeploy from a savepoint while the old job still runs, so:
//
//   - Only definite answers end a drain before Config.Timeout (default 10
//     min, Flink's checkpoint timeout, counted from the first request
//     across restarts): the job is gone (404), it ended (FINISHED, FAILED,
//     or CANCELED by someone else), or Flink refused the request for good
//     (400, 401, 403; then nothing is cancelled). Every transient failure
//     of every call (HTTP 500, 408, 429, 502-504, a connection reset, a
//     body cut off mid-read, a body that is not JSON) is retried with
//     backoff from PollMin (10 ms) to PollMax (2 s) until the deadline.
//   - A job that is not RUNNING (RESTARTING, INITIALIZING, CREATED,
//     RECONCILING: right after a rescale, a failover, a leader change) is
//     waited for, then stopped.
//   - A failed attempt (the savepoint expired, was declined, the tasks were
//     not ready, the job was not RUNNING, or the savepoint was written but
//     the tasks did not finish and the job failed over) is followed by
//     another under a new triggerId, recorded before it is sent, while the
//     job lives, until the deadline or Config.MaxAttempts; every attempt's
//     cause is in Operation.History. Only then does the fallback run:
//     cancel (FallbackCancel) or leave the job running (FallbackNone).
//   - Drained means a savepoint location Flink confirmed and the job seen
//     FINISHED after it. A savepoint written by an attempt whose job ran
//     again is kept in Operation.WrittenSavepoint, and the error then wraps
//     ErrNotStopped.
//   - A 404 for a trigger while the job lives is transient (polled again,
//     never answered with a second stop) until it persisted ForgetAfter
//     (30 s); a 409 to a re-sent trigger means its operation already ended,
//     and its status says how.
//   - One deadline: no loop sets its own, so a JobManager that answers
//     nothing, a job that keeps running after the stop, or 409 on every
//     stop all end at Timeout (plus CancelTimeout for the cancel).
//
// The fault matrix, each row a case of TestFaultMatrix (a: stop attempts,
// c: cancel requests the JobManager saw):
//
//	fault or situation                                          outcome
//	500, 408, 429, 502, 503, 504, reset, cut body, HTML 200,
//	  5 times on job status, trigger or savepoint poll          Drained, a=1, c=0
//	the same 5 times on cancel, after 2 failed attempts         Cancelled, a=2, c=6
//	job RESTARTING/INITIALIZING/CREATED/RECONCILING for 3 min   waited for, Drained, a=1
//	job RESTARTING past Timeout                                 Cancelled (reason: not RUNNING)
//	job restarts right after the trigger (a rescale)            Drained, a=2
//	checkpoint expired once; declined twice                     Drained, a=2; a=3
//	savepoint always fails, MaxAttempts 3                       Cancelled, a=3, c=1, each cause recorded
//	savepoint always fails, no MaxAttempts                      Cancelled at Timeout, a=22, c=1
//	savepoint always fails, FallbackNone                        Failed, job RUNNING, c=0
//	written, tasks did not finish, once                         Drained by attempt 2, WrittenSavepoint set
//	written, tasks never finish                                 Cancelled + ErrNotStopped (FallbackNone: Failed, job RUNNING)
//	stop accepted, savepoint never completes                    Cancelled at Timeout, a=1, c=1
//	404 on the savepoint poll 4 times                           Drained, a=1 (no second stop)
//	404 on the poll past ForgetAfter, job RUNNING               new attempt, Drained, a=2
//	stop answer lost, savepoint failed meanwhile: 409           failure read, new attempt, Drained, a=2
//	409 on every stop                                           Cancelled at Timeout, a=12, c=1
//	JobManager answers nothing                                  Failed at Timeout + CancelTimeout, job RUNNING
//	stop refused (400)                                          Failed, job RUNNING, c=0
//	job gone (404 status); already FINISHED; already CANCELED   Failed (ErrJobGone); Failed; Cancelled, no stop sent
//	job cancelled by someone else mid-drain                     Cancelled, no cancel sent by the drain
//	crash in Stopping, Waiting, Finishing, or after a failed
//	  attempt, then Drain again                                 resumed: Drained, same attempts and operations
//	crash in Cancelling, then Drain again                       the cancel is sent again, Cancelled
//	a malformed triggerId in the stop's answer                  ErrBadAnswer at once, still Stopping, nothing cancelled
//
// Every transition is saved in a drain.Store before the next call to
// Flink, and every record loaded is checked first (drain.Operation.Check):
// a corrupt, foreign or impossible record is an error wrapping
// drain.ErrInvalidRecord and nothing is sent. The triggerId is chosen and
// saved before the trigger is sent, so a controller that crashes and
// calls Drain again re-sends the same triggerId (Flink starts one
// operation per triggerId) or polls it. A finished operation is history:
// Drain starts a new one (job IDs are reused), Resume returns it. A new
// operation that finds the job already FINISHED is Drained only with a
// savepoint the job's own checkpoint history confirms: one taken since its
// request, or the previous operation's when that one drained this very job
// (a caller a moment too late to join it gets that drain's result).
//
// One drain per job: concurrent Drain calls in one Drainer share one
// drain, and when the Store is a drain.Locker (drain.FileStore takes an
// flock(2) on a per-job lock file) each drain holds the job's lock, so
// processes sharing a FileStore directory never stop one job twice; a
// second caller waits for the first and reports its result, or, when its
// ctx ends first, gets an error wrapping drain.ErrLocked.
//
// The Flink side is the small interface Flink, which *flinkapi.Client
// satisfies. A Drainer is safe for concurrent use.
package flinkdrain
