package kafkalag

import (
	"context"
	"sync/atomic"
	"time"
)

// Evaluation describes one finished evaluation of a Lag, as
// Config.OnEvaluation receives it.
type Evaluation struct {
	// Groups names the groups evaluated, in Config order.
	Groups []string
	// Requests counts the requests the evaluation sent to brokers before
	// it returned:
	// Metadata (each broker asked, hedges included), OffsetFetch,
	// ListOffsets, DescribeGroups (Config.Liveness) and Fetch
	// (Config.SampleSizes), retries included. The requests sarama makes on
	// its own (FindCoordinator when a coordinator is not cached, its
	// metadata refreshes) are not counted.
	Requests int
	// Duration is the evaluation's wall time, from the call to its return.
	Duration time.Duration
	// Err is the error the evaluation returned; nil when it returned
	// snapshots (which may still hold unknown figures and scope errors).
	Err error
}

// requestsKey keys an evaluation's request counter in its context.
type requestsKey struct{}

// countRequest counts one request against the evaluation ctx belongs to,
// if it counts any.
func countRequest(ctx context.Context) {
	if n, ok := ctx.Value(requestsKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}
