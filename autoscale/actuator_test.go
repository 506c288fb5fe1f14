package autoscale_test

import (
	"context"
	"errors"
	"testing"

	"github.com/flinkscale/flinkscale/autoscale"
)

func TestParallelismOverrides(t *testing.T) {
	obs := twoVertices()
	d, _ := autoscale.Static{Targets: map[string]int{"src": 8}}.Decide(t0, obs)
	var got []byte
	a := autoscale.ParallelismOverrides{Patch: func(_ context.Context, p []byte) error { got = p; return nil }}
	if err := a.Apply(context.Background(), d, obs); err != nil {
		t.Fatal(err)
	}
	want := `{"spec":{"flinkConfiguration":{"pipeline.jobvertex-parallelism-overrides":"sink:2,src:8"}}}`
	if string(got) != want {
		t.Errorf("patch\n got %s\nwant %s", got, want)
	}
	for _, bad := range []map[string]int{nil, {"a": 0}, {"a:b": 1}, {"": 2}} {
		if _, err := autoscale.MergePatch(bad); !errors.Is(err, autoscale.ErrInvalidConfig) {
			t.Errorf("MergePatch(%v) = %v", bad, err)
		}
	}
	if err := (autoscale.ParallelismOverrides{}).Apply(context.Background(), d, obs); !errors.Is(err, autoscale.ErrNoPatcher) {
		t.Errorf("no Patch: %v", err)
	}
}

func TestDecisionSizeAndChanges(t *testing.T) {
	obs := twoVertices()
	obs.Vertices[1].SlotSharingGroup = "other"
	obs.Resources.SlotsPerTaskManager = 4
	d, err := autoscale.Static{Targets: map[string]int{"src": 6, "sink": 300}}.Decide(t0, obs)
	if err != nil {
		t.Fatal(err)
	}
	if d.Targets["sink"] != 128 || d.Slots != 6+128 || d.TaskManagers != 34 {
		t.Errorf("decision %+v: want sink clamped to 128, 134 slots in 34 TaskManagers", d)
	}
	if ch := d.Changes(obs); len(ch) != 2 || ch[0] != "sink" || !d.Scales(obs) {
		t.Errorf("changes %v", ch)
	}
	bad := twoVertices()
	bad.Edges = append(bad.Edges, autoscale.Edge{From: "sink", To: "src"})
	if _, err := (autoscale.Static{}).Decide(t0, bad); !errors.Is(err, autoscale.ErrInvalidObservation) {
		t.Errorf("backward edge: %v", err)
	}
}

func TestValue(t *testing.T) {
	nan := 0.0
	nan /= nan
	for _, x := range []autoscale.Value{autoscale.Of(nan), autoscale.Missing, {}} {
		if x.Valid() || x.Or(7) != 7 || x.String() != "missing" {
			t.Errorf("%v should be missing", x)
		}
	}
	if v, ok := autoscale.Of(2.5).Get(); !ok || v != 2.5 {
		t.Error("Of(2.5) lost its value")
	}
}
