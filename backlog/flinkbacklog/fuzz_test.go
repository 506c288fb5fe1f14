package flinkbacklog

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// FuzzParseName parses metric names as a JobManager lists them (untrusted
// input): never a panic, a kind in range, and a split only for the split
// kinds, non-empty and taken from the name.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"pendingRecords", "Source__orders.pendingRecords", "Source__orders.source_backlog_elements",
		"source_backlog_bytes", "Source__orders.source_splits_0_backlog_elements",
		"Source__orders.source_splits_x_y_backlog_bytes", "source_splits__backlog_bytes",
		"xsource_splits_1_backlog_bytes", "source.splits.backlog_elements", ".", "", "source.splits.",
		"a.source_splits_source_splits_2_backlog_elements_backlog_bytes", "\xff.pendingRecords",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		m := parseName(name)
		if m.name != name {
			t.Fatalf("name %q kept as %q", name, m.name)
		}
		switch m.kind {
		case kindNone, kindPending, kindElements, kindBytes:
			if m.split != "" {
				t.Fatalf("%q: kind %d with split %q", name, m.kind, m.split)
			}
		case kindSplitElements, kindSplitBytes:
			if m.split == "" || !strings.Contains(name, "source_splits_"+m.split+"_backlog_") {
				t.Fatalf("%q: split %q not from the name", name, m.split)
			}
		default:
			t.Fatalf("%q: kind %d out of range", name, m.kind)
		}
		if m.kind == kindPending && !strings.HasSuffix(name, flinkapi.MetricPendingRecords) {
			t.Fatalf("%q read as pendingRecords", name)
		}
	})
}

// FuzzEntries turns arbitrary listed names and reported values (NaN,
// infinite, negative, huge) into backlog entries: never a panic, never a
// known negative figure, never an entry without a key, and the totals
// never negative either.
func FuzzEntries(f *testing.F) {
	f.Add("Source__orders.pendingRecords", 100.0, 300.0, 1)
	f.Add("Source__orders.source_backlog_elements\nSource__orders.source_backlog_bytes", -1.0, 5.0, 2)
	f.Add("a.pendingRecords\nb.pendingRecords\nc.pendingRecords", 1.0, float64(math.MaxInt64/2), 3) // three huge gauges: the sum saturates
	f.Add("source_splits_0_backlog_elements\nsource_splits_0_backlog_bytes", math.NaN(), math.Inf(1), 0)
	f.Add("x.source_splits_a_b_backlog_bytes", 0.0, 1e300, 1)
	f.Fuzz(func(t *testing.T, listed string, lo, sum float64, reported int) {
		var found []metricName
		res := flinkapi.VertexMetricsResult{Metrics: map[string]flinkapi.AggregatedMetric{}}
		for i, n := range strings.Split(listed, "\n") {
			m := parseName(n)
			if m.kind == kindNone {
				continue
			}
			found = append(found, m)
			if i < reported {
				res.Metrics[n] = flinkapi.AggregatedMetric{ID: n, Min: flinkapi.Float(lo), Sum: flinkapi.Float(sum)}
			}
		}
		es := entries("0a448493b4782967b150582570326227", found, res)
		if len(es) == 0 {
			t.Fatal("no entry")
		}
		snap := backlog.Snapshot{Partitions: es}
		snap.Sort()
		for _, e := range es {
			if e.Key.Vertex == "" {
				t.Fatalf("entry without a vertex: %+v", e)
			}
			known(t, "records", e.Records)
			known(t, "bytes", e.Bytes)
			known(t, "time lag", e.TimeLag)
		}
		tot := snap.Totals()
		known(t, "total records", tot.Records)
		known(t, "total bytes", tot.Bytes)
	})
}

// known fails on a known negative figure or an unknown one without a
// reason.
func known[T int64 | time.Duration](t *testing.T, what string, f backlog.Figure[T]) {
	t.Helper()
	if v, ok := f.Value(); ok && v < 0 {
		t.Fatalf("%s: known negative %v", what, v)
	}
	if !f.Known() && f.Reason() == "" {
		t.Fatalf("%s: unknown without a reason", what)
	}
}
