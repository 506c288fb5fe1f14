package sim

import (
	"math"
	"slices"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
)

// sizer finds, per vertex, the smallest parallelism that keeps up with a
// moment's arrival rate (noise aside), respecting the key groups and, for
// a source, that subtask i reads partitions i, i+p, ....
type sizer struct {
	topo  *topology
	trace Trace
	info  []TraceSource // per source
	rates [][]float64   // per source, per partition
	in    []float64     // per vertex, records/s in
	best  [][]float64   // per vertex, best capacity at parallelism <= p (index p-1)
	arg   [][]int       // per vertex, the smallest parallelism reaching best
	// factor is source n's rate multiplier (Config.Wander); nil is 1.
	factor func(n int) float64
	// shape caches, per source, the busiest subtask's share of the rates
	// at each parallelism for the last uneven shape of rates seen.
	shape [][]float64
	share [][]float64
}

func newSizer(topo *topology, trace Trace) *sizer {
	z := &sizer{topo: topo, trace: trace, in: make([]float64, len(topo.vertices))}
	for n, i := range topo.sources {
		part := topo.vertices[i].Source.Partitions
		z.info = append(z.info, TraceSource{ID: topo.vertices[i].ID, Index: n, Partitions: part})
		z.rates = append(z.rates, make([]float64, part))
	}
	z.shape, z.share = make([][]float64, len(topo.vertices)), make([][]float64, len(topo.vertices))
	z.tables()
	return z
}

// tables computes, per vertex and parallelism, the best capacity at or
// below it, from the vertices' current capacities.
func (z *sizer) tables() {
	topo := z.topo
	z.best, z.arg = z.best[:0], z.arg[:0]
	for i, v := range topo.vertices {
		limit := v.MaxParallelism
		if v.Source != nil {
			limit = min(limit, v.Source.Partitions)
		}
		var shares []float64
		best, arg := make([]float64, limit), make([]int, limit)
		top, at := 0.0, 1
		for p := 1; p <= limit; p++ {
			c := sourceUnitCapacity(v, p)
			if v.Source == nil {
				c = 1 / float64(p) // rebalance: every subtask gets 1/p
				if topo.keyed[i] {
					shares = keyGroupShares(v.MaxParallelism, p, shares)
					c = largest(shares)
				}
				c = perSubtask(v, p) / c
			}
			if c > top {
				top, at = c, p
			}
			best[p-1], arg[p-1] = top, at
		}
		z.best, z.arg = append(z.best, best), append(z.arg, arg)
	}
}

// sourceUnitCapacity is a source's capacity at p in records/s per
// partition, when every partition gets the same rate: its busiest subtask
// reads ceil(N/p) partitions.
func sourceUnitCapacity(v Vertex, p int) float64 {
	if v.Source == nil {
		return 0
	}
	n := v.Source.Partitions
	return perSubtask(v, p) / float64((n+p-1)/p)
}

// size writes the parallelism for the rates at t into p and reports
// whether some vertex cannot keep up at any parallelism.
func (z *sizer) size(t time.Duration, p []int) (unmet bool) {
	clear(z.in)
	for n, i := range z.topo.sources {
		z.trace.Rates(z.info[n], t, z.rates[n])
		if z.factor != nil {
			f := z.factor(n)
			for k := range z.rates[n] {
				z.rates[n][k] *= f
			}
		}
		for _, k := range z.topo.vertices[i].Source.Stuck {
			z.rates[n][k] = 0 // read by no one: nothing downstream to size for
		}
		var ok bool
		p[i], ok = z.sizeSource(i, z.rates[n])
		unmet = unmet || !ok
		z.in[i] = sum(z.rates[n])
	}
	for i, v := range z.topo.vertices {
		if v.Source == nil {
			var ok bool
			p[i], ok = z.pick(i, z.in[i])
			unmet = unmet || !ok
		}
		for _, w := range z.topo.outs[i] {
			z.in[w] += z.in[i] * v.Selectivity
		}
	}
	return unmet
}

