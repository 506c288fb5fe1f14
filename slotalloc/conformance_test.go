package slotalloc_test

import (
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
	"github.com/flinkscale/flinkscale/slotalloc/slotalloctest"
)

func TestConformance(t *testing.T) {
	strict := slotalloc.DefaultConfig{WeightSlack: 1e-9}
	if err := strict.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		newA func() slotalloc.Allocator
	}{
		{"FlinkDefault", func() slotalloc.Allocator { return slotalloc.FlinkDefault{} }},
		{"TaskBalanced", func() slotalloc.Allocator { return slotalloc.TaskBalanced{} }},
		{"Default", func() slotalloc.Allocator { return &slotalloc.Default{} }},
		{"Default/strict weights", func() slotalloc.Allocator {
			d, _ := slotalloc.NewDefault(strict) // valid: checked above
			return d
		}},
		{"AllocatorFunc", func() slotalloc.Allocator { return slotalloc.AllocatorFunc(slotalloc.TaskBalanced{}.Allocate) }},
	} {
		t.Run(c.name, func(t *testing.T) { slotalloctest.Run(t, c.newA) })
	}
}
