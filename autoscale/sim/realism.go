package sim

import (
	"fmt"
	"math"
	"time"
)

// Placeholders for the in-place rescale's cost of a production job. Each
// default of Restarts that is not a Flink default comes from here; a
// calibration changes these constants and the BENCHMARKS.md tables,
// nothing else.
//
// The real tier measured the floor (docs/rescale-cost.md, Flink 1.20.5,
// one local TaskManager, a job of 0.6-5 MB of state whose per-record cost
// is a park): from the request to the first record out 2.9-3.2 s (median
// 3.0 s, 6% either way), whichever vertex changed and by how much; output
// back at 99-102% of the new rate in its first second (no warm-up to see
// on such a job); the restore of a few MB not separable from the rest.
// These constants stay above that floor on purpose: they stand for jobs
// with RocksDB state, CPU-bound operators and TaskManager pods, which
// that job does not have, and a simulator may be harsher than reality,
// never kinder. The measurement also showed that under backpressure an
// aligned checkpoint completes seconds after its trigger (5-7 s at a 2 s
// interval), so a restart replays more than one interval: the simulator
// now completes a checkpoint only once its barrier has passed the
// buffered records (Sim's checkpoint). Not modelled yet: the downtime did
// not depend on the vertices changed (the adaptive scheduler redeploys
// every task), nor, between 3 and 9 tasks, on the tasks; PerChangedVertex
// stands for larger jobs, where redeploying and restoring more tasks is
// expected to cost more, and is a placeholder until such a job is measured.
const (
	// UncalibratedPerChangedVertex is Restarts.PerChangedVertex's default.
	UncalibratedPerChangedVertex = time.Second
	// UncalibratedRestoreRate is Restarts.RestoreRate's default, in bytes
	// per second over the whole job (state downloaded from checkpoint
	// storage and loaded).
	UncalibratedRestoreRate = 100e6
	// UncalibratedJitter is Restarts.Jitter's default.
	UncalibratedJitter = 0.1
	// UncalibratedWarmUp and UncalibratedWarmUpFrom are Restarts.WarmUp's
	// and Restarts.WarmUpFrom's defaults.
	UncalibratedWarmUp     = 30 * time.Second
	UncalibratedWarmUpFrom = 0.5
	// UncalibratedBusyNoise is MetricFaults.BusyNoise's default.
	UncalibratedBusyNoise = 0.02
)

// Restarts is what a restart costs beyond Config.InPlaceDowntime (or
// RedeployDowntime) and how the job comes back. Zero fields mean their
// defaults; negative ones turn the effect off (Config.Idealized turns off
// all of them).
type Restarts struct {
	// PerChangedVertex is the downtime a restart adds per vertex whose
	// parallelism changes (its tasks cancelled, slots requested, key groups
	// redistributed). Default: UncalibratedPerChangedVertex (1 s), to be
	// calibrated by the real tier's in-place rescale measurement (issue
	// 17). Zero means default; negative means none.
	PerChangedVertex time.Duration
	// RestoreRate is the bytes of state per second the job restores after
	// any restart (Flink's default keeps no task-local copy,
	// state.backend.local-recovery false, so every restart downloads the
	// whole state): Vertex.StateBytes summed over the job, over this rate,
	// is added to the downtime. Default: UncalibratedRestoreRate (100 MB/s),
	// to be calibrated (issue 17). Zero means default; negative means
	// restores cost no time.
	RestoreRate float64
	// Jitter spreads each restart's downtime uniformly by this fraction
	// either way (scheduling, slot allocation and restore vary). Default:
	// UncalibratedJitter (0.1), to be calibrated (issue 17). Zero means
	// default; negative means none.
	Jitter float64
	// WarmUp is how long a restarted job takes to reach full capacity
	// (JIT compilation, cold state caches and connections): its capacity
	// rises linearly from WarmUpFrom of full over this time. Default:
	// UncalibratedWarmUp (30 s), to be calibrated (issue 17). Zero means
	// default; negative means none.
	WarmUp time.Duration
	// WarmUpFrom is the fraction of full capacity a job has just after a
	// restart, in (0, 1]. Default: UncalibratedWarmUpFrom (0.5). Zero means
	// default.
	WarmUpFrom float64
	// SlotArrival is how long slots the job does not hold yet take to
	// arrive (a new TaskManager pod: 30 s to 2 min on Kubernetes). A
	// rescale that needs more slots than the job holds waits for them, the
	// job running as it was (the adaptive scheduler restarts once the
	// resources are there); the slots are paid from the request. Default:
	// 0, slots at once (a cluster with spare TaskManagers, as the standard
	// scenarios assume). Negative means 0.
	SlotArrival time.Duration
}

