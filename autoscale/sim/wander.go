package sim

import (
	"math"
	"time"
)

// wander is the state of Config.Wander: one Ornstein-Uhlenbeck process
// per source, stepped once per tick. The Sim and Oracle build it from the
// same seed and step it in the same order, so they see the same draws.
type wander struct {
	a, b, std float64 // x' = a x + b N(0, 1)
	x         []float64
	rng       uint64
}

// newWander returns the wander of n sources; nil when w is off.
func newWander(w Wander, tick time.Duration, seed uint64, n int) *wander {
	if w.Std <= 0 || n == 0 {
		return nil
	}
	a := math.Exp(-tick.Seconds() / max(w.Correlation.Seconds(), tick.Seconds()))
	wd := &wander{a: a, b: w.Std * math.Sqrt(1-a*a), std: w.Std, x: make([]float64, n), rng: splitmix(seed ^ saltWander)}
	for i := range wd.x {
		wd.x[i] = w.Std * gaussian(&wd.rng) // the stationary distribution
	}
	return wd
}

// factor is source n's rate multiplier this tick: 1 without wander.
func (w *wander) factor(n int) float64 {
	if w == nil {
		return 1
	}
	return math.Exp(w.x[n] - w.std*w.std/2)
}

// step moves every source's process on by a tick.
func (w *wander) step() {
	if w == nil {
		return
	}
	for i := range w.x {
		w.x[i] = w.a*w.x[i] + w.b*gaussian(&w.rng)
	}
}
