package autoscaletest

import (
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
)

// epoch is when the suite's traces start.
func epoch() time.Time { return time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) }

// load is a closed-loop workload on a Chain: records per second arriving
// at the source, and records per second one subtask of any vertex can
// process. Every vertex passes on each record it gets.
type load struct {
	arrival  func(elapsed time.Duration) float64
	capacity float64
}

// rates are the figures of chain obs under l with the source's backlog:
// the chain moves as many records as its slowest vertex allows (all it can
// while a backlog waits), vertices before the slowest one are
// backpressured for the time they are not busy, and the backlog takes the
// difference between arrivals and the throughput.
func (l load) rates(obs autoscale.Observation, backlog, arrival float64) map[string]Rates {
	slowest, limit := 0, -1.0
	for i, v := range obs.Vertices {
		if c := float64(v.Parallelism) * l.capacity; limit < 0 || c < limit {
			slowest, limit = i, c
		}
	}
	through := limit
	if backlog <= 0 {
		through = min(arrival, limit)
	}
	out := make(map[string]Rates, len(obs.Vertices))
	for i, v := range obs.Vertices {
		busy := through / (float64(v.Parallelism) * l.capacity)
		r := Rates{In: through, Out: through, Busy: busy}
		if i < slowest {
			r.Backpressured = 1 - busy
		}
		if i == 0 {
			r.BacklogGrowth = arrival - through
		}
		out[v.ID] = r
	}
	return out
}

// step is one observation of a drive and the policy's answer.
type step struct {
	obs      autoscale.Observation
	decision autoscale.Decision
	err      error
}

// drive runs policy on job under l every period for total, restarting the
// job with the policy's targets whenever a decision changes them. edit, if
// set, may change the rates of each step before they apply.
func drive(policy autoscale.Policy, job autoscale.Observation, l load, total, period time.Duration,
	edit func(elapsed time.Duration, rates map[string]Rates)) []step {
	tr := NewTrace(job)
	start := tr.Now()
	var out []step
	for tr.Now().Sub(start) < total {
		elapsed := tr.Now().Sub(start)
		rates := l.rates(tr.obs, tr.Backlog(job.Vertices[0].ID), l.arrival(elapsed))
		if edit != nil {
			edit(elapsed, rates)
		}
		obs := tr.Step(period, rates)
		d, err := policy.Decide(obs.Time, Clone(obs))
		out = append(out, step{obs: obs, decision: d, err: err})
		if err == nil && d.Scales(obs) {
			tr.Restart(d.Targets)
		}
	}
	return out
}

// scenario is a named closed-loop run.
type scenario struct {
	name   string
	job    autoscale.Observation
	load   load
	total  time.Duration
	period time.Duration
}

func constant(r float64) func(time.Duration) float64 { return func(time.Duration) float64 { return r } }

// scenarios are the suite's closed-loop runs: steady, surging, idle and
// shrinking loads on chains with and without partitions and keyBy edges,
// sampled every minute (the operator's period) or every 10 s.
func scenarios() []scenario {
	surge := func(e time.Duration) float64 {
		if e > 40*time.Minute {
			return 40000
		}
		return 5000
	}
	drop := func(e time.Duration) float64 {
		if e > 30*time.Minute {
			return 500
		}
		return 20000
	}
	return []scenario{
		{"steady", Chain(epoch(), 16, true, 4, 4), load{constant(2400), 1000}, 3 * time.Hour, time.Minute},
		{"surge", Chain(epoch(), 24, true, 2, 3, 2), load{surge, 1000}, 4 * time.Hour, time.Minute},
		{"idle", Chain(epoch(), 8, false, 8, 8), load{constant(0), 1000}, 3 * time.Hour, time.Minute},
		{"drop", Chain(epoch(), 0, true, 20, 30), load{drop, 1500}, 4 * time.Hour, time.Minute},
		{"fast sampling", Chain(epoch(), 6, false, 2, 2), load{surge, 3000}, 2 * time.Hour, 10 * time.Second},
	}
}
