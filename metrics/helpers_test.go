package metrics_test

import (
	"math"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gather returns the series of name that c exports.
func gather(t *testing.T, c prometheus.Collector, name string) []*dto.Metric {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()
		}
	}
	return nil
}

// value returns the value of the one series of name that c exports (a
// gauge or a counter), failing t when there is not exactly one.
func value(t *testing.T, c prometheus.Collector, name string) float64 {
	t.Helper()
	ms := gather(t, c, name)
	if len(ms) != 1 {
		t.Fatalf("%s has %d series, want 1", name, len(ms))
	}
	if g := ms[0].GetGauge(); g != nil {
		return g.GetValue()
	}
	return ms[0].GetCounter().GetValue()
}

// histogram returns the sample count and sum of name's series whose label
// has value v.
func histogram(t *testing.T, c prometheus.Collector, name, label, v string) (uint64, float64) {
	t.Helper()
	for _, m := range gather(t, c, name) {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label && lp.GetValue() == v {
				return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
			}
		}
	}
	return 0, 0
}

func nan() float64 { return math.NaN() }
