package slotalloc

import (
	"reflect"
	"slices"
	"testing"

	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// TestConfigDefaults checks every field documented with "Default: X"
// against X as the zero value's effective value: what New keeps, what the
// zero Default uses (the same plan as an explicit 0.05), and how an empty
// slot-sharing group behaves (one shared group).
func TestConfigDefaults(t *testing.T) {
	d, err := NewDefault(DefaultConfig{})
	if err != nil {
		t.Fatal(err)
	}
	weighted := slackSensitive()
	explicit, _ := NewDefault(DefaultConfig{WeightSlack: 0.05})
	looser, _ := NewDefault(DefaultConfig{WeightSlack: 0.1})
	shared := Request{Vertices: []Vertex{{ID: "a", Parallelism: 2}, {ID: "b", Parallelism: 2}}, TaskManagers: []TaskManager{{ID: "x", Slots: 2}}}
	tables := map[string][]docdefaults.Row{
		"DefaultConfig": {
			{Field: "WeightSlack", Doc: "0.05", Got: d.cfg.WeightSlack, Want: 0.05},
		},
		"Default": {}, // no fields of its own: the zero Default is DefaultConfig's defaults
		"Vertex": {
			{Field: "SlotSharingGroup", Doc: `"" (Flink's "default" group, the one Beam's Flink runner puts every vertex in)`, Got: shared.Validate(), Want: nil},
		},
	}
	plans := map[string]Plan{}
	for name, a := range map[string]*Default{"zero Default": {}, "NewDefault(DefaultConfig{})": d, "0.05": explicit, "0.1": looser} {
		p, err := a.Allocate(weighted)
		if err != nil {
			t.Fatal(err)
		}
		plans[name] = p
	}
	if reflect.DeepEqual(plans["0.05"], plans["0.1"]) {
		t.Fatal("the request does not tell WeightSlack 0.05 from 0.1")
	}
	for _, name := range []string{"zero Default", "NewDefault(DefaultConfig{})"} {
		if !reflect.DeepEqual(plans[name], plans["0.05"]) {
			t.Errorf("%s plans differently from WeightSlack 0.05", name)
		}
	}
	for typ, rows := range tables {
		docdefaults.Check(t, ".", typ, rows)
	}
}

// slackSensitive returns a rescale whose plan differs between WeightSlack
// 0.05 and 0.1: 16 subtasks on 4 TaskManagers x 2 slots, those previously
// on tm-0 now weighing 2.5.
func slackSensitive() Request {
	req := Request{
		Vertices:     []Vertex{{ID: "a", Parallelism: 8}, {ID: "b", Parallelism: 8}},
		TaskManagers: []TaskManager{{ID: "tm-0", Slots: 2}, {ID: "tm-1", Slots: 2}, {ID: "tm-2", Slots: 2}, {ID: "tm-3", Slots: 2}},
	}
	req.Previous, _ = (&Default{}).Allocate(req)
	req.Vertices = slices.Clone(req.Vertices)
	for i, pl := range req.Previous.Placements {
		req.Vertices[i].Weights = make([]float64, len(pl.Slots))
		for k, sl := range pl.Slots {
			req.Vertices[i].Weights[k] = 1
			if sl.TaskManager == "tm-0" {
				req.Vertices[i].Weights[k] = 2.5
			}
		}
	}
	return req
}
