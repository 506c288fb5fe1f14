package flinkapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// MetricValues holds plain metric values as Flink sends them (strings),
// keyed by metric name, and the requested names Flink did not report. A
// name Flink sends without being asked for is dropped.
type MetricValues struct {
	Values  map[string]string
	Missing []string
}

// Float returns the named value as a finite number; ok is false when the
// metric is missing, not a number, NaN or infinite.
func (m MetricValues) Float(name string) (v float64, ok bool) {
	s, found := m.Values[name]
	if !found {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// JobMetrics returns the named job-scope metrics (GET
// /jobs/{jobid}/metrics?get=...), such as "numRestarts" or
// "lastCheckpointSize". Names Flink does not have are listed in Missing.
func (c *Client) JobMetrics(ctx context.Context, job JobID, names ...string) (MetricValues, error) {
	if err := job.Validate(); err != nil {
		return MetricValues{}, c.refuse(http.MethodGet, routeJobMetrics, err)
	}
	return c.metricValues(ctx, routeJobMetrics, jobPath(job)+"/metrics", names)
}

// JobMetricNames lists the job-scope metric names (GET /jobs/{jobid}/metrics).
func (c *Client) JobMetricNames(ctx context.Context, job JobID) ([]string, error) {
	if err := job.Validate(); err != nil {
		return nil, c.refuse(http.MethodGet, routeJobMetrics, err)
	}
	return c.metricNames(ctx, routeJobMetrics, jobPath(job)+"/metrics")
}

// JobManagerMetrics returns the named JobManager metrics (GET
// /jobmanager/metrics?get=...), such as "taskSlotsTotal",
// "taskSlotsAvailable" and "numRegisteredTaskManagers".
func (c *Client) JobManagerMetrics(ctx context.Context, names ...string) (MetricValues, error) {
	return c.metricValues(ctx, routeJobManagerMetrics, "/jobmanager/metrics", names)
}

// metricEntry is one element of the bare array the metric endpoints answer.
type metricEntry struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

func (c *Client) metricValues(ctx context.Context, route, path string, names []string) (MetricValues, error) {
	names, err := cleanNames(names)
	if err != nil {
		return MetricValues{}, c.refuse(http.MethodGet, route, err)
	}
	var out []metricEntry
	q := url.Values{"get": {strings.Join(names, ",")}}
	if err := c.do(ctx, call{method: http.MethodGet, route: route, path: path, query: q, out: &out}); err != nil {
		return MetricValues{}, err
	}
	mv := MetricValues{Values: make(map[string]string, len(out))}
	for _, e := range out {
		if slices.Contains(names, e.ID) { // never a name that was not asked for
			mv.Values[e.ID] = e.Value
		}
	}
	for _, n := range names {
		if _, ok := mv.Values[n]; !ok {
			mv.Missing = append(mv.Missing, n)
		}
	}
	return mv, nil
}

// metricNames lists the names an endpoint offers (no "get" parameter).
func (c *Client) metricNames(ctx context.Context, route, path string) ([]string, error) {
	var out []metricEntry
	var names []string
	check := func() error {
		names = make([]string, 0, len(out))
		for _, e := range out {
			if e.ID == "" {
				return decodeMissing(http.MethodGet, path, "id")
			}
			names = append(names, e.ID)
		}
		return nil
	}
	if err := c.do(ctx, call{method: http.MethodGet, route: route, path: path, out: &out, check: check}); err != nil {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

// cleanNames refuses an empty request or an empty or comma-carrying name,
// and drops duplicates (keeping the first occurrence's order).
func cleanNames(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: name at least one metric (list names with the ...Names methods)", ErrInvalidRequest)
	}
	seen := make(map[string]bool, len(names))
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n == "" || strings.Contains(n, ",") {
			return nil, fmt.Errorf("%w: metric name %q is empty or holds a comma", ErrInvalidRequest, n)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}
