package main

import (
	"math"
	"time"
)

// trace is a load over time for the hot pipeline, in records/s.
type trace struct {
	name string
	// rate is the rate at elapsed time e since the trace began.
	rate func(e time.Duration) float64
	// length is how long the trace runs.
	length time.Duration
}

// The traces of issue #19, for one Cost subtask of about 240 rec/s (4 ms
// a record, parked): each needs 1 subtask at its low and 3 to 8 at its high.
func traces(smoke bool) []trace {
	if smoke {
		return []trace{{name: "smoke", length: 60 * time.Second, rate: steps(
			step{0, 150}, step{30 * time.Second, 600})}}
	}
	return []trace{
		// steady -> 4x spike -> steady.
		{name: "spike", length: 5 * time.Minute, rate: steps(
			step{0, 150}, step{time.Minute, 600}, step{3 * time.Minute, 150})},
		// a step up, held.
		{name: "step", length: 4 * time.Minute, rate: steps(
			step{0, 150}, step{time.Minute, 600})},
		// a day compressed into 6 minutes: 100 rec/s at night to 1,600 at
		// noon (seven subtasks at 0.95 utilization, eight after alignment).
		{name: "diurnal", length: 6 * time.Minute, rate: func(e time.Duration) float64 {
			day := 6 * time.Minute
			x := float64(e%day) / float64(day)
			return 100 + 1500*(1-math.Cos(2*math.Pi*x))/2
		}},
	}
}

// step is a rate from a time on.
type step struct {
	from time.Duration
	rate float64
}

func steps(ss ...step) func(time.Duration) float64 {
	return func(e time.Duration) float64 {
		r := 0.0
		for _, s := range ss {
			if e >= s.from {
				r = s.rate
			}
		}
		return r
	}
}
