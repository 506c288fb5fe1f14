package checkpointing

import (
	"fmt"
	"math"
	"time"
)

// CheckpointWorkload is what a checkpoint policy decides from.
type CheckpointWorkload struct {
	// Durations of recent completed checkpoints. When none is known
	// (Durations.Tail is unknown) the tail is estimated from StateBytes.
	Durations Durations
	// StateBytes is the size one checkpoint writes. Not negative.
	StateBytes int64
	// RecoveryObjective is the most replay acceptable after a failure: the
	// input since the last completed checkpoint is processed again.
	// Required.
	RecoveryObjective time.Duration
	// Current are the settings in force, to flag what is wrong with them.
	// Zero means Beam's defaults (checkpointing off: nothing is flagged).
	Current Settings
}

// Validate reports a missing objective or a negative figure as an error
// wrapping ErrInvalidInput.
func (w CheckpointWorkload) Validate() error {
	if w.RecoveryObjective <= 0 {
		return invalidInput("checkpoint workload: RecoveryObjective is required")
	}
	if w.StateBytes < 0 {
		return invalidInput("checkpoint workload: negative StateBytes")
	}
	return w.Durations.validate()
}

// CheckpointPlan is a checkpoint policy's choice and what it implies.
type CheckpointPlan struct {
	// Interval, Timeout and MinPause are the chosen settings.
	Interval, Timeout, MinPause time.Duration
	// Tail is the checkpoint duration the plan was made for: the observed
	// p99, or an estimate from the state size when Estimated.
	Tail      time.Duration
	Estimated bool
	// MaxReplay is the most input replayed after a failure: the time
	// between checkpoint starts plus a checkpoint's duration.
	MaxReplay time.Duration
	// Feasible is false when MaxReplay exceeds the recovery objective.
	Feasible bool
	// BytesPerHour is the checkpoint data written per hour.
	BytesPerHour int64
	// Notes explain objectives the plan cannot meet.
	Notes []string
	// Findings are about the current settings (a timeout too close to the
	// observed p99), each with the plan's value as its change.
	Findings []Finding
}

// Apply returns s with the plan's interval, timeout and minimum pause.
func (p CheckpointPlan) Apply(s Settings) Settings {
	s.Interval, s.Timeout, s.MinPause = p.Interval, p.Timeout, p.MinPause
	return s
}

// CheckpointPolicy chooses the checkpoint interval, timeout and minimum
// pause. Implementations are pure and deterministic; a plan applies to
// valid settings with a timeout above the plan's Tail, and Feasible says
// whether MaxReplay is within the objective; an invalid workload gives an
// error wrapping ErrInvalidInput. checkpointingtest.RunCheckpointPolicy
// checks this contract.
type CheckpointPolicy interface {
	Choose(w CheckpointWorkload) (CheckpointPlan, error)
}

// CheckpointPolicyFunc adapts a function to CheckpointPolicy.
type CheckpointPolicyFunc func(w CheckpointWorkload) (CheckpointPlan, error)

// Choose calls f.
func (f CheckpointPolicyFunc) Choose(w CheckpointWorkload) (CheckpointPlan, error) { return f(w) }

var _ CheckpointPolicy = CheckpointPolicyFunc(nil)

// DefaultCheckpointPolicyConfig configures DefaultCheckpointPolicy. The
// zero value means the defaults.
type DefaultCheckpointPolicyConfig struct {
	// TimeoutHeadroom multiplies the tail duration into the timeout.
	// Default: 3. Zero means default; above 1.
	TimeoutHeadroom float64
	// MinTimeout is the least timeout chosen. Default: 1 min. Zero means
	// default.
	MinTimeout time.Duration
	// MinPauseShare is the minimum pause as a share of the interval, bounded
	// so that the interval still holds a tail-length checkpoint. Default:
	// 0.5. Zero means default; below 1.
	MinPauseShare float64
	// MinInterval is the least interval chosen. Default: 1 s. Zero means
	// default; at least 10 ms.
	MinInterval time.Duration
	// Granularity rounds the interval down and the timeout up. Default: 1 s.
	// Zero means default.
	Granularity time.Duration
	// WriteBandwidth (bytes per second) and BaseDuration estimate a
	// checkpoint's duration from its size when none is observed:
	// BaseDuration + StateBytes/WriteBandwidth. Defaults: 50 MB/s and 1 s.
	// Zero means default.
	WriteBandwidth float64
	BaseDuration   time.Duration
	// NearTimeout flags a current timeout when the observed p99 exceeds this
	// share of it. Default: 0.5. Zero means default; below 1.
	NearTimeout float64
}

