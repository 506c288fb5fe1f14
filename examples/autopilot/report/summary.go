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
	// Duration is the wall time run.
	Duration time.Duration
	// TimeScale is the production seconds per wall second (e.g. 30); 1 in
	// real mode. Zero means 1.
	TimeScale float64
	// Ticks counts the controller ticks.
	Ticks int
	// Rescales counts the rescales applied.
	Rescales int
	// SLO is the lag SLO in wall time; zero means none.
	SLO time.Duration
	// SLOViolation is the wall time during which some pipeline's lag
	// exceeded SLO.
	SLOViolation time.Duration
	// SlotSeconds is the integral of the job's slots over wall time.
	SlotSeconds float64
	// PeakSlots is the most slots the job held.
	PeakSlots int
	// MaxLag is the largest lag of any pipeline.
	MaxLag time.Duration
	// Records is the record accounting (embedded mode only).
	Records Records
	// Placement compares slot allocators on the final parallelism.
	Placement []Placement
	// Findings are the checkpoint advisor's findings, one line each.
	Findings []string
	// Drain is how the run ended.
	Drain Drain
	// Interrupted reports whether the run was ended by Ctrl-C.
	Interrupted bool
}

type summaryJSON struct {
	Mode                string      `json:"mode"`
	Job                 string      `json:"job"`
	DurationSeconds     float64     `json:"durationSeconds"`
	TimeScale           float64     `json:"timeScale"`
	Ticks               int         `json:"ticks"`
	Rescales            int         `json:"rescales"`
	SLOSeconds          float64     `json:"sloSeconds"`
	SLOViolationSeconds float64     `json:"sloViolationSeconds"`
	SlotSeconds         float64     `json:"slotSeconds"`
	PeakSlots           int         `json:"peakSlots"`
	MaxLagSeconds       float64     `json:"maxLagSeconds"`
	Records             Records     `json:"records"`
	Placement           []Placement `json:"placement"`
	Findings            []string    `json:"findings"`
	Drain               Drain       `json:"drain"`
	Interrupted         bool        `json:"interrupted"`
}

// MarshalJSON writes s with its durations in seconds (see Summary). Empty
// Placement and Findings are written as [], not null.
func (s Summary) MarshalJSON() ([]byte, error) {
	w := summaryJSON{
		Mode: s.Mode, Job: s.Job, DurationSeconds: s.Duration.Seconds(),
		TimeScale: s.TimeScale, Ticks: s.Ticks, Rescales: s.Rescales,
		SLOSeconds: s.SLO.Seconds(), SLOViolationSeconds: s.SLOViolation.Seconds(),
		SlotSeconds: s.SlotSeconds, PeakSlots: s.PeakSlots, MaxLagSeconds: s.MaxLag.Seconds(),
		Records: s.Records, Placement: s.Placement, Findings: s.Findings,
		Drain: s.Drain, Interrupted: s.Interrupted,
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
		Mode: w.Mode, Job: w.Job, Duration: seconds(w.DurationSeconds),
		TimeScale: w.TimeScale, Ticks: w.Ticks, Rescales: w.Rescales,
		SLO: seconds(w.SLOSeconds), SLOViolation: seconds(w.SLOViolationSeconds),
		SlotSeconds: w.SlotSeconds, PeakSlots: w.PeakSlots, MaxLag: seconds(w.MaxLagSeconds),
		Records: w.Records, Placement: w.Placement, Findings: w.Findings,
		Drain: w.Drain, Interrupted: w.Interrupted,
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
// Rescales (applied scale decisions), SLO (as given), SLOViolation,
// SlotSeconds, PeakSlots and MaxLag. Each sample stands for the wall time
// until the next one: SlotSeconds adds its Slots over that time, and
// SLOViolation adds that time when some pipeline's known Lag exceeds slo
// (never when slo is zero). The caller fills the other fields.
func Summarize(samples []Sample, slo time.Duration) Summary {
	s := Summary{Ticks: len(samples), SLO: slo}
	for i, smp := range samples {
		if smp.Rescaled() {
			s.Rescales++
		}
		s.PeakSlots = max(s.PeakSlots, smp.Slots)
		s.Duration = max(s.Duration, smp.Elapsed)
		violated := false
		for _, p := range smp.Pipelines {
			if p.LagKnown {
				s.MaxLag = max(s.MaxLag, p.Lag)
				violated = violated || (slo > 0 && p.Lag > slo)
			}
		}
		if i+1 == len(samples) {
			continue
		}
		dt := samples[i+1].Elapsed - smp.Elapsed
		if dt <= 0 {
			continue
		}
		s.SlotSeconds += float64(smp.Slots) * dt.Seconds()
		if violated {
			s.SLOViolation += dt
		}
	}
	return s
}
