package autoscale

import (
	"fmt"
	"math"
	"time"
)

// OperatorCompatibleConfig configures OperatorCompatible. Each field
// mirrors one of the operator's job.autoscaler.* options, named in its
// comment; the zero OperatorCompatibleConfig is the operator's defaults.
// Where the operator gives 0 a meaning of its own (no catch-up, immediate
// scale-down), a negative value asks for it here, since zero means
// default.
type OperatorCompatibleConfig struct {
	// MetricsWindow is metrics.window: how far back rates and averages
	// reach. Decide must be called at least twice per window, or no rate
	// can be formed and nothing is ever decided (as in the operator).
	// Default: 15 min. Zero means default.
	MetricsWindow time.Duration
	// Stabilization is stabilization.interval: nothing is decided until
	// this long after the job switched to RUNNING, and the window counts
	// only from the first observation after it. Default: 5 min. Zero means
	// default; negative means none.
	Stabilization time.Duration
	// TargetUtilization is utilization.target: the busy fraction a vertex
	// is sized for. Default: 0.7. Zero means default.
	TargetUtilization float64
	// UtilizationBoundary is target.utilization.boundary: UtilizationMin
	// and UtilizationMax default to TargetUtilization minus and plus it.
	// Default: 0.3. Zero means default; negative means 0.
	UtilizationBoundary float64
	// UtilizationMin is utilization.min: a vertex whose processing rate
	// would keep it below this utilization is over-provisioned. Default:
	// TargetUtilization - UtilizationBoundary (0.4). Zero means default;
	// negative means 0 (never over-provisioned).
	UtilizationMin float64
	// UtilizationMax is utilization.max: a vertex that would run above
	// this utilization cannot keep up. Default: TargetUtilization +
	// UtilizationBoundary (1.0). Zero means default. Values above 1 act as
	// 1, as in the operator.
	UtilizationMax float64
	// BacklogThreshold is backlog-processing.lag-threshold: while a
	// source's backlog exceeds this many seconds of its input rate, the
	// bounds become [0, 1] and nothing is over-provisioned. Default: 5 min.
	// Zero means default.
	BacklogThreshold time.Duration
	// CatchUpDuration is catch-up.duration: a vertex is sized to clear the
	// backlog, and the backlog a restart builds, in this long. Default:
	// 30 min. Zero means default; negative disables backlog-based sizing
	// (the operator's 0).
	CatchUpDuration time.Duration
	// RestartTime is restart.time: how long a rescale stops processing.
	// Default: 5 min. Zero means default; negative means 0.
	RestartTime time.Duration
	// ObservedTPRLagThreshold is observed-true-processing-rate.lag-threshold:
	// a source is catching up, and its observed true processing rate is
	// measured, while its backlog is at least this many seconds of input.
	// Default: 30 s. Zero means default.
	ObservedTPRLagThreshold time.Duration
	// ObservedTPRSwitch is observed-true-processing-rate.switch-threshold:
	// the observed rate replaces the busy-time one when the latter is
	// higher by more than this fraction. Default: 0.15. Zero means
	// default; negative means 0.
	ObservedTPRSwitch float64
	// ObservedTPRMinObservations is
	// observed-true-processing-rate.min-observations. Default: 2. Zero
	// means default.
	ObservedTPRMinObservations int
	// MaxScaleDownFactor is scale-down.max-factor: one decision shrinks a
	// vertex to no less than 1 - this of its parallelism. Default: 0.6.
	// Zero means default; at most 1.
	MaxScaleDownFactor float64
	// MaxScaleUpFactor is scale-up.max-factor: one decision grows a vertex
	// to at most 1 + this times its parallelism. Default: 100000. Zero
	// means default.
	MaxScaleUpFactor float64
	// VertexMinParallelism is vertex.min-parallelism. Default: 1. Zero
	// means default.
	VertexMinParallelism int
	// VertexMaxParallelism is vertex.max-parallelism. A vertex already
	// above it may stay there, as in the operator. Default: 200. Zero means
	// default.
	VertexMaxParallelism int
	// ScaleDownInterval is scale-down.interval: a scale-down is applied only
	// once its first recommendation is this old, and then to the largest
	// parallelism recommended within the last interval. Default: 1 h. Zero
	// means default; negative scales down at once.
	ScaleDownInterval time.Duration
}

// opts is an OperatorCompatibleConfig with every default applied.
type opts struct {
	window, stabilization, backlogThreshold, observeLag time.Duration
	catchUp, restart, scaleDownInterval                 time.Duration
	target, utilMin, utilMax, switchThreshold           float64
	maxDown, maxUp                                      float64
	minObs, vertexMin, vertexMax                        int
}

