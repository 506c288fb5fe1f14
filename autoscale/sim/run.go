package sim

import (
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
)

// Summary is what one simulation cost and how well it kept up.
type Summary struct {
	// Duration is the virtual time simulated.
	Duration time.Duration
	// SLOViolation is the time during which some source's time lag
	// exceeded Config.SLO. The lag measured here is the truth, not what
	// Flink or Kafka report: the source's Kafka lag plus the wait of the
	// records it has read but the job has not yet processed (in the
	// buffers along the slowest path, each buffer's records over its
	// vertex's rate), as the age of the oldest unprocessed record.
	SLOViolation time.Duration
	// SlotHours integrates the job's slots (per slot-sharing group the
	// largest parallelism, summed) over time. A rescale holds its target
	// slots from the decision on.
	SlotHours float64
	// PeakSlots is the most slots the job held.
	PeakSlots int
	// Rescales counts decisions that restarted the job (for Oracle: the
	// parallelism changes, which cost it nothing).
	Rescales int
	// MaxRescales3h is the most rescales within any 3 h.
	MaxRescales3h int
	// Flaps counts rescales that moved some vertex the other way from its
	// previous move, made at most 15 min before.
	Flaps int
	// Failovers counts Failover restarts.
	Failovers int
	// Deploys counts the Config.Deploys carried out.
	Deploys int
	// Downtime is the time the job was not running.
	Downtime time.Duration
	// MaxLag is the largest time lag of any source, measured as for
	// SLOViolation.
	MaxLag time.Duration
	// RecordsArrived counts the records written to the sources' topics.
	RecordsArrived int64
	// RecordsProcessed counts the distinct records the sources read (a
	// replayed record counts once).
	RecordsProcessed int64
	// RecordsReplayed counts the records read again after restarts
	// (counted at each restart, for the records since its checkpoint).
	RecordsReplayed int64
	// RecordsRead counts every read, replays included, as they happen.
	RecordsRead int64
	// RecordsLost is RecordsArrived minus the records read once (reads
	// minus replays) minus the backlog, from independent running totals:
	// always 0, since a restart rewinds to a checkpoint.
	RecordsLost int64
	// Backlog counts the records not yet read at the end.
	Backlog int64
	// Checkpoints counts completed checkpoints; CheckpointsFailed those
	// that failed (Config.CheckpointFailure).
	Checkpoints, CheckpointsFailed int
	// Unmet is, for Oracle, the time during which some vertex could not
	// keep up even at its highest useful parallelism; 0 for a run.
	Unmet time.Duration
}

// String renders the summary's headline figures.
func (m Summary) String() string {
	return fmt.Sprintf("slo_violation=%v slot_hours=%.1f rescales=%d max_rescales_3h=%d flaps=%d max_lag=%v processed=%d replayed=%d lost=%d",
		m.SLOViolation, m.SlotHours, m.Rescales, m.MaxRescales3h, m.Flaps, m.MaxLag, m.RecordsProcessed, m.RecordsReplayed, m.RecordsLost)
}

// Summary returns the figures so far.
func (s *Sim) Summary() Summary {
	var backlog, processed int64
	for _, i := range s.topo.sources {
		for k := range s.vs[i].src.parts {
			pt := &s.vs[i].src.parts[k]
			backlog += pt.backlog()
			processed += pt.high
		}
	}
	st := s.stats
	return Summary{
		Duration: s.now, SLOViolation: st.violation, SlotHours: float64(st.slotTicks) * s.tick.Hours(), PeakSlots: st.peakSlots,
		Rescales: st.rescales, MaxRescales3h: mostWithin(st.rescaleAt, 3*time.Hour), Flaps: st.flaps,
		Failovers: st.failovers, Deploys: st.deploys, Downtime: st.downtime, MaxLag: st.maxLag,
		RecordsArrived: st.arrived, RecordsProcessed: processed, RecordsReplayed: st.replayed, RecordsRead: st.reads,
		RecordsLost: st.arrived - (st.reads - st.replayed) - backlog, Backlog: backlog,
		Checkpoints: st.checkpoints, CheckpointsFailed: st.ckptFailed,
	}
}

// mostWithin is the most of the sorted times ts within any span of d.
func mostWithin(ts []time.Duration, d time.Duration) int {
	most, from := 0, 0
	for i, t := range ts {
		for t-ts[from] >= d {
			from++
		}
		most = max(most, i-from+1)
	}
	return most
}

// Run simulates job fed by trace for cfg.Duration, asking policy every
// cfg.DecisionInterval (while the job restarts too: the observation then
// says it is not running) and applying its decisions. It stops at the
// first error of the policy or of a decision.
func Run(cfg Config, job Job, trace Trace, policy autoscale.Policy) (Summary, error) {
	if policy == nil {
		return Summary{}, fmt.Errorf("%w: nil policy", ErrInvalidConfig)
	}
	s, err := New(cfg, job, trace)
	if err != nil {
		return Summary{}, err
	}
	cfg = s.cfg
	for at := cfg.DecisionInterval; at < cfg.Duration; at += cfg.DecisionInterval {
		s.advanceTo(at)
		d, err := policy.Decide(s.Now(), s.Observe())
		if err != nil {
			return s.Summary(), fmt.Errorf("sim: policy at %v: %w", s.now, err)
		}
		if err := s.Apply(d); err != nil {
			return s.Summary(), fmt.Errorf("sim: decision at %v: %w", s.now, err)
		}
	}
	s.advanceTo(cfg.Duration)
	return s.Summary(), nil
}
