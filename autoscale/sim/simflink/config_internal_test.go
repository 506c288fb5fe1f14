package simflink

import (
	"testing"

	"github.com/flinkscale/flinkscale/autoscale/sim"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// Every documented default of the zero Config (Sim is required): the job
// ID is derived from the job's name, the same for the same name, a valid
// 32-hex ID.
func TestConfigDefaults(t *testing.T) {
	newProvider := func(name string) *Provider {
		t.Helper()
		s, err := sim.New(sim.Config{}, sim.Job{Name: name, Vertices: []sim.Vertex{
			{ID: "src", Capacity: 100, Source: &sim.Source{Partitions: 2}}}}, sim.Steady{Rate: 1})
		if err != nil {
			t.Fatal(err)
		}
		p, err := New(Config{Sim: s})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, again, other := newProvider("orders"), newProvider("orders"), newProvider("payments")
	if want := flinkapi.JobID(hexID("simflink/job/orders")); a.JobID() != want {
		t.Errorf("Config.JobID: the zero value means %s, want %s, derived from the job's name", a.JobID(), want)
	}
	docdefaults.Check(t, ".", "Config", []docdefaults.Row{
		{Field: "Sim", Got: a.sim != nil, Want: true},
		{Field: "JobID", Doc: "derived from the job's name",
			Got:  []any{a.JobID(), a.JobID().Validate() == nil, a.JobID() == again.JobID(), a.JobID() == other.JobID()},
			Want: []any{a.JobID(), true, true, false}},
	}, docdefaults.EveryField())
}
