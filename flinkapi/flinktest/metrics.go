package flinktest

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// MetricsProvider supplies the metrics the server reports. The server asks
// it on every request that shows metrics, with the server's lock held, so
// an implementation must not call back into the Server. A simulator
// implements it to drive the fake JobManager.
type MetricsProvider interface {
	// VertexMetrics returns the metrics of a vertex's subtasks at now.
	VertexMetrics(job flinkapi.JobID, vertex flinkapi.VertexID, parallelism int, now time.Time) VertexMetrics
	// JobMetrics returns job-scope metrics at now (values as strings, as
	// Flink sends them). The server adds numRestarts and uptime itself.
	JobMetrics(job flinkapi.JobID, now time.Time) map[string]string
}

// VertexMetrics are one vertex's metrics.
type VertexMetrics struct {
	// Subtasks holds, per metric name, one value per subtask index. A
	// shorter slice means the later subtasks do not report the metric; NaN
	// is reported as Flink does ("NaN"). The names are what the aggregated
	// endpoint lists.
	Subtasks map[string][]float64
	// IO are the accumulated counters shown in job details.
	IO flinkapi.IOMetrics
}

// MetricStore is a MetricsProvider holding values set by a test. It is the
// Server's default provider. Safe for concurrent use.
type MetricStore struct {
	mu     sync.Mutex
	vertex map[vertexKey]*VertexMetrics
	job    map[flinkapi.JobID]map[string]string
}

type vertexKey struct {
	job    flinkapi.JobID
	vertex flinkapi.VertexID
}

var _ MetricsProvider = (*MetricStore)(nil)

// NewMetricStore returns an empty store.
func NewMetricStore() *MetricStore {
	return &MetricStore{vertex: map[vertexKey]*VertexMetrics{}, job: map[flinkapi.JobID]map[string]string{}}
}

// SetSubtaskMetric sets a metric's value per subtask (index 0 first).
func (m *MetricStore) SetSubtaskMetric(job flinkapi.JobID, vertex flinkapi.VertexID, name string, values ...float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	vm := m.entry(job, vertex)
	vm.Subtasks[name] = slices.Clone(values)
}

// DeleteSubtaskMetric removes a metric, as when a restart unregisters it.
func (m *MetricStore) DeleteSubtaskMetric(job flinkapi.JobID, vertex flinkapi.VertexID, name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entry(job, vertex).Subtasks, name)
}

// SetIO sets a vertex's accumulated IO counters.
func (m *MetricStore) SetIO(job flinkapi.JobID, vertex flinkapi.VertexID, io flinkapi.IOMetrics) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entry(job, vertex).IO = io
}

// SetJobMetric sets a job-scope metric.
func (m *MetricStore) SetJobMetric(job flinkapi.JobID, name, value string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.job[job] == nil {
		m.job[job] = map[string]string{}
	}
	m.job[job][name] = value
}

func (m *MetricStore) entry(job flinkapi.JobID, vertex flinkapi.VertexID) *VertexMetrics {
	k := vertexKey{job, vertex}
	if m.vertex[k] == nil {
		m.vertex[k] = &VertexMetrics{Subtasks: map[string][]float64{}}
	}
	return m.vertex[k]
}

// VertexMetrics implements MetricsProvider.
func (m *MetricStore) VertexMetrics(job flinkapi.JobID, vertex flinkapi.VertexID, _ int, _ time.Time) VertexMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	vm := m.vertex[vertexKey{job, vertex}]
	if vm == nil {
		return VertexMetrics{}
	}
	out := VertexMetrics{Subtasks: make(map[string][]float64, len(vm.Subtasks)), IO: vm.IO}
	for k, v := range vm.Subtasks {
		out.Subtasks[k] = slices.Clone(v)
	}
	return out
}

// JobMetrics implements MetricsProvider.
func (m *MetricStore) JobMetrics(job flinkapi.JobID, _ time.Time) map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]string{}
	for k, v := range m.job[job] {
		out[k] = v
	}
	return out
}

// Metrics returns the server's own metric store (used when Config.Metrics
// is nil).
func (s *Server) Metrics() *MetricStore { return s.store }

