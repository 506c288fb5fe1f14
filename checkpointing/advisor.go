package checkpointing

import (
	"math"
	"time"
)

// Advisor looks at a job's checkpointing and says what is wrong and what
// to change. Implementations are pure: the time is an argument and the
// observation is not modified. Findings come most severe first; each has a
// Code, a Severity, a Summary and an Action, and its Change turns the
// observed settings into valid settings. An invalid observation gives an
// error wrapping ErrInvalidConfig or ErrInvalidInput.
// checkpointingtest.RunAdvisor checks this contract.
type Advisor interface {
	Advise(now time.Time, obs Observation) ([]Finding, error)
}

// AdvisorFunc adapts a function to Advisor.
type AdvisorFunc func(now time.Time, obs Observation) ([]Finding, error)

// Advise calls f.
func (f AdvisorFunc) Advise(now time.Time, obs Observation) ([]Finding, error) { return f(now, obs) }

var _ Advisor = AdvisorFunc(nil)

// DefaultAdvisorConfig configures DefaultAdvisor. The zero value means
// the defaults.
type DefaultAdvisorConfig struct {
	// Policy proposes the timeout of duration-near-timeout and
	// repeated-timeouts findings, the interval for
	// checkpointing-disabled, and flags a timeout near the observed p99.
	// Default: DefaultCheckpointPolicy with its defaults.
	Policy CheckpointPolicy
	// RecoveryObjective is the replay objective used to propose an interval
	// when checkpointing is disabled. Default: 1 min. Zero means default.
	RecoveryObjective time.Duration
	// RepeatedTimeouts is how many expired checkpoints in the history make a
	// repeated-timeouts finding. Default: 2. Zero means default.
	RepeatedTimeouts int
	// StaleIntervals: no-recent-checkpoint fires when no checkpoint
	// completed for max(StaleIntervals*interval, timeout+interval).
	// Default: 3. Zero means default.
	StaleIntervals int
	// GrowthThreshold is the relative growth of the state over the history
	// that makes a size-growing finding. Default: 0.25. Zero means default.
	GrowthThreshold float64
	// MinGrowthPoints is the least completed checkpoints to judge growth.
	// Default: 5. Zero means default; at least 2.
	MinGrowthPoints int
	// LongAlignment is the barrier wait (Facts.Alignment) that counts as
	// long. Default: 10 s. Zero means default.
	LongAlignment time.Duration
	// LargeInFlight is the buffered bundle output per pipeline that makes a
	// large-in-flight-buffers finding. Default: 256 KiB. Zero means default.
	LargeInFlight int64
	// LargeOptions is the bytes per checkpoint that trimming application
	// options would save for an application-options finding. Default:
	// 64 KiB. Zero means default.
	LargeOptions int64
}

// Validate reports negative or out-of-range fields as an error wrapping
// ErrInvalidConfig.
func (c DefaultAdvisorConfig) Validate() error {
	switch {
	case c.RecoveryObjective < 0 || c.LongAlignment < 0:
		return invalidConfig("negative duration")
	case c.RepeatedTimeouts < 0 || c.StaleIntervals < 0 || c.LargeInFlight < 0 || c.LargeOptions < 0:
		return invalidConfig("negative threshold")
	case c.MinGrowthPoints < 0 || c.MinGrowthPoints == 1:
		return invalidConfig("MinGrowthPoints %d must be at least 2", c.MinGrowthPoints)
	case c.GrowthThreshold < 0 || math.IsNaN(c.GrowthThreshold) || math.IsInf(c.GrowthThreshold, 0):
		return invalidConfig("GrowthThreshold %v must be a non-negative number", c.GrowthThreshold)
	}
	return nil
}

func (c DefaultAdvisorConfig) withDefaults() DefaultAdvisorConfig {
	if c.Policy == nil {
		c.Policy, _ = NewDefaultCheckpointPolicy(DefaultCheckpointPolicyConfig{}) // the zero config is valid
	}
	if c.RecoveryObjective == 0 {
		c.RecoveryObjective = time.Minute
	}
	if c.RepeatedTimeouts == 0 {
		c.RepeatedTimeouts = 2
	}
	if c.StaleIntervals == 0 {
		c.StaleIntervals = 3
	}
	if c.GrowthThreshold == 0 {
		c.GrowthThreshold = 0.25
	}
	if c.MinGrowthPoints == 0 {
		c.MinGrowthPoints = 5
	}
	if c.LongAlignment == 0 {
		c.LongAlignment = 10 * time.Second
	}
	if c.LargeInFlight == 0 {
		c.LargeInFlight = 256 << 10
	}
	if c.LargeOptions == 0 {
		c.LargeOptions = 64 << 10
	}
	return c
}

