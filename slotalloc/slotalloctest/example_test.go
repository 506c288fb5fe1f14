package slotalloctest_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/flinkscale/flinkscale/slotalloc"
	"github.com/flinkscale/flinkscale/slotalloc/slotalloctest"
)

// RandomRequest feeds property tests of your own; Run uses it too. In a
// test, slotalloctest.Run(t, newMyAllocator) runs the whole suite.
func ExampleRandomRequest() {
	rng := rand.New(rand.NewPCG(1, 1))
	valid := 0
	for range 100 {
		req := slotalloctest.RandomRequest(rng)
		p, err := (&slotalloc.Default{}).Allocate(req)
		if err == nil && slotalloc.Verify(req, p) == nil {
			valid++
		}
	}
	fmt.Println(valid, "of 100 placed")
	// Output:
	// 100 of 100 placed
}
