package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// bounds returns the bucket upper bounds of the first histogram c exports.
func bounds(t *testing.T, c prometheus.Collector) []float64 {
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
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				var out []float64
				for _, b := range h.GetBucket() {
					out = append(out, b.GetUpperBound())
				}
				return out
			}
		}
	}
	t.Fatal("no histogram")
	return nil
}

func TestConfigDefaults(t *testing.T) {
	b, err := NewBacklog(BacklogConfig{})
	if err != nil {
		t.Fatal(err)
	}
	b.KafkaEvaluation(kafkalag.Evaluation{Requests: 8, Duration: time.Second})
	b.Observe(backlog.Snapshot{Group: "g", Source: "kafka", Partitions: []backlog.Partition{{Key: backlog.TopicPartition("t", 0), Records: backlog.Known[int64](1)}}})
	perPartition := 0
	ch := make(chan prometheus.Metric, 100)
	b.Collect(ch)
	close(ch)
	for m := range ch {
		if d := m.Desc(); d == b.partRecords || d == b.notExported {
			perPartition++
		}
	}
	docdefaults.Check(t, ".", "BacklogConfig", []docdefaults.Row{
		{Field: "Partitions", Doc: "0, no per-partition series", Got: perPartition, Want: 0},
		{Field: "DurationBuckets", Doc: "prometheus.DefBuckets (5 ms to 10 s)", Got: bounds(t, b.kafkaDuration), Want: prometheus.DefBuckets},
		{Field: "RequestBuckets", Doc: "the powers of 2 from 1 to 2048", Got: bounds(t, b.kafkaPerEval), Want: prometheus.ExponentialBuckets(1, 2, 12)},
	}, docdefaults.EveryField())

	a, err := NewAutoscale(AutoscaleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	docdefaults.Check(t, ".", "AutoscaleConfig", []docdefaults.Row{
		{Field: "Clock", Doc: "the system clock", Got: a.clk, Want: clock.Clock(clock.System{})},
	}, docdefaults.EveryField())

	f, err := NewFlinkAPI(FlinkAPIConfig{})
	if err != nil {
		t.Fatal(err)
	}
	f.Call(flinkapi.Call{Method: "GET", Route: "/overview", Status: 200, Attempts: 1})
	docdefaults.Check(t, ".", "FlinkAPIConfig", []docdefaults.Row{
		{Field: "DurationBuckets", Doc: "prometheus.DefBuckets (5 ms to 10 s)", Got: bounds(t, f.duration), Want: prometheus.DefBuckets},
	}, docdefaults.EveryField())

	d, err := NewDrain(DrainConfig{})
	if err != nil {
		t.Fatal(err)
	}
	d.Transition(drain.Operation{Job: "j"}, drain.Step{To: drain.Drained})
	docdefaults.Check(t, ".", "DrainConfig", []docdefaults.Row{
		{Field: "DurationBuckets", Doc: "the powers of 2 from 1 s to 4096 s (about 68 min; flinkdrain's default timeout is 10 min)", Got: bounds(t, d.duration), Want: prometheus.ExponentialBuckets(1, 2, 13)},
	}, docdefaults.EveryField())
}