func orDuration(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func orFloat(x, def float64) float64 {
	switch {
	case x == 0:
		return def
	case x < 0:
		return 0
	}
	return x
}

func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// resolve applies the defaults; Validate checks the result.
func (c OperatorCompatibleConfig) resolve() opts {
	o := opts{
		window:            orDuration(c.MetricsWindow, 15*time.Minute),
		stabilization:     orDuration(c.Stabilization, 5*time.Minute),
		backlogThreshold:  orDuration(c.BacklogThreshold, 5*time.Minute),
		observeLag:        orDuration(c.ObservedTPRLagThreshold, 30*time.Second),
		catchUp:           orDuration(c.CatchUpDuration, 30*time.Minute),
		restart:           orDuration(c.RestartTime, 5*time.Minute),
		scaleDownInterval: orDuration(c.ScaleDownInterval, time.Hour),
		target:            orFloat(c.TargetUtilization, 0.7),
		switchThreshold:   orFloat(c.ObservedTPRSwitch, 0.15),
		maxDown:           orFloat(c.MaxScaleDownFactor, 0.6),
		maxUp:             orFloat(c.MaxScaleUpFactor, 100000),
		minObs:            orInt(c.ObservedTPRMinObservations, 2),
		vertexMin:         orInt(c.VertexMinParallelism, 1),
		vertexMax:         orInt(c.VertexMaxParallelism, 200),
	}
	boundary := orFloat(c.UtilizationBoundary, 0.3)
	o.utilMin = orFloat(c.UtilizationMin, max(0, o.target-boundary))
	o.utilMax = orFloat(c.UtilizationMax, o.target+boundary)
	return o
}

// Validate reports whether c is usable. Its errors wrap ErrInvalidConfig.
func (c OperatorCompatibleConfig) Validate() error {
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"MetricsWindow", c.MetricsWindow}, {"BacklogThreshold", c.BacklogThreshold},
		{"ObservedTPRLagThreshold", c.ObservedTPRLagThreshold},
	}
	for _, f := range durations {
		if f.d < 0 {
			return fmt.Errorf("%w: %s %v is negative", ErrInvalidConfig, f.name, f.d)
		}
	}
	ints := []struct {
		name string
		n    int
	}{
		{"ObservedTPRMinObservations", c.ObservedTPRMinObservations},
		{"VertexMinParallelism", c.VertexMinParallelism}, {"VertexMaxParallelism", c.VertexMaxParallelism},
	}
	for _, f := range ints {
		if f.n < 0 {
			return fmt.Errorf("%w: %s %d is negative", ErrInvalidConfig, f.name, f.n)
		}
	}
	floats := []struct {
		name string
		x    float64
	}{
		{"TargetUtilization", c.TargetUtilization}, {"UtilizationBoundary", c.UtilizationBoundary},
		{"UtilizationMin", c.UtilizationMin}, {"UtilizationMax", c.UtilizationMax},
		{"ObservedTPRSwitch", c.ObservedTPRSwitch}, {"MaxScaleDownFactor", c.MaxScaleDownFactor},
		{"MaxScaleUpFactor", c.MaxScaleUpFactor},
	}
	for _, f := range floats {
		if math.IsNaN(f.x) || math.IsInf(f.x, 0) {
			return fmt.Errorf("%w: %s %v is not finite", ErrInvalidConfig, f.name, f.x)
		}
	}
	o := c.resolve()
	switch {
	case c.TargetUtilization < 0 || o.target > 1:
		return fmt.Errorf("%w: TargetUtilization %v outside (0, 1]", ErrInvalidConfig, c.TargetUtilization)
	case o.utilMin > o.target || o.utilMax < o.target:
		return fmt.Errorf("%w: utilization bounds [%v, %v] do not contain the target %v", ErrInvalidConfig, o.utilMin, o.utilMax, o.target)
	case c.MaxScaleDownFactor < 0 || o.maxDown > 1:
		return fmt.Errorf("%w: MaxScaleDownFactor %v outside (0, 1]", ErrInvalidConfig, c.MaxScaleDownFactor)
	case c.MaxScaleUpFactor < 0:
		return fmt.Errorf("%w: MaxScaleUpFactor %v is negative", ErrInvalidConfig, c.MaxScaleUpFactor)
	case o.vertexMax < o.vertexMin:
		return fmt.Errorf("%w: VertexMaxParallelism %d below VertexMinParallelism %d", ErrInvalidConfig, o.vertexMax, o.vertexMin)
	}
	return nil
}
