package flinkbacklog

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// nopFlink is a Flink that is never called.
type nopFlink struct{ Flink }

// TestConfigDefaults checks every documented default of a Config that sets
// only what is required (Client, Job), and that the table covers every
// field.
func TestConfigDefaults(t *testing.T) {
	const job = flinkapi.JobID("ffffffffffffffffffffffffffffffff")
	s, err := New(Config{Client: nopFlink{}, Job: job})
	if err != nil {
		t.Fatal(err)
	}
	plan := flinkapi.JobDetails{Plan: flinkapi.Plan{Nodes: []flinkapi.PlanNode{
		{ID: "aa"}, {ID: "bb", Inputs: []flinkapi.PlanInput{{ID: "aa"}}}, {ID: "cc"},
	}}}
	docdefaults.Check(t, ".", "Config", []docdefaults.Row{
		{Field: "Client", Got: s.cfg.Client, Want: Flink(nopFlink{})}, // required
		{Field: "Job", Got: s.cfg.Job, Want: job},                     // required
		{Field: "Vertices", Doc: "every vertex without inputs in the job's plan", Got: s.sources(plan), Want: []flinkapi.VertexID{"aa", "cc"}},
		{Field: "Clock", Doc: "the system clock (clock.System)", Got: s.cfg.Clock, Want: clock.Clock(clock.System{})},
		{Field: "Logger", Doc: "discard", Got: s.cfg.Logger.Enabled(context.Background(), slog.LevelError), Want: false},
	}, docdefaults.EveryField())
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Client: nopFlink{}, Job: "ffffffffffffffffffffffffffffffff"}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	for name, cfg := range map[string]Config{
		"no client":  {Job: ok.Job},
		"bad job":    {Client: ok.Client, Job: "nope"},
		"bad vertex": {Client: ok.Client, Job: ok.Job, Vertices: []flinkapi.VertexID{"x"}},
	} {
		err := cfg.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !errors.Is(err, backlog.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("%s: Validate() = %v, want ErrInvalidConfig (and backlog's, and the root one)", name, err)
		}
		if _, err := New(cfg); !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("%s: New error %v, want ErrInvalidConfig", name, err)
		}
	}
}
