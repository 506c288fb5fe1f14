package sim_test

import (
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale/sim"
)

func rate(tr sim.Trace, src sim.TraceSource, at time.Duration) float64 {
	if src.Partitions == 0 {
		src.Partitions = 3
	}
	r := make([]float64, src.Partitions)
	tr.Rates(src, at, r)
	return r[0]
}

func TestTraces(t *testing.T) {
	h := time.Hour
	bursty := sim.Bursty{Base: 10, Seed: 4}
	bursts := bursty.Bursts(24 * h)
	if len(bursts) < 5 || len(bursts) > 20 {
		t.Fatalf("%d bursts in a day, want about 12", len(bursts))
	}
	b := bursts[0]
	mid := b.Start + (b.End-b.Start)/2
	tests := []struct {
		name string
		tr   sim.Trace
		src  sim.TraceSource
		at   time.Duration
		want float64
	}{
		{"steady", sim.Steady{Rate: 7}, sim.TraceSource{}, 5 * h, 7},
		{"diurnal trough", sim.Diurnal{Trough: 100}, sim.TraceSource{}, 2 * h, 100},
		{"diurnal peak", sim.Diurnal{Trough: 100}, sim.TraceSource{}, 14 * h, 500},
		{"diurnal halfway", sim.Diurnal{Trough: 100}, sim.TraceSource{}, 8 * h, 300},
		{"diurnal next day", sim.Diurnal{Trough: 100}, sim.TraceSource{}, 38 * h, 500},
		{"spike before", sim.Spike{Base: 10}, sim.TraceSource{}, 2*h - time.Second, 10},
		{"spike during", sim.Spike{Base: 10}, sim.TraceSource{}, 2*h + 9*time.Minute, 40},
		{"spike after", sim.Spike{Base: 10}, sim.TraceSource{}, 2*h + 10*time.Minute, 10},
		{"burst", bursty, sim.TraceSource{}, mid, 10 * b.Factor},
		{"between bursts", bursty, sim.TraceSource{}, b.End, 10},
		{"pipeline 0 peak", sim.MultiPipeline{Diurnal: sim.Diurnal{Trough: 1}}, sim.TraceSource{Index: 0}, 14 * h, 5},
		{"pipeline 1 peak", sim.MultiPipeline{Diurnal: sim.Diurnal{Trough: 1}}, sim.TraceSource{Index: 1}, 20 * h, 5},
		{"pipeline 2 trough", sim.MultiPipeline{Diurnal: sim.Diurnal{Trough: 1}}, sim.TraceSource{Index: 2}, 14 * h, 1},
		{"pipeline 5 = 1", sim.MultiPipeline{Diurnal: sim.Diurnal{Trough: 1}}, sim.TraceSource{Index: 5}, 20 * h, 5},
	}
	for _, tt := range tests {
		if got := rate(tt.tr, tt.src, tt.at); !near(got, tt.want, 1e-9*tt.want) {
			t.Errorf("%s: rate at %v = %g, want %g", tt.name, tt.at, got, tt.want)
		}
	}
	for _, x := range bursts {
		if x.Factor < 2 || x.Factor > 4 || x.End-x.Start < 2*time.Minute || x.End-x.Start > 15*time.Minute {
			t.Errorf("burst %+v outside the defaults", x)
		}
	}
	if again := bursty.Bursts(24 * h); !slices.Equal(again, bursts) {
		t.Error("the same seed gave other bursts")
	}
	if other := (sim.Bursty{Base: 10, Seed: 5}).Bursts(24 * h); slices.Equal(other, bursts) {
		t.Error("another seed gave the same bursts")
	}
}
