package flinkapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Aggregation is how Flink folds a metric over a vertex's subtasks.
type Aggregation string

// The aggregations Flink offers.
const (
	AggMin  Aggregation = "min"
	AggMax  Aggregation = "max"
	AggAvg  Aggregation = "avg"
	AggSum  Aggregation = "sum"
	AggSkew Aggregation = "skew"
)

// AggregatedMetric is one metric folded over subtasks. An aggregation that
// was not requested, or that Flink could not compute, is NaN; use Value.
type AggregatedMetric struct {
	ID   string `json:"id"`
	Min  Float  `json:"min"`
	Max  Float  `json:"max"`
	Avg  Float  `json:"avg"`
	Sum  Float  `json:"sum"`
	Skew Float  `json:"skew"`
}

// Value returns the aggregation a as a finite number, ok false if it is
// absent or not finite.
func (m AggregatedMetric) Value(a Aggregation) (v float64, ok bool) {
	var f Float
	switch a {
	case AggMin:
		f = m.Min
	case AggMax:
		f = m.Max
	case AggAvg:
		f = m.Avg
	case AggSum:
		f = m.Sum
	case AggSkew:
		f = m.Skew
	default:
		return 0, false
	}
	return float64(f), f.Valid()
}

// MetricsQuery selects aggregated subtask metrics.
type MetricsQuery struct {
	// Names are the metric names, for example "busyTimeMsPerSecond" or
	// "numRecordsInPerSecond". Required.
	Names []string
	// Aggregations to compute. Default: all five, as Flink does.
	Aggregations []Aggregation
	// Subtasks restricts the aggregation to these subtask indexes. Default:
	// all subtasks.
	Subtasks []int
}

// VertexMetricsResult is the answer to VertexMetrics.
type VertexMetricsResult struct {
	// Metrics holds the requested metrics the vertex has, by name.
	Metrics map[string]AggregatedMetric
	// Missing lists requested names the vertex does not have (for example
	// "pendingRecords" on a vertex that is not a FLIP-27 source).
	Missing []string
}

// VertexMetrics returns metrics aggregated over a vertex's subtasks (GET
// /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics).
//
// Flink answers an empty array for the whole request when any requested
// name does not exist, so the client first lists the vertex's metric names
// (cached for Config.MetricNamesTTL), asks only for names that exist, and
// reports the others in Missing rather than returning an empty result. When
// a cached list has gone stale (names vanished after a restart) the client
// lists the names again and retries once. With a warm cache this costs one
// REST call per vertex. A vertex that reports no metrics at all (just
// restarted) is listed again on every call until it does.
func (c *Client) VertexMetrics(ctx context.Context, job JobID, vertex VertexID, q MetricsQuery) (VertexMetricsResult, error) {
	if err := validateJobVertex(job, vertex); err != nil {
		return VertexMetricsResult{}, c.refuse(http.MethodGet, routeSubtaskMetrics, err)
	}
	names, err := cleanNames(q.Names)
	if err != nil {
		return VertexMetricsResult{}, c.refuse(http.MethodGet, routeSubtaskMetrics, err)
	}
	query, err := aggregationQuery(q)
	if err != nil {
		return VertexMetricsResult{}, c.refuse(http.MethodGet, routeSubtaskMetrics, err)
	}
	known, fresh, err := c.vertexNames(ctx, job, vertex, false)
	if err != nil {
		return VertexMetricsResult{}, err
	}
	res, unanswered, err := c.aggregate(ctx, job, vertex, names, known, query)
	if err == nil && len(unanswered) > 0 && !fresh {
		// Names we believed present were not answered: the cached list is
		// stale (metrics vanish and reappear around restarts). List again
		// and retry once.
		if known, _, err = c.vertexNames(ctx, job, vertex, true); err != nil {
			return VertexMetricsResult{}, err
		}
		res, unanswered, err = c.aggregate(ctx, job, vertex, names, known, query)
	}
	if err != nil {
		return VertexMetricsResult{}, err
	}
	res.Missing = append(res.Missing, unanswered...)
	return res, nil
}

// aggregate asks for the names in known and reports the others as missing.
// unanswered holds names that were asked for but not in the answer.
func (c *Client) aggregate(ctx context.Context, job JobID, vertex VertexID, names []string, known map[string]struct{}, query url.Values) (res VertexMetricsResult, unanswered []string, err error) {
	res.Metrics = map[string]AggregatedMetric{}
	var present []string
	for _, n := range names {
		if _, ok := known[n]; ok {
			present = append(present, n)
		} else {
			res.Missing = append(res.Missing, n)
		}
	}
	if len(present) == 0 {
		return res, nil, nil
	}
	q := url.Values{"get": {strings.Join(present, ",")}}
	for k, v := range query {
		q[k] = v
	}
	var out []AggregatedMetric
	path := vertexPath(job, vertex) + "/subtasks/metrics"
	if err := c.do(ctx, call{method: http.MethodGet, route: routeSubtaskMetrics, path: path, query: q, out: &out}); err != nil {
		return VertexMetricsResult{}, nil, err
	}
	for _, m := range out {
		if slices.Contains(present, m.ID) { // never a name that was not asked for
			res.Metrics[m.ID] = m
		}
	}
	for _, n := range present {
		if _, ok := res.Metrics[n]; !ok {
			unanswered = append(unanswered, n)
		}
	}
	return res, unanswered, nil
}