// DefaultAdvisor applies this package's rules to an Observation; see the
// package documentation for the findings and their codes. Safe for
// concurrent use.
type DefaultAdvisor struct {
	cfg DefaultAdvisorConfig
}

var _ Advisor = (*DefaultAdvisor)(nil)

// NewDefaultAdvisor returns a DefaultAdvisor, or an error wrapping
// ErrInvalidConfig.
func NewDefaultAdvisor(cfg DefaultAdvisorConfig) (*DefaultAdvisor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &DefaultAdvisor{cfg: cfg.withDefaults()}, nil
}

// Advise returns the findings for obs, most severe first. A job with
// checkpointing disabled gets the checkpointing-disabled finding alone.
func (a *DefaultAdvisor) Advise(now time.Time, obs Observation) ([]Finding, error) {
	if err := obs.Validate(); err != nil {
		return nil, err
	}
	if !obs.Settings.Enabled() {
		f, err := a.disabled(obs)
		if err != nil {
			return nil, err
		}
		return []Finding{f}, nil
	}
	v, err := a.view(now, obs)
	if err != nil {
		return nil, err
	}
	rules := []func(*view) (Finding, bool){
		a.timeouts, a.stale, a.growth, a.alignment, a.legacyStall, a.inFlight, a.options,
	}
	out := append([]Finding(nil), v.plan.Findings...)
	for _, rule := range rules {
		if f, ok := rule(v); ok {
			out = append(out, f)
		}
	}
	SortFindings(out)
	return out, nil
}

// view holds the figures the rules share.
type view struct {
	now      time.Time
	obs      Observation
	s        Settings // effective
	d        Durations
	plan     CheckpointPlan
	timeouts int
	// inFlightElements and inFlight (bytes) are per pipeline; inFlight is
	// zero when bundles are finished first or the element size is unknown.
	inFlightElements, inFlight int64
}

func (a *DefaultAdvisor) view(now time.Time, obs Observation) (*view, error) {
	v := &view{now: now, obs: obs, s: obs.Settings.Effective(), d: obs.durations()}
	for _, c := range obs.History {
		if c.TimedOut(v.s.Timeout) {
			v.timeouts++
		}
	}
	v.inFlightElements = obs.Facts.InFlightElements
	if v.inFlightElements == 0 {
		v.inFlightElements = v.s.MaxBundleSize
	}
	if eb, ok := obs.Facts.ElementBytes.Value(); ok && !v.s.FinishBundleBeforeCheckpointing {
		v.inFlight = v.inFlightElements * eb
	}
	// The objective the current settings imply: the interval plus the
	// tail, or plus 1 ms when no duration is known.
	tail, _ := v.d.Tail().Value()
	plan, err := a.cfg.Policy.Choose(CheckpointWorkload{
		Durations:         v.d,
		StateBytes:        obs.latestSize(),
		RecoveryObjective: addDuration(v.s.Interval, max(tail, time.Millisecond)),
		Current:           v.s,
	})
	if err != nil {
		return nil, err
	}
	v.plan = plan
	return v, nil
}

// disabled proposes checkpointing settings from the policy.
func (a *DefaultAdvisor) disabled(obs Observation) (Finding, error) {
	s := obs.Settings.Effective()
	plan, err := a.cfg.Policy.Choose(CheckpointWorkload{Durations: obs.Durations, RecoveryObjective: a.cfg.RecoveryObjective})
	if err != nil {
		return Finding{}, err
	}
	return Finding{
		Code: CodeCheckpointingDisabled, Severity: Critical,
		Summary:  "checkpointing is disabled: after a failure the job restarts without its state and from the source's committed position",
		Evidence: []Evidence{seconds("checkpointingInterval", 0), seconds("recovery objective", a.cfg.RecoveryObjective)},
		Change:   Diff(s, plan.Apply(s)),
		Action:   "enable checkpointing with an interval of " + plan.Interval.String() + " (replay after a failure at most " + plan.MaxReplay.String() + ")",
	}, nil
}
