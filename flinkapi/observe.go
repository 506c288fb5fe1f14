package flinkapi

import (
	"context"
	"time"
)

// Call describes one finished call of a Client, as Config.OnCall receives
// it. It is a plain value: OnCall may keep it.
type Call struct {
	// Method is the HTTP method ("GET", "POST", "PUT", "PATCH").
	Method string
	// Route is the REST resource's path template as Flink's REST API
	// specification writes it, e.g.
	// "/jobs/{jobid}/vertices/{vertexid}/subtasks/metrics": never the raw
	// path, so it is one of a small fixed set whatever the job, vertex or
	// trigger IDs.
	Route string
	// Status is the HTTP status of the last attempt's answer, even when
	// that answer was then refused (its body cut off mid-read or over
	// Config.MaxResponseBytes, a redirect not followed); when ctx ends in
	// the backoff after an answer, that answer's status. It is 0 when the
	// last attempt got no answer (a connection error, or ctx ended or the
	// Client was closed during it) or no attempt was made (an invalid
	// request, ctx already ended, a closed Client, a request that could not
	// be built).
	Status int
	// Attempts is how many attempts were made: 1 plus the retries; 0 when
	// none was (see Status).
	Attempts int
	// Duration is from the call's start to its end, retries and backoff
	// included; 0 for a call refused because of an invalid argument.
	Duration time.Duration
	// Err is nil when the call succeeded, else the error it failed with:
	// the very value the method returns when this call fails it.
	Err error
}

// The path templates of the calls the client makes (Call.Route), spelled
// as the vendored Flink REST API specifications write them
// (testdata/spec). TestCallRoutesAreSpecPaths checks that each is a path
// of both specs and the one the call's requests match.
const (
	routeOverview             = "/overview"
	routeTaskManagers         = "/taskmanagers"
	routeJobManagerConfig     = "/jobmanager/config"
	routeJobManagerMetrics    = "/jobmanager/metrics"
	routeJobsOverview         = "/jobs/overview"
	routeJob                  = "/jobs/{jobid}" // GET details, PATCH cancel
	routeJobStatus            = "/jobs/{jobid}/status"
	routeJobMetrics           = "/jobs/{jobid}/metrics"
	routeCheckpoints          = "/jobs/{jobid}/checkpoints"
	routeCheckpointConfig     = "/jobs/{jobid}/checkpoints/config"
	routeResourceRequirements = "/jobs/{jobid}/resource-requirements" // GET and PUT
	routeSavepoints           = "/jobs/{jobid}/savepoints"
	routeSavepointStatus      = "/jobs/{jobid}/savepoints/{triggerid}"
	routeStop                 = "/jobs/{jobid}/stop"
	routeVertex               = "/jobs/{jobid}/vertices/{vertexid}"
	routeSubtaskMetrics       = "/jobs/{jobid}/vertices/{vertexid}/subtasks/metrics"
)

// tally counts the attempts of one observed call and keeps the status of
// the last one's answer. It travels in the request's ctx (tallyKey) to the
// retry client's hooks, which retryablehttp calls on the goroutine that
// makes the call, one attempt after the other: no lock is needed.
type tally struct {
	attempts int
	status   int
}

type tallyKey struct{}

// tallyOf returns the tally in ctx, nil when the call is not observed.
func tallyOf(ctx context.Context) *tally {
	t, _ := ctx.Value(tallyKey{}).(*tally)
	return t
}

// attempt records that an attempt is being sent: its answer is not in yet.
func (t *tally) attempt() {
	if t != nil {
		t.attempts++
		t.status = 0
	}
}

// answered records the status of the current attempt's answer.
func (t *tally) answered(status int) {
	if t != nil {
		t.status = status
	}
}

// observed performs c as do does and reports it to Config.OnCall, which
// must be set.
func (cl *Client) observed(ctx context.Context, c call) error {
	start := time.Now()
	t := &tally{}
	err := cl.redact.error(cl.exchange(context.WithValue(ctx, tallyKey{}, t), c))
	cl.onCall(Call{Method: c.method, Route: c.route, Status: t.status, Attempts: t.attempts,
		Duration: time.Since(start), Err: err})
	return err
}

// refuse reports a call refused before it was built, because of an
// invalid argument, to Config.OnCall (if set), and returns err. method and
// route are the call's that was refused.
func (cl *Client) refuse(method, route string, err error) error {
	if cl.onCall != nil {
		cl.onCall(Call{Method: method, Route: route, Err: err})
	}
	return err
}
