//go:build !race

package sim_test

// raceEnabled is set when the tests run under the race detector, which
// slows the simulations some tenfold.
const raceEnabled = false
