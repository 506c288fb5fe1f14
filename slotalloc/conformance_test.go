package slotalloc_test

import (
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
	"github.com/flinkscale/flinkscale/slotalloc/slotalloctest"
)

func TestConformance(t *testing.T) {
	strict, err := slotalloc.New(slotalloc.Config{WeightSlack: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		a    slotalloc.Allocator
	}{
		{"FlinkDefault", slotalloc.FlinkDefault{}},
		{"TaskBalanced", slotalloc.TaskBalanced{}},
		{"Default", &slotalloc.Default{}},
		{"Default/strict weights", strict},
		{"AllocatorFunc", slotalloc.AllocatorFunc(slotalloc.TaskBalanced{}.Allocate)},
	} {
		t.Run(c.name, func(t *testing.T) { slotalloctest.Run(t, c.a) })
	}
}
