package simflink

import (
	"reflect"
	"testing"

	"github.com/flinkscale/flinkscale/autoscale/sim"
	"github.com/flinkscale/flinkscale/flinkapi"
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
	table := map[string]struct{ got, want any }{
		"Sim": {a.sim != nil, true},
		"JobID": {[]any{a.JobID(), a.JobID().Validate() == nil, a.JobID() == again.JobID(), a.JobID() == other.JobID()},
			[]any{a.JobID(), true, true, false}},
	}
	if want := flinkapi.JobID(hexID("simflink/job/orders")); a.JobID() != want {
		t.Errorf("Config.JobID: the zero value means %s, want %s, derived from the job's name", a.JobID(), want)
	}
	typ := reflect.TypeOf(Config{})
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		row, ok := table[name]
		switch {
		case !ok:
			t.Errorf("Config.%s has no row in the defaults table", name)
		case !reflect.DeepEqual(row.got, row.want):
			t.Errorf("Config.%s: the zero value means %v, its doc says %v", name, row.got, row.want)
		}
	}
}
