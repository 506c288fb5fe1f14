package main

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// sample is what the monitor saw at one time: the job's state, each
// vertex's parallelism, the slots in use, and the hot pipeline's lag as
// Kafka gives it (committed offsets; its time lag is the age of the oldest
// record not yet committed).
type sample struct {
	t        time.Time
	state    flinkapi.JobState
	par      string // the vertices' parallelism, sorted by vertex: "v1=2,v2=1"
	slots    int
	lag      time.Duration
	lagKnown bool
	records  int64
}

// monitor samples the job every period; the same code measures every
// controller.
type monitor struct {
	c   *flinkapi.Client
	job flinkapi.JobID
	lag *kafkalag.Lag

	mu      sync.Mutex
	samples []sample
}

func (m *monitor) run(ctx context.Context, period time.Duration) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		m.sample(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (m *monitor) sample(ctx context.Context) {
	s := sample{t: time.Now()}
	if d, err := m.c.JobDetails(ctx, m.job); err == nil {
		s.state = d.State
		var ps []string
		for _, v := range d.Vertices {
			ps = append(ps, fmt.Sprintf("%s=%d", v.ID, v.Parallelism))
		}
		sort.Strings(ps)
		s.par = strings.Join(ps, ",")
	}
	if o, err := m.c.Overview(ctx); err == nil {
		s.slots = o.SlotsTotal - o.SlotsAvailable
	}
	if snap, err := m.lag.Backlog(ctx); err == nil {
		tot := snap.Totals()
		s.lag, s.lagKnown = tot.TimeLag.Value()
		s.records, _ = tot.Records.Value()
	}
	m.mu.Lock()
	m.samples = append(m.samples, s)
	m.mu.Unlock()
}

func (m *monitor) all() []sample {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.samples)
}

// result is one run's figures, as issue #19 asks for them.
type result struct {
	trace, controller string
	overSLO           time.Duration // time with the hot pipeline's time lag above the SLO
	unknownLag        time.Duration // time its lag was unknown
	slotMinutes       float64
	rescales          int
	maxLag            time.Duration
	restartToDecision []time.Duration // per rescale: from RUNNING at the new parallelism to the controller's next decision on measured figures
	produced, inSink  int64
	lost, duplicated  int64
	decisions         int // decisions taken on measured figures
	note              string
	dir               string        // the run's directory
	window            time.Duration // the time measured: from the trace's start until the group caught up
}

// measure computes a run's figures from its samples (between from and
// to) and the times the controller decided on measured figures.
func measure(ss []sample, from, to time.Time, slo time.Duration, decided []time.Time) result {
	var r result
	prevPar := ""
	var restarted []time.Time
	for i, s := range ss {
		if s.t.Before(from) || s.t.After(to) {
			continue
		}
		dt := time.Second
		if i > 0 {
			dt = s.t.Sub(ss[i-1].t)
		}
		r.slotMinutes += float64(s.slots) * dt.Minutes()
		switch {
		case !s.lagKnown:
			r.unknownLag += dt
		case s.lag > slo:
			r.overSLO += dt
		}
		if s.lagKnown && s.lag > r.maxLag {
			r.maxLag = s.lag
		}
		if s.par != "" && s.state == flinkapi.JobRunning {
			if prevPar != "" && s.par != prevPar {
				r.rescales++
				restarted = append(restarted, s.t)
			}
			prevPar = s.par
		}
	}
	for _, at := range restarted {
		for _, d := range decided {
			if d.After(at) {
				r.restartToDecision = append(r.restartToDecision, d.Sub(at))
				break
			}
		}
	}
	for _, d := range decided {
		if !d.Before(from) && !d.After(to) {
			r.decisions++
		}
	}
	return r
}

// median of ds, 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
