package autoscale

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// win builds a window of one vertex "v" from figures one minute apart.
func win(fs ...figures) *window {
	w := &window{}
	for i, f := range fs {
		w.samples = append(w.samples, sample{t: t0.Add(time.Duration(i) * time.Minute), v: map[string]figures{"v": f}})
	}
	return w
}

func in(x float64) figures {
	return figures{in: x, out: math.NaN(), busy: math.NaN(), bp: math.NaN(), lag: math.NaN(), observedTPR: math.NaN()}
}

func busy(x float64) figures { f := in(math.NaN()); f.busy = x; return f }

func near(a, b float64) bool { return a == b || math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// Rate of a counter over the window = (last - first) / (t_last - t_first),
// over the first and last samples that have it; missing when the newest
// sample lacks it (house rule) or fewer than two samples have it.
func TestWindowRate(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name string
		w    *window
		want float64
	}{
		{"two samples", win(in(100), in(700)), 600.0 / 60},
		{"gap in the middle", win(in(100), in(nan), in(1300)), 1200.0 / 120},
		{"first missing", win(in(nan), in(100), in(160)), 1},
		{"newest missing", win(in(100), in(700), in(nan)), nan},
		{"one sample", win(in(100)), nan},
		{"empty", &window{}, nan},
		{"reset within the window", win(in(100), in(50), in(700)), nan},
		{"reset to the first", win(in(100), in(700), in(100)), nan},
		{"reset across a gap", win(in(900), in(nan), in(100), in(300)), nan},
		{"flat counter", win(in(100), in(100), in(100)), 0},
	} {
		if got := c.w.rate("v", fIn); !near(got, c.want) && !(math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("%s: rate %v, want %v", c.name, got, c.want)
		}
	}
}

// Averages skip missing samples; infinite ones count only when nothing
// else is there; fewer than minN finite samples give NaN.
func TestWindowMean(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name string
		w    *window
		minN int
		want float64
	}{
		{"mean", win(busy(0.5), busy(nan), busy(0.7)), 1, 0.6},
		{"infinite skipped", win(busy(inf), busy(0.4)), 1, 0.4},
		{"only infinite", win(busy(inf), busy(inf)), 2, inf},
		{"too few", win(busy(0.5), busy(nan)), 2, nan},
	} {
		if got := c.w.mean("v", fBusy, c.minN); !near(got, c.want) && !(math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("%s: mean %v, want %v", c.name, got, c.want)
		}
	}
}

// Observed TPR of a source = inputRate / (1 - backpressured), measured
// while catching up (backlog >= 30 s x inputRate); otherwise the average
// of the earlier samples' observed rates (at least 2), and +Inf without
// input.
func TestObservedTPR(t *testing.T) {
	o := OperatorCompatibleConfig{}.resolve()
	cur := func(records, lag, bp float64) figures {
		f := in(records)
		f.lag, f.bp = lag, bp
		return f
	}
	prev := win(in(0)) // 0 records at t0; the new sample is at t0 + 60 s
	at := t0.Add(time.Minute)
	// 60,000 records in 60 s = 1,000 rec/s; 30 s of it is 30,000 records.
	if got, want := prev.observedTPR("v", at, time.Time{}, cur(60000, 40000, 0.2), o), 1000/(1-0.2); !near(got, want) {
		t.Errorf("catching up: %v, want %v", got, want)
	}
	if got := prev.observedTPR("v", at, time.Time{}, cur(60000, 20000, 0.2), o); !math.IsNaN(got) {
		t.Errorf("not catching up, no history: %v, want NaN", got)
	}
	hist := win(in(0), in(0))
	hist.samples[0].v["v"] = figures{in: 0, observedTPR: 1100}
	hist.samples[1].v["v"] = figures{in: 0, observedTPR: 1300}
	if got := hist.observedTPR("v", at.Add(time.Minute), time.Time{}, cur(60000, 0, 0), o); got != 1200 {
		t.Errorf("not catching up: %v, want the earlier average 1200", got)
	}
	if got := prev.observedTPR("v", at, time.Time{}, cur(0, 1e9, 0), o); !math.IsInf(got, 1) {
		t.Errorf("no input: %v, want +Inf", got)
	}
	// The first sample after a restart measures from the restart, at 0.
	if got := (&window{}).observedTPR("v", at, t0, cur(60000, 1e6, 0.5), o); got != 2000 {
		t.Errorf("from the restart: %v, want 1000 / (1 - 0.5) = 2000", got)
	}
}

