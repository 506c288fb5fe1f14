package sim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
)

// A rescale stops the job for its downtime, rewinds the sources to the
// last checkpoint (in place) or keeps their positions (savepoint
// redeploy), resets the counters, and empties the metric cache until its
// first refresh after the job runs again.
func TestRescaleDowntimeAndReplay(t *testing.T) {
	// 2 partitions x 100 records/s, read as they arrive; checkpoints every
	// 60 s; the rescale at 90 s: 30 s x 200 records read since the
	// checkpoint.
	tests := []struct {
		mode     sim.RescaleMode
		downtime time.Duration
		replayed int64
	}{
		{sim.InPlace, 30 * time.Second, 6000},
		{sim.Redeploy, 3 * time.Minute, 0},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			cfg := quiet()
			cfg.Rescale = tt.mode
			s := newSim(t, cfg, chain(2, 10000, 10000), sim.Steady{Rate: 100})
			s.Advance(90 * time.Second)
			if err := s.Apply(autoscale.Decision{Targets: map[string]int{"v1": 2}}); err != nil {
				t.Fatal(err)
			}
			restart := 90*time.Second + tt.downtime
			steps := []struct {
				at          time.Duration
				running     bool
				metrics     bool
				lastRestart time.Duration
			}{
				{at: 90 * time.Second, running: false, metrics: false, lastRestart: 0},
				{at: restart - time.Second, running: false, metrics: false, lastRestart: 0},
				{at: restart, running: true, metrics: false, lastRestart: restart},
				{at: restart + 9*time.Second, running: true, metrics: false, lastRestart: restart},
				{at: restart + 10*time.Second, running: true, metrics: true, lastRestart: restart},
			}
			for _, st := range steps {
				s.Advance(st.at - s.Elapsed())
				obs := s.Observe()
				v1 := vertex(t, obs, "v1")
				if obs.Running != st.running || v1.Busy.Valid() != st.metrics || v1.RecordsIn.Valid() != st.metrics ||
					!obs.LastRestart.Equal(sim.DefaultStart().Add(st.lastRestart)) || v1.Parallelism != 2 {
					t.Errorf("at %v: running %v, metrics %v, last restart %v, p %d; want %v, %v, %v, 2", s.Elapsed(),
						obs.Running, v1.Busy.Valid(), obs.LastRestart.Sub(sim.DefaultStart()), v1.Parallelism, st.running, st.metrics, st.lastRestart)
				}
				if st.metrics {
					// Counters restarted: 10 s of reading the backlog (at
					// most 10,000 records/s), not 90 s of input.
					in := value(t, "source records in", vertex(t, obs, "source").RecordsIn)
					if in > 100000 || in <= 0 {
						t.Errorf("at %v: source read %v records since the restart", s.Elapsed(), in)
					}
				}
			}
			m := s.Summary()
			if m.Rescales != 1 || m.RecordsReplayed != tt.replayed || m.Downtime != tt.downtime || m.RecordsLost != 0 {
				t.Errorf("summary %+v; want 1 rescale, %d replayed, %v down, nothing lost", m, tt.replayed, tt.downtime)
			}
		})
	}
}

// A decision applied while the job restarts changes the parallelism it
// restarts at, without more downtime; a failover restarts at the same
// parallelism and replays.
func TestApplyWhileRestartingAndFailover(t *testing.T) {
	s := newSim(t, quiet(), chain(2, 10000, 10000), sim.Steady{Rate: 100})
	s.Advance(70 * time.Second)
	must := func(targets map[string]int) {
		if err := s.Apply(autoscale.Decision{Targets: targets}); err != nil {
			t.Fatal(err)
		}
	}
	must(map[string]int{"v1": 2})
	s.Advance(10 * time.Second)
	must(map[string]int{"v1": 3})
	s.Advance(20 * time.Second)
	if !s.Running() || s.Parallelism()["v1"] != 3 {
		t.Fatalf("at %v: running %v at %v; want running at v1=3", s.Elapsed(), s.Running(), s.Parallelism())
	}
	s.Advance(30 * time.Second) // 130 s: checkpoint at 160 s
	s.Failover()
	s.Failover() // ignored while restarting
	s.Advance(time.Minute)
	m := s.Summary()
	// Replays: at 70 s the 10 s since the 60 s checkpoint; at 130 s the
	// 70 s since it again (no checkpoint completed in between).
	if m.Rescales != 1 || m.Failovers != 1 || m.Downtime != time.Minute || m.RecordsReplayed != 200*(10+70) || m.RecordsLost != 0 {
		t.Errorf("summary %+v", m)
	}
}

// Conservation: whatever the policy does, every record that arrived is
// read or still waiting, replays are counted, nothing is lost.
func TestConservationProperty(t *testing.T) {
	sc := sim.Scenarios()[3] // bursty
	for seed := range uint64(6) {
		for _, mode := range []sim.RescaleMode{sim.InPlace, sim.Redeploy} {
			t.Run(fmt.Sprintf("seed=%d/%v", seed, mode), func(t *testing.T) {
				cfg := sim.Config{Seed: seed, Duration: 90 * time.Minute, Rescale: mode, DecisionInterval: 2 * time.Minute}
				m, err := sim.Run(cfg, sc.Job, sc.Trace, randomPolicy(seed))
				if err != nil {
					t.Fatal(err)
				}
				if m.RecordsLost != 0 || m.RecordsProcessed > m.RecordsArrived || m.RecordsArrived-m.RecordsProcessed > m.Backlog {
					t.Errorf("records: %+v", m)
				}
				if m.Rescales < 10 || (mode == sim.InPlace) != (m.RecordsReplayed > 0) {
					t.Errorf("%d rescales replayed %d records", m.Rescales, m.RecordsReplayed)
				}
			})
		}
	}
}

// The same seed gives the same run; another seed other arrivals.
func TestDeterminism(t *testing.T) {
	sc := sim.Scenarios()[3]
	run := func(seed uint64) sim.Summary {
		m, err := sim.Run(sim.Config{Seed: seed, Duration: time.Hour}, sc.Job, sc.Trace, randomPolicy(7))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, c := run(1), run(1), run(2)
	if a != b {
		t.Errorf("same seed, different summaries:\n%+v\n%+v", a, b)
	}
	if a.RecordsArrived == c.RecordsArrived {
		t.Errorf("seeds 1 and 2 gave the same arrivals %d", a.RecordsArrived)
	}
}