// Validate reports an out-of-range field as an error wrapping
// ErrInvalidConfig.
func (c DefaultCheckpointPolicyConfig) Validate() error {
	bad := func(f float64) bool { return f < 0 || math.IsNaN(f) || math.IsInf(f, 0) }
	switch {
	case bad(c.TimeoutHeadroom) || (c.TimeoutHeadroom != 0 && c.TimeoutHeadroom <= 1):
		return invalidConfig("TimeoutHeadroom %v must be above 1", c.TimeoutHeadroom)
	case bad(c.MinPauseShare) || c.MinPauseShare >= 1:
		return invalidConfig("MinPauseShare %v must be in [0, 1)", c.MinPauseShare)
	case bad(c.NearTimeout) || c.NearTimeout >= 1:
		return invalidConfig("NearTimeout %v must be in [0, 1)", c.NearTimeout)
	case bad(c.WriteBandwidth):
		return invalidConfig("WriteBandwidth %v must not be negative", c.WriteBandwidth)
	case c.MinTimeout < 0 || c.Granularity < 0 || c.BaseDuration < 0:
		return invalidConfig("negative duration")
	case c.MinInterval != 0 && c.MinInterval < MinCheckpointTime:
		return invalidConfig("MinInterval %v is below Flink's %v", c.MinInterval, MinCheckpointTime)
	}
	return nil
}

func (c DefaultCheckpointPolicyConfig) withDefaults() DefaultCheckpointPolicyConfig {
	def := func(f *float64, v float64) {
		if *f == 0 {
			*f = v
		}
	}
	dur := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.TimeoutHeadroom, 3)
	def(&c.MinPauseShare, 0.5)
	def(&c.NearTimeout, 0.5)
	def(&c.WriteBandwidth, 50e6)
	dur(&c.MinTimeout, time.Minute)
	dur(&c.MinInterval, time.Second)
	dur(&c.Granularity, time.Second)
	dur(&c.BaseDuration, time.Second)
	return c
}

// DefaultCheckpointPolicy sizes checkpointing for a recovery objective:
//
//	tail     = observed p99 (else BaseDuration + StateBytes/WriteBandwidth when
//	           no duration is known)
//	interval = RecoveryObjective - tail, rounded down (at least MinInterval)
//	minPause = min(MinPauseShare*interval, interval - tail), not negative
//	timeout  = max(MinTimeout, TimeoutHeadroom*tail), rounded up
//
// so that the worst replay, max(interval, tail+minPause) + tail, stays within
// the objective and checkpoints never run back to back. It flags a current
// timeout whose p99 exceeds NearTimeout of it. Safe for concurrent use.
type DefaultCheckpointPolicy struct {
	cfg DefaultCheckpointPolicyConfig
}

var _ CheckpointPolicy = (*DefaultCheckpointPolicy)(nil)

// NewDefaultCheckpointPolicy returns a DefaultCheckpointPolicy, or an error
// wrapping ErrInvalidConfig.
func NewDefaultCheckpointPolicy(cfg DefaultCheckpointPolicyConfig) (*DefaultCheckpointPolicy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &DefaultCheckpointPolicy{cfg: cfg.withDefaults()}, nil
}

// Choose picks interval, timeout and minimum pause for w.
func (p *DefaultCheckpointPolicy) Choose(w CheckpointWorkload) (CheckpointPlan, error) {
	if err := w.Validate(); err != nil {
		return CheckpointPlan{}, err
	}
	c := p.cfg
	var plan CheckpointPlan
	tail, known := w.Durations.Tail().Value()
	plan.Tail = tail
	if !known {
		plan.Estimated = true
		plan.Tail = addDuration(c.BaseDuration, floatDuration(float64(w.StateBytes)/c.WriteBandwidth*float64(time.Second)))
	}
	plan.Interval = max(floorTo(w.RecoveryObjective-plan.Tail, c.Granularity), c.MinInterval)
	plan.MinPause = max(0, min(floorTo(time.Duration(c.MinPauseShare*float64(plan.Interval)), c.Granularity),
		floorTo(plan.Interval-plan.Tail, time.Millisecond)))
	plan.Timeout = max(c.MinTimeout, ceilTo(floatDuration(c.TimeoutHeadroom*float64(plan.Tail)), c.Granularity))
	period := max(plan.Interval, addDuration(plan.Tail, plan.MinPause))
	plan.MaxReplay = addDuration(period, plan.Tail)
	plan.Feasible = plan.MaxReplay <= w.RecoveryObjective
	plan.BytesPerHour = saturatingInt64(float64(w.StateBytes) * float64(time.Hour) / float64(period))
	if plan.Interval < plan.Tail {
		plan.Notes = append(plan.Notes, fmt.Sprintf("checkpoints take up to %v, longer than the %v interval: they run back to back", plan.Tail, plan.Interval))
	}
	if !plan.Feasible {
		plan.Notes = append(plan.Notes, fmt.Sprintf("recovery objective %v cannot be met: checkpoints take up to %v, so replay can reach %v",
			w.RecoveryObjective, plan.Tail, plan.MaxReplay))
	}
	if f, ok := timeoutNearTail(w.Current, w.Durations, c.NearTimeout, plan.Timeout); ok {
		plan.Findings = append(plan.Findings, f)
	}
	return plan, nil
}
