package sim

import (
	"slices"
	"time"
)

// Robustness returns the robustness scenarios (issue 18): families of
// workloads and faults a policy was not tuned to, each a Scenario whose
// Setup adds its realism to the config; seed seeds their traces (run each
// with Config.Seed set as well, for the simulator's own draws). Each job
// starts at the parallelism that keeps up at the start (KeepUp at 0).
// Unless a family says otherwise the job is OrdersJob and the trace a
// compressed day: Diurnal{Trough: 100, Period: 12 h, PeakAt: 7 h} over
// 12 h (the trough at 1 h, the peak, 5x, at 7 h).
//
//	family                  what it adds                                                     feasible
//	hot-partition           partition 0 takes 50/97 of the records: beyond one subtask        no: source
//	                        at the peak
//	saturated-source        FeedJob's 8 partitions at 400-2000 records/s each: more than      no: source
//	                        8 source subtasks read at the peak
//	hot-partition-slow      hot-partition with 2 min restarts and 4 GB of state               no: source
//	slow-restarts           3 min in-place restarts plus 6 GB of state (1 min to restore)     yes
//	savepoint-redeploy      every rescale a savepoint redeploy (3 min) on a bursty trace      yes
//	legacy-source           the source reports no busy time (NaN), and binds (1,500/subtask)  yes
//	under-reporting-source  the source reports half its busy time, and binds                  yes
//	beam-source             the source's busy time has Beam's floor (0.3)                     yes
//	frozen-metrics          the metric cache freezes for 8 min in every 45 min                yes
//	stale-metrics           each refresh misses a vertex with probability 0.3                 yes
//	metric-gaps             each refresh loses one metric of a vertex with probability 0.2    yes
//	correlated-noise        Wander 0.2 with a 2 min correlation on the day                    yes
//	noisy-steady            Wander 0.25 with a 3 min correlation on a steady 300/partition    yes
//	cost-shift              at 5 h a deploy doubles Enrich's per-record cost, same job ID     yes
//	cost-shift-new-id       at 5 h a deploy halves Enrich's and Aggregate's cost, new job ID  yes
//	checkpoint-failures     half the checkpoints fail, 2 GB of state, a bursty trace          yes
//	slot-arrival            new slots take 2 min to arrive, a bursty trace                    yes
//	skewed-keys             partitions weighted 1/(k+1)^0.8                                   yes
//	poison-partition        partition 3 stuck on a poison record (Source.Stuck)               yes
//	everything              Wander 0.15, stale 0.1, gaps 0.05, 2 min restarts, Zipf 0.5,      yes
//	                        committed-offset lag
//
// The bursty traces are Bursty{Base: 200, Seed: seed} over 12 h.
func Robustness(seed uint64) []Scenario {
	day := Diurnal{Trough: 100, Period: 12 * time.Hour, PeakAt: 7 * time.Hour}
	bursty := Bursty{Base: 200, Seed: seed}
	orders := OrdersJob()
	stateful := func(bytes float64) Job {
		j := OrdersJob()
		j.Vertices[5].StateBytes = bytes // Aggregate by customer
		return j
	}
	bindingSource := func(nan bool, bias float64) Job {
		j := OrdersJob()
		j.Vertices[0].Capacity, j.Vertices[0].NoBusyTime, j.Vertices[0].BusyBias = 1500, nan, bias
		return j
	}
	beamSource := OrdersJob()
	beamSource.Vertices = slices.Clone(beamSource.Vertices)
	beamSource.Vertices[0].BusyFloor = 0.3
	hot := Skewed{Trace: day, HotFactor: 50}
	poisoned := func(j Job, k int) Job {
		j.Vertices = slices.Clone(j.Vertices)
		src := *j.Vertices[0].Source
		src.Stuck = []int{k}
		j.Vertices[0].Source = &src
		return j
	}
	out := []Scenario{
		{Name: "hot-partition", Job: orders, Trace: hot, Bottleneck: "source",
			About: "one partition beyond what one subtask reads: no parallelism helps the source"},
		{Name: "saturated-source", Job: FeedJob(), Trace: Diurnal{Trough: 400, Period: 12 * time.Hour, PeakAt: 7 * time.Hour}, Bottleneck: "source",
			About: "every source subtask saturated at its largest useful parallelism (one per partition)"},
		{Name: "hot-partition-slow", Job: stateful(4e9), Trace: hot, Bottleneck: "source",
			Setup: func(c *Config) { c.InPlaceDowntime = 2 * time.Minute },
			About: "a hot partition, and restarts that cost minutes"},
		{Name: "slow-restarts", Job: stateful(6e9), Trace: day,
			Setup: func(c *Config) { c.InPlaceDowntime = 3 * time.Minute },
			About: "restarts of about 4 min (slow restore): each restart's lag must not justify the next"},
		{Name: "savepoint-redeploy", Job: orders, Trace: bursty,
			Setup: func(c *Config) { c.Rescale = Redeploy },
			About: "every rescale a 3 min savepoint redeploy"},
		{Name: "legacy-source", Job: bindingSource(true, 0), Trace: day,
			About: "a source without busy time (NaN) that must scale"},
		{Name: "under-reporting-source", Job: bindingSource(false, -0.5), Trace: day,
			About: "a source reporting half its busy time, which must scale"},
		{Name: "beam-source", Job: beamSource, Trace: day,
			About: "Beam's legacy Kafka source: 0.3 busy while reading nothing (measured, docs/beam-fidelity.md)"},
		{Name: "frozen-metrics", Job: orders, Trace: day,
			Setup: func(c *Config) { c.Metrics.FreezeEvery, c.Metrics.FreezeFor = 45*time.Minute, 8*time.Minute },
			About: "the JobManager's metric cache stuck for 8 min in every 45 while Kafka's lag stays fresh"},
		{Name: "stale-metrics", Job: orders, Trace: day,
			Setup: func(c *Config) { c.Metrics.StaleRefresh = 0.3 },
			About: "refreshes that miss vertices: zero counter deltas with busy time"},
		{Name: "metric-gaps", Job: orders, Trace: day,
			Setup: func(c *Config) { c.Metrics.Gaps = 0.2 },
			About: "intermittently missing figures"},
		{Name: "correlated-noise", Job: orders, Trace: day,
			Setup: func(c *Config) { c.Wander = Wander{Std: 0.2, Correlation: 2 * time.Minute} },
			About: "15-30% swings from minute to minute on a daily curve"},
		{Name: "noisy-steady", Job: orders, Trace: Steady{Rate: 300},
			Setup: func(c *Config) { c.Wander = Wander{Std: 0.25, Correlation: 3 * time.Minute} },
			About: "a steady mean with correlated swings: nothing to follow"},
		{Name: "cost-shift", Job: orders, Trace: day,
			Setup: func(c *Config) { c.Deploys = []Deploy{{At: 5 * time.Hour, Cost: map[string]float64{"enrich": 2}}} },
			About: "a deploy that doubles a vertex's per-record cost under the same job ID"},
		{Name: "cost-shift-new-id", Job: orders, Trace: day,
			Setup: func(c *Config) {
				c.Deploys = []Deploy{{At: 5 * time.Hour, Cost: map[string]float64{"enrich": 0.5, "aggregate": 0.5}, NewJobID: true}}
			},
			About: "a deploy that halves two vertices' cost and gives the job a new ID"},
		{Name: "checkpoint-failures", Job: stateful(2e9), Trace: bursty,
			Setup: func(c *Config) { c.CheckpointFailure = 0.5 },
			About: "half the checkpoints fail: restarts replay more"},
		{Name: "slot-arrival", Job: orders, Trace: bursty,
			Setup: func(c *Config) { c.Restarts.SlotArrival = 2 * time.Minute },
			About: "new TaskManagers take 2 min to arrive"},
		{Name: "skewed-keys", Job: orders, Trace: Skewed{Trace: day, Zipf: 0.8},
			About: "partitions of unequal weight"},
		{Name: "poison-partition", Job: poisoned(orders, 3), Trace: day,
			About: "one partition stuck on a poison record: its backlog grows for ever and no parallelism drains it"},
		{Name: "everything", Job: stateful(2e9), Trace: Skewed{Trace: day, Zipf: 0.5},
			Setup: func(c *Config) {
				c.InPlaceDowntime = 2 * time.Minute
				c.Wander = Wander{Std: 0.15, Correlation: 2 * time.Minute}
				c.Metrics.StaleRefresh, c.Metrics.Gaps, c.Metrics.CommittedLag = 0.1, 0.05, true
			},
			About: "the faults together"},
	}
	for i := range out {
		out[i].Duration = 12 * time.Hour
		if p, err := KeepUp(out[i].Job, out[i].Trace, 0); err == nil {
			out[i].Job = out[i].Job.WithParallelism(p)
		}
	}
	return out
}

// FeedJob is a small job whose source binds: "Source: feed" (8
// partitions, 1,000 records/s per subtask) -> "Parse" (1,500) -> "Count"
// (keyed, 2,000, selectivity 0.1) -> "Sink: counts" (5,000).
func FeedJob() Job {
	return Job{
		Name: "feed",
		Vertices: []Vertex{
			{ID: "source", Name: "Source: feed", Capacity: 1000, Source: &Source{Topic: "feed", Partitions: 8}},
			{ID: "parse", Name: "Parse", Capacity: 1500},
			{ID: "count", Name: "Count", Capacity: 2000, Selectivity: 0.1},
			{ID: "sink", Name: "Sink: counts", Capacity: 5000},
		},
		Edges: []Edge{{From: "source", To: "parse"}, {From: "parse", To: "count", Keyed: true}, {From: "count", To: "sink"}},
	}
}
