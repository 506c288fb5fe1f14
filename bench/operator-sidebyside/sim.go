package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
)

// The same job and trace in autoscale/sim (issue #19, point 3), with the
// restart cost and capacity the real tier measured: an in-place rescale
// stops the job for 3.0 s (docs/rescale-cost.md: request to first record
// out, median of 4, 2.9-3.2 s) and is back at full rate within its first
// second; a Cost subtask takes in 241 rec/s (the same run: 241 rec/s at
// one subtask). Everything else is the simulator's defaults (busy-time
// noise, 1 s of buffered input before each vertex, 5% arrival noise).
const (
	simDowntime = 3 * time.Second
	simWarmUp   = time.Second
	simCapacity = 241.0
	// simBufferTime is how much of a Cost subtask's input the buffers
	// before it hold: with this job's records of a few bytes, tens of
	// thousands. Measured by TestRealOperatorShadow without a preload:
	// the source read 400 rec/s while Cost took in 237 and its
	// pendingRecords stayed 0 for the whole 75 s, so at least 12,000
	// records, 50 s of one subtask, were in flight (the simulator's
	// default is 1 s, right for records of a few KB).
	simBufferTime = 60 * time.Second
)

// simulate runs trace tr under the controller named name for dur in the
// simulator, configured as the real run was.
func (s *setup) simulate(tr trace, name string, dur time.Duration) (result, error) {
	r := result{trace: tr.name, controller: name}
	job := sim.Job{Name: "sidebyside", Vertices: []sim.Vertex{
		{ID: "source", Name: "Source: in-0", Capacity: 50 * simCapacity * float64(s.parts), MaxParallelism: s.parts,
			Source: &sim.Source{Partitions: s.parts}},
		{ID: "cost", Name: "Cost 0 -> Sink 0: Writer -> Sink 0: Committer", Capacity: simCapacity * float64(4*time.Millisecond) / float64(s.cost),
			MaxParallelism: s.parts},
	}, Edges: []sim.Edge{{From: "source", To: "cost", Keyed: true}}}
	trace := sim.TraceFunc(func(_ sim.TraceSource, t time.Duration, rates []float64) {
		x := 0.0
		if t < tr.length {
			x = tr.rate(t) / float64(len(rates))
		}
		for i := range rates {
			rates[i] = x
		}
	})
	cfg := sim.Config{
		Duration: dur, Tick: 250 * time.Millisecond, DecisionInterval: s.interval, SLO: s.slo,
		CheckpointInterval: 2 * time.Second, InPlaceDowntime: simDowntime, MetricPeriod: time.Second,
		SlotsPerTaskManager: 16, Seed: 1, BufferTime: simBufferTime,
		Restarts: sim.Restarts{PerChangedVertex: -1, WarmUp: simWarmUp, WarmUpFrom: 1},
	}
	var pol autoscale.Policy
	var err error
	switch name {
	case "operator":
		pol, err = autoscale.NewOperatorCompatible(autoscale.OperatorCompatibleConfig{
			MetricsWindow: s.window, Stabilization: 5 * time.Second, RestartTime: 10 * time.Second, CatchUpDuration: time.Minute,
			ScaleDownInterval: -1,
		})
	case "default":
		// As examples/autopilot -time-scale ran it against the real job:
		// the policy's durations scaled, a decision every interval, the
		// job's 2 s checkpoints, caught up below 1.5 of them.
		c := autoscale.DefaultConfig{LagSLO: 2 * time.Minute}.Scaled(s.scale)
		c.DecisionInterval, c.CheckpointInterval, c.MetricRefresh = s.interval, 2*time.Second, 3*time.Second
		pol, err = autoscale.NewDefault(c)
	default:
		err = fmt.Errorf("no simulated %q", name)
	}
	if err != nil {
		return r, err
	}
	sum, err := sim.Run(cfg, job, trace, pol)
	if err != nil {
		return r, err
	}
	r.overSLO, r.slotMinutes, r.rescales, r.maxLag = sum.SLOViolation, sum.SlotHours*60, sum.Rescales, sum.MaxLag
	r.produced, r.lost = sum.RecordsArrived, sum.RecordsLost
	return r, nil
}

// renderErrors is the simulator's error against each real run, per
// metric: (sim - real) / real, or the difference where real is 0.
func renderErrors(real, simulated []result) string {
	var b strings.Builder
	b.WriteString("| trace | controller | s over SLO: real / sim | slot-min: real / sim (error) | rescales: real / sim | max lag s: real / sim (error) |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for _, re := range real {
		i := slices.IndexFunc(simulated, func(x result) bool { return x.trace == re.trace && x.controller == re.controller })
		if i < 0 {
			continue
		}
		si := simulated[i]
		fmt.Fprintf(&b, "| %s | %s | %.0f / %.0f | %.1f / %.1f (%s) | %d / %d | %.1f / %.1f (%s) |\n",
			re.trace, re.controller, re.overSLO.Seconds(), si.overSLO.Seconds(),
			re.slotMinutes, si.slotMinutes, relErr(re.slotMinutes, si.slotMinutes),
			re.rescales, si.rescales, re.maxLag.Seconds(), si.maxLag.Seconds(), relErr(re.maxLag.Seconds(), si.maxLag.Seconds()))
	}
	return b.String()
}

func relErr(real, simulated float64) string {
	if real == 0 {
		return "-"
	}
	e := (simulated - real) / real
	if math.IsNaN(e) {
		return "-"
	}
	return fmt.Sprintf("%+.0f%%", 100*e)
}
