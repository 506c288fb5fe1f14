package kafkalag

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
)

// call runs f, a sarama call that takes no context, and returns its result,
// or ctx's error as soon as ctx is done. sarama bounds f itself with the
// client's Net timeouts: a call abandoned on cancellation finishes in its
// goroutine within that bound, and its result is dropped.
//
// A call failing with sarama.ErrNotConnected never reached the broker: it
// lost a race with another goroutine opening the same connection (sarama's
// Broker.Open marks the broker open before it holds the lock the dial
// holds). It is repeated, twice at most, a millisecond later.
func call[T any](ctx context.Context, f func() (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := callOnce(ctx, f)
		if !errors.Is(err, sarama.ErrNotConnected) || attempt == 2 {
			return v, err
		}
		if err := sleep(ctx, time.Millisecond); err != nil {
			return v, err
		}
	}
}

func callOnce[T any](ctx context.Context, f func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned call never blocks
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leaderMoved reports whether a partition error means the leader we asked
// is not (or no longer) the one to ask: refresh metadata and retry.
func leaderMoved(k sarama.KError) bool {
	switch k {
	case sarama.ErrNotLeaderForPartition, sarama.ErrLeaderNotAvailable,
		sarama.ErrFencedLeaderEpoch, sarama.ErrUnknownLeaderEpoch,
		sarama.ErrUnknownTopicOrPartition, sarama.ErrReplicaNotAvailable,
		sarama.ErrKafkaStorageError, sarama.ErrOffsetNotAvailable,
		sarama.ErrRequestTimedOut, sarama.ErrNotEnoughReplicas:
		return true
	}
	return false
}

// failReason is the reason of a figure whose request failed: TimedOut when
// ctx, the evaluation's, is done, FetchFailed otherwise.
func failReason(ctx context.Context) backlog.Reason {
	if ctx.Err() != nil {
		return backlog.TimedOut
	}
	return backlog.FetchFailed
}

// late says that a request failing with err was cut off by the end of the
// evaluation, when ctx is done; it returns err otherwise.
func (l *Lag) late(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	return fmt.Errorf("no answer within the evaluation's Timeout (%v): %w", l.cfg.Timeout, err)
}
