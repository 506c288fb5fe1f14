package adaptivetimeouttest_test

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/adaptivetimeouttest"
)

// Check runs the suite without a testing.T; in a test,
// adaptivetimeouttest.Run(t, newPolicy) runs it as subtests. A policy that
// keeps one wait for all its readers fails the independence check.
func ExampleCheck() {
	fmt.Println("Default:", adaptivetimeouttest.Check(func() adaptivetimeout.Policy { return &adaptivetimeout.Default{} }))

	var shared atomic.Int64 // one wait for every reader: wrong
	p := adaptivetimeout.Func(func(_ time.Time, o adaptivetimeout.Outcome) time.Duration {
		if o.Records > 0 {
			return time.Duration(shared.Add(int64(time.Millisecond)))
		}
		return time.Duration(shared.Load())
	})
	err := adaptivetimeouttest.Check(func() adaptivetimeout.Policy { return p })
	fmt.Println("shared state found:", err != nil)
	// Output:
	// Default: <nil>
	// shared state found: true
}

// Random histories feed property tests of your own.
func ExampleRandom() {
	h := adaptivetimeouttest.Random(rand.New(rand.NewPCG(1, 2)), 100)
	r := adaptivetimeout.BeamAIAD{}.NewReader()
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for _, s := range h {
		w := r.Next(s.Now, s.Last)
		lo, hi = min(lo, w), max(hi, w)
	}
	fmt.Println(len(h), "steps, waits within", lo >= adaptivetimeout.BeamMinTimeout && hi <= adaptivetimeout.BeamMaxTimeout)
	// Output: 100 steps, waits within true
}
