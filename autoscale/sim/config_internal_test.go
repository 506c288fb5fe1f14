package sim

import (
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// zeroSim is a simulation of a one-source job left at every default.
func zeroSim(t *testing.T) *Sim {
	t.Helper()
	s, err := New(Config{}, Job{Vertices: []Vertex{{ID: "src", Capacity: 100, Source: &Source{Partitions: 2}}}}, Steady{Rate: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every documented default of the zero Config.
func TestConfigDefaults(t *testing.T) {
	c := zeroSim(t).Config()
	docdefaults.Check(t, ".", "Config", []docdefaults.Row{
		{Field: "Start", Doc: "DefaultStart()", Got: c.Start, Want: time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)},
		{Field: "Duration", Doc: "24 h", Got: c.Duration, Want: 24 * time.Hour},
		{Field: "Tick", Doc: "1 s", Got: c.Tick, Want: time.Second},
		{Field: "DecisionInterval", Doc: "60 s (the operator's sampling)", Got: c.DecisionInterval, Want: 60 * time.Second},
		{Field: "SLO", Doc: "120 s", Got: c.SLO, Want: 120 * time.Second},
		{Field: "CheckpointInterval", Doc: "60 s", Got: c.CheckpointInterval, Want: 60 * time.Second},
		{Field: "Rescale", Doc: "InPlace", Got: c.Rescale, Want: InPlace},
		{Field: "InPlaceDowntime", Doc: "30 s", Got: c.InPlaceDowntime, Want: 30 * time.Second},
		{Field: "RedeployDowntime", Doc: "3 min", Got: c.RedeployDowntime, Want: 3 * time.Minute},
		{Field: "MetricPeriod", Doc: "10 s", Got: c.MetricPeriod, Want: 10 * time.Second},
		{Field: "BufferTime", Doc: "1 s", Got: c.BufferTime, Want: time.Second},
		{Field: "SlotsPerTaskManager", Doc: "4", Got: c.SlotsPerTaskManager, Want: 4},
		{Field: "Noise", Doc: "0.05", Got: c.Noise, Want: 0.05},
		{Field: "Seed", Doc: "0 (a valid seed)", Got: c.Seed, Want: uint64(0)},
		{Field: "Restarts", Doc: "Restarts' own defaults (the zero Restarts)", Got: c.Restarts, Want: Restarts{}.withDefaults()},
		{Field: "Metrics", Doc: "MetricFaults' own defaults (busy-time noise only)", Got: c.Metrics, Want: MetricFaults{BusyNoise: 0.02}},
		{Field: "Wander", Doc: "none", Got: c.Wander.Std, Want: 0.0},
		{Field: "CheckpointFailure", Doc: "0", Got: c.CheckpointFailure, Want: 0.0},
		{Field: "Deploys", Doc: "none", Got: len(c.Deploys), Want: 0},
	}, docdefaults.EveryField())
	docdefaults.Check(t, ".", "Restarts", []docdefaults.Row{
		{Field: "PerChangedVertex", Doc: "UncalibratedPerChangedVertex (1 s), to be calibrated by the real tier's in-place rescale measurement (issue 17)",
			Got: c.Restarts.PerChangedVertex, Want: time.Second},
		{Field: "RestoreRate", Doc: "UncalibratedRestoreRate (100 MB/s), to be calibrated (issue 17)", Got: c.Restarts.RestoreRate, Want: 100e6},
		{Field: "Jitter", Doc: "UncalibratedJitter (0.1), to be calibrated (issue 17)", Got: c.Restarts.Jitter, Want: 0.1},
		{Field: "WarmUp", Doc: "UncalibratedWarmUp (30 s), to be calibrated (issue 17)", Got: c.Restarts.WarmUp, Want: 30 * time.Second},
		{Field: "WarmUpFrom", Doc: "UncalibratedWarmUpFrom (0.5)", Got: c.Restarts.WarmUpFrom, Want: 0.5},
		{Field: "SlotArrival", Doc: "0, slots at once (a cluster with spare TaskManagers, as the standard scenarios assume)",
			Got: c.Restarts.SlotArrival, Want: time.Duration(0)},
	}, docdefaults.EveryField())
	docdefaults.Check(t, ".", "MetricFaults", []docdefaults.Row{
		{Field: "BusyNoise", Doc: "UncalibratedBusyNoise (0.02), to be calibrated (issue 17)", Got: c.Metrics.BusyNoise, Want: 0.02},
		{Field: "StaleRefresh", Doc: "0", Got: c.Metrics.StaleRefresh, Want: 0.0},
		{Field: "FreezeEvery", Doc: "0, never", Got: c.Metrics.FreezeEvery, Want: time.Duration(0)},
		{Field: "FreezeFor", Doc: "0, never", Got: c.Metrics.FreezeFor, Want: time.Duration(0)},
		{Field: "Gaps", Doc: "0", Got: c.Metrics.Gaps, Want: 0.0},
		{Field: "CommittedLag", Doc: "false, the lag at the source's position", Got: c.Metrics.CommittedLag, Want: false},
	}, docdefaults.EveryField())
	docdefaults.Check(t, ".", "Wander", []docdefaults.Row{
		{Field: "Std", Doc: "0, none", Got: c.Wander.Std, Want: 0.0},
		{Field: "Correlation", Doc: "5 min", Got: c.Wander.Correlation, Want: 5 * time.Minute},
	}, docdefaults.EveryField())
	// The uncalibrated constants are what the defaults say.
	if UncalibratedPerChangedVertex != time.Second || UncalibratedRestoreRate != 100e6 || UncalibratedJitter != 0.1 ||
		UncalibratedWarmUp != 30*time.Second || UncalibratedWarmUpFrom != 0.5 || UncalibratedBusyNoise != 0.02 {
		t.Error("an Uncalibrated constant changed: update the defaults' docs and this test")
	}
}

// Every documented default of a Job, its Vertex and its Source.
func TestJobDefaults(t *testing.T) {
	j := zeroSim(t).Job()
	v := j.Vertices[0]
	docdefaults.Check(t, ".", "Job", []docdefaults.Row{
		{Field: "Name", Doc: `"job"`, Got: j.Name, Want: "job"},
		{Field: "Vertices", Got: len(j.Vertices), Want: 1}, // required
		{Field: "Edges", Got: len(j.Edges), Want: 0},
	}, docdefaults.EveryField())
	docdefaults.Check(t, ".", "Vertex", []docdefaults.Row{
		{Field: "ID", Got: v.ID, Want: "src"}, // required
		{Field: "Name", Doc: "ID", Got: v.Name, Want: "src"},
		{Field: "Capacity", Got: v.Capacity, Want: 100.0}, // required
		{Field: "Selectivity", Doc: "1", Got: v.Selectivity, Want: 1.0},
		{Field: "ScalingExponent", Doc: "1 (linear)", Got: v.ScalingExponent, Want: 1.0},
		{Field: "MaxParallelism", Doc: "128 (Flink's default)", Got: v.MaxParallelism, Want: 128},
		{Field: "Parallelism", Doc: "1", Got: v.Parallelism, Want: 1},
		{Field: "SlotSharingGroup", Doc: `"default"`, Got: v.SlotSharingGroup, Want: "default"},
		{Field: "Source", Got: v.Source != nil, Want: true},
		{Field: "StateBytes", Doc: "0, stateless", Got: v.StateBytes, Want: 0.0},
		{Field: "NoBusyTime", Doc: "false", Got: v.NoBusyTime, Want: false},
		{Field: "BusyBias", Doc: "0", Got: v.BusyBias, Want: 0.0},
		{Field: "BusyFloor", Doc: "0", Got: v.BusyFloor, Want: 0.0},
	}, docdefaults.EveryField())
	docdefaults.Check(t, ".", "Source", []docdefaults.Row{
		{Field: "Topic", Doc: "the vertex's ID", Got: v.Source.Topic, Want: "src"},
		{Field: "Partitions", Got: v.Source.Partitions, Want: 2}, // required
		{Field: "Stuck", Doc: "none", Got: len(v.Source.Stuck), Want: 0},
	}, docdefaults.EveryField())
}

// Every documented default of the workload shapes.
func TestTraceDefaults(t *testing.T) {
	b := Bursty{}.withDefaults()
	docdefaults.Check(t, ".", "Bursty", []docdefaults.Row{
		{Field: "Base", Got: b.Base, Want: 0.0},
		{Field: "Every", Doc: "1 h", Got: b.Every, Want: time.Hour},
		{Field: "Probability", Doc: "0.5", Got: b.Probability, Want: 0.5},
		{Field: "MinLength", Doc: "2 min and 15 min", Got: b.MinLength, Want: 2 * time.Minute},
		{Field: "MaxLength", Doc: "2 min and 15 min", Got: b.MaxLength, Want: 15 * time.Minute},
		{Field: "MinFactor", Doc: "2 and 4", Got: b.MinFactor, Want: 2.0},
		{Field: "MaxFactor", Doc: "2 and 4", Got: b.MaxFactor, Want: 4.0},
		{Field: "Seed", Doc: "0 (a valid seed)", Got: b.Seed, Want: uint64(0)},
	}, docdefaults.EveryField())
	d := Diurnal{Trough: 1}.withDefaults()
	docdefaults.Check(t, ".", "Diurnal", []docdefaults.Row{
		{Field: "Trough", Got: d.Trough, Want: 1.0}, // required
		{Field: "PeakFactor", Doc: "5", Got: d.PeakFactor, Want: 5.0},
		{Field: "Period", Doc: "24 h", Got: d.Period, Want: 24 * time.Hour},
		{Field: "PeakAt", Doc: "14 h (2 pm, the trough at 2 am)", Got: d.PeakAt, Want: 14 * time.Hour},
	}, docdefaults.EveryField())
	// The peak is 5 x the trough at 14 h, the trough at 2 h.
	if peak, trough := d.rate(14*time.Hour, 0), d.rate(2*time.Hour, 0); math.Abs(peak-5) > 1e-9 || math.Abs(trough-1) > 1e-9 {
		t.Errorf("zero Diurnal: peak %v, trough %v; want 5 and 1", peak, trough)
	}
	sk := Skewed{Trace: Steady{Rate: 1}}
	docdefaults.Check(t, ".", "Skewed", []docdefaults.Row{
		{Field: "Trace", Got: sk.Trace != nil, Want: true}, // required
		{Field: "Zipf", Doc: "0 (even)", Got: sk.weight(3), Want: 1.0},
		{Field: "Hot", Doc: "0", Got: sk.Hot, Want: 0},
		{Field: "HotFactor", Doc: "1", Got: sk.weight(0), Want: 1.0},
	}, docdefaults.EveryField())
	s := Spike{}.withDefaults()
	docdefaults.Check(t, ".", "Spike", []docdefaults.Row{
		{Field: "Base", Got: s.Base, Want: 0.0},
		{Field: "Factor", Doc: "4", Got: s.Factor, Want: 4.0},
		{Field: "At", Doc: "2 h", Got: s.At, Want: 2 * time.Hour},
		{Field: "Length", Doc: "10 min", Got: s.Length, Want: 10 * time.Minute},
	}, docdefaults.EveryField())
	// MultiPipeline's default of 4 pipelines: source 4 peaks with source 0,
	// source 1 a quarter period later.
	m := MultiPipeline{Diurnal: Diurnal{Trough: 1}}
	rate := func(index int, at time.Duration) float64 {
		r := make([]float64, 1)
		m.Rates(TraceSource{Index: index, Partitions: 1}, at, r)
		return r[0]
	}
	docdefaults.Check(t, ".", "MultiPipeline", []docdefaults.Row{
		{Field: "Diurnal", Got: rate(0, 14*time.Hour), Want: 5.0},
		{Field: "Pipelines", Doc: "4", Got: [2]float64{rate(4, 14*time.Hour), rate(1, 20*time.Hour)}, Want: [2]float64{5, 5}},
	}, docdefaults.EveryField())
}
