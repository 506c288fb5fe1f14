package autoscale

import (
	"math"
	"testing"
	"time"
)

func TestDefaultCurvePerSubtask(t *testing.T) {
	// A vertex scaling as p^0.9 takes in 1000 x p^-0.1 rec/s per subtask.
	sub := func(p int) float64 { return 1000 * math.Pow(float64(p), -0.1) }
	tests := []struct {
		name     string
		measured map[int]float64
		at       int
		want     float64
	}{
		{"measured", map[int]float64{4: 800}, 4, 800},
		{"above one measurement: prior exponent 0.9", map[int]float64{4: 1000}, 8, 1000 * math.Pow(2, -0.1)},
		{"below one measurement: no gain", map[int]float64{4: 1000}, 2, 1000},
		{"between two: power law", map[int]float64{4: sub(4), 16: sub(16)}, 8, sub(8)},
		{"above two: their exponent", map[int]float64{4: sub(4), 16: sub(16)}, 64, sub(64)},
		{"below two: no gain, whatever they say", map[int]float64{4: sub(4), 16: sub(16)}, 1, sub(4)},
		{"above two too close: prior", map[int]float64{10: 1000, 11: 900}, 22, 900 * math.Pow(2, -0.1)},
		{"above two: exponent clamped to 1", map[int]float64{4: 1000, 8: 1100}, 16, 1100},
		{"above two: exponent clamped to 0.5", map[int]float64{4: 1000, 8: 400}, 16, 400 * math.Pow(2, -0.5)},
		{"nothing measured", nil, 4, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m capModel
			for p, s := range tt.measured {
				m.add(time.Time{}, p, s, false, 0)
			}
			got := m.curve().perSubtask(tt.at)
			if math.IsNaN(tt.want) != math.IsNaN(got) || math.Abs(got-tt.want) > 1e-6*tt.want {
				t.Errorf("perSubtask(%d) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestDefaultCapModelMedian(t *testing.T) {
	var m capModel
	for _, s := range []float64{1000, 1010, 990, 5000, 1005, 995, 3000} { // two spoilt windows
		m.add(time.Time{}, 3, s, false, 0)
	}
	// The last five are 990, 5000, 1005, 995, 3000: their median is 1005.
	if got := m.curve().perSubtask(3); got != 1005 {
		t.Errorf("perSubtask(3) = %v, want the median of the last five, 1005", got)
	}
}

func TestDefaultMaxShare(t *testing.T) {
	src := Vertex{ID: "s", MaxParallelism: 128, Source: &Source{Partitions: 48}}
	unknown := Vertex{ID: "u", MaxParallelism: 128, Source: &Source{}}
	keyed := Vertex{ID: "k", MaxParallelism: 128}
	tests := []struct {
		name       string
		v          Vertex
		keyed      bool
		p          int
		backlogged bool
		want       float64
	}{
		{"source: ceil(48/10) of 48 partitions", src, false, 10, false, 5.0 / 48},
		{"source with a backlog: every subtask reads", src, false, 10, true, 1.0 / 10},
		{"source above its partitions", src, false, 64, false, 1.0 / 48},
		{"source with unknown partitions", unknown, false, 7, false, 1.0 / 7},
		{"keyed: ceil(128/43) of 128 key groups", keyed, true, 43, false, 3.0 / 128},
		{"rebalance", keyed, false, 43, false, 1.0 / 43},
	}
	for _, tt := range tests {
		if got := maxShare(tt.v, tt.keyed, tt.p, tt.backlogged); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: maxShare = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The smallest parallelism that covers a need goes where the busiest
// subtask's share drops, not to a divisor.
func TestDefaultSmallestAligns(t *testing.T) {
	flat := func(s float64) curve { return curve{p: []int{1, 1 << 15}, s: []float64{s, s}} } // linear
	src := Vertex{ID: "s", MaxParallelism: 128, Source: &Source{Partitions: 48}}
	keyed := Vertex{ID: "k", MaxParallelism: 128}
	tests := []struct {
		name   string
		v      Vertex
		keyed  bool
		c      curve
		limit  int
		need   float64
		want   int
		wantOK bool
	}{
		{"source: 5 partitions per subtask at 10", src, false, flat(1000), 48, 9600, 10, true},
		{"source: 4 per subtask takes 12, not 11", src, false, flat(1000), 48, 9601, 12, true},
		{"keyed: 3 key groups per subtask at 43, not 64", keyed, true, flat(100), 128, 3201, 43, true},
		{"keyed: exactly 4 per subtask at 32", keyed, true, flat(100), 128, 3200, 32, true},
		{"rebalance: linear", keyed, false, flat(100), 128, 3201, 33, true},
		{"out of reach: the most useful", src, false, flat(1000), 48, 1e6, 48, false},
		{"nothing needed", keyed, false, flat(100), 128, 0, 1, true},
	}
	for _, tt := range tests {
		got, ok := tt.c.smallest(tt.v, tt.keyed, tt.limit, tt.need)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: smallest = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestDefaultTrendSlope(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		rate   func(min int) float64
		points int
		want   float64 // rec/s per second
		tol    float64
		ok     bool
	}{
		{"a ramp of 1 rec/s per minute", func(m int) float64 { return 1000 + float64(m) }, 60, 1.0 / 60, 1e-9, true},
		{"flat with a 10 min burst at the end", func(m int) float64 {
			if m >= 50 {
				return 3000
			}
			return 1000
		}, 60, 0, 1e-9, true},
		{"a ramp with a 10 min burst in the middle", func(m int) float64 {
			r := 1000 + float64(m)
			if m >= 20 && m < 30 {
				r *= 3
			}
			return r
		}, 60, 1.0 / 60, 0.2 / 60, true},
		{"too little history", func(m int) float64 { return 1000 + float64(m) }, 20, 0, 0, false},
	}
	for _, tt := range tests {
		var tr trend
		for m := range tt.points {
			tr.add(start.Add(time.Duration(m)*time.Minute), tt.rate(m), time.Hour)
		}
		got, ok := tr.slope(time.Hour)
		if ok != tt.ok || math.Abs(got-tt.want) > tt.tol {
			t.Errorf("%s: slope = %v, %v; want %v (±%v), %v", tt.name, got, ok, tt.want, tt.tol, tt.ok)
		}
		if n := len(tr.pts); n > trendPoints+1 {
			t.Errorf("%s: %d points kept, want at most %d", tt.name, n, trendPoints+1)
		}
	}
}

func TestDefaultHorizon(t *testing.T) {
	d := &Default{o: DefaultConfig{}.resolve()} // RestartCost 15 min, MaxHorizon 2 h
	react := 90 * time.Second
	tests := []struct {
		name           string
		arrival, slope float64
		want           time.Duration
	}{
		// g = 10%/h: sqrt(2 x 0.25 h / 0.1 per h) = sqrt(5) h, beyond 2 h.
		{"slow growth: capped", 1000, 100.0 / 3600, 2 * time.Hour},
		// g = 50%/h: sqrt(2 x 0.25 / 0.5) = 1 h.
		{"growth of half an hour's worth", 1000, 500.0 / 3600, time.Hour},
		{"falling: sized for now", 1000, -1, react},
		{"steep: at least the reaction time", 1000, 1000, react},
	}
	for _, tt := range tests {
		got := d.horizon(&srcView{arrival: tt.arrival, slope: tt.slope}, react)
		if diff := got - tt.want; diff < -time.Second || diff > time.Second {
			t.Errorf("%s: horizon = %v, want %v", tt.name, got, tt.want)
		}
	}
}
