package autoscale_test

import (
	"context"
	"errors"
	"strconv"
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

// DryRun keeps the latest MaxDecisions decisions (1000 by default) and
// counts them all.
func TestDryRunBounded(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		applies int
		kept    int
	}{
		{"default keeps 1000", 0, 1005, 1000},
		{"below the default", 0, 10, 10},
		{"three", 3, 5, 3},
		{"one", 1, 4, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dry := &autoscale.DryRun{MaxDecisions: tt.max}
			for i := range tt.applies {
				if err := dry.Apply(context.Background(), autoscale.Decision{Summary: strconv.Itoa(i)}, autoscale.Observation{}); err != nil {
					t.Fatal(err)
				}
			}
			got := dry.Decisions()
			if len(got) != tt.kept || dry.Total() != tt.applies {
				t.Fatalf("kept %d of %d, want %d of %d", len(got), dry.Total(), tt.kept, tt.applies)
			}
			for i, d := range got {
				if want := strconv.Itoa(tt.applies - tt.kept + i); d.Summary != want {
					t.Fatalf("decision %d is %q, want %q (the latest, oldest first)", i, d.Summary, want)
				}
			}
		})
	}
	dry := &autoscale.DryRun{MaxDecisions: -1}
	if err := dry.Apply(context.Background(), autoscale.Decision{}, autoscale.Observation{}); !errors.Is(err, autoscale.ErrInvalidConfig) {
		t.Errorf("negative MaxDecisions: %v", err)
	}
	if !dry.RecordsOnly() {
		t.Error("DryRun must report that it only records")
	}
}
