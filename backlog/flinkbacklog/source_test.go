package flinkbacklog_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

const (
	src  = flinkapi.VertexID("0a448493b4782967b150582570326227")
	src2 = flinkapi.VertexID("1b448493b4782967b150582570326227")
	agg  = flinkapi.VertexID("ea632d67b7d595e5b851708ae9ad79d6")
)

// twoSources: two source vertices feeding one aggregation.
func twoSources(t *testing.T) (*flinktest.Server, *flinkapi.Client, flinkapi.JobID) {
	t.Helper()
	srv := flinktest.Start(t, flinktest.Config{})
	id, _, err := srv.AddJob(flinktest.JobSpec{Vertices: []flinktest.VertexSpec{
		{ID: src, Name: "Source: orders", Parallelism: 2},
		{ID: src2, Name: "Source: payments", Parallelism: 3},
		{ID: agg, Parallelism: 2, Inputs: []flinktest.Input{{From: src}, {From: src2}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	// The aggregation has metrics too; it must not be read as a source.
	srv.Metrics().SetSubtaskMetric(id, agg, "busyTimeMsPerSecond", 1, 2)
	return srv, c, id
}

func newSource(t *testing.T, c *flinkapi.Client, id flinkapi.JobID, vs ...flinkapi.VertexID) *flinkbacklog.Source {
	t.Helper()
	s, err := flinkbacklog.New(flinkbacklog.Config{Client: c, Job: id, Vertices: vs})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBacklogFromFlinkMetrics(t *testing.T) {
	type want struct {
		key     backlog.Key
		records string
		bytes   string
	}
	tests := []struct {
		name    string
		metrics map[flinkapi.VertexID]map[string][]float64
		want    []want
		total   string
	}{
		{"FLIP-27 pendingRecords", map[flinkapi.VertexID]map[string][]float64{
			src:  {"Source__orders.pendingRecords": {100, 200}, "Source__orders.numRecordsInPerSecond": {5, 5}},
			src2: {"Source__payments.pendingRecords": {0, 0, 7}},
		}, []want{
			{backlog.VertexSplit(string(src), ""), "300", "unknown (metric not reported)"},
			{backlog.VertexSplit(string(src2), ""), "7", "unknown (metric not reported)"},
		}, "307"},
		{"Beam gauges", map[flinkapi.VertexID]map[string][]float64{
			src:  {"Source__orders.source_backlog_elements": {10, 20}, "Source__orders.source_backlog_bytes": {1000, 2000}},
			src2: {"Source__payments.source_backlog_elements": {1, 1, 1}},
		}, []want{
			{backlog.VertexSplit(string(src), ""), "30", "3000"},
			{backlog.VertexSplit(string(src2), ""), "3", "unknown (metric not reported)"},
		}, "33"},
		{"Beam BACKLOG_UNKNOWN (-1) on one subtask", map[flinkapi.VertexID]map[string][]float64{
			src:  {"Source__orders.source_backlog_elements": {50, -1}},
			src2: {"Source__payments.pendingRecords": {1, 1, 1}},
		}, []want{
			{backlog.VertexSplit(string(src), ""), "unknown (invalid value reported)", "unknown (metric not reported)"},
			{backlog.VertexSplit(string(src2), ""), "3", "unknown (metric not reported)"},
		}, "unknown (some partitions unknown)"},
		{"NaN gauge", map[flinkapi.VertexID]map[string][]float64{
			src:  {"Source__orders.pendingRecords": {math.NaN(), 3}},
			src2: {"Source__payments.pendingRecords": {1, 1, 1}},
		}, []want{
			{backlog.VertexSplit(string(src), ""), "unknown (invalid value reported)", "unknown (metric not reported)"},
			{backlog.VertexSplit(string(src2), ""), "3", "unknown (metric not reported)"},
		}, "unknown (some partitions unknown)"},
		{"huge gauges of chained operators saturate, never wrap negative", map[flinkapi.VertexID]map[string][]float64{
			src:  {"a.pendingRecords": {1 << 62}, "b.pendingRecords": {1 << 62}, "c.pendingRecords": {1 << 62}},
			src2: {"Source__payments.pendingRecords": {1, 1, 1}},
		}, []want{
			{backlog.VertexSplit(string(src), ""), "9223372036854775807", "unknown (metric not reported)"},
			{backlog.VertexSplit(string(src2), ""), "3", "unknown (metric not reported)"},
		}, "9223372036854775807"},
		{"no backlog metric at all is unknown, not zero", map[flinkapi.VertexID]map[string][]float64{
			src:  {"Source__orders.numRecordsInPerSecond": {5, 5}},
			src2: {"Source__payments.numRecordsInPerSecond": {5, 5, 5}},
		}, []want{
			{backlog.VertexSplit(string(src), ""), "unknown (metric not reported)", "unknown (metric not reported)"},
			{backlog.VertexSplit(string(src2), ""), "unknown (metric not reported)", "unknown (metric not reported)"},
		}, "unknown (metric not reported)"},
		{"Beam per-split gauges replace the vertex total", map[flinkapi.VertexID]map[string][]float64{
			src: {
				"Source__orders.source_backlog_elements":            {999, 999},
				"Source__orders.source_splits_0_backlog_elements":   {40},
				"Source__orders.source_splits_0_backlog_bytes":      {400},
				"Source__orders.source_splits_1_backlog_elements":   {0, 60},
				"Source__orders.source_splits_x_y_backlog_bytes":    {5},
				"Source__orders.source_splits_x_y_backlog_elements": {1},
			},
			src2: {"Source__payments.pendingRecords": {0, 0, 0}},
		}, []want{
			{backlog.VertexSplit(string(src), "0"), "40", "400"},
			{backlog.VertexSplit(string(src), "1"), "60", "unknown (metric not reported)"},
			{backlog.VertexSplit(string(src), "x_y"), "1", "5"},
			{backlog.VertexSplit(string(src2), ""), "0", "unknown (metric not reported)"},
		}, "101"},
		// Current Beam (KafkaUnboundedReader): per-split gauges only, no
		// vertex total, set when the runner takes a checkpoint mark; between
		// checkpoints backlog_bytes holds one partition's backlog in records,
		// and before the first checkpoint only backlog_bytes is set, to 0.
		{"current Beam: a split's bytes gauge not above its records is no byte count", map[flinkapi.VertexID]map[string][]float64{
			src: {
				"Source__orders.source_splits_0_backlog_elements": {500},
				"Source__orders.source_splits_0_backlog_bytes":    {200}, // partition 1's 200 records
				"Source__orders.source_splits_1_backlog_elements": {300},
				"Source__orders.source_splits_1_backlog_bytes":    {300}, // its only partition's records
				"Source__orders.source_splits_2_backlog_elements": {0},
				"Source__orders.source_splits_2_backlog_bytes":    {0},
				"Source__orders.source_splits_3_backlog_elements": {10},
				"Source__orders.source_splits_3_backlog_bytes":    {1000}, // at a checkpoint: 10 records of 100 bytes
			},
			src2: {"Source__payments.source_splits_4_backlog_bytes": {0}}, // before its first checkpoint
		}, []want{
			{backlog.VertexSplit(string(src), "0"), "500", "unknown (invalid value reported)"},
			{backlog.VertexSplit(string(src), "1"), "300", "unknown (invalid value reported)"},
			{backlog.VertexSplit(string(src), "2"), "0", "0"},
			{backlog.VertexSplit(string(src), "3"), "10", "1000"},
			{backlog.VertexSplit(string(src2), "4"), "unknown (metric not reported)", "unknown (invalid value reported)"},
		}, "unknown (some partitions unknown)"},
		// Beam 2.70.0's classic runner on Flink 1.19.3, figures from the real
		// tier (TestRealBeamSource): the split gauges change at checkpoints,
		// pendingBytes on every fetch. Kafka's lag was 10,488 records.
		{"Beam: the live pendingBytes scales the checkpoint-time split gauges", map[flinkapi.VertexID]map[string][]float64{
			src: {
				"Source__orders.source_splits_0_backlog_elements": {10938},
				"Source__orders.source_splits_0_backlog_bytes":    {66102},
				"Source__orders.pendingBytes":                     {63332},
			},
			src2: {
				"Source__payments.pendingRecords": {7, 0},
				"Source__payments.pendingBytes":   {700, 0},
			},
		}, []want{
			{backlog.VertexSplit(string(src), "0"), "10480", "63332"},
			{backlog.VertexSplit(string(src2), ""), "7", "700"},
		}, "10487"},
		// Caught up: the gauges keep their last values, pendingBytes is 0.
		{"Beam caught up: pendingBytes 0 overrides the frozen split gauges", map[flinkapi.VertexID]map[string][]float64{
			src: {
				"Source__orders.source_splits_0_backlog_elements": {438},
				"Source__orders.source_splits_0_backlog_bytes":    {3012},
				"Source__orders.source_splits_1_backlog_elements": {5},
				"Source__orders.source_splits_1_backlog_bytes":    {40},
				"Source__orders.pendingBytes":                     {0, 0},
			},
			src2: {
				"Source__payments.source_backlog_elements": {12},
				"Source__payments.source_backlog_bytes":    {120},
				"Source__payments.pendingBytes":            {60},
			},
		}, []want{
			{backlog.VertexSplit(string(src), "0"), "0", "0"},
			{backlog.VertexSplit(string(src), "1"), "0", "0"},
			{backlog.VertexSplit(string(src2), ""), "6", "60"},
		}, "6"},
		{"Beam: unknown pendingBytes leaves the gauges; a backlog the gauges do not show is unknown", map[flinkapi.VertexID]map[string][]float64{
			src: {
				"Source__orders.source_splits_0_backlog_elements": {300},
				"Source__orders.source_splits_0_backlog_bytes":    {3000},
				"Source__orders.pendingBytes":                     {-1},
			},
			src2: {
				"Source__payments.source_splits_0_backlog_elements": {0},
				"Source__payments.source_splits_0_backlog_bytes":    {0},
				"Source__payments.pendingBytes":                     {500},
			},
		}, []want{
			{backlog.VertexSplit(string(src), "0"), "300", "3000"},
			{backlog.VertexSplit(string(src2), "0"), "unknown (invalid value reported)", "unknown (invalid value reported)"},
		}, "unknown (some partitions unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, id := twoSources(t)
			for v, ms := range tt.metrics {
				for name, vals := range ms {
					srv.Metrics().SetSubtaskMetric(id, v, name, vals...)
				}
			}
			snap, err := newSource(t, c, id).Backlog(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if snap.Source != "flink" || snap.Group != string(id) || len(snap.Errors) != 0 {
				t.Errorf("snapshot header: source %q group %q errors %v", snap.Source, snap.Group, snap.Errors)
			}
			if len(snap.Partitions) != len(tt.want) {
				t.Fatalf("%d entries, want %d: %+v", len(snap.Partitions), len(tt.want), snap.Partitions)
			}
			for i, w := range tt.want {
				p := snap.Partitions[i]
				if p.Key != w.key || p.Records.String() != w.records || p.Bytes.String() != w.bytes || p.TimeLag.Known() {
					t.Errorf("entry %d = %v records %s bytes %s lag %s; want %v records %s bytes %s, lag unknown",
						i, p.Key, p.Records, p.Bytes, p.TimeLag, w.key, w.records, w.bytes)
				}
			}
			if got := snap.Totals().Records.String(); got != tt.total {
				t.Errorf("total records %s, want %s", got, tt.total)
			}
		})
	}
}

// Warm, a snapshot costs one job-details call and one metrics call per
// source vertex; the non-source vertex is never read.
func TestRequestsPerSnapshot(t *testing.T) {
	srv, c, id := twoSources(t)
	srv.Metrics().SetSubtaskMetric(id, src, "Source__orders.pendingRecords", 1, 2)
	srv.Metrics().SetSubtaskMetric(id, src2, "Source__payments.pendingRecords", 1, 2, 3)
	s := newSource(t, c, id)
	ctx := context.Background()
	for i, want := range []int{1 + 2*2, 1 + 2} {
		srv.ResetRequests()
		if _, err := s.Backlog(ctx); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		if len(reqs) != want {
			t.Errorf("snapshot %d: %d requests, want %d", i, len(reqs), want)
		}
		for _, r := range reqs {
			if r.Path == "/jobs/"+string(id)+"/vertices/"+string(agg)+"/subtasks/metrics" {
				t.Errorf("snapshot %d read the non-source vertex", i)
			}
		}
	}
}

func TestVertexFailureIsScoped(t *testing.T) {
	srv, c, id := twoSources(t)
	srv.Metrics().SetSubtaskMetric(id, src2, "Source__payments.pendingRecords", 4, 4, 4)
	s := newSource(t, c, id, src, src2) // explicit vertices: src first
	if err := srv.InjectFault("GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics", flinktest.Fault{Status: 500}); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Backlog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Errors) != 1 || snap.Errors[0].Scope != "vertex "+string(src) {
		t.Fatalf("errors = %+v, want one for the first source vertex", snap.Errors)
	}
	if len(snap.Partitions) != 1 || snap.Partitions[0].Records.String() != "12" {
		t.Errorf("entries = %+v, want the second source with 12", snap.Partitions)
	}
	if snap.Totals().Records.Known() {
		t.Error("total records known although a source vertex could not be read")
	}
}

func TestJobErrors(t *testing.T) {
	_, c, _ := twoSources(t)
	s := newSource(t, c, "ffffffffffffffffffffffffffffffff")
	if _, err := s.Backlog(context.Background()); !errors.Is(err, flinkapi.ErrNotFound) {
		t.Errorf("unknown job: %v, want ErrNotFound", err)
	}
	for _, cfg := range []flinkbacklog.Config{
		{Job: "ffffffffffffffffffffffffffffffff"},
		{Client: c, Job: "nope"},
		{Client: c, Job: "ffffffffffffffffffffffffffffffff", Vertices: []flinkapi.VertexID{"x"}},
	} {
		if _, err := flinkbacklog.New(cfg); !errors.Is(err, flinkbacklog.ErrInvalidConfig) {
			t.Errorf("New(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}