// Target capacity = round(catchUp + target x restart / catchUpDuration +
// target / utilization), defaults restart 5 min and catch-up 30 min; the
// scale-up threshold (utilization max 1.0) omits the restart term; the
// scale-down threshold (utilization min 0.4) keeps it; +Inf at 0.
func TestCapacity(t *testing.T) {
	p, _ := NewOperatorCompatible(OperatorCompatibleConfig{})
	ev := &vertexEval{target: 1000, catchUp: 100}
	for _, c := range []struct {
		name    string
		u       float64
		restart bool
		want    float64
	}{
		{"target utilization", 0.7, true, math.Round(100 + 1000*300.0/1800 + 1000/0.7)}, // 1695
		{"scale-up threshold", 1.0, false, 1100},
		{"scale-down threshold", 0.4, true, math.Round(100 + 1000*300.0/1800 + 1000/0.4)}, // 2767
		{"backlog mode lower bound", 0, true, math.Inf(1)},
		{"above 1 acts as 1", 1.1, false, 1100},
	} {
		if got := p.capacity(ev, c.u, c.restart); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	noCatchUp, _ := NewOperatorCompatible(OperatorCompatibleConfig{CatchUpDuration: -1})
	if got := noCatchUp.capacity(&vertexEval{target: 700}, 0.7, true); got != 1000 {
		t.Errorf("catch-up disabled: %v, want 700 / 0.7 = 1000 (no restart term)", got)
	}
	if got := p.capacity(&vertexEval{target: math.NaN()}, 0.7, true); !math.IsNaN(got) {
		t.Errorf("missing target: %v, want NaN", got)
	}
}

// newP = ceil(factor x p), clamped to [min(p, vertex.min-parallelism 1),
// min(maxParallelism, max(p, vertex.max-parallelism 200))].
func TestScaleRoundsUpAndClamps(t *testing.T) {
	p, _ := NewOperatorCompatible(OperatorCompatibleConfig{})
	for _, c := range []struct {
		name      string
		cur, maxP int
		factor    float64
		want      int
	}{
		{"rounds up", 10, 1000, 2.34, 24},           // ceil(23.4)
		{"exact", 10, 1000, 0.5, 5},                 // ceil(5.0)
		{"vertex max 200", 10, 1000, 30, 200},       // ceil(300) -> 200
		{"max parallelism", 10, 128, 30, 128},       // ceil(300) -> 128
		{"above 200 may stay", 250, 1000, 1.2, 250}, // upper limit max(250, 200)
		{"at least 1", 3, 1000, 0.0001, 1},
		{"unknown max parallelism", 10, 0, 30, 200},
	} {
		v := Vertex{ID: "v", Parallelism: c.cur, MaxParallelism: c.maxP}
		if got, _ := p.scale(v, false, c.factor); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// Alignment for a source with N partitions, or a vertex behind a keyBy
// (N = key groups): search upward from newP for a divisor of N, to
// min(N, upper limit) on a scale-up and to the current parallelism on a
// scale-down; else fall back downward to the fewest subtasks with the same
// share N / newP, keeping the current parallelism if that reverses the
// direction.
func TestAlign(t *testing.T) {
	for _, c := range []struct {
		name                       string
		cur, newP, n, limit, lower int
		want                       int
	}{
		{"up to a divisor of 16 partitions", 4, 11, 16, 16, 1, 16},
		{"up to a divisor of 7 partitions", 3, 5, 7, 7, 1, 7},
		{"down to a divisor between newP and current", 12, 5, 16, 16, 1, 8},
		{"down blocked: the only divisor is the current", 8, 5, 16, 16, 1, 8},
		{"key groups", 10, 70, 128, 128, 1, 128},
		{"key groups above the limit: fall back to 64", 10, 70, 128, 100, 1, 64},
		{"fallback to a non-divisor", 10, 35, 100, 40, 1, 34},
		{"never more subtasks than partitions", 4, 15, 10, 10, 1, 10},
		{"at the partitions: blocked", 10, 15, 10, 10, 1, 10},
	} {
		if got := align(c.cur, c.newP, c.n, c.limit, c.lower); got != c.want {
			t.Errorf("%s: align(cur %d, newP %d, N %d, limit %d) = %d, want %d", c.name, c.cur, c.newP, c.n, c.limit, got, c.want)
		}
	}
}

// A delayed scale-down takes the largest recommendation made within the
// last scale-down.interval.
func TestPendingWindowMaximum(t *testing.T) {
	pd := &pending{first: t0}
	for _, r := range []recommendation{{t: t0, p: 5}, {t: t0.Add(10 * time.Minute), p: 7}, {t: t0.Add(20 * time.Minute), p: 4}} {
		pd.record(r)
	}
	if got := pd.maxSince(t0.Add(5 * time.Minute)).p; got != 7 {
		t.Errorf("max since +5 min: %d, want 7", got)
	}
	if got := pd.maxSince(t0.Add(15 * time.Minute)).p; got != 4 {
		t.Errorf("max since +15 min: %d, want 4", got)
	}
}

func TestNum(t *testing.T) {
	for x, want := range map[float64]string{
		1234.4: "1,234", 1234567: "1,234,567", 2.345: "2.35", 0.4: "0.4", 100: "100", -2500: "-2,500",
		math.Inf(1): "unbounded", math.NaN(): "missing",
	} {
		if got := num(x); got != want {
			t.Errorf("num(%v) = %q, want %q", x, got, want)
		}
	}
}
