package report

import (
	"encoding/json"
	"math"
	"time"
)

// Mode names used in Summary.Mode.
const (
	// ModeEmbedded is the demo's own Kafka and simulated Flink job.
	ModeEmbedded = "embedded"
	// ModeReal is a real Flink and Kafka given by address.
	ModeReal = "real"
)

// Records are the job's record accounting. They are only known in embedded
// mode, where the demo owns the producers and the sinks (Known is false in
// real mode). Kafka's figures (InKafka, LeftInKafka) come from the end
// offsets read after the producer and the job stopped. It is a plain value.
type Records struct {
	// Known reports whether the figures were measured.
	Known bool `json:"known"`
	// Produced counts the records Kafka acknowledged to the producer.
	Produced int64 `json:"produced"`
	// InKafka counts the records Kafka holds at the end: the sum of the
	// partitions' end offsets (the topics start empty). It equals Produced
	// unless a send's outcome was misreported to the producer (a retry
	// that wrote a batch twice, a failure that was written after all).
	InKafka int64 `json:"inKafka"`
	// Processed counts the distinct records that reached the sinks.
	Processed int64 `json:"processed"`
	// Replayed counts the records processed again after a restart rewound
	// the job to its last checkpoint.
	Replayed int64 `json:"replayed"`
	// Lost counts the records below the committed positions (where the job
	// resumes from its savepoint or checkpoint) that no sink processed:
	// records the job skipped. It should be 0. Records still in Kafka are
	// never lost: they are LeftInKafka.
	Lost int64 `json:"lost"`
	// LeftInKafka counts the records at or above the committed positions:
	// what the job, resumed, would still read. After a drain that fell
	// back to cancelling the job, the records processed since its last
	// checkpoint count here too: a resumed job reads them again.
	LeftInKafka int64 `json:"leftInKafka"`
}

// Placement is one slot allocator's plan for the job's final parallelism,
// described as slotalloc.Stats describes it. It is a plain value.
type Placement struct {
	// Allocator names the allocator ("default", "flink").
	Allocator string `json:"allocator"`
	// TaskManagers is the number of TaskManagers; Tasks the number of
	// subtasks placed.
	TaskManagers int `json:"taskManagers"`
	Tasks        int `json:"tasks"`
	// MaxTasks is the most subtasks on one TaskManager; Spread is MaxTasks
	// less the fewest.
	MaxTasks int `json:"maxTasks"`
	Spread   int `json:"spread"`
	// Imbalance is MaxTasks over the mean subtasks per TaskManager; 1 is
	// perfect.
	Imbalance float64 `json:"imbalance"`
	// Moved counts the subtasks that changed TaskManager.
	Moved int `json:"moved"`
}

// Drain is how the run ended. In JSON, Took is "tookSeconds", a number of
// seconds. It is a plain value.
type Drain struct {
	// Attempted reports whether a stop-with-drain was tried.
	Attempted bool
	// State is the drain's final state ("done", "failed", ...).
	State string
	// Savepoint is where the final savepoint was written, if any.
	Savepoint string
	// Reason says why there is no savepoint, or why the drain was not
	// attempted.
	Reason string
	// Took is how long the drain took.
	Took time.Duration
}

type drainJSON struct {
	Attempted   bool    `json:"attempted"`
	State       string  `json:"state"`
	Savepoint   string  `json:"savepoint"`
	Reason      string  `json:"reason"`
	TookSeconds float64 `json:"tookSeconds"`
}

