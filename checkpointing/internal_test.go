package checkpointing

import (
	"slices"
	"testing"
)

func TestBeamOptionsSorted(t *testing.T) {
	if !slices.IsSorted(beamOptions[:]) {
		t.Fatal("beamOptions must be sorted for binary search")
	}
	if len(fieldSpecs) != int(FieldMode)+1 {
		t.Fatalf("fieldSpecs has %d entries", len(fieldSpecs))
	}
}

func TestNiceCeil(t *testing.T) {
	cases := map[float64]int64{0: 1, 1: 1, 1.2: 2, 2: 2, 3: 5, 5: 5, 6: 10, 10: 10, 11: 20, 4750: 5000, 5000: 5000, 5001: 10_000, 1e18: 1<<63 - 1}
	for in, want := range cases {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %d, want %d", in, got, want)
		}
	}
}
