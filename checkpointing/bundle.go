package checkpointing

import (
	"fmt"
	"math"
	"time"
)

// BundleWorkload describes one parallel instance of a pipeline's bundling
// operator (a Beam ParDo run by the Flink runner's DoFnOperator).
type BundleWorkload struct {
	// ElementCost is the processing time of one element. Not negative.
	ElementCost time.Duration
	// Rate is the elements per second arriving at one parallel instance.
	// Zero means idle. Not negative.
	Rate float64
	// BundleOverhead is the fixed cost of one bundle: startBundle plus
	// finishBundle, such as flushing a batch to a sink or committing a
	// transaction. Default: 0.
	BundleOverhead time.Duration
	// LatencyBudget is the most that bundling may add to an element's
	// latency. Policies that choose a bundle time need it; Evaluate ignores
	// it.
	LatencyBudget time.Duration
	// ElementBytes is the average serialized size of one output element of a
	// bundle: the unit buffered into a checkpoint when the open bundle is
	// not finished before the barrier. The zero Figure is unknown (not
	// given); a known 0 is a real 0, elements that carry nothing.
	ElementBytes Figure[int64]
}

// Validate reports a negative or non-finite figure as an error wrapping
// ErrInvalidInput.
func (w BundleWorkload) Validate() error {
	switch {
	case w.ElementCost < 0 || w.BundleOverhead < 0 || w.LatencyBudget < 0:
		return invalidInput("bundle workload: negative duration")
	case w.Rate < 0 || math.IsNaN(w.Rate) || math.IsInf(w.Rate, 0):
		return invalidInput("bundle workload: rate %v is not a finite non-negative number", w.Rate)
	case negative(w.ElementBytes):
		return invalidInput("bundle workload: negative ElementBytes")
	}
	return nil
}

// BundleTradeOff is what bundle settings cost a workload: per-bundle
// overhead against latency against what a checkpoint must absorb.
type BundleTradeOff struct {
	// Elements is the elements in a typical bundle at the workload's rate.
	Elements float64
	// ClosedBySize is true when bundles fill up before the bundle time ends.
	ClosedBySize bool
	// Open is how long a bundle stays open.
	Open time.Duration
	// OverheadShare is the share of the busy time spent in per-bundle
	// overhead.
	OverheadShare float64
	// Utilization is the busy fraction of the instance; above 1 it cannot
	// keep up.
	Utilization float64
	// AddedLatency is the most bundling adds to an element's latency: the
	// bundle's open time plus its overhead.
	AddedLatency time.Duration
	// BarrierDelay is how long a checkpoint barrier may wait for the open
	// bundle to finish, up to one bundle's processing time; zero unless
	// bundles are finished before checkpointing.
	BarrierDelay time.Duration
	// CheckpointBytes is the bundle output buffered into each checkpoint
	// when the open bundle is not finished first: a full bundle's elements
	// times ElementBytes, the worst case. A known 0 when bundles are
	// finished first; unknown, for ElementBytes' reason, when the element
	// size is.
	CheckpointBytes Figure[int64]
}

// String renders the trade-off on one line.
func (t BundleTradeOff) String() string {
	return fmt.Sprintf("%.0f elements closed by %s after %v, overhead %.1f%%, utilization %.2f, latency +%v, barrier delay %v, buffered %s",
		t.Elements, t.closedBy(), t.Open, 100*t.OverheadShare, t.Utilization, t.AddedLatency, t.BarrierDelay, formatFigureBytes(t.CheckpointBytes))
}

// formatFigureBytes renders a known size as FormatBytes does, else
// "unknown (reason)".
func formatFigureBytes(f Figure[int64]) string {
	if b, ok := f.Value(); ok {
		return FormatBytes(b)
	}
	return f.String()
}

func (t BundleTradeOff) closedBy() string {
	if t.ClosedBySize {
		return "size"
	}
	return "time"
}

// EvaluateBundle computes the trade-off of the bundle settings in s for a
// workload. Errors wrap ErrInvalidConfig or ErrInvalidInput.
func EvaluateBundle(s Settings, w BundleWorkload) (BundleTradeOff, error) {
	if err := s.Validate(); err != nil {
		return BundleTradeOff{}, err
	}
	if err := w.Validate(); err != nil {
		return BundleTradeOff{}, err
	}
	e := s.Effective()
	return evaluateBundle(e.MaxBundleSize, e.MaxBundleTime, e.FinishBundleBeforeCheckpointing, w), nil
}

