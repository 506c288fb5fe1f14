package flinkdrain

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// Flink is the part of the Flink REST client a drain needs;
// *flinkapi.Client satisfies it.
type Flink interface {
	StopWithSavepoint(ctx context.Context, job flinkapi.JobID, req flinkapi.StopRequest) (flinkapi.TriggerID, error)
	SavepointStatus(ctx context.Context, job flinkapi.JobID, trigger flinkapi.TriggerID) (flinkapi.Operation, error)
	Cancel(ctx context.Context, job flinkapi.JobID) error
	JobStatus(ctx context.Context, job flinkapi.JobID) (flinkapi.JobState, error)
}

// SavepointHistory is optional: a Flink that also implements it lets a
// resumed drain find the savepoint of a job that finished while nobody was
// watching (after Flink forgot the trigger). *flinkapi.Client implements it.
type SavepointHistory interface {
	Checkpoints(ctx context.Context, job flinkapi.JobID) (flinkapi.CheckpointStats, error)
}

var (
	_ Flink            = (*flinkapi.Client)(nil)
	_ SavepointHistory = (*flinkapi.Client)(nil)
)

// Fallback is what a drain does when it cannot finish with a savepoint.
type Fallback int

const (
	// FallbackCancel cancels the job without a savepoint, and records it.
	FallbackCancel Fallback = iota
	// FallbackNone leaves the job as it is and reports the drain failed.
	FallbackNone
)

// Defaults of Config.
const (
	// DefaultTimeout is Flink's default checkpoint timeout, which the
	// Kubernetes operator also waits for a stop.
	DefaultTimeout       = 10 * time.Minute
	DefaultCancelTimeout = time.Minute
	DefaultPollMin       = 10 * time.Millisecond
	DefaultPollMax       = 2 * time.Second
	// DefaultForgetAfter is how long a trigger may answer 404 while the
	// job still runs before it counts as forgotten: long enough to ride
	// out a JobManager leader change or a proxy routing to a standby, far
	// below Flink's rest.async.store-duration (5 min), within which a known
	// operation is never forgotten.
	DefaultForgetAfter = 30 * time.Second
)

// ErrInvalidConfig is wrapped by every error about a bad Config. It wraps
// flinkscale.ErrInvalidConfig, so errors.Is holds for both.
var ErrInvalidConfig = fmt.Errorf("flinkdrain: %w", flinkscale.ErrInvalidConfig)

// Config configures a Drainer. Zero fields mean the documented defaults.
type Config struct {
	// Flink is the JobManager client. Required.
	Flink Flink
	// Store persists operations so a restarted controller resumes them.
	// When it is a drain.Locker (drain.FileStore and drain.MemoryStore
	// are), each drain holds the job's lock from start to end, so two
	// controllers sharing the store never stop one job at once. Default: a
	// drain.MemoryStore (no resumption across restarts).
	Store drain.Store
	// Timeout bounds the drain, from the first request (kept across
	// restarts), before the fallback. It is the only deadline of the stop
	// and its attempts: every wait and retry ends at it. Default: 10 min.
	Timeout time.Duration
	// CancelTimeout bounds the fallback cancel, from when it is sent, until
	// the job is confirmed CANCELED. Default: 1 min.
	CancelTimeout time.Duration
	// PollMin and PollMax bound the exponential backoff between polls and
	// retries, as Flink's own client polls operations. Defaults: 10ms, 2s.
	// Between two attempts the pause doubles from PollMax up to 16 x
	// PollMax.
	PollMin, PollMax time.Duration
	// MaxAttempts bounds the stop attempts (triggers) of one drain: a
	// failed savepoint (expired, declined, tasks not ready, the job not
	// RUNNING) is triggered again while the job lives, until Timeout or
	// MaxAttempts. Default: 0, no bound but Timeout.
	MaxAttempts int
	// ForgetAfter is how long the status of a trigger may answer 404,
	// while the job has not ended, before the trigger counts as forgotten
	// (a JobManager failover lost it) and a new attempt starts. A 404 that
	// passes sooner is a transient answer, never met with a second stop.
	// Default: 30s (DefaultForgetAfter).
	ForgetAfter time.Duration
	// Fallback is what to do when the drain fails. Default: FallbackCancel.
	Fallback Fallback
	// TargetDirectory is where the savepoint goes. Default: the cluster's
	// state.savepoints.dir.
	TargetDirectory string
	// Clock tells the time and waits. Default: the system clock.
	Clock clock.Clock
	// Logger receives one info line per transition. Default: discard.
	Logger *slog.Logger
	// OnTransition, if set, is called after every transition has been
	// saved, with the operation and the step.
	OnTransition func(drain.Operation, drain.Step)
}

// Validate reports the first problem, wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	switch {
	case c.Flink == nil:
		return fmt.Errorf("%w: Flink is required", ErrInvalidConfig)
	case c.Timeout < 0 || c.CancelTimeout < 0 || c.PollMin < 0 || c.PollMax < 0 || c.ForgetAfter < 0:
		return fmt.Errorf("%w: negative duration", ErrInvalidConfig)
	case c.MaxAttempts < 0:
		return fmt.Errorf("%w: negative MaxAttempts %d", ErrInvalidConfig, c.MaxAttempts)
	case c.PollMin > 0 && c.PollMax > 0 && c.PollMin > c.PollMax:
		return fmt.Errorf("%w: PollMin %v exceeds PollMax %v", ErrInvalidConfig, c.PollMin, c.PollMax)
	case c.Fallback != FallbackCancel && c.Fallback != FallbackNone:
		return fmt.Errorf("%w: unknown Fallback %d", ErrInvalidConfig, c.Fallback)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Store == nil {
		c.Store = &drain.MemoryStore{}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.CancelTimeout == 0 {
		c.CancelTimeout = DefaultCancelTimeout
	}
	switch { // each bound defaults without crossing the other one
	case c.PollMin == 0 && c.PollMax == 0:
		c.PollMin, c.PollMax = DefaultPollMin, DefaultPollMax
	case c.PollMin == 0:
		c.PollMin = min(DefaultPollMin, c.PollMax)
	case c.PollMax == 0:
		c.PollMax = max(DefaultPollMax, c.PollMin)
	}
	if c.ForgetAfter == 0 {
		c.ForgetAfter = DefaultForgetAfter
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
