package sim

import (
	"github.com/flinkscale/flinkscale/autoscale"
)

// Origin is the Source.Origin of the simulator's observations: the backlog
// is Flink's pendingRecords (through the metric cache), the time lag is
// read from Kafka.
const Origin = "merge(flink,kafka)"

// Observe returns what a policy would see now. Flink's figures (counters,
// busy and backpressured time, pendingRecords) are the JobManager's cache
// as of its last refresh (stale, frozen or with a metric lost, as
// Config.Metrics says), and missing while it holds nothing: while the job
// restarts and until the first refresh after it runs again. A vertex
// without busy time (Vertex.NoBusyTime) has its Busy missing as not
// finite. A source's TimeLag is Kafka's (the age of the oldest unread
// record, 0 when caught up), read now: at the source's position, or at the
// last checkpoint's with Metrics.CommittedLag. Resources describe a cluster sized to the job: as many
// TaskManagers of Config.SlotsPerTaskManager slots as its slots need.
func (s *Sim) Observe() autoscale.Observation {
	obs := autoscale.Observation{
		Time: s.Now(), Job: s.name, Running: s.running,
		LastRestart: s.cfg.Start.Add(s.lastRestart),
		Vertices:    make([]autoscale.Vertex, len(s.vs)),
		Edges:       make([]autoscale.Edge, len(s.topo.edges)),
		Resources:   s.resources(),
	}
	for i, e := range s.topo.edges {
		obs.Edges[i] = autoscale.Edge{From: e.From, To: e.To, Keyed: e.Keyed}
	}
	for i := range s.vs {
		obs.Vertices[i] = s.observeVertex(i)
	}
	return obs
}

func (s *Sim) observeVertex(i int) autoscale.Vertex {
	spec := s.topo.vertices[i]
	v := autoscale.Vertex{
		ID: spec.ID, Name: spec.Name, Parallelism: s.p[i], MaxParallelism: spec.MaxParallelism,
		SlotSharingGroup: spec.SlotSharingGroup,
	}
	// While the metric cache holds nothing, Flink's figures are missing.
	none := autoscale.MissingBecause("no metrics: the JobManager's cache holds none since the job restarted")
	v.RecordsIn, v.RecordsOut, v.Busy, v.Backpressured = none, none, none, none
	var m *VertexMetrics
	if s.cacheValid && s.cacheOK[i] {
		m = &s.cache[i]
		v.RecordsIn, v.RecordsOut = reported(m.NumRecordsIn, "numRecordsIn", sum), reported(m.NumRecordsOut, "numRecordsOut", sum)
		v.Busy = reported(m.BusyTimeMsPerSecond, "busyTimeMsPerSecond", perMille)
		v.Backpressured = reported(m.BackPressuredTimeMsPerSecond, "backPressuredTimeMsPerSecond", perMille)
	}
	if spec.Source != nil {
		src := s.vs[i].src
		lag := src.lag(s.now, s.tick)
		if s.cfg.Metrics.CommittedLag {
			lag = src.committedLag(s.now, s.tick)
		}
		v.Source = &autoscale.Source{Partitions: spec.Source.Partitions, Backlog: none, TimeLag: autoscale.Of(lag.Seconds()), Origin: Origin}
		if m != nil {
			v.Source.Backlog = reported(m.Source.PendingRecords, "pendingRecords", sum)
		}
		v.Source.Health = s.health(src)
	}
	return v
}

// health is a source's lag health as backlog.Health would evaluate it
// from Kafka's offsets, with the job's checkpoint completions marking its
// partitions live: a stuck partition (Source.Stuck) is STALL once it has
// been behind for three checkpoint intervals (three commits of the same
// offset while behind); the others count as OK (the simulator models no
// other fault of a single partition).
func (s *Sim) health(src *sourceState) autoscale.SourceHealth {
	h := autoscale.SourceHealth{Evaluated: len(src.parts), Statuses: map[string]int{}}
	var stalled int64
	for k := range src.parts {
		p := &src.parts[k]
		if src.stuck[k] && p.lag(s.now, s.tick) >= 3*s.cfg.CheckpointInterval {
			h.Stalled++
			stalled += p.backlog()
		}
	}
	h.Statuses["STALL"], h.Statuses["OK"] = h.Stalled, h.Evaluated-h.Stalled
	h.StalledBacklog = autoscale.Of(float64(stalled))
	h.MovingTimeLag = autoscale.Of(src.movingLag(s.now, s.tick, s.cfg.Metrics.CommittedLag).Seconds())
	return h
}

// reported is a metric's figure over its subtasks, or missing when a gap
// lost it (Config.Metrics.Gaps).
func reported(xs []float64, name string, f func([]float64) float64) autoscale.Value {
	if xs == nil {
		return autoscale.MissingBecause(name + " not reported")
	}
	return autoscale.Of(f(xs))
}

// perMille is the busiest subtask's milliseconds per second as a
// fraction; NaN when a subtask reports NaN (Vertex.NoBusyTime).
func perMille(xs []float64) float64 { return largest(xs) / 1000 }

// resources is the cluster sized to the job's slots.
func (s *Sim) resources() autoscale.Resources {
	spt := s.cfg.SlotsPerTaskManager
	tms := (s.slots + spt - 1) / spt
	return autoscale.Resources{
		TaskManagers: tms, SlotsPerTaskManager: spt,
		SlotsTotal: tms * spt, SlotsAvailable: tms*spt - s.slots,
	}
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// largest is the largest of xs (0 for none), NaN when one is NaN.
func largest(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
