package sim

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

// setting is one documented default: a field and the value it takes when
// left zero.
type setting struct {
	field     string
	got, want any
}

// checkDefaults compares each setting and checks that the table names
// every exported field of the type of zero.
func checkDefaults(t *testing.T, zero any, table []setting) {
	t.Helper()
	typ := reflect.TypeOf(zero)
	var names []string
	for _, s := range table {
		names = append(names, s.field)
		if !reflect.DeepEqual(s.got, s.want) {
			t.Errorf("%s.%s: the zero value means %v, its doc says %v", typ.Name(), s.field, s.got, s.want)
		}
	}
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() && !slices.Contains(names, f.Name) {
			t.Errorf("%s.%s has no row in the defaults table", typ.Name(), f.Name)
		}
	}
}

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
	checkDefaults(t, Config{}, []setting{
		{"Start", c.Start, time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)},
		{"Duration", c.Duration, 24 * time.Hour},
		{"Tick", c.Tick, time.Second},
		{"DecisionInterval", c.DecisionInterval, 60 * time.Second},
		{"SLO", c.SLO, 120 * time.Second},
		{"CheckpointInterval", c.CheckpointInterval, 60 * time.Second},
		{"Rescale", c.Rescale, InPlace},
		{"InPlaceDowntime", c.InPlaceDowntime, 30 * time.Second},
		{"RedeployDowntime", c.RedeployDowntime, 3 * time.Minute},
		{"MetricPeriod", c.MetricPeriod, 10 * time.Second},
		{"BufferTime", c.BufferTime, time.Second},
		{"SlotsPerTaskManager", c.SlotsPerTaskManager, 4},
		{"Noise", c.Noise, 0.05},
		{"Seed", c.Seed, uint64(0)},
	})
}

// Every documented default of a Job, its Vertex and its Source.
func TestJobDefaults(t *testing.T) {
	j := zeroSim(t).Job()
	v := j.Vertices[0]
	checkDefaults(t, Job{}, []setting{
		{"Name", j.Name, "job"},
		{"Vertices", len(j.Vertices), 1}, // required
		{"Edges", len(j.Edges), 0},
	})
	checkDefaults(t, Vertex{}, []setting{
		{"ID", v.ID, "src"}, // required
		{"Name", v.Name, "src"},
		{"Capacity", v.Capacity, 100.0}, // required
		{"Selectivity", v.Selectivity, 1.0},
		{"ScalingExponent", v.ScalingExponent, 1.0},
		{"MaxParallelism", v.MaxParallelism, 128},
		{"Parallelism", v.Parallelism, 1},
		{"SlotSharingGroup", v.SlotSharingGroup, "default"},
		{"Source", v.Source != nil, true},
	})
	checkDefaults(t, Source{}, []setting{
		{"Topic", v.Source.Topic, "src"},
		{"Partitions", v.Source.Partitions, 2}, // required
	})
}

// Every documented default of the workload shapes.
func TestTraceDefaults(t *testing.T) {
	b := Bursty{}.withDefaults()
	checkDefaults(t, Bursty{}, []setting{
		{"Base", b.Base, 0.0},
		{"Every", b.Every, time.Hour},
		{"Probability", b.Probability, 0.5},
		{"MinLength", b.MinLength, 2 * time.Minute},
		{"MaxLength", b.MaxLength, 15 * time.Minute},
		{"MinFactor", b.MinFactor, 2.0},
		{"MaxFactor", b.MaxFactor, 4.0},
		{"Seed", b.Seed, uint64(0)},
	})
	d := Diurnal{Trough: 1}.withDefaults()
	checkDefaults(t, Diurnal{}, []setting{
		{"Trough", d.Trough, 1.0}, // required
		{"PeakFactor", d.PeakFactor, 5.0},
		{"Period", d.Period, 24 * time.Hour},
		{"PeakAt", d.PeakAt, 14 * time.Hour},
	})
	// The peak is 5 x the trough at 14 h, the trough at 2 h.
	if peak, trough := d.rate(14*time.Hour, 0), d.rate(2*time.Hour, 0); math.Abs(peak-5) > 1e-9 || math.Abs(trough-1) > 1e-9 {
		t.Errorf("zero Diurnal: peak %v, trough %v; want 5 and 1", peak, trough)
	}
	s := Spike{}.withDefaults()
	checkDefaults(t, Spike{}, []setting{
		{"Base", s.Base, 0.0},
		{"Factor", s.Factor, 4.0},
		{"At", s.At, 2 * time.Hour},
		{"Length", s.Length, 10 * time.Minute},
	})
	// MultiPipeline's default of 4 pipelines: source 4 peaks with source 0,
	// source 1 a quarter period later.
	m := MultiPipeline{Diurnal: Diurnal{Trough: 1}}
	rate := func(index int, at time.Duration) float64 {
		r := make([]float64, 1)
		m.Rates(TraceSource{Index: index, Partitions: 1}, at, r)
		return r[0]
	}
	checkDefaults(t, MultiPipeline{}, []setting{
		{"Diurnal", rate(0, 14*time.Hour), 5.0},
		{"Pipelines", [2]float64{rate(4, 14*time.Hour), rate(1, 20*time.Hour)}, [2]float64{5, 5}},
	})
}
