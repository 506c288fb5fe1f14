package autoscale

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// measuredDowntimes is how many restarts' downtimes Default keeps: it
// prices the next restart at the longest of them.
const measuredDowntimes = 3

// restarted notes a new run of the job: its downtime, when Default caused
// it (from the decision, or the last observation after it that still saw
// the job running as it was, to RUNNING again); when it did not (a
// deploy, a failover), the capacities measured before may no longer hold,
// so each vertex's model becomes suspect.
func (d *Default) restarted(obs Observation) {
	st := &d.st
	if !obs.Running || obs.LastRestart.IsZero() {
		return
	}
	if obs.LastRestart.Equal(st.running) {
		if !st.rescaleAt.IsZero() && obs.Time.After(st.rescaleAt) {
			st.rescaleAt = obs.Time // still running as it was: the downtime has not begun
		}
		return
	}
	first := st.running.IsZero()
	st.running = obs.LastRestart
	switch {
	case !st.rescaleAt.IsZero() && obs.LastRestart.After(st.rescaleAt):
		if dt := obs.LastRestart.Sub(st.rescaleAt); dt < 24*time.Hour {
			st.downtimes = append(st.downtimes, dt)
			if len(st.downtimes) > measuredDowntimes {
				st.downtimes = st.downtimes[1:]
			}
		}
		st.rescaleAt = time.Time{}
	case !first:
		for _, m := range st.caps {
			m.suspect = true
		}
	}
}

// downtime is what Default expects a rescale to stop the job for: the
// longest of the last restarts it measured, else RestartDowntime.
func (d *Default) downtime() time.Duration {
	if len(d.st.downtimes) == 0 {
		return d.o.downtime
	}
	return slices.Max(d.st.downtimes)
}

// restartCost is what a rescale costs, as a time of the whole job's
// slots: RestartCost, plus, for each second restarts measure beyond
// RestartDowntime, the 1 / (1 - TargetUtilization) seconds that second
// of downtime and its catch-up at the headroom take (10 s at 0.9).
func (d *Default) restartCost() time.Duration {
	extra := max(0, d.downtime()-d.o.downtime)
	return d.o.restartCost + time.Duration(float64(extra)/max(1-d.o.utilization, 0.01))
}

// downtimeHow says where the downtime Default prices comes from.
func (d *Default) downtimeHow() string {
	if len(d.st.downtimes) == 0 {
		return fmt.Sprintf("%v, RestartDowntime (no restart measured yet)", d.o.downtime)
	}
	return fmt.Sprintf("%v, the longest of the last %d restarts measured", dur(d.downtime().Seconds()), len(d.st.downtimes))
}

// unstale makes missing the figures of vertices whose sample is stale:
// their counters have not moved over at least a metric refresh while they
// report being busy (or, for a source, while records wait and its backlog
// has not moved either). A JobManager whose metric cache is stuck serves
// such samples; read as they are they say no records arrive. obs is
// copied before it is changed.
func (d *Default) unstale(t time.Time, obs Observation) Observation {
	cloned := false
	for i, v := range obs.Vertices {
		p, ok := d.st.prev[v.ID]
		if !ok || t.Sub(p.t) < d.o.refresh {
			continue
		}
		why := staleWhy(v, p)
		if why == "" {
			continue
		}
		if !cloned {
			obs.Vertices, cloned = slices.Clone(obs.Vertices), true
		}
		x := MissingBecause(why)
		nv := &obs.Vertices[i]
		nv.RecordsIn, nv.RecordsOut, nv.Busy, nv.Backpressured = x, x, x, x
		if nv.Source != nil {
			src := *nv.Source
			src.Backlog = x
			nv.Source = &src
		}
	}
	return obs
}

// staleWhy says why vertex v's sample is stale against its earlier
// figures p, or "".
func staleWhy(v Vertex, p vsnap) string {
	in, out := nan(v.RecordsIn), nan(v.RecordsOut)
	if math.IsNaN(in) || in != p.f.in || (!math.IsNaN(out) && out != p.f.out) {
		return ""
	}
	if busy := nan(v.Busy); busy > 0 {
		return fmt.Sprintf("stale: its records-in counter has not moved since %s while it reports being busy %s of the time", hms(p.t), num(busy))
	}
	if v.Source != nil {
		if b := figsOf(v).backlog; b > 0 && b == p.f.backlog {
			return fmt.Sprintf("stale: neither its records-in counter nor its backlog of %s records has moved since %s", num(b), hms(p.t))
		}
	}
	return ""
}
