package checkpointing

import (
	"fmt"
	"math"
	"time"
)

// DefaultBundlePolicyConfig configures DefaultBundlePolicy. The zero
// value means the defaults.
type DefaultBundlePolicyConfig struct {
	// MaxOverheadShare is the largest share of busy time that per-bundle
	// overhead may take. Default: 0.05. Zero means default; must be below 1.
	MaxOverheadShare float64
	// MaxCheckpointBytes is the most bundle output a checkpoint may buffer
	// per parallel instance; above it bundles are finished before
	// checkpointing. Default: 256 KiB. Zero means default.
	MaxCheckpointBytes int64
	// MaxSize caps the bundle size. Default: 100,000. Zero means default.
	MaxSize int64
}

// Defaults of DefaultBundlePolicyConfig.
const (
	DefaultMaxOverheadShare   = 0.05
	DefaultMaxCheckpointBytes = 256 << 10
	DefaultBundleSizeCap      = 100_000
)

// Validate reports a negative, non-finite or out-of-range field as an error
// wrapping ErrInvalidConfig.
func (c DefaultBundlePolicyConfig) Validate() error {
	switch {
	case c.MaxOverheadShare < 0 || c.MaxOverheadShare >= 1 || math.IsNaN(c.MaxOverheadShare):
		return invalidConfig("MaxOverheadShare %v must be in [0, 1)", c.MaxOverheadShare)
	case c.MaxCheckpointBytes < 0:
		return invalidConfig("MaxCheckpointBytes must not be negative")
	case c.MaxSize < 0:
		return invalidConfig("MaxSize must not be negative")
	}
	return nil
}

func (c DefaultBundlePolicyConfig) withDefaults() DefaultBundlePolicyConfig {
	if c.MaxOverheadShare == 0 {
		c.MaxOverheadShare = DefaultMaxOverheadShare
	}
	if c.MaxCheckpointBytes == 0 {
		c.MaxCheckpointBytes = DefaultMaxCheckpointBytes
	}
	if c.MaxSize == 0 {
		c.MaxSize = DefaultBundleSizeCap
	}
	return c
}

// DefaultBundlePolicy chooses the smallest bundle that keeps per-bundle
// overhead under MaxOverheadShare, with a bundle time that keeps the added
// latency within the workload's budget, and finishes bundles before
// checkpointing when a bundle's buffered output would exceed
// MaxCheckpointBytes:
//
//	size    = smallest 1-2-5 step >= overhead*(1-share) / (share*elementCost), capped at MaxSize
//	time    = latencyBudget - overhead, in whole milliseconds (at least 1 ms)
//	finish  = size-or-time-bounded bundle * elementBytes > MaxCheckpointBytes
//
// With the element size unknown the bound cannot be checked: bundles are
// not finished first, and the plan's notes say so.
//
// Smaller bundles mean less latency and less to buffer or finish at a
// barrier; larger ones amortise the overhead. When the rate is too low to
// fill that size within the time, bundles close on time with a higher
// overhead, and the plan says so. Safe for concurrent use.
type DefaultBundlePolicy struct {
	cfg DefaultBundlePolicyConfig
}

var _ BundlePolicy = (*DefaultBundlePolicy)(nil)

// NewDefaultBundlePolicy returns a DefaultBundlePolicy, or an error
// wrapping ErrInvalidConfig.
func NewDefaultBundlePolicy(cfg DefaultBundlePolicyConfig) (*DefaultBundlePolicy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &DefaultBundlePolicy{cfg: cfg.withDefaults()}, nil
}

// Choose picks the bundle settings for w. It needs a LatencyBudget; errors
// wrap ErrInvalidInput.
func (p *DefaultBundlePolicy) Choose(w BundleWorkload) (BundlePlan, error) {
	if err := w.Validate(); err != nil {
		return BundlePlan{}, err
	}
	if w.LatencyBudget <= 0 {
		return BundlePlan{}, invalidInput("bundle workload: LatencyBudget is required")
	}
	var plan BundlePlan
	plan.MaxTime = (w.LatencyBudget - w.BundleOverhead).Truncate(time.Millisecond)
	if plan.MaxTime < time.Millisecond {
		plan.MaxTime = time.Millisecond
		plan.Notes = append(plan.Notes, fmt.Sprintf("the latency budget %v does not cover the per-bundle overhead %v", w.LatencyBudget, w.BundleOverhead))
	}
	plan.MaxSize = p.size(w)
	plan.TradeOff = evaluateBundle(plan.MaxSize, plan.MaxTime, false, w)
	if !plan.TradeOff.CheckpointBytes.Known() {
		plan.Notes = append(plan.Notes, fmt.Sprintf("the element size is %s: what a checkpoint buffers cannot be bounded by MaxCheckpointBytes, so bundles are not finished before checkpointing; give ElementBytes",
			plan.TradeOff.CheckpointBytes))
	}
	if buffered, ok := plan.TradeOff.CheckpointBytes.Value(); ok && buffered > p.cfg.MaxCheckpointBytes {
		plan.FinishBundleBeforeCheckpointing = true
		plan.TradeOff = evaluateBundle(plan.MaxSize, plan.MaxTime, true, w)
		plan.Notes = append(plan.Notes, fmt.Sprintf("bundles are finished before checkpointing: %s of output would be buffered per checkpoint, the barrier waits up to %v instead",
			FormatBytes(buffered), plan.TradeOff.BarrierDelay))
	}
	plan.Notes = append(plan.Notes, p.misses(plan.TradeOff)...)
	return plan, nil
}

// size is the smallest bundle meeting the overhead target.
func (p *DefaultBundlePolicy) size(w BundleWorkload) int64 {
	c, o, share := w.ElementCost.Seconds(), w.BundleOverhead.Seconds(), p.cfg.MaxOverheadShare
	var n float64
	switch {
	case o == 0:
		n = 1
	case c == 0:
		n = float64(p.cfg.MaxSize) // overhead can only be amortised by size
	default:
		n = o * (1 - share) / (share * c)
	}
	return min(niceCeil(n), p.cfg.MaxSize)
}

// misses explains the targets the plan does not meet.
func (p *DefaultBundlePolicy) misses(t BundleTradeOff) []string {
	var notes []string
	if t.OverheadShare > p.cfg.MaxOverheadShare*1.0001 {
		notes = append(notes, fmt.Sprintf("bundles close on %s with %.0f elements: overhead %.1f%% exceeds the %.1f%% target; raise the latency budget or cut the per-bundle cost",
			t.closedBy(), t.Elements, 100*t.OverheadShare, 100*p.cfg.MaxOverheadShare))
	}
	if t.Utilization > 1 {
		notes = append(notes, fmt.Sprintf("utilization %.2f: one instance cannot keep up at this rate; scale out", t.Utilization))
	}
	return notes
}

// niceCeil rounds up to the next 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(n float64) int64 {
	if n <= 1 || math.IsNaN(n) {
		return 1
	}
	if n >= 1e18 {
		return math.MaxInt64
	}
	pow := math.Pow(10, math.Floor(math.Log10(n)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v := m * pow; v >= n*(1-1e-12) {
			return int64(math.Round(v))
		}
	}
	return int64(math.Ceil(n))
}
