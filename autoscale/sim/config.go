package sim

import (
	"errors"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale"
)

// Errors.
var (
	// ErrInvalidConfig is wrapped by every error about a bad Config, Job or
	// Trace. It wraps flinkscale.ErrInvalidConfig.
	ErrInvalidConfig = fmt.Errorf("sim: %w", flinkscale.ErrInvalidConfig)
	// ErrInvalidDecision is wrapped by Apply's errors about a decision the
	// job cannot carry out (an unknown vertex, a parallelism outside
	// [1, MaxParallelism]).
	ErrInvalidDecision = errors.New("sim: invalid decision")
)

// RescaleMode is how a rescale restarts the job.
type RescaleMode int

const (
	// InPlace is the adaptive scheduler's rescale (Flink 1.18+, PUT
	// resource-requirements): tasks restart from the latest completed
	// checkpoint after Config.InPlaceDowntime; what was read since that
	// checkpoint is replayed.
	InPlace RescaleMode = iota
	// Redeploy is the Kubernetes operator's savepoint upgrade: a savepoint
	// is taken at the decision (nothing is replayed) and the job is
	// redeployed, down for Config.RedeployDowntime.
	Redeploy
)

// String names the mode.
func (m RescaleMode) String() string {
	switch m {
	case InPlace:
		return "in-place"
	case Redeploy:
		return "redeploy"
	}
	return fmt.Sprintf("RescaleMode(%d)", int(m))
}

// DefaultStart returns the virtual time at which simulations start unless
// Config.Start says otherwise: Monday 2026-01-05, midnight UTC.
func DefaultStart() time.Time { return time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC) }

// Config configures a simulation. The zero Config is a day at one-second
// ticks, decisions every 60 s, a 120 s SLO, checkpoints every 60 s,
// in-place rescales with 30 s of downtime (plus a second per vertex
// changed, the state's restore, 10% jitter and a 30 s warm-up: Restarts),
// the JobManager's 10 s metric cache with 2% noise in busy time, and 5%
// per-tick arrival noise. Idealized turns the realism off.
type Config struct {
	// Start is the virtual time at which the simulation starts. Default:
	// DefaultStart(). Zero means default.
	Start time.Time
	// Duration is how long Run and Oracle simulate. Default: 24 h. Zero
	// means default.
	Duration time.Duration
	// Tick is the simulation step; rates are constant within a tick.
	// Default: 1 s. Zero means default.
	Tick time.Duration
	// DecisionInterval is how often Run asks the policy, the first time one
	// interval after the start. Default: 60 s (the operator's sampling).
	// Zero means default.
	DecisionInterval time.Duration
	// SLO is the time lag a source may have: Summary.SLOViolation counts
	// the time any source's lag exceeds it. Default: 120 s. Zero means
	// default.
	SLO time.Duration
	// CheckpointInterval is the time between completed checkpoints while
	// the job runs. Default: 60 s. Zero means default.
	CheckpointInterval time.Duration
	// Rescale is how a rescale restarts the job. Default: InPlace.
	Rescale RescaleMode
	// InPlaceDowntime is how long an InPlace rescale (or a failover) keeps
	// the job from running. Default: 30 s. Zero means default.
	InPlaceDowntime time.Duration
	// RedeployDowntime is how long a Redeploy rescale keeps the job from
	// running (savepoint, teardown, new cluster, restore). Default: 3 min.
	// Zero means default.
	RedeployDowntime time.Duration
	// MetricPeriod is how often the JobManager refreshes its metric cache
	// (metrics.fetcher.update-interval): what Observe reports of Flink's
	// metrics is as of the last refresh. Default: 10 s. Zero means default.
	MetricPeriod time.Duration
	// BufferTime sizes each vertex's input buffer (the network buffers in
	// front of it) as this much of its processing capacity, at least two
	// ticks' worth. Default: 1 s. Zero means default.
	BufferTime time.Duration
	// SlotsPerTaskManager shapes the reported cluster, which is sized to
	// the job. Default: 4. Zero means default.
	SlotsPerTaskManager int
	// Noise is the relative standard deviation of the records arriving in
	// a partition in one tick around the trace's rate (uniformly
	// distributed, mean-preserving). Default: 0.05. Zero means default;
	// negative means none.
	Noise float64
	// Seed seeds the arrival noise and every other random draw (the
	// Wander, busy-time noise, metric faults, checkpoint failures and
	// restart jitter, each from a stream of its own): runs with equal Seeds
	// are identical. Default: 0 (a valid seed).
	Seed uint64

	// Restarts is what a restart costs beyond its base downtime and how
	// the job comes back: downtime growing with the vertices changed and
	// the state restored, jitter, a warm-up, slots that take time to
	// arrive. Default: Restarts' own defaults (the zero Restarts). Zero
	// means default.
	Restarts Restarts
	// Metrics is how Flink's metrics fall short of the truth: noise in
	// busy time, stale and frozen metric caches, gaps, Kafka's lag through
	// committed offsets. Default: MetricFaults' own defaults (busy-time
	// noise only). Zero means default.
	Metrics MetricFaults
	// Wander is temporally correlated noise on the arrival rate, on top of
	// the trace and of Noise. Default: none.
	Wander Wander
	// CheckpointFailure is the probability that a checkpoint fails (its
	// positions are not recorded, so a restart replays from the one
	// before; timeouts under backpressure are the common cause). Default:
	// 0. Zero means default.
	CheckpointFailure float64
	// Deploys are redeploys of the job during the simulation, each of which
	// may change the per-record cost of vertices and the job's ID.
	// Default: none.
	Deploys []Deploy
}

