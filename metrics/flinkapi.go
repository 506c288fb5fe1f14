package metrics

import (
	"context"
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// FlinkAPIConfig configures a FlinkAPI collector. The zero FlinkAPIConfig
// means the documented defaults.
type FlinkAPIConfig struct {
	// DurationBuckets are the buckets, in seconds, of
	// flinkscale_flinkapi_request_duration_seconds. Default:
	// prometheus.DefBuckets (5 ms to 10 s).
	DurationBuckets []float64
}

// Validate reports whether the config is usable, wrapping
// ErrInvalidConfig if not.
func (c FlinkAPIConfig) Validate() error {
	return checkBuckets("FlinkAPIConfig.DurationBuckets", c.DurationBuckets)
}

// FlinkAPI exports a flinkapi.Client's calls: set its Call method as
// flinkapi.Config.OnCall, and register it on your own registry. Labels:
// method, route (the REST resource's path template from Flink's REST API
// specification, one of flinkapi's 16, never the raw path), and status
// (the final HTTP status code, "canceled" when the caller's ctx ended
// before an answer, "error" for any other call with no answer). Safe for
// concurrent use.
type FlinkAPI struct {
	requests *prometheus.CounterVec
	failed   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	retries  *prometheus.CounterVec
}

var _ prometheus.Collector = (*FlinkAPI)(nil)

// NewFlinkAPI returns a FlinkAPI collector configured by cfg, or an error
// wrapping ErrInvalidConfig.
func NewFlinkAPI(cfg FlinkAPIConfig) (*FlinkAPI, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	route := []string{"method", "route"}
	return &FlinkAPI{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flinkscale_flinkapi_requests_total",
			Help: "Calls to the Flink REST API (each with its retries), by method, route template and final status."}, []string{"method", "route", "status"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flinkscale_flinkapi_failed_requests_total",
			Help: "Calls to the Flink REST API that returned an error, whatever the status (an answer that did not decode included)."}, route),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "flinkscale_flinkapi_request_duration_seconds",
			Help: "Duration of calls to the Flink REST API, retries and backoff included.", Buckets: bucketsOr(cfg.DurationBuckets, prometheus.DefBuckets)}, route),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flinkscale_flinkapi_retries_total",
			Help: "Attempts beyond the first of calls to the Flink REST API."}, route),
	}, nil
}

// Call records one call: use it as flinkapi.Config.OnCall.
func (f *FlinkAPI) Call(c flinkapi.Call) {
	f.requests.WithLabelValues(c.Method, c.Route, statusLabel(c)).Inc()
	f.duration.WithLabelValues(c.Method, c.Route).Observe(c.Duration.Seconds())
	if c.Attempts > 1 {
		f.retries.WithLabelValues(c.Method, c.Route).Add(float64(c.Attempts - 1))
	}
	if c.Err != nil {
		f.failed.WithLabelValues(c.Method, c.Route).Inc()
	}
}

// statusLabel is a call's status label value.
func statusLabel(c flinkapi.Call) string {
	switch {
	case c.Status > 0:
		return strconv.Itoa(c.Status)
	case errors.Is(c.Err, context.Canceled), errors.Is(c.Err, context.DeadlineExceeded):
		return "canceled"
	}
	return "error"
}

// Describe implements prometheus.Collector.
func (f *FlinkAPI) Describe(ch chan<- *prometheus.Desc) {
	f.requests.Describe(ch)
	f.failed.Describe(ch)
	f.duration.Describe(ch)
	f.retries.Describe(ch)
}

// Collect implements prometheus.Collector.
func (f *FlinkAPI) Collect(ch chan<- prometheus.Metric) {
	f.requests.Collect(ch)
	f.failed.Collect(ch)
	f.duration.Collect(ch)
	f.retries.Collect(ch)
}