// pick is the smallest parallelism whose capacity (from the table) reaches
// need, or the best one when none does.
func (z *sizer) pick(i int, need float64) (int, bool) {
	best := z.best[i]
	need *= 1 - 1e-12
	k, _ := slices.BinarySearchFunc(best, need, func(c, n float64) int {
		if c < n {
			return -1
		}
		return 1
	})
	if k == len(best) {
		return z.arg[i][k-1], false
	}
	return k + 1, true
}

// sizeSource sizes a source: from the table when its partitions share one
// rate, else from the busiest subtask's share of the rates at each
// parallelism (cached while the rates keep their shape).
func (z *sizer) sizeSource(i int, rates []float64) (int, bool) {
	uniform := true
	for _, r := range rates[1:] {
		uniform = uniform && r == rates[0]
	}
	if uniform {
		return z.pick(i, rates[0])
	}
	total := sum(rates)
	if !z.sameShape(i, rates, total) {
		z.shape[i] = resized(z.shape[i], len(rates))
		for k, r := range rates {
			z.shape[i][k] = r / total
		}
		z.share[i] = resized(z.share[i], len(z.best[i]))
		for p := 1; p <= len(z.best[i]); p++ {
			z.share[i][p-1] = busiest(z.shape[i], p)
		}
	}
	v := z.topo.vertices[i]
	bestP, bestSlack := 1, math.Inf(-1)
	for p := 1; p <= len(z.best[i]); p++ {
		slack := perSubtask(v, p) - total*z.share[i][p-1]
		if slack >= -1e-9*perSubtask(v, p) {
			return p, true
		}
		if slack > bestSlack {
			bestP, bestSlack = p, slack
		}
	}
	return bestP, false
}

// busiest is the largest share of rates a subtask of p reads (subtask j
// reads partitions j, j+p, ...).
func busiest(rates []float64, p int) float64 {
	m := 0.0
	for j := range p {
		s := 0.0
		for k := j; k < len(rates); k += p {
			s += rates[k]
		}
		m = max(m, s)
	}
	return m
}

// sameShape reports whether rates are the cached shape of source i scaled
// by total.
func (z *sizer) sameShape(i int, rates []float64, total float64) bool {
	sh := z.shape[i]
	if len(sh) != len(rates) || total <= 0 {
		return false
	}
	for k, r := range rates {
		if math.Abs(r/total-sh[k]) > 1e-12 {
			return false
		}
	}
	return true
}

// KeepUp returns, per vertex ID, the smallest parallelism at which the
// vertex keeps up with the trace's rates at offset at since the start
// (noise aside), assuming its upstream keeps up: a source's busiest
// subtask reads ceil(N/p) partitions; a keyed vertex's busiest subtask
// holds ceil(MaxParallelism/p) key groups. A vertex that cannot keep up at
// any parallelism gets the one at which it processes most.
func KeepUp(job Job, trace Trace, at time.Duration) (map[string]int, error) {
	topo, err := compile(job)
	if err != nil {
		return nil, err
	}
	if err := validateTrace(trace); err != nil {
		return nil, err
	}
	p := make([]int, len(topo.vertices))
	newSizer(topo, trace).size(at, p)
	return topo.named(p), nil
}

func (t *topology) named(p []int) map[string]int {
	out := make(map[string]int, len(p))
	for i, v := range t.vertices {
		out[v.ID] = p[i]
	}
	return out
}

// PeakParallelism returns, per vertex, the largest KeepUp parallelism over
// cfg.Duration, sampled every tick: the smallest fixed parallelism that
// keeps up at every moment.
func PeakParallelism(cfg Config, job Job, trace Trace) (map[string]int, error) {
	topo, cfg, err := prepare(cfg, job, trace)
	if err != nil {
		return nil, err
	}
	z := newSizer(topo, trace)
	p, peak := make([]int, len(topo.vertices)), make([]int, len(topo.vertices))
	for t := time.Duration(0); t < cfg.Duration; t += cfg.Tick {
		z.size(t, p)
		for i := range p {
			peak[i] = max(peak[i], p[i])
		}
	}
	return topo.named(peak), nil
}

// StaticAtPeak returns the job started at its PeakParallelism and the
// Static policy that keeps it there: the "provision for the peak"
// baseline, which never rescales.
func StaticAtPeak(cfg Config, job Job, trace Trace) (Job, autoscale.Static, error) {
	peak, err := PeakParallelism(cfg, job, trace)
	if err != nil {
		return Job{}, autoscale.Static{}, err
	}
	return job.WithParallelism(peak), autoscale.Static{Targets: peak}, nil
}

