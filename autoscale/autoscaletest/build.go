package autoscaletest

import (
	"fmt"
	"math"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
)

// KeyGroups is the max parallelism Chain gives every vertex: Flink's
// default for small jobs.
const KeyGroups = 128

// Chain returns a running job "job" of vertices v0 -> v1 -> ... with the
// given parallelisms, restarted at restart and observed then, without
// metrics. v0 reads Kafka with partitions partitions (0: unknown); the
// edges are keyBy edges when keyed is set. Every vertex has KeyGroups key
// groups and the slot-sharing group "default"; TaskManagers have 4 slots.
func Chain(restart time.Time, partitions int, keyed bool, parallelism ...int) autoscale.Observation {
	obs := autoscale.Observation{
		Time: restart, Job: "job", Running: true, LastRestart: restart,
		Resources: autoscale.Resources{SlotsPerTaskManager: 4},
	}
	for i, p := range parallelism {
		v := autoscale.Vertex{ID: fmt.Sprintf("v%d", i), Name: fmt.Sprintf("vertex %d", i),
			Parallelism: p, MaxParallelism: KeyGroups, SlotSharingGroup: "default"}
		if i == 0 {
			v.Source = &autoscale.Source{Partitions: partitions, Origin: "kafka"}
		} else {
			obs.Edges = append(obs.Edges, autoscale.Edge{From: fmt.Sprintf("v%d", i-1), To: v.ID, Keyed: keyed})
		}
		obs.Vertices = append(obs.Vertices, v)
	}
	return obs
}

// Rates are one vertex's figures while a Trace runs: records per second in
// and out (summed over subtasks), the busy and backpressured fractions, and
// for a source how fast its backlog grows (records per second; it never
// drops below 0). A NaN or infinite figure makes that figure missing in
// the observations (autoscale.Of gives the reason), and a counter does not
// move while its rate is missing.
type Rates struct {
	// In and Out are records per second in and out, summed over subtasks.
	In, Out float64
	// Busy and Backpressured are the busiest subtask's fractions of time.
	Busy, Backpressured float64
	// BacklogGrowth is how fast a source's backlog grows, records per
	// second.
	BacklogGrowth float64
}

// MissingRates returns Rates with every figure missing.
func MissingRates() Rates {
	return Rates{In: math.NaN(), Out: math.NaN(), Busy: math.NaN(), Backpressured: math.NaN(), BacklogGrowth: math.NaN()}
}

// Trace produces the observations of one job over virtual time, as Flink
// reports them: counters accumulate since the last restart, gauges hold
// the latest figures. A vertex without Rates in a step has every figure
// missing. A Trace is not safe for concurrent use.
type Trace struct {
	obs     autoscale.Observation
	in, out map[string]float64
	backlog map[string]float64
}

// NewTrace starts a trace of job at job.Time (or its LastRestart, when
// Time is zero), with counters at 0 and each source's backlog at its
// Backlog (0 when missing).
func NewTrace(job autoscale.Observation) *Trace {
	tr := &Trace{obs: Clone(job), in: map[string]float64{}, out: map[string]float64{}, backlog: map[string]float64{}}
	if tr.obs.Time.IsZero() {
		tr.obs.Time = tr.obs.LastRestart
	}
	for _, v := range job.Vertices {
		if v.Source != nil {
			tr.backlog[v.ID] = v.Source.Backlog.Or(0)
		}
	}
	return tr
}

// Now is the time of the trace.
func (tr *Trace) Now() time.Time { return tr.obs.Time }

// Backlog is a source's backlog in records.
func (tr *Trace) Backlog(id string) float64 { return tr.backlog[id] }

// SetBacklog sets a source's backlog in records.
func (tr *Trace) SetBacklog(id string, records float64) { tr.backlog[id] = records }

// Restart restarts the job now with the parallelism in targets (vertices
// it does not name keep theirs): counters go back to 0, the backlog stays.
func (tr *Trace) Restart(targets map[string]int) {
	tr.obs.LastRestart = tr.obs.Time
	clear(tr.in)
	clear(tr.out)
	for i, v := range tr.obs.Vertices {
		if p, ok := targets[v.ID]; ok && p >= 1 {
			tr.obs.Vertices[i].Parallelism = p
		}
	}
}

// Step advances the trace by d under rates and returns the observation at
// the new time.
func (tr *Trace) Step(d time.Duration, rates map[string]Rates) autoscale.Observation {
	tr.obs.Time = tr.obs.Time.Add(d)
	secs := d.Seconds()
	for i := range tr.obs.Vertices {
		v := &tr.obs.Vertices[i]
		r, ok := rates[v.ID]
		if !ok {
			r = MissingRates()
		}
		v.RecordsIn = advance(tr.in, v.ID, r.In, secs)
		v.RecordsOut = advance(tr.out, v.ID, r.Out, secs)
		v.Busy, v.Backpressured = autoscale.Of(r.Busy), autoscale.Of(r.Backpressured)
		if v.Source != nil {
			growth := autoscale.MissingBecause("the trace's backlog growth is not a finite number")
			v.Source.Backlog, v.Source.TimeLag = growth, growth
			if g := autoscale.Of(r.BacklogGrowth); g.Valid() {
				tr.backlog[v.ID] = max(0, tr.backlog[v.ID]+g.Or(0)*secs)
				v.Source.Backlog = autoscale.Of(tr.backlog[v.ID])
				v.Source.TimeLag = timeLag(tr.backlog[v.ID], r.In)
			}
		}
	}
	return Clone(tr.obs)
}

// timeLag approximates a source's time lag as its backlog over the rate
// it reads at: 0 when caught up, missing when the rate is missing or zero
// with a backlog.
func timeLag(backlog, in float64) autoscale.Value {
	if backlog == 0 {
		return autoscale.Of(0)
	}
	if r := autoscale.Of(in); !r.Valid() || in <= 0 {
		return autoscale.MissingBecause("a backlog with no records read: its age is unbounded")
	}
	return autoscale.Of(backlog / in)
}

// advance moves a counter at rate for secs and returns its value, missing
// when the rate is.
func advance(counters map[string]float64, id string, rate, secs float64) autoscale.Value {
	r := autoscale.Of(rate)
	if !r.Valid() {
		return autoscale.MissingBecause("the trace's rate is " + r.Reason())
	}
	counters[id] += r.Or(0) * secs
	return autoscale.Of(counters[id])
}

// Run steps the trace every step for total under constant rates and
// returns the observations.
func (tr *Trace) Run(total, step time.Duration, rates map[string]Rates) []autoscale.Observation {
	var out []autoscale.Observation
	for elapsed := time.Duration(0); elapsed < total; elapsed += step {
		out = append(out, tr.Step(step, rates))
	}
	return out
}

// Clone returns a deep copy of obs.
func Clone(obs autoscale.Observation) autoscale.Observation {
	c := obs
	c.Vertices = append([]autoscale.Vertex(nil), obs.Vertices...)
	for i, v := range c.Vertices {
		if v.Source != nil {
			s := *v.Source
			c.Vertices[i].Source = &s
		}
	}
	c.Edges = append([]autoscale.Edge(nil), obs.Edges...)
	return c
}