// Validate reports whether the config can be used. Errors wrap
// ErrInvalidConfig.
func (c Config) Validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"Duration", c.Duration}, {"Tick", c.Tick}, {"DecisionInterval", c.DecisionInterval},
		{"SLO", c.SLO}, {"CheckpointInterval", c.CheckpointInterval}, {"InPlaceDowntime", c.InPlaceDowntime},
		{"RedeployDowntime", c.RedeployDowntime}, {"MetricPeriod", c.MetricPeriod}, {"BufferTime", c.BufferTime},
	} {
		if d.v < 0 {
			return fmt.Errorf("%w: negative %s %v", ErrInvalidConfig, d.name, d.v)
		}
	}
	switch {
	case c.Rescale != InPlace && c.Rescale != Redeploy:
		return fmt.Errorf("%w: unknown %v", ErrInvalidConfig, c.Rescale)
	case c.SlotsPerTaskManager < 0:
		return fmt.Errorf("%w: negative SlotsPerTaskManager", ErrInvalidConfig)
	case !(c.Noise <= 0.5): // NaN too
		return fmt.Errorf("%w: Noise %g is not a number up to 0.5", ErrInvalidConfig, c.Noise)
	case !(c.CheckpointFailure >= 0 && c.CheckpointFailure <= 1):
		return fmt.Errorf("%w: CheckpointFailure %g outside [0, 1]", ErrInvalidConfig, c.CheckpointFailure)
	}
	for _, err := range []error{c.Restarts.validate(), c.Metrics.validate(), c.Wander.validate(), validateDeploys(c.Deploys)} {
		if err != nil {
			return err
		}
	}
	if c := c.withDefaults(); c.Tick > time.Minute || c.Tick > c.MetricPeriod {
		return fmt.Errorf("%w: Tick %v above a minute or the metric period", ErrInvalidConfig, c.Tick)
	}
	return nil
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart()
	}
	def(&c.Duration, 24*time.Hour)
	def(&c.Tick, time.Second)
	def(&c.DecisionInterval, time.Minute)
	def(&c.SLO, 2*time.Minute)
	def(&c.CheckpointInterval, time.Minute)
	def(&c.InPlaceDowntime, 30*time.Second)
	def(&c.RedeployDowntime, 3*time.Minute)
	def(&c.MetricPeriod, 10*time.Second)
	def(&c.BufferTime, time.Second)
	if c.SlotsPerTaskManager == 0 {
		c.SlotsPerTaskManager = 4
	}
	switch {
	case c.Noise == 0:
		c.Noise = 0.05
	case c.Noise < 0:
		c.Noise = 0
	}
	c.Restarts, c.Metrics, c.Wander = c.Restarts.withDefaults(), c.Metrics.withDefaults(), c.Wander.withDefaults()
	return c
}

// downtime is how long a rescale in mode m keeps the job down.
func (c Config) downtime(m RescaleMode) time.Duration {
	if m == Redeploy {
		return c.RedeployDowntime
	}
	return c.InPlaceDowntime
}
