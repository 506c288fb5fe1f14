package flinkadvice_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/checkpointing/flinkadvice"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// Alignment and backpressure left unknown by the caller are measured from
// Flink's task metrics, so long-alignment fires without caller facts.
func TestFactsFromTaskMetrics(t *testing.T) {
	aligned := &flinktest.CheckpointingSpec{Interval: time.Minute}
	tests := []struct {
		name      string
		alignNs   []float64 // per subtask of the source vertex
		delayNs   []float64
		bpMs      []float64
		facts     checkpointing.Facts
		wantAlign time.Duration
		wantBP    bool
		codes     []checkpointing.Code
	}{
		{"aligned, backpressured, barriers wait 14 s", []float64{2e9, 12e9, 1e9, 0}, []float64{1e9, 2e9, 0, 0}, []float64{900, 800, 700, 950},
			checkpointing.Facts{}, 14 * time.Second, true, []checkpointing.Code{checkpointing.CodeLongAlignment}},
		{"short alignment: nothing to say", []float64{1e8, 2e8, 0, 0}, nil, []float64{900, 800, 700, 950},
			checkpointing.Facts{}, 200 * time.Millisecond, true, nil},
		{"not backpressured", []float64{2e9, 12e9, 1e9, 0}, nil, []float64{10, 0, 0, 0},
			checkpointing.Facts{}, 12 * time.Second, false, nil},
		{"metrics not reported: facts stay unknown", nil, nil, nil, checkpointing.Facts{}, 0, false, nil},
		// Beyond a Duration, the float conversion gave math.MinInt64: the alignment was lost.
		{"alignment beyond a Duration saturates", []float64{1e19}, []float64{1e19}, []float64{900},
			checkpointing.Facts{}, math.MaxInt64, true, []checkpointing.Code{checkpointing.CodeLongAlignment}},
		{"caller's facts win", []float64{1e8}, nil, []float64{0}, checkpointing.Facts{Alignment: 20 * time.Second, Backpressured: true},
			20 * time.Second, true, []checkpointing.Code{checkpointing.CodeLongAlignment}},
	}
	adv, err := checkpointing.NewAdvisor(checkpointing.AdvisorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, id := serve(t, aligned, []cp{{3, 10e6}, {4, 10e6}})
			p, _ := srv.Parallelism(id)
			for v := range p {
				if tt.alignNs != nil {
					srv.Metrics().SetSubtaskMetric(id, v, "checkpointAlignmentTime", tt.alignNs...)
				}
				if tt.delayNs != nil {
					srv.Metrics().SetSubtaskMetric(id, v, "checkpointStartDelayNanos", tt.delayNs...)
				}
				if tt.bpMs != nil {
					srv.Metrics().SetSubtaskMetric(id, v, "backPressuredTimeMsPerSecond", tt.bpMs...)
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