// MarshalJSON writes d with Took as "tookSeconds".
func (d Drain) MarshalJSON() ([]byte, error) {
	return json.Marshal(drainJSON{d.Attempted, d.State, d.Savepoint, d.Reason, d.Took.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Drain) UnmarshalJSON(b []byte) error {
	var w drainJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Drain{w.Attempted, w.State, w.Savepoint, w.Reason, seconds(w.TookSeconds)}
	return nil
}

// Summary is the end-of-run report. Summarize fills the figures that come
// from the samples; the caller fills the rest.
//
// In JSON (summary.json) every duration is a number of seconds and its key
// ends in "Seconds", so that jq reads it directly:
//
//	{"mode": "embedded", "job": "autopilot", "durationSeconds": 60.1,
//	 "timeScale": 30, "ticks": 120, "rescales": 2, "sloSeconds": 2,
//	 "sloViolationSeconds": 8, "slotSeconds": 312.5, "peakSlots": 12,
//	 "maxLagSeconds": 5.3, "records": {...}, "placement": [...],
//	 "findings": [...], "drain": {..., "tookSeconds": 2.3},
//	 "interrupted": false}
//
// It is a plain value.
type Summary struct {
	// Mode is ModeEmbedded or ModeReal.
	Mode string
	// Job names the Flink job.
	Job string
	// Duration is the time run, on the run's clock.
	Duration time.Duration
	// Wall is the wall-clock time the run took, when its clock is not the
	// wall clock (the embedded run's virtual clock falls behind on a
	// loaded machine); zero otherwise.
	Wall time.Duration
	// TimeScale is the production seconds per wall second (e.g. 30); 1 in
	// real mode. Zero means 1.
	TimeScale float64
	// Ticks counts the controller ticks.
	Ticks int
	// Rescales counts the rescales applied.
	Rescales int
	// WouldRescale counts the rescales a dry run decided but did not
	// carry out.
	WouldRescale int
	// SLO is the lag SLO in run time; zero means none.
	SLO time.Duration
	// SLOViolation is the run time during which some pipeline's known lag
	// exceeded SLO: a lower bound when LagUnknownTicks > 0, and meaningless
	// when the lag was never known (LagUnknownTicks == Ticks).
	SLOViolation time.Duration
	// LagUnknownTicks counts the ticks at which some pipeline's lag was
	// unknown; LagUnknownReason says why, at the first of them.
	LagUnknownTicks  int
	LagUnknownReason string
	// SlotSeconds is the integral of the job's slots over run time, while
	// the job held them (not once it ended).
	SlotSeconds float64
	// PeakSlots is the most slots the job held.
	PeakSlots int
	// MaxLag is the largest known lag of any pipeline (see
	// LagUnknownTicks).
	MaxLag time.Duration
	// Records is the record accounting (embedded mode only).
	Records Records
	// Placement compares slot allocators on the final parallelism.
	Placement []Placement
	// Findings are the checkpoint advisor's findings, one line each.
	Findings []string
	// Drain is how the run ended.
	Drain Drain
	// Interrupted reports whether the run was ended by a signal (or its
	// caller); Signal names it ("interrupt (Ctrl-C)", "SIGTERM").
	Interrupted bool
	Signal      string
}

// LagKnown reports whether the lag was known at some tick: only then do
// MaxLag and SLOViolation say anything.
func (s Summary) LagKnown() bool { return s.Ticks > s.LagUnknownTicks }

type summaryJSON struct {
	Mode                string      `json:"mode"`
	Job                 string      `json:"job"`
	DurationSeconds     float64     `json:"durationSeconds"`
	WallSeconds         float64     `json:"wallSeconds,omitempty"`
	TimeScale           float64     `json:"timeScale"`
	Ticks               int         `json:"ticks"`
	Rescales            int         `json:"rescales"`
	WouldRescale        int         `json:"wouldRescale"`
	SLOSeconds          float64     `json:"sloSeconds"`
	SLOViolationSeconds *float64    `json:"sloViolationSeconds"`
	LagUnknownTicks     int         `json:"lagUnknownTicks"`
	LagUnknownReason    string      `json:"lagUnknownReason,omitempty"`
	SlotSeconds         float64     `json:"slotSeconds"`
	PeakSlots           int         `json:"peakSlots"`
	MaxLagSeconds       *float64    `json:"maxLagSeconds"`
	Records             Records     `json:"records"`
	Placement           []Placement `json:"placement"`
	Findings            []string    `json:"findings"`
	Drain               Drain       `json:"drain"`
	Interrupted         bool        `json:"interrupted"`
	Signal              string      `json:"signal,omitempty"`
}

// MarshalJSON writes s with its durations in seconds (see Summary); the
// lag's figures are null when the lag was never known. Empty Placement
// and Findings are written as [], not null.
func (s Summary) MarshalJSON() ([]byte, error) {
	w := summaryJSON{
		Mode: s.Mode, Job: s.Job, DurationSeconds: s.Duration.Seconds(), WallSeconds: s.Wall.Seconds(),
		TimeScale: s.TimeScale, Ticks: s.Ticks, Rescales: s.Rescales, WouldRescale: s.WouldRescale,
		SLOSeconds: s.SLO.Seconds(), SLOViolationSeconds: known(s.SLOViolation.Seconds(), s.LagKnown()),
		LagUnknownTicks: s.LagUnknownTicks, LagUnknownReason: s.LagUnknownReason,
		SlotSeconds: s.SlotSeconds, PeakSlots: s.PeakSlots, MaxLagSeconds: known(s.MaxLag.Seconds(), s.LagKnown()),
		Records: s.Records, Placement: s.Placement, Findings: s.Findings,
		Drain: s.Drain, Interrupted: s.Interrupted, Signal: s.Signal,
	}
	if w.Placement == nil {
		w.Placement = []Placement{}
	}
	if w.Findings == nil {
		w.Findings = []string{}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Summary) UnmarshalJSON(b []byte) error {
	var w summaryJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = Summary{
		Mode: w.Mode, Job: w.Job, Duration: seconds(w.DurationSeconds), Wall: seconds(w.WallSeconds),
		TimeScale: w.TimeScale, Ticks: w.Ticks, Rescales: w.Rescales, WouldRescale: w.WouldRescale,
		SLO: seconds(w.SLOSeconds), LagUnknownTicks: w.LagUnknownTicks, LagUnknownReason: w.LagUnknownReason,
		SlotSeconds: w.SlotSeconds, PeakSlots: w.PeakSlots,
		Records: w.Records, Placement: w.Placement, Findings: w.Findings,
		Drain: w.Drain, Interrupted: w.Interrupted, Signal: w.Signal,
	}
	if w.SLOViolationSeconds != nil {
		s.SLOViolation = seconds(*w.SLOViolationSeconds)
	}
	if w.MaxLagSeconds != nil {
		s.MaxLag = seconds(*w.MaxLagSeconds)
	}
	return nil
}

// seconds converts a number of seconds to a Duration, to the nearest
// nanosecond.
func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

// Summarize computes the figures of a Summary that come from the samples,
// in order of Elapsed: Duration (the last sample's Elapsed), Ticks,
// Rescales (applied scale decisions), WouldRescale (a dry run's), SLO (as
// given), SLOViolation, LagUnknownTicks and LagUnknownReason, SlotSeconds,
// PeakSlots and MaxLag. Each sample stands for the time until the next
// one: SlotSeconds adds its Slots over that time unless the job had ended,
// and SLOViolation adds that time when some pipeline's known Lag exceeds
// slo (never when slo is zero). The caller fills the other fields.
func Summarize(samples []Sample, slo time.Duration) Summary {
	s := Summary{Ticks: len(samples), SLO: slo}
	for i, smp := range samples {
		switch {
		case smp.Rescaled():
			s.Rescales++
		case smp.WouldRescale():
			s.WouldRescale++
		}
		s.Duration = max(s.Duration, smp.Elapsed)
		violated, unknown := false, len(smp.Pipelines) == 0
		for _, p := range smp.Pipelines {
			if !p.LagKnown {
				if !unknown && s.LagUnknownReason == "" {
					s.LagUnknownReason = p.LagReason
				}
				unknown = true
				continue
			}
			s.MaxLag = max(s.MaxLag, p.Lag)
			violated = violated || (slo > 0 && p.Lag > slo)
		}
		if unknown {
			s.LagUnknownTicks++
		}
		slots := smp.Slots
		if smp.Ended() {
			slots = 0
		}
		s.PeakSlots = max(s.PeakSlots, slots)
		if i+1 == len(samples) {
			continue
		}
		dt := samples[i+1].Elapsed - smp.Elapsed
		if dt <= 0 {
			continue
		}
		s.SlotSeconds += float64(slots) * dt.Seconds()
		if violated {
			s.SLOViolation += dt
		}
	}
	return s
}
