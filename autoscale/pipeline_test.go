package autoscale_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/flinkscale/flinkscale/autoscale"
)

func TestPipelines(t *testing.T) {
	v := func(id, group string) autoscale.Vertex {
		return autoscale.Vertex{ID: id, Parallelism: 1, SlotSharingGroup: group}
	}
	tests := []struct {
		name string
		obs  autoscale.Observation
		want []autoscale.Pipeline
	}{
		{"empty", autoscale.Observation{}, nil},
		{"a chain in one group", autoscale.Observation{
			Vertices: []autoscale.Vertex{v("a", "g"), v("b", "g")},
			Edges:    []autoscale.Edge{{From: "a", To: "b"}},
		}, []autoscale.Pipeline{{Vertices: []string{"a", "b"}, Sources: []string{"a"}, SlotSharingGroups: []string{"g"}}}},
		{"two chains, each in its group", autoscale.Observation{
			Vertices: []autoscale.Vertex{v("a", "x"), v("c", "y"), v("b", "x"), v("d", "y")},
			Edges:    []autoscale.Edge{{From: "a", To: "b"}, {From: "c", To: "d"}},
		}, []autoscale.Pipeline{
			{Vertices: []string{"a", "b"}, Sources: []string{"a"}, SlotSharingGroups: []string{"x"}},
			{Vertices: []string{"c", "d"}, Sources: []string{"c"}, SlotSharingGroups: []string{"y"}},
		}},
		{"two chains sharing the default group are one", autoscale.Observation{
			Vertices: []autoscale.Vertex{v("a", "default"), v("c", "default"), v("b", "default"), v("d", "default")},
			Edges:    []autoscale.Edge{{From: "a", To: "b"}, {From: "c", To: "d"}},
		}, []autoscale.Pipeline{{Vertices: []string{"a", "c", "b", "d"}, Sources: []string{"a", "c"}, SlotSharingGroups: []string{"default"}}}},
		{"a join across groups is one", autoscale.Observation{
			Vertices: []autoscale.Vertex{v("a", "x"), v("b", "y"), v("j", "z")},
			Edges:    []autoscale.Edge{{From: "a", To: "j"}, {From: "b", To: "j"}},
		}, []autoscale.Pipeline{{Vertices: []string{"a", "b", "j"}, Sources: []string{"a", "b"}, SlotSharingGroups: []string{"x", "y", "z"}}}},
		{"a lone vertex", autoscale.Observation{Vertices: []autoscale.Vertex{v("a", "x"), v("b", "y")}},
			[]autoscale.Pipeline{
				{Vertices: []string{"a"}, Sources: []string{"a"}, SlotSharingGroups: []string{"x"}},
				{Vertices: []string{"b"}, Sources: []string{"b"}, SlotSharingGroups: []string{"y"}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.obs.Pipelines(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Pipelines() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func ExampleObservation_Pipelines() {
	obs := autoscale.Observation{
		Vertices: []autoscale.Vertex{
			{ID: "hot-src", Parallelism: 2, SlotSharingGroup: "hot"},
			{ID: "cold-src", Parallelism: 1, SlotSharingGroup: "cold"},
			{ID: "hot-sink", Parallelism: 4, SlotSharingGroup: "hot"},
			{ID: "cold-sink", Parallelism: 1, SlotSharingGroup: "cold"},
		},
		Edges: []autoscale.Edge{{From: "hot-src", To: "hot-sink"}, {From: "cold-src", To: "cold-sink"}},
	}
	for _, p := range obs.Pipelines() {
		fmt.Println(p.SlotSharingGroups, p.Sources, p.Vertices)
	}
	// Output:
	// [hot] [hot-src] [hot-src hot-sink]
	// [cold] [cold-src] [cold-src cold-sink]
}
