package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// TestConfigDefaults checks every field documented with "Default: X" of
// Config and Traffic against X, as the zero value's effective value: what
// Run simulates with (its Result.Duration, its source's configuration) and
// the partition a zero Traffic makes.
func TestConfigDefaults(t *testing.T) {
	res, err := Run(t.Context(), Config{Readers: []Traffic{{}}, Duration: 0}, adaptivetimeout.BatchLoop{}, adaptivetimeout.NoWait{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Readers: []Traffic{{}}}.withDefaults() // what Run runs with
	p := newPartition(Traffic{}, rand.New(rand.NewPCG(1, 1)))
	_, arrives := p.arrival(0)
	tables := map[string][]docdefaults.Row{
		"Config": {
			{Field: "Duration", Doc: "DefaultDuration (10s)", Got: res.Duration, Want: 10 * time.Second},
			{Field: "Latency", Doc: "DefaultLatency (2ms)", Got: cfg.Latency, Want: 2 * time.Millisecond},
			{Field: "Jitter", Doc: "0", Got: cfg.Jitter, Want: time.Duration(0)},
			{Field: "MaxBatch", Doc: "DefaultMaxBatch (500)", Got: cfg.MaxBatch, Want: 500},
			{Field: "RecordCost", Doc: "DefaultRecordCost (5µs)", Got: cfg.RecordCost, Want: 5 * time.Microsecond},
			{Field: "VisitCost", Doc: "DefaultVisitCost (1µs)", Got: cfg.VisitCost, Want: time.Microsecond},
		},
		"Traffic": {
			{Field: "Backlog", Doc: "0", Got: p.initial, Want: int64(0)},
			{Field: "Every", Doc: "0, no arrivals", Got: arrives, Want: false},
			{Field: "Burst", Doc: "1", Got: p.burst, Want: 1},
		},
	}
	for typ, rows := range tables {
		docdefaults.Check(t, ".", typ, rows)
	}
}
