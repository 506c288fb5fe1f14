package flinkio_test

import (
	"context"
	"testing"
)

// BenchmarkObservation observes a 3-vertex job (one Kafka source) with the
// Flink and Kafka backlog sources configured, as the README wires them,
// and reports the REST requests the JobManager (flinktest) served per
// observation: V+3 = 6 with the Observer's client shared with flinkbacklog
// (flinkio.Shared), 8 with a client of its own (the wiring before Shared).
//
//	go test ./autoscale/flinkio -run '^$' -bench Observation -benchtime 200x
func BenchmarkObservation(b *testing.B) {
	for _, bb := range []struct {
		name   string
		shared bool
	}{{"shared", true}, {"separate clients", false}} {
		b.Run(bb.name, func(b *testing.B) {
			e := newEnv(b)
			o := wiring(b, e, bb.shared)
			ctx := context.Background()
			if _, err := o.Observe(ctx); err != nil { // warms the metric-name cache
				b.Fatal(err)
			}
			e.srv.ResetRequests()
			b.ResetTimer()
			for b.Loop() {
				if _, err := o.Observe(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(len(e.srv.Requests()))/float64(b.N), "requests/op")
		})
	}
}
