package main

import (
	"strings"
	"testing"
	"time"
)

// The run follows the job after production for as long as it catches up,
// however slowly, and gives up only when it stalls or at the limit.
func TestCatchUp(t *testing.T) {
	type step struct {
		at        time.Duration // since following began
		over      bool          // the run's duration is over
		caught    bool
		committed int64
		done      bool
	}
	for _, c := range []struct {
		name    string
		steps   []step
		finding string // "" when caught up
	}{{
		name: "caught up: the run ends at the next tick, which observes it",
		steps: []step{
			{at: 0, over: true, caught: true, committed: 100},
			{at: 2 * time.Second, over: true, caught: true, committed: 100, done: true},
		},
	}, {
		name: "caught up before the duration is over: the run goes on until then",
		steps: []step{
			{at: 0, caught: true, committed: 100},
			{at: 2 * time.Second, caught: true, committed: 100},
			{at: 4 * time.Second, over: true, caught: true, committed: 100, done: true},
		},
	}, {
		name: "slow but steady progress is followed to the end",
		steps: []step{
			{at: 0, over: true, committed: 100},
			{at: 8 * time.Second, over: true, committed: 110},
			{at: 16 * time.Second, over: true, committed: 120},
			{at: 24 * time.Second, over: true, committed: 130},
			{at: 30 * time.Second, over: true, caught: true, committed: 140},
			{at: 32 * time.Second, over: true, caught: true, committed: 140, done: true},
		},
	}, {
		name: "no checkpoint for the stall time: gives up",
		steps: []step{
			{at: 0, committed: 100},
			{at: 5 * time.Second, committed: 150},
			{at: 14 * time.Second, over: true, committed: 150},
			{at: 15 * time.Second, over: true, committed: 150, done: true},
		},
		finding: "did not move for 10s",
	}, {
		name: "still catching up at the limit: gives up",
		steps: []step{
			{at: 0, over: true, committed: 100},
			{at: 30 * time.Second, over: true, committed: 101},
			{at: 59 * time.Second, over: true, committed: 102},
			{at: 60 * time.Second, over: true, committed: 103, done: true},
		},
		finding: "still catching up after 1m0s",
	}} {
		t.Run(c.name, func(t *testing.T) {
			var cur step
			f := &catchUp{
				progress: func() (bool, int64) { return cur.caught, cur.committed },
				stall:    10 * time.Second, limit: time.Minute,
			}
			start := time.Unix(1_800_000_000, 0)
			for _, s := range c.steps {
				cur = s
				if got := f.done(start.Add(s.at), s.over); got != s.done {
					t.Fatalf("at %s (committed %d, caught %v): done %v, want %v", s.at, s.committed, s.caught, got, s.done)
				}
			}
			got := f.finding()
			if c.finding == "" && got != "" || !strings.Contains(got, c.finding) {
				t.Errorf("finding %q, want one holding %q", got, c.finding)
			}
		})
	}
}
