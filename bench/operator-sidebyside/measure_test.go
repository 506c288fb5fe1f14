package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// The figures from a scripted run: 10 samples a second apart, a rescale
// at 4 s (RUNNING again at 5 s with the new parallelism), the lag over the
// SLO for 3 s, unknown for 1 s, and decisions at 2 s and 7 s.
func TestMeasure(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	var ss []sample
	for i := range 10 {
		s := sample{t: t0.Add(time.Duration(i) * time.Second), state: flinkapi.JobRunning, par: "a=1,b=1", slots: 1, lagKnown: true}
		switch {
		case i == 4:
			s.state = flinkapi.JobState("RESTARTING")
			s.par = "a=1,b=2"
		case i > 4:
			s.par, s.slots = "a=1,b=2", 2
		}
		if i >= 2 && i <= 4 {
			s.lag = 10 * time.Second
		}
		if i == 8 {
			s.lagKnown = false
		}
		ss = append(ss, s)
	}
	r := measure(ss, t0, t0.Add(9*time.Second), 8*time.Second, []time.Time{t0.Add(2 * time.Second), t0.Add(7 * time.Second)})
	if r.overSLO != 3*time.Second || r.unknownLag != time.Second || r.maxLag != 10*time.Second {
		t.Errorf("over SLO %v, unknown %v, max %v: want 3s, 1s, 10s", r.overSLO, r.unknownLag, r.maxLag)
	}
	// slots: 1 for samples 0-4 (the first counted as a second), 2 for 5-9.
	if want := (5*1 + 5*2) / 60.0; math.Abs(r.slotMinutes-want) > 1e-9 {
		t.Errorf("slot-minutes %v, want %v", r.slotMinutes, want)
	}
	if r.rescales != 1 || len(r.restartToDecision) != 1 || r.restartToDecision[0] != 2*time.Second {
		t.Errorf("rescales %d, restart -> decision %v: want 1, [2s]", r.rescales, r.restartToDecision)
	}
	if r.decisions != 2 {
		t.Errorf("decisions %d, want 2", r.decisions)
	}
	if got := median([]time.Duration{3, 1, 2}); got != 2 {
		t.Errorf("median %v", got)
	}
}

func TestTraces(t *testing.T) {
	for _, smoke := range []bool{false, true} {
		for _, tr := range traces(smoke) {
			lo, hi := 1e9, 0.0
			for e := time.Duration(0); e < tr.length; e += time.Second {
				r := tr.rate(e)
				lo, hi = min(lo, r), max(hi, r)
			}
			// One Cost subtask takes about 240 rec/s: each trace needs one at
			// its low and several at its high.
			if lo > 240 || hi < 480 {
				t.Errorf("trace %s: rates %v..%v rec/s, want below 240 and above 480", tr.name, lo, hi)
			}
		}
	}
}

// The simulated pass runs both controllers on the smoke trace: the
// records arrive, none is lost, and Default scales the Cost vertex up for
// 600 rec/s (it needs three subtasks of 241).
func TestSimulate(t *testing.T) {
	s := &setup{parts: 16, cost: 4 * time.Millisecond, interval: 5 * time.Second, window: 30 * time.Second,
		scale: 30.0 / 900, slo: 8 * time.Second}
	tr := traces(true)[0]
	var rs []result
	for _, name := range []string{"operator", "default"} {
		r, err := s.simulate(tr, name, 2*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if r.produced < 20000 || r.lost != 0 || r.slotMinutes <= 0 {
			t.Errorf("%s: %+v: want about 24,000 records, none lost, some slot-minutes", name, r)
		}
		rs = append(rs, r)
	}
	if rs[1].rescales == 0 {
		t.Errorf("Default never rescaled in the simulator: %+v", rs[1])
	}
	table := renderErrors(rs, rs)
	if !strings.Contains(table, "| smoke | default |") || !strings.Contains(table, "(+0%)") {
		t.Errorf("error table:\n%s", table)
	}
}
