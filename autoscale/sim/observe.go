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
// as of its last refresh, and missing while it holds nothing: while the
// job restarts and until the first refresh after it runs again. A source's
// TimeLag is Kafka's (the age of the oldest unread record, 0 when caught
// up), read now. Resources describe a cluster sized to the job: as many
// TaskManagers of Config.SlotsPerTaskManager slots as its slots need.
func (s *Sim) Observe() autoscale.Observation {
	obs := autoscale.Observation{
		Time: s.Now(), Job: s.topo.name, Running: s.running,
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
	var m *VertexMetrics
	if s.cacheValid {
		m = &s.cache[i]
		v.RecordsIn, v.RecordsOut = autoscale.Of(sum(m.NumRecordsIn)), autoscale.Of(sum(m.NumRecordsOut))
		v.Busy = autoscale.Of(largest(m.BusyTimeMsPerSecond) / 1000)
		v.Backpressured = autoscale.Of(largest(m.BackPressuredTimeMsPerSecond) / 1000)
	}
	if spec.Source != nil {
		lag := s.vs[i].src.lag(s.now, s.tick)
		v.Source = &autoscale.Source{Partitions: spec.Source.Partitions, TimeLag: autoscale.Of(lag.Seconds()), Origin: Origin}
		if m != nil {
			v.Source.Backlog = autoscale.Of(sum(m.Source.PendingRecords))
		}
	}
	return v
}

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

func largest(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
