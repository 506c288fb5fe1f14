package autoscale_test

import (
	"fmt"
	"testing"

	"github.com/flinkscale/flinkscale/autoscale"
)

func TestObservationNamed(t *testing.T) {
	obs := autoscale.Observation{Vertices: []autoscale.Vertex{
		{ID: "bc764cd8ddf7a0cff126f51c16239658", Name: "Source: orders"},
		{ID: "0a448493b4782967b150582570326227", Name: "Map"},
		{ID: "ea632d67b7d595e5b851708ae9ad79d6", Name: "Map"},
		{ID: "sink", Name: ""},
	}}
	tests := []struct{ in, want string }{
		{"rescales bc764cd8ddf7a0cff126f51c16239658 2->4", "rescales Source: orders 2->4"},
		{"0a448493b4782967b150582570326227 feeds ea632d67b7d595e5b851708ae9ad79d6",
			"Map [0a448493] feeds Map [ea632d67]"},
		{"sink keeps 1", "sink keeps 1"},
		{"nothing to name", "nothing to name"},
	}
	for _, tt := range tests {
		if got := obs.Named(tt.in); got != tt.want {
			t.Errorf("Named(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := obs.Label("unknown-vertex"); got != "unknown-vertex" {
		t.Errorf("Label of a vertex not in the observation = %q", got)
	}
}

func ExampleObservation_Named() {
	obs := autoscale.Observation{Vertices: []autoscale.Vertex{
		{ID: "bc764cd8ddf7a0cff126f51c16239658", Name: "Source: orders"},
	}}
	fmt.Println(obs.Named("default: rescales bc764cd8ddf7a0cff126f51c16239658 2->4"))
	// Output: default: rescales Source: orders 2->4
}
