package flinkadvice_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/checkpointing/flinkadvice"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// Alignment and backpressure left unknown by the caller are measured from
// Flink's task metrics, so long-alignment fires without caller facts. A
// reported 0 is a known 0; what Flink does not report, or a failed call
// leaves unread, stays unknown with its reason.
func TestFactsFromTaskMetrics(t *testing.T) {
	aligned := &flinktest.CheckpointingSpec{Interval: time.Minute}
	known, yes, no := checkpointing.Known[time.Duration], checkpointing.Known(true), checkpointing.Known(false)
	notReported := checkpointing.Unknown[time.Duration](checkpointing.NotReported)
	tests := []struct {
		name      string
		alignNs   []float64 // per subtask of the source vertex
		delayNs   []float64
		bpMs      []float64
		fault     bool // the metrics call fails
		facts     checkpointing.Facts
		wantAlign checkpointing.Figure[time.Duration]
		wantBP    checkpointing.Figure[bool]
		codes     []checkpointing.Code
	}{
		{"aligned, backpressured, barriers wait 14 s", []float64{2e9, 12e9, 1e9, 0}, []float64{1e9, 2e9, 0, 0}, []float64{900, 800, 700, 950}, false,
			checkpointing.Facts{}, known(14 * time.Second), yes, []checkpointing.Code{checkpointing.CodeLongAlignment}},
		{"short alignment: nothing to say", []float64{1e8, 2e8, 0, 0}, nil, []float64{900, 800, 700, 950}, false,
			checkpointing.Facts{}, known(200 * time.Millisecond), yes, nil},
		{"barriers do not wait: a known 0", []float64{0, 0, 0, 0}, []float64{0, 0, 0, 0}, []float64{900, 800, 700, 950}, false,
			checkpointing.Facts{}, known(0), yes, nil},
		{"not backpressured", []float64{2e9, 12e9, 1e9, 0}, nil, []float64{10, 0, 0, 0}, false,
			checkpointing.Facts{}, known(12 * time.Second), no, nil},
		{"metrics not reported: facts stay unknown", nil, nil, nil, false,
			checkpointing.Facts{}, notReported, checkpointing.Unknown[bool](checkpointing.NotReported), nil},
		{"metrics call fails: facts stay unknown", []float64{2e9}, nil, []float64{900}, true,
			checkpointing.Facts{}, checkpointing.Unknown[time.Duration](checkpointing.ReadFailed), checkpointing.Unknown[bool](checkpointing.ReadFailed), nil},
		// Beyond a Duration, the float conversion gave math.MinInt64: the alignment was lost.
		{"alignment beyond a Duration saturates", []float64{1e19}, []float64{1e19}, []float64{900}, false,
			checkpointing.Facts{}, known(math.MaxInt64), yes, []checkpointing.Code{checkpointing.CodeLongAlignment}},
		{"caller's facts win", []float64{1e8}, nil, []float64{0}, false, checkpointing.Facts{Alignment: checkpointing.Known(20 * time.Second), Backpressured: checkpointing.Known(true)},
			known(20 * time.Second), yes, []checkpointing.Code{checkpointing.CodeLongAlignment}},
	}
	adv, err := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, id := serve(t, aligned, []cp{{3, 10e6}, {4, 10e6}})
			p, _ := srv.Parallelism(id)
			for v := range p {
				if tt.alignNs != nil {
					srv.Metrics().SetSubtaskMetric(id, v, flinkapi.MetricCheckpointAlignmentTime, tt.alignNs...)
				}
				if tt.delayNs != nil {
					srv.Metrics().SetSubtaskMetric(id, v, flinkapi.MetricCheckpointStartDelay, tt.delayNs...)
				}
				if tt.bpMs != nil {
					srv.Metrics().SetSubtaskMetric(id, v, flinkapi.MetricBackPressuredTime, tt.bpMs...)
				}
			}
			if tt.fault {
				if err := srv.InjectFault("GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics", flinktest.Fault{Status: 500, Times: -1}); err != nil {
					t.Fatal(err)
				}
			}
			obs, err := flinkadvice.Observe(context.Background(), c, flinkadvice.Job{ID: id, Facts: tt.facts})
			if err != nil {
				t.Fatal(err)
			}
			if obs.Facts.Alignment != tt.wantAlign || obs.Facts.Backpressured != tt.wantBP {
				t.Errorf("facts: alignment %v backpressured %v; want %v, %v", obs.Facts.Alignment, obs.Facts.Backpressured, tt.wantAlign, tt.wantBP)
			}
			fs, err := adv.Advise(start.Add(10*time.Second), obs)
			if err != nil {
				t.Fatal(err)
			}
			var codes []checkpointing.Code
			for _, f := range fs {
				codes = append(codes, f.Code)
			}
			if !slices.Equal(codes, tt.codes) {
				t.Errorf("codes %v, want %v", codes, tt.codes)
			}
		})
	}
}