// getAggregatedMetrics serves the aggregated subtask metrics with Flink's
// quirks: a bare array; without "get" only the names; and an empty array
// for the whole request when any requested name does not exist.
func (s *Server) getAggregatedMetrics(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	v := j.vertex(flinkapi.VertexID(r.PathValue("vertexid")))
	if v == nil { // Flink's metric store has nothing for it: no error
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	q := r.URL.Query()
	aggs, err := parseAggs(q.Get("agg"))
	if err != nil {
		writeError(w, http.StatusBadRequest, badParams+err.Error())
		return
	}
	subtasks, err := parseRanges(q.Get("subtasks"), v.parallelism)
	if err != nil {
		writeError(w, http.StatusBadRequest, badParams+err.Error())
		return
	}
	vm := s.metrics.VertexMetrics(j.id, v.id, v.parallelism, now)
	if q.Get("get") == "" {
		writeJSON(w, http.StatusOK, nameList(keys(vm.Subtasks)))
		return
	}
	out := []map[string]any{}
	for _, name := range strings.Split(q.Get("get"), ",") {
		values, ok := vm.Subtasks[name]
		if !ok {
			writeJSON(w, http.StatusOK, []any{}) // Flink drops the whole answer
			return
		}
		if m := aggregate(name, values, subtasks, aggs); m != nil {
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// aggregate folds the selected subtasks' values; nil when none reports.
func aggregate(name string, values []float64, subtasks []int, aggs []string) map[string]any {
	var sel []float64
	for _, i := range subtasks {
		if i < len(values) {
			sel = append(sel, values[i])
		}
	}
	if len(sel) == 0 {
		return nil
	}
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, x := range sel {
		sum += x
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	avg := sum / float64(len(sel))
	m := map[string]any{"id": name}
	for _, a := range aggs {
		var x float64
		switch a {
		case "min":
			x = lo
		case "max":
			x = hi
		case "sum":
			x = sum
		case "avg":
			x = avg
		case "skew":
			x = skew(sel, avg)
		}
		m[a] = flinkapi.Float(x)
	}
	return m
}

// skew is Flink's data-skew figure: the mean absolute deviation as a
// percentage of the mean, capped at 100, and 0 when the mean is 0.
func skew(xs []float64, avg float64) float64 {
	if avg == 0 {
		return 0
	}
	dev := 0.0
	for _, x := range xs {
		dev += math.Abs(avg - x)
	}
	return math.Min(dev/float64(len(xs))/avg*100, 100)
}

var allAggs = []string{"min", "max", "avg", "sum", "skew"}

func parseAggs(s string) ([]string, error) {
	if s == "" {
		return allAggs, nil
	}
	var out []string
	for _, a := range strings.Split(s, ",") {
		a = strings.ToLower(strings.TrimSpace(a))
		if !slices.Contains(allAggs, a) {
			return nil, fmt.Errorf("unknown aggregation %q", a)
		}
		out = append(out, a)
	}
	return out, nil
}

// parseRanges parses "0-3,7"; empty means all of [0, n).
func parseRanges(s string, n int) ([]int, error) {
	var out []int
	if s == "" {
		for i := range n {
			out = append(out, i)
		}
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a {
			return nil, fmt.Errorf("bad subtask range %q", part)
		}
		for i := a; i <= b && i < n; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}

type idEntry struct {
	ID string `json:"id"`
}

func nameList(names []string) []idEntry {
	out := []idEntry{}
	for _, n := range sortStrings(names) {
		out = append(out, idEntry{n})
	}
	return out
}

func (s *Server) getJobMetrics(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	m := s.metrics.JobMetrics(j.id, now)
	m[flinkapi.MetricNumRestarts] = strconv.Itoa(j.numRestarts)
	uptime := int64(0)
	if j.state == flinkapi.JobRunning {
		uptime = now.Sub(j.timestamps[flinkapi.JobRunning]).Milliseconds()
	}
	m[flinkapi.MetricUptime] = strconv.FormatInt(uptime, 10)
	writeMetricCollection(w, r, m)
}

// writeMetricCollection answers a plain metric endpoint: the names without
// "get", else the requested values that exist, as a bare array.
func writeMetricCollection(w http.ResponseWriter, r *http.Request, m map[string]string) {
	get := r.URL.Query().Get("get")
	if get == "" {
		writeJSON(w, http.StatusOK, nameList(keys(m)))
		return
	}
	type entry struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	}
	out := []entry{}
	for _, name := range strings.Split(get, ",") {
		if v, ok := m[name]; ok {
			out = append(out, entry{name, v})
		}
	}
	writeJSON(w, http.StatusOK, out)
}
