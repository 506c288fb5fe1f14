package autoscale

import (
	"fmt"
	"math"
	"time"
)

// DefaultConfig configures Default. The zero DefaultConfig is right for a
// production job observed every minute: Flink's 10 s metric refresh, 30 s
// in-place restarts (the adaptive scheduler) and 60 s checkpoints, and a
// 2 min lag SLO. Every duration Default uses is here, so that a job on a
// compressed time scale (a demo deciding every second, restarting in a few)
// is served by scaling them down together: Scaled does.
type DefaultConfig struct {
	// LagSLO is the time lag a source may have: a source whose lag is above
	// it and would stay above it for longer than CatchUpTime is scaled up,
	// whatever else holds. Default: 2 min. Zero means default.
	LagSLO time.Duration
	// TargetUtilization is the busy fraction a vertex is sized for, at the
	// largest demand projected over the horizon. Scale-ups trigger only when
	// the job cannot keep up (utilization 1): the band in between is the
	// hysteresis that keeps a job near its size from flapping. 0.9 leaves
	// 10% headroom, which drains the backlog of a restart (its downtime plus
	// half a checkpoint interval of replay, 60 s at the defaults) in
	// CatchUpTime. Default: 0.9. Zero means default.
	TargetUtilization float64
	// CatchUpTime is how fast a new configuration must drain the backlog it
	// starts with: what waits in Kafka, plus what the restart adds (its
	// downtime, and half a checkpoint interval of replay on average). It
	// also bounds how long a lag above LagSLO may take to drain before that
	// alone justifies a scale-up. Default: 10 min. Zero means default.
	CatchUpTime time.Duration
	// RestartCost is what one rescale costs, as a time during which the whole
	// job's slots would be wasted: the downtime and replay (about a minute at
	// the defaults), the catch-up afterwards with the lag raised by them,
	// and the disruption users count (state moved, caches cold, the risk of a
	// failed restore; the operator's users complain of "more than 20 rescales
	// a day"). A scale-down happens once the slots wasted since the job
	// became over-provisioned reach this cost (rent or buy), and a scale-up
	// sizes ahead for as long as balances this cost against the slots
	// provisioned early. Default: 15 min. Zero means default.
	RestartCost time.Duration
	// RestartDowntime is how long a rescale stops the job (an in-place
	// rescale by the adaptive scheduler; a savepoint redeploy takes
	// minutes), until Default has measured its own rescales: then the
	// longest of the last three measured, and RestartCost grows by 1 / (1
	// - TargetUtilization) times what that exceeds this. Default: 30 s.
	// Zero means default.
	RestartDowntime time.Duration
	// CheckpointInterval is the job's checkpoint interval: a restart
	// replays what was read since the last checkpoint, up to this much.
	// Default: 60 s. Zero means default.
	CheckpointInterval time.Duration
	// MetricRefresh is the JobManager's metric refresh
	// (metrics.fetcher.update-interval): a source is caught up while its lag
	// is below it, and backlog per second of lag measures the arrival rate
	// once the lag reaches half of it. Default: 10 s. Zero means default.
	MetricRefresh time.Duration
	// DecisionInterval is how often Decide is called, until two calls have
	// measured it: the next chance to act is one interval away. Default:
	// 60 s. Zero means default.
	DecisionInterval time.Duration
	// TrendWindow is how far back the arrival rate's trend (a Theil-Sen
	// line) and its noise reach. Its median ignores a burst shorter than
	// about a quarter of the window, and a daily cycle changes little
	// within it. A twelfth of it (5 min) is the window whose mean is the
	// level until the trend can be fitted. Default: 1 h. Zero means
	// default.
	TrendWindow time.Duration
	// MaxHorizon bounds how far ahead a rising trend is projected when
	// sizing. Default: 2 h. Zero means default.
	MaxHorizon time.Duration
	// MaxParallelism bounds every vertex's parallelism, besides its key
	// groups and, for a source, its partitions. Default: 0, no bound of
	// its own. Zero means default.
	MaxParallelism int

	// scaleErr says why Scaled could not scale the config: Validate
	// reports it.
	scaleErr string
}

