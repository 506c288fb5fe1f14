package metrics

import (
	"fmt"
	"math"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkscale/flinkscale"
)

// ErrInvalidConfig wraps every configuration error of this package; it
// wraps flinkscale.ErrInvalidConfig.
var ErrInvalidConfig = fmt.Errorf("metrics: %w", flinkscale.ErrInvalidConfig)

// checkBuckets refuses what client_golang would panic on: buckets not
// strictly increasing, or not finite.
func checkBuckets(field string, b []float64) error {
	for i, x := range b {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: %s[%d] is %v", ErrInvalidConfig, field, i, x)
		}
		if i > 0 && !(x > b[i-1]) {
			return fmt.Errorf("%w: %s are not strictly increasing (%v after %v)", ErrInvalidConfig, field, x, b[i-1])
		}
	}
	return nil
}

// bucketsOr returns b, or def when b is empty.
func bucketsOr(b, def []float64) []float64 {
	if len(b) == 0 {
		return slices.Clone(def)
	}
	return slices.Clone(b)
}

// constMetric appends a constant metric to the ones a Collect sends. Its
// error (a label count not matching desc, a bug) drops the metric and
// becomes an invalid metric the registry reports, never a panic.
func constMetric(ch chan<- prometheus.Metric, desc *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
	m, err := prometheus.NewConstMetric(desc, t, v, labels...)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(desc, err)
		return
	}
	ch <- m
}
