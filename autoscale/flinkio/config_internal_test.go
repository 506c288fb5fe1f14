package flinkio

import (
	"log/slog"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// Every documented default of the zero ObserverConfig (Client and Job are
// required), and a row for every field.
func TestObserverConfigDefaults(t *testing.T) {
	o, err := NewObserver(ObserverConfig{Client: &flinkapi.Client{}, Job: flinkapi.JobID("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	docdefaults.Check(t, ".", "ObserverConfig", []docdefaults.Row{
		{Field: "Client", Got: o.cfg.Client != nil, Want: true},
		{Field: "Job", Got: o.cfg.Job, Want: flinkapi.JobID("0123456789abcdef0123456789abcdef")},
		{Field: "Backlog", Doc: "the sources' pendingRecords alone, with no time lag", Got: o.cfg.Backlog == nil, Want: true},
		{Field: "Topics", Doc: "entries keyed by the vertex (as flinkbacklog's), and the partition count from the source's KafkaSourceReader metric names",
			Got: len(o.cfg.Topics), Want: 0},
		{Field: "TopicsByName", Doc: "none", Got: len(o.cfg.TopicsByName), Want: 0},
		{Field: "Health", Doc: "none, Source.Health stays zero", Got: o.cfg.Health == nil, Want: true},
		{Field: "Concurrency", Doc: "8", Got: o.cfg.Concurrency, Want: 8},
		{Field: "Logger", Doc: "discard", Got: o.cfg.Logger.Handler(), Want: slog.Handler(slog.DiscardHandler)},
	}, docdefaults.EveryField())
}