// Scaled returns c on a compressed (f < 1) or stretched (f > 1) time
// scale: every duration multiplied by f, those left zero first resolved to
// their defaults, so DefaultConfig{}.Scaled(1.0/30) is the production
// defaults for a demo where a second stands for 30. The other fields are
// kept. A duration that would scale to less than a nanosecond is one
// nanosecond. f must be positive and finite; otherwise Validate (and
// NewDefault) reports the returned config invalid.
func (c DefaultConfig) Scaled(f float64) DefaultConfig {
	if !(f > 0) || math.IsInf(f, 1) {
		c.scaleErr = fmt.Sprintf("Scaled(%v): the factor must be positive and finite", f)
		return c
	}
	o := c.resolve()
	scale := func(d time.Duration) time.Duration {
		s := float64(d) * f
		if s >= math.MaxInt64 {
			return math.MaxInt64
		}
		return max(time.Duration(math.Round(s)), 1)
	}
	c.LagSLO, c.CatchUpTime, c.RestartCost = scale(o.slo), scale(o.catchUp), scale(o.restartCost)
	c.RestartDowntime, c.CheckpointInterval = scale(o.downtime), scale(o.checkpoint)
	c.MetricRefresh, c.DecisionInterval = scale(o.refresh), scale(o.interval)
	c.TrendWindow, c.MaxHorizon = scale(o.trendWindow), scale(o.maxHorizon)
	return c
}

// defaultOpts is a DefaultConfig with every default applied.
type defaultOpts struct {
	slo, catchUp, restartCost, downtime, checkpoint time.Duration
	refresh, interval, trendWindow, maxHorizon      time.Duration
	utilization                                     float64
	maxParallelism                                  int
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func (c DefaultConfig) resolve() defaultOpts {
	o := defaultOpts{
		slo:            orDefault(c.LagSLO, 2*time.Minute),
		catchUp:        orDefault(c.CatchUpTime, 10*time.Minute),
		restartCost:    orDefault(c.RestartCost, 15*time.Minute),
		downtime:       orDefault(c.RestartDowntime, 30*time.Second),
		checkpoint:     orDefault(c.CheckpointInterval, time.Minute),
		refresh:        orDefault(c.MetricRefresh, 10*time.Second),
		interval:       orDefault(c.DecisionInterval, time.Minute),
		trendWindow:    orDefault(c.TrendWindow, time.Hour),
		maxHorizon:     orDefault(c.MaxHorizon, 2*time.Hour),
		utilization:    c.TargetUtilization,
		maxParallelism: c.MaxParallelism,
	}
	if o.utilization == 0 {
		o.utilization = 0.9
	}
	return o
}

// Validate reports whether c is usable. Its errors wrap ErrInvalidConfig.
func (c DefaultConfig) Validate() error {
	if c.scaleErr != "" {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, c.scaleErr)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"LagSLO", c.LagSLO}, {"CatchUpTime", c.CatchUpTime}, {"RestartCost", c.RestartCost},
		{"RestartDowntime", c.RestartDowntime}, {"CheckpointInterval", c.CheckpointInterval},
		{"MetricRefresh", c.MetricRefresh}, {"DecisionInterval", c.DecisionInterval},
		{"TrendWindow", c.TrendWindow}, {"MaxHorizon", c.MaxHorizon},
	} {
		if f.d < 0 {
			return fmt.Errorf("%w: %s %v is negative", ErrInvalidConfig, f.name, f.d)
		}
	}
	switch {
	case !(c.TargetUtilization >= 0 && c.TargetUtilization <= 1):
		return fmt.Errorf("%w: TargetUtilization %v outside (0, 1]", ErrInvalidConfig, c.TargetUtilization)
	case c.MaxParallelism < 0:
		return fmt.Errorf("%w: MaxParallelism %d is negative", ErrInvalidConfig, c.MaxParallelism)
	}
	return nil
}
