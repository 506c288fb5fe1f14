package report_test

import (
	"math"
	"time"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// synthetic is a run of two pipelines on a 0.5 s tick: "hot" (capacity
// 500 records/s per slot) gets a spike from 20 s to 50 s, falls behind, is
// scaled up from 4 to 10 at 24 s (restarting for 2 s, lag unknown while
// it restarts), recovers, and is scaled back to 4 at 70 s; "cold" runs
// steadily at 160 records/s with parallelism 1.
func synthetic() []report.Sample {
	const tick = 500 * time.Millisecond
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hotP, backlog := 4, 0.0
	restartUntil := time.Duration(-1)
	var out []report.Sample
	for e := time.Duration(0); e <= 90*time.Second; e += tick {
		in := 1200.0
		if e >= 20*time.Second && e < 50*time.Second {
			in = 3600
		}
		in += 80 * math.Sin(e.Seconds()/3)
		s := report.Sample{Time: start.Add(e), Elapsed: e, Decision: report.DecisionKeep, Reason: "lag within SLO", Quiet: e > 0}
		running := e >= restartUntil
		rate := 0.0
		if running {
			rate = math.Min(float64(hotP)*500, in+backlog/tick.Seconds())
		}
		backlog = math.Max(0, backlog+(in-rate)*tick.Seconds())
		hot := report.PipelineSample{
			Name: "hot", InRate: in, OutRate: rate, RatesKnown: true, Backlog: backlog, BacklogKnown: true,
			Lag: time.Duration(backlog / 3600 * float64(time.Second)), LagKnown: running,
			Parallelism: hotP, Running: running,
		}
		cold := report.PipelineSample{
			Name: "cold", InRate: 160, OutRate: 160, RatesKnown: true, BacklogKnown: true, LagKnown: true,
			Lag: 200 * time.Millisecond, Parallelism: 1, Running: true,
		}
		switch e {
		case 24 * time.Second:
			hotP, restartUntil = 10, e+2*time.Second
			s.Decision, s.Applied = report.DecisionScale, true
			s.Changes, s.Reason = "Source: hot 4->10", "cannot keep up: in 3.6k/s > capacity 2k/s, lag 3.1s > SLO 2s"
		case 70 * time.Second:
			hotP, restartUntil = 4, e+2*time.Second
			s.Decision, s.Applied = report.DecisionScale, true
			s.Changes, s.Reason = "Source: hot 10->4", "utilisation 30% for 20s"
		}
		s.Pipelines = []report.PipelineSample{hot, cold}
		s.Slots = hot.Parallelism + cold.Parallelism
		out = append(out, s)
	}
	return out
}
