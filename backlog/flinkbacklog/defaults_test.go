package flinkbacklog

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
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
	before := time.Now()
	now := s.cfg.Clock()
	cases := []struct {
		field, doc string
		got, want  any
	}{
		{"Client", "Required", s.cfg.Client, Flink(nopFlink{})},
		{"Job", "Required", s.cfg.Job, job},
		{"Vertices", "Default: every vertex without inputs in the job's plan", s.sources(plan), []flinkapi.VertexID{"aa", "cc"}},
		{"Clock", "Default: time.Now", !now.Before(before) && now.Sub(before) < time.Second, true},
		{"Logger", "Default: discard", s.cfg.Logger.Enabled(context.Background(), slog.LevelError), false},
	}
	var fields, covered []string
	for f := range reflect.TypeFor[Config]().Fields() {
		fields = append(fields, f.Name)
	}
	for _, c := range cases {
		covered = append(covered, c.field)
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("Config.%s (doc: %q) = %v, want %v", c.field, c.doc, c.got, c.want)
		}
	}
	slices.Sort(fields)
	slices.Sort(covered)
	if !slices.Equal(fields, covered) {
		t.Errorf("the defaults table covers %q, Config has %q", covered, fields)
	}
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
		if !errors.Is(err, ErrInvalidConfig) || !errors.Is(err, backlog.ErrInvalidConfig) {
			t.Errorf("%s: Validate() = %v, want ErrInvalidConfig (and backlog's)", name, err)
		}
	}
}
