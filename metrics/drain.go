package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkscale/flinkscale/drain"
)

// DrainConfig configures a Drain collector. The zero DrainConfig means the
// documented defaults.
type DrainConfig struct {
	// DurationBuckets are the buckets, in seconds, of
	// flinkscale_drain_duration_seconds. Default: the powers of 2 from 1 s
	// to 4096 s (about 68 min; flinkdrain's default timeout is 10 min).
	DurationBuckets []float64
}

// Validate reports whether the config is usable, wrapping
// ErrInvalidConfig if not.
func (c DrainConfig) Validate() error {
	return checkBuckets("DrainConfig.DurationBuckets", c.DurationBuckets)
}

// Drain exports drain operations: set its Transition method as
// flinkdrain.Config.OnTransition (or a drain.Machine's onTransition), and
// register it on your own registry. An operation counts when it reaches a
// terminal state, by outcome: drained (a confirmed savepoint and a
// finished job), cancelled (cancelled without a drained savepoint, by the
// fallback or by someone else) or failed; its duration runs from when it
// was first requested, across controller restarts. Labels: outcome and
// state take drain.State's names. Safe for concurrent use.
type Drain struct {
	mu     sync.Mutex
	active map[string]struct{} // jobs with an operation not yet terminal

	operations  *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	transitions *prometheus.CounterVec
	inProgress  *prometheus.Desc
}

var _ prometheus.Collector = (*Drain)(nil)

// NewDrain returns a Drain collector configured by cfg, or an error
// wrapping ErrInvalidConfig.
func NewDrain(cfg DrainConfig) (*Drain, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Drain{
		active: map[string]struct{}{},
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flinkscale_drain_operations_total",
			Help: "Drain operations that ended, by outcome (drained, cancelled, failed)."}, []string{"outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "flinkscale_drain_duration_seconds",
			Help: "Duration of drain operations from their request to their end, by outcome.", Buckets: bucketsOr(cfg.DurationBuckets, prometheus.ExponentialBuckets(1, 2, 13))}, []string{"outcome"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flinkscale_drain_transitions_total",
			Help: "Transitions of drain operations, by the state entered."}, []string{"state"}),
		inProgress: prometheus.NewDesc("flinkscale_drain_in_progress",
			"Drain operations seen in a state that is not terminal.", nil, nil),
	}
	for _, s := range []drain.State{drain.Drained, drain.Cancelled, drain.Failed} {
		d.operations.WithLabelValues(s.String())
	}
	return d, nil
}

// Transition records one transition of op: use it as
// flinkdrain.Config.OnTransition.
func (d *Drain) Transition(op drain.Operation, s drain.Step) {
	d.transitions.WithLabelValues(s.To.String()).Inc()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !s.To.Terminal() {
		d.active[op.Job] = struct{}{}
		return
	}
	delete(d.active, op.Job)
	outcome := s.To.String()
	d.operations.WithLabelValues(outcome).Inc()
	d.duration.WithLabelValues(outcome).Observe(max(0, s.At.Sub(op.Requested).Seconds()))
}

// Describe implements prometheus.Collector.
func (d *Drain) Describe(ch chan<- *prometheus.Desc) {
	d.operations.Describe(ch)
	d.duration.Describe(ch)
	d.transitions.Describe(ch)
	ch <- d.inProgress
}

// Collect implements prometheus.Collector.
func (d *Drain) Collect(ch chan<- prometheus.Metric) {
	d.operations.Collect(ch)
	d.duration.Collect(ch)
	d.transitions.Collect(ch)
	d.mu.Lock()
	n := len(d.active)
	d.mu.Unlock()
	constMetric(ch, d.inProgress, prometheus.GaugeValue, float64(n))
}