// evaluateBundle is EvaluateBundle on validated, effective figures.
func evaluateBundle(size int64, maxTime time.Duration, finish bool, w BundleWorkload) BundleTradeOff {
	t := BundleTradeOff{Elements: 1, Open: maxTime}
	if w.Rate > 0 {
		fill := time.Duration(float64(size) / w.Rate * float64(time.Second))
		if fill <= maxTime {
			t.ClosedBySize, t.Open, t.Elements = true, fill, float64(size)
		} else {
			t.Elements = min(float64(size), max(1, w.Rate*maxTime.Seconds()))
		}
	}
	c, o := w.ElementCost.Seconds(), w.BundleOverhead.Seconds()
	busy := t.Elements*c + o
	if busy > 0 {
		t.OverheadShare = o / busy
	}
	t.Utilization = w.Rate * (c + o/t.Elements)
	t.AddedLatency = t.Open + w.BundleOverhead
	switch eb, ok := w.ElementBytes.Value(); {
	case finish:
		t.BarrierDelay = time.Duration(math.Round(t.Elements*float64(w.ElementCost))) + w.BundleOverhead
		t.CheckpointBytes = Known[int64](0)
	case ok:
		t.CheckpointBytes = Known(saturatingMul(int64(math.Ceil(t.Elements)), eb))
	default:
		t.CheckpointBytes = Unknown[int64](w.ElementBytes.Reason())
	}
	return t
}

// BundlePlan is a bundle policy's choice and what it costs.
type BundlePlan struct {
	// MaxSize is the chosen maxBundleSize.
	MaxSize int64
	// MaxTime is the chosen maxBundleTimeMills.
	MaxTime time.Duration
	// FinishBundleBeforeCheckpointing is the chosen
	// finishBundleBeforeCheckpointing.
	FinishBundleBeforeCheckpointing bool
	// TradeOff is the choice evaluated against the workload.
	TradeOff BundleTradeOff
	// Notes explain targets the choice could not meet.
	Notes []string
}

// Apply returns s with the plan's three bundle settings.
func (p BundlePlan) Apply(s Settings) Settings {
	s.MaxBundleSize, s.MaxBundleTime = p.MaxSize, p.MaxTime
	s.FinishBundleBeforeCheckpointing = p.FinishBundleBeforeCheckpointing
	return s
}

// BundlePolicy chooses the bundle settings for a workload. Implementations
// are pure and deterministic; a plan applies to valid settings and its
// TradeOff is EvaluateBundle of them; an invalid workload gives an error
// wrapping ErrInvalidInput. checkpointingtest.RunBundlePolicy checks this
// contract.
type BundlePolicy interface {
	Choose(w BundleWorkload) (BundlePlan, error)
}

// BundlePolicyFunc adapts a function to BundlePolicy.
type BundlePolicyFunc func(w BundleWorkload) (BundlePlan, error)

// Choose calls f.
func (f BundlePolicyFunc) Choose(w BundleWorkload) (BundlePlan, error) { return f(w) }

var _ BundlePolicy = BundlePolicyFunc(nil)

// FixedBundles is a BundlePolicy that always chooses the same settings and
// evaluates them against the workload. Zero fields mean Beam's defaults. A
// FixedBundles is a value and safe for concurrent use.
type FixedBundles struct {
	// MaxSize is maxBundleSize. Default: 1000. Zero means default.
	MaxSize int64
	// MaxTime is maxBundleTimeMills. Default: 1 s. Zero means default.
	MaxTime time.Duration
	// FinishBundleBeforeCheckpointing is finishBundleBeforeCheckpointing.
	// Default: false.
	FinishBundleBeforeCheckpointing bool
}

var _ BundlePolicy = FixedBundles{}

// BeamDefaultBundles is Beam's default: 1000 elements or 1 s, bundles not
// finished before checkpointing.
func BeamDefaultBundles() FixedBundles {
	return FixedBundles{MaxSize: DefaultMaxBundleSize, MaxTime: DefaultMaxBundleTime}
}

// SeedBundles is the seed deployment's tuned bundles: 10,000 elements or
// 10 s. Its checkpoints timed out until FinishBundleBeforeCheckpointing was
// set; set it on the returned value.
func SeedBundles() FixedBundles {
	return FixedBundles{MaxSize: 10_000, MaxTime: 10 * time.Second}
}

// Choose returns the fixed settings with their trade-off for w.
func (p FixedBundles) Choose(w BundleWorkload) (BundlePlan, error) {
	s := Settings{MaxBundleSize: p.MaxSize, MaxBundleTime: p.MaxTime, FinishBundleBeforeCheckpointing: p.FinishBundleBeforeCheckpointing}
	t, err := EvaluateBundle(s, w)
	if err != nil {
		return BundlePlan{}, err
	}
	e := s.Effective()
	return BundlePlan{MaxSize: e.MaxBundleSize, MaxTime: e.MaxBundleTime, FinishBundleBeforeCheckpointing: e.FinishBundleBeforeCheckpointing, TradeOff: t}, nil
}