func prepare(cfg Config, job Job, trace Trace) (*topology, Config, error) {
	if err := cfg.Validate(); err != nil {
		return nil, cfg, err
	}
	topo, err := compile(job)
	if err != nil {
		return nil, cfg, err
	}
	if err := validateTrace(trace); err != nil {
		return nil, cfg, err
	}
	return topo, cfg.withDefaults(), nil
}

// Oracle is the lower bound on slot-hours: at every tick the job runs at
// KeepUp's parallelism for that moment's rates (Config.Wander included,
// the same draws a Sim makes; per-tick Noise aside), and rescaling costs
// nothing (no downtime, no replay). Its SLO violation and lag are 0 by
// construction (where Unmet is 0); Rescales counts its parallelism
// changes; its records are the trace's, noise aside. Config.Deploys change
// the vertices' costs at their times. SimulatedOracle runs the same
// schedule through the simulator.
func Oracle(cfg Config, job Job, trace Trace) (Summary, error) {
	topo, cfg, err := prepare(cfg, job, trace)
	if err != nil {
		return Summary{}, err
	}
	z := newSizer(topo, trace)
	wd := newWander(cfg.Wander, cfg.Tick, cfg.Seed, len(topo.sources))
	z.factor = wd.factor
	p, prev := make([]int, len(topo.vertices)), make([]int, len(topo.vertices))
	var m Summary
	var arrived float64
	var slotTicks int64
	deploys := 0
	for t := time.Duration(0); t < cfg.Duration; t += cfg.Tick {
		for deploys < len(cfg.Deploys) && t >= cfg.Deploys[deploys].At {
			topo.applyCost(cfg.Deploys[deploys].Cost)
			z.tables()
			deploys++
		}
		m.Duration += cfg.Tick
		if z.size(t, p) {
			m.Unmet += cfg.Tick
		}
		wd.step()
		if t > 0 && !slices.Equal(p, prev) {
			m.Rescales++
		}
		copy(prev, p)
		slots := topo.slots(p)
		slotTicks += int64(slots)
		m.PeakSlots = max(m.PeakSlots, slots)
		for n := range z.rates {
			arrived += sum(z.rates[n]) * cfg.Tick.Seconds()
		}
	}
	m.SlotHours = float64(slotTicks) * cfg.Tick.Hours()
	m.RecordsArrived = int64(math.Round(arrived))
	m.RecordsProcessed = m.RecordsArrived
	m.Deploys = deploys
	return m, nil
}

// SimulatedOracle runs Oracle's schedule through the simulator: the job
// starts at KeepUp's parallelism, and before every tick takes the
// parallelism Oracle gives that tick's rates, at no cost (no restart, no
// downtime, no replay; counters and buffers are kept). Everything else is
// simulated as for any policy (arrival noise, buffers, Config.Deploys with
// their restarts), so its SLO violation shows what the computed bound
// leaves out. Rescales counts its parallelism changes.
func SimulatedOracle(cfg Config, job Job, trace Trace) (Summary, error) {
	s, err := New(cfg, job, trace)
	if err != nil {
		return Summary{}, err
	}
	z := newSizer(s.topo, trace)
	z.factor = s.wander.factor
	p := make([]int, len(s.topo.vertices))
	for s.now < s.cfg.Duration {
		if s.deploys < len(s.cfg.Deploys) && s.now >= s.cfg.Deploys[s.deploys].At {
			s.deploy()
			z.tables()
		}
		z.size(s.now, p)
		s.resizeFree(p)
		s.Step()
	}
	return s.Summary(), nil
}

// resizeFree changes the parallelism to p at no cost.
func (s *Sim) resizeFree(p []int) {
	if slices.Equal(p, s.p) {
		return
	}
	for i := range p {
		if p[i] != s.p[i] && s.running {
			s.vs[i].resize(p[i], s.cfg)
		}
	}
	copy(s.p, p)
	s.slots = s.topo.slots(s.p)
	s.stats.rescales++
}