// UnmarshalJSON fills aggregations Flink omitted with NaN.
func (m *AggregatedMetric) UnmarshalJSON(b []byte) error {
	type plain AggregatedMetric
	p := plain{Min: nanFloat, Max: nanFloat, Avg: nanFloat, Sum: nanFloat, Skew: nanFloat}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*m = AggregatedMetric(p)
	return nil
}

// VertexMetricNames lists the metric names a vertex's subtasks report,
// sorted. It shares VertexMetrics' cache: a list fetched within
// Config.MetricNamesTTL is served without a call, so discovering names by
// pattern (".pendingRecords" on a source operator) and then asking for them
// costs one call per vertex once warm.
func (c *Client) VertexMetricNames(ctx context.Context, job JobID, vertex VertexID) ([]string, error) {
	if err := validateJobVertex(job, vertex); err != nil {
		return nil, c.refuse(http.MethodGet, routeSubtaskMetrics, err)
	}
	known, _, err := c.vertexNames(ctx, job, vertex, false)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// vertexNames returns the vertex's metric names as a read-only set,
// from the cache unless refresh is set or the entry expired. fresh reports
// whether the list was fetched by this call.
func (c *Client) vertexNames(ctx context.Context, job JobID, vertex VertexID, refresh bool) (names map[string]struct{}, fresh bool, err error) {
	if c.life.Err() != nil { // even a cached list: a closed Client answers nothing
		return nil, false, fmt.Errorf("flinkapi: list metric names of vertex %s: %w", vertex, ErrClosed)
	}
	key := nameKey{job, vertex}
	if !refresh {
		if set, ok := c.names.get(key); ok {
			return set, false, nil
		}
	}
	// Concurrent callers for the same vertex share one listing call. It
	// runs on while any of them waits, and is cancelled when the last one's
	// ctx ends (or the Client is closed); each caller returns as soon as
	// its own ctx ends.
	set, err := c.nameGroup.do(ctx, string(job)+"/"+string(vertex), func(ctx context.Context) (map[string]struct{}, error) {
		list, err := c.metricNames(ctx, routeSubtaskMetrics, vertexPath(job, vertex)+"/subtasks/metrics")
		if err != nil {
			return nil, err
		}
		set := toSet(list)
		// An empty list is not cached: right after a (re)start a vertex has
		// no metrics until the JobManager's fetcher runs (every 10s by
		// default), and caching that would hide them for a whole TTL.
		if len(set) > 0 {
			c.names.put(key, set)
		}
		return set, nil
	})
	if err != nil {
		if err == ErrClosed || err == ctx.Err() { // bare from the group: say what was abandoned
			err = fmt.Errorf("flinkapi: list metric names of vertex %s: %w", vertex, err)
		}
		return nil, false, err
	}
	return set, true, nil
}

func toSet(names []string) map[string]struct{} {
	s := make(map[string]struct{}, len(names))
	for _, n := range names {
		s[n] = struct{}{}
	}
	return s
}

// aggregationQuery renders the agg and subtasks parameters.
func aggregationQuery(q MetricsQuery) (url.Values, error) {
	v := url.Values{}
	if len(q.Aggregations) > 0 {
		aggs := make([]string, 0, len(q.Aggregations))
		for _, a := range q.Aggregations {
			switch a {
			case AggMin, AggMax, AggAvg, AggSum, AggSkew:
			default:
				return nil, fmt.Errorf("%w: unknown aggregation %q", ErrInvalidRequest, a)
			}
			if !slices.Contains(aggs, string(a)) {
				aggs = append(aggs, string(a))
			}
		}
		v.Set("agg", strings.Join(aggs, ","))
	}
	if len(q.Subtasks) > 0 {
		r, err := subtaskRanges(q.Subtasks)
		if err != nil {
			return nil, err
		}
		v.Set("subtasks", r)
	}
	return v, nil
}

// subtaskRanges renders subtask indexes as Flink's range list: "0-3,7".
func subtaskRanges(idx []int) (string, error) {
	s := slices.Clone(idx)
	slices.Sort(s)
	s = slices.Compact(s)
	if s[0] < 0 {
		return "", fmt.Errorf("%w: negative subtask index %d", ErrInvalidRequest, s[0])
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(s[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(s[j]))
		}
		i = j + 1
	}
	return b.String(), nil
}