// MetricFaults is how Flink's metrics fall short of the truth. The zero
// value adds only BusyNoise; Config.Idealized turns that off too.
type MetricFaults struct {
	// BusyNoise is the standard deviation (a fraction of a second per
	// second) of each subtask's reported busy time around the truth, drawn
	// afresh for every 5 s view (GC pauses, timer resolution, record-size
	// mixes). Default: UncalibratedBusyNoise (0.02), to be calibrated
	// (issue 17). Zero means default; negative means none.
	BusyNoise float64
	// StaleRefresh is the probability that one refresh of the
	// JobManager's metric cache misses a vertex (its TaskManagers' metric
	// query timed out), which then keeps the figures of its last refresh,
	// counters and gauges alike. Default: 0. Negative means 0.
	StaleRefresh float64
	// FreezeEvery and FreezeFor freeze the whole metric cache: in every
	// FreezeEvery of time, at a seeded moment, the cache stops refreshing
	// for FreezeFor (the JobManager's metric fetcher stuck), while Kafka's
	// time lag stays fresh. Default: 0, never. Negative means 0.
	FreezeEvery, FreezeFor time.Duration
	// Gaps is the probability that a refresh of the cache loses one of a
	// vertex's metrics (drawn among busy time, backpressured time, records
	// in and, for a source, pendingRecords), missing until the next
	// refresh. Default: 0. Negative means 0.
	Gaps float64
	// CommittedLag makes a source's TimeLag Kafka's view through the
	// consumer group's committed offsets, which Flink commits when a
	// checkpoint completes: the age of the oldest record after the last
	// checkpoint's position, up to a checkpoint interval older than the
	// source's own position. Default: false, the lag at the source's
	// position.
	CommittedLag bool
}

// Wander is temporally correlated noise on the arrival rate: each
// source's rate is multiplied by exp(x - Std^2/2), where x follows an
// Ornstein-Uhlenbeck process (AR(1) per tick) with standard deviation Std
// and correlation time Correlation, so a surge lasts about Correlation and
// the mean rate is kept. Std 0.2 with a 2 min correlation gives about 18%
// swings from one minute to the next. The draws are seeded by
// Config.Seed, and Oracle sees the same ones.
type Wander struct {
	// Std is x's standard deviation. Default: 0, none. Negative means 0.
	Std float64
	// Correlation is x's correlation time. Default: 5 min. Zero means
	// default.
	Correlation time.Duration
}

// Deploy is a redeploy of the job at a moment of the simulation: a
// savepoint, Config.RedeployDowntime (plus Restarts' costs, every vertex
// counted as changed) and, afterwards, a different per-record cost.
type Deploy struct {
	// At is when, since the start, the deploy happens.
	At time.Duration
	// Cost multiplies the per-record cost of the vertices named: a vertex
	// with cost 2 takes in half its former records per second. Vertices
	// not named keep theirs.
	Cost map[string]float64
	// NewJobID gives the job a new ID (Observation.Job becomes the job's
	// name followed by "#" and the deploy's number from 1), as a
	// redeploy from a savepoint through the operator does; otherwise it
	// keeps its ID.
	NewJobID bool
}

