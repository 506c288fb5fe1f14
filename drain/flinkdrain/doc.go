// Package flinkdrain runs the stop-with-drain protocol against a Flink
// JobManager, on the state machine of package drain, with cancel as the
// recorded fallback.
//
// A drain sends POST /jobs/{jobid}/stop with drain: sources stop, emit
// MAX_WATERMARK so every event-time timer fires and windows flush, the job
// takes a savepoint and finishes (FLINK-32700). Flink's Kubernetes operator
// has no fallback when that fails, and its deletions get stuck; here, when
// the drain cannot finish within Config.Timeout (default 10 min, Flink's
// checkpoint timeout), the job is cancelled without a savepoint and the
// operation says so (state Cancelled, Reason), or, with FallbackNone, left
// alone and reported Failed.
//
// Outcomes, by what Flink does:
//
//   - the savepoint completes: Drained, with its location;
//   - the savepoint is written but the tasks do not finish (a
//     StopWithSavepointStoppingException carrying the path): Drained with
//     that path, as the operator treats it, the reason recorded;
//   - the savepoint fails and the job keeps running: fallback;
//   - the stop does not complete within the timeout: fallback;
//   - the JobManager answers 502/503/504/429 for a while: retried (by
//     flinkapi, then here with backoff from 10 ms to 2 s) until the
//     timeout;
//   - 404 for the job: Failed, wrapping ErrJobGone;
//   - 409 (already terminal): the job's final state decides: CANCELED is
//     Cancelled, FINISHED is Drained only with a savepoint confirmed in the
//     job's checkpoint history since the drain began, else Failed;
//   - Flink forgot the trigger (its result is kept 5 minutes): the job's
//     state decides as above; a job still running is triggered again.
//
// A drain never reports success without a confirmed savepoint location.
//
// Every transition is saved in a drain.Store before the next call to
// Flink. The triggerId is chosen and saved before the trigger is sent, so a
// controller that crashes and calls Drain again re-sends the same triggerId
// (Flink starts one operation per triggerId) or polls it; a finished drain
// is returned from the store without calling Flink. Concurrent Drain calls
// for one job in one Drainer share one drain; run one controller per job.
//
// The Flink side is the small interface Flink, which *flinkapi.Client
// satisfies. A Drainer is safe for concurrent use.
package flinkdrain
