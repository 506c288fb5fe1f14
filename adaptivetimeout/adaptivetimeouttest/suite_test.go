package adaptivetimeouttest_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/adaptivetimeout/adaptivetimeouttest"
)

// shared keeps one wait for all its readers: a policy with per-policy
// instead of per-reader state.
type shared struct {
	mu   sync.Mutex
	wait time.Duration
}

func (s *shared) NewReader() adaptivetimeout.Reader {
	return adaptivetimeout.Func(func(_ time.Time, o adaptivetimeout.Outcome) time.Duration {
		s.mu.Lock()
		defer s.mu.Unlock()
		if o.Records > 0 {
			s.wait = min(s.wait+time.Millisecond, 20*time.Millisecond)
		} else {
			s.wait = max(s.wait-time.Millisecond, 0)
		}
		return s.wait
	})
}

// liar says it waits at most 5 ms but waits 10.
type liar struct{ adaptivetimeout.Fixed }

func (liar) Bounds() (lo, hi time.Duration) { return 0, 5 * time.Millisecond }

// negative returns negative waits through its own Reader.
type negative struct{}

func (negative) NewReader() adaptivetimeout.Reader { return negReader{} }

type negReader struct{}

func (negReader) Next(time.Time, adaptivetimeout.Outcome) time.Duration { return -time.Millisecond }

// counter is not deterministic: each new reader starts where the last
// one was created.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) NewReader() adaptivetimeout.Reader {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	start := time.Duration(c.n) * time.Microsecond
	return adaptivetimeout.Func(func(time.Time, adaptivetimeout.Outcome) time.Duration { return start })
}

func TestCheckFindsBrokenPolicies(t *testing.T) {
	for _, c := range []struct {
		name string
		p    adaptivetimeout.Policy
		want string
	}{
		{"shared state", &shared{}, "independent"},
		{"out of bounds", liar{}, "bounds"},
		{"negative", negative{}, "bounds"},
		{"nondeterministic", &counter{}, "deterministic"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := adaptivetimeouttest.Check(func() adaptivetimeout.Policy { return c.p })
			if err == nil || !strings.Contains(err.Error(), c.want+":") {
				t.Fatalf("Check = %v, want a %q violation", err, c.want)
			}
		})
	}
}

func TestCheckPassesOurs(t *testing.T) {
	for _, p := range []adaptivetimeout.Policy{adaptivetimeout.Fixed{}, adaptivetimeout.BeamAIAD{}, &adaptivetimeout.Default{}, adaptivetimeout.NoWait{}} {
		if err := adaptivetimeouttest.Check(func() adaptivetimeout.Policy { return p }); err != nil {
			t.Errorf("%T: %v", p, err)
		}
	}
}