// Idealized returns c with every realism of issue 18 turned off: restarts
// cost Config.InPlaceDowntime (or RedeployDowntime) exactly, whatever
// changes, and bring full capacity back at once; busy time is exact; the
// metric cache never misses a refresh; no arrival wander; no checkpoint
// fails; slots come at once. It is the simulator as it stood before, for
// tests that check exact figures and to show what the realism changes.
// Deploys, per-vertex faults (Vertex.NoBusyTime, BusyBias, StateBytes)
// and the per-tick Noise are kept.
func (c Config) Idealized() Config {
	c.Restarts = Restarts{PerChangedVertex: -1, RestoreRate: -1, Jitter: -1, WarmUp: -1, SlotArrival: -1}
	c.Metrics = MetricFaults{BusyNoise: -1}
	c.Wander = Wander{}
	c.CheckpointFailure = 0
	return c
}

func (r Restarts) withDefaults() Restarts {
	dur := func(d *time.Duration, def time.Duration) {
		switch {
		case *d == 0:
			*d = def
		case *d < 0:
			*d = 0
		}
	}
	dur(&r.PerChangedVertex, UncalibratedPerChangedVertex)
	dur(&r.WarmUp, UncalibratedWarmUp)
	r.SlotArrival = max(r.SlotArrival, 0)
	switch {
	case r.RestoreRate == 0:
		r.RestoreRate = UncalibratedRestoreRate
	case r.RestoreRate < 0:
		r.RestoreRate = math.Inf(1)
	}
	switch {
	case r.Jitter == 0:
		r.Jitter = UncalibratedJitter
	case r.Jitter < 0:
		r.Jitter = 0
	}
	if r.WarmUpFrom == 0 {
		r.WarmUpFrom = UncalibratedWarmUpFrom
	}
	return r
}

func (r Restarts) validate() error {
	switch {
	case math.IsNaN(r.RestoreRate):
		return fmt.Errorf("%w: Restarts.RestoreRate is NaN", ErrInvalidConfig)
	case !(r.Jitter < 1): // NaN too
		return fmt.Errorf("%w: Restarts.Jitter %g is not below 1", ErrInvalidConfig, r.Jitter)
	case !(r.WarmUpFrom >= 0 && r.WarmUpFrom <= 1):
		return fmt.Errorf("%w: Restarts.WarmUpFrom %g outside (0, 1]", ErrInvalidConfig, r.WarmUpFrom)
	}
	return nil
}

func (m MetricFaults) withDefaults() MetricFaults {
	switch {
	case m.BusyNoise == 0:
		m.BusyNoise = UncalibratedBusyNoise
	case m.BusyNoise < 0:
		m.BusyNoise = 0
	}
	m.StaleRefresh, m.Gaps = max(m.StaleRefresh, 0), max(m.Gaps, 0)
	m.FreezeEvery, m.FreezeFor = max(m.FreezeEvery, 0), max(m.FreezeFor, 0)
	if m.FreezeFor > m.FreezeEvery {
		m.FreezeFor = m.FreezeEvery
	}
	return m
}

func (m MetricFaults) validate() error {
	for _, p := range []struct {
		name string
		x    float64
	}{{"BusyNoise", m.BusyNoise}, {"StaleRefresh", m.StaleRefresh}, {"Gaps", m.Gaps}} {
		if !(p.x <= 1) { // NaN too
			return fmt.Errorf("%w: Metrics.%s %g is not a number up to 1", ErrInvalidConfig, p.name, p.x)
		}
	}
	return nil
}

func (w Wander) withDefaults() Wander {
	w.Std = max(w.Std, 0)
	if w.Correlation == 0 {
		w.Correlation = 5 * time.Minute
	}
	return w
}

func (w Wander) validate() error {
	if !(w.Std <= 2) || w.Correlation < 0 {
		return fmt.Errorf("%w: Wander.Std %g above 2, or negative Correlation", ErrInvalidConfig, w.Std)
	}
	return nil
}

func validateDeploys(ds []Deploy) error {
	for i, d := range ds {
		if d.At < 0 {
			return fmt.Errorf("%w: Deploys[%d] at %v", ErrInvalidConfig, i, d.At)
		}
		for id, f := range d.Cost {
			if !(f > 0) || math.IsInf(f, 0) {
				return fmt.Errorf("%w: Deploys[%d]: cost %g of %q is not a positive number", ErrInvalidConfig, i, f, id)
			}
		}
	}
	return nil
}
