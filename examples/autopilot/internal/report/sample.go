package report

import (
	"encoding/json"
	"time"
)

// Decision names used in Sample.Decision. Other values are printed as they
// are.
const (
	// DecisionKeep is a tick that left the job as it was.
	DecisionKeep = "keep"
	// DecisionScale is a tick that asked for new parallelisms: carried out
	// when Sample.Applied, only recorded when Sample.DryRun.
	DecisionScale = "scale"
	// DecisionError is a tick that failed (see Sample.Err).
	DecisionError = "error"
	// DecisionRefused is a tick whose rescale the actuator declined
	// without trying it (the operator reconciling): Sample.Reason says why.
	DecisionRefused = "refused"
)

// Job states used in Sample.State, as Flink names them; others are
// printed as they are.
const (
	StateRunning  = "RUNNING"
	StateFinished = "FINISHED"
)

// PipelineSample is one pipeline at one tick. A Known flag that is false
// means the figure was not measured: it is printed as "?" and drawn as a
// gap, never as 0, and its Reason says why when it is known. It is a plain
// value. In JSON the lag is "lagSeconds", a number of seconds, and an
// unknown figure is left out.
type PipelineSample struct {
	// Name names the pipeline ("hot").
	Name string
	// InRate is the records/s arriving in Kafka (or read, in real mode);
	// OutRate the records/s processed (reaching the sink). Meaningful only
	// when RatesKnown.
	InRate, OutRate float64
	RatesKnown      bool
	// Backlog is the number of records waiting in Kafka; meaningful only
	// when BacklogKnown. BacklogReason says why it is unknown.
	Backlog       float64
	BacklogKnown  bool
	BacklogReason string
	// Lag is the time lag: the age of the oldest unread record;
	// meaningful only when LagKnown. LagReason says why it is unknown.
	Lag       time.Duration
	LagKnown  bool
	LagReason string
	// Parallelism is the slots of the pipeline: its largest vertex
	// parallelism (summed over its slot-sharing groups, when it has
	// several).
	Parallelism int
	// Running is false while the job is not running (restarting after a
	// rescale or a failover, or ended: see Sample.State).
	Running bool
}

type pipelineJSON struct {
	Name          string   `json:"name"`
	InRate        *float64 `json:"inRate,omitempty"`
	OutRate       *float64 `json:"outRate,omitempty"`
	Backlog       *float64 `json:"backlog,omitempty"`
	BacklogReason string   `json:"backlogReason,omitempty"`
	LagSeconds    *float64 `json:"lagSeconds,omitempty"`
	LagReason     string   `json:"lagReason,omitempty"`
	Parallelism   int      `json:"parallelism"`
	Running       bool     `json:"running"`
}

func known(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

// MarshalJSON writes p with its lag in seconds and unknown figures left
// out.
func (p PipelineSample) MarshalJSON() ([]byte, error) {
	return json.Marshal(pipelineJSON{
		Name: p.Name, InRate: known(p.InRate, p.RatesKnown), OutRate: known(p.OutRate, p.RatesKnown),
		Backlog: known(p.Backlog, p.BacklogKnown), BacklogReason: p.BacklogReason,
		LagSeconds: known(p.Lag.Seconds(), p.LagKnown), LagReason: p.LagReason,
		Parallelism: p.Parallelism, Running: p.Running,
	})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *PipelineSample) UnmarshalJSON(b []byte) error {
	var w pipelineJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = PipelineSample{Name: w.Name, BacklogReason: w.BacklogReason, LagReason: w.LagReason, Parallelism: w.Parallelism, Running: w.Running}
	if w.InRate != nil && w.OutRate != nil {
		p.InRate, p.OutRate, p.RatesKnown = *w.InRate, *w.OutRate, true
	}
	if w.Backlog != nil {
		p.Backlog, p.BacklogKnown = *w.Backlog, true
	}
	if w.LagSeconds != nil {
		p.Lag, p.LagKnown = seconds(*w.LagSeconds), true
	}
	return nil
}

// Sample is one controller tick. It is a plain value. In JSON (a line of
// ticks.jsonl) Elapsed is "elapsedSeconds", a number of seconds.
type Sample struct {
	// Time is when the tick observed the job.
	Time time.Time `json:"time"`
	// Elapsed is the time since the run started; it is the x axis of the
	// chart.
	Elapsed time.Duration `json:"-"`
	// State is the job's state when it is not running (StateFinished,
	// "RESTARTING", ...); StateRunning or "" (unknown) otherwise. A job in
	// a terminal state (FINISHED, CANCELED, FAILED) holds no slots.
	State string `json:"state,omitempty"`
	// Pipelines holds one entry per pipeline, in display order.
	Pipelines []PipelineSample `json:"pipelines"`
	// Slots is the job's total slots at the tick.
	Slots int `json:"slots"`
	// Decision is short: DecisionKeep, DecisionScale or DecisionError.
	Decision string `json:"decision"`
	// Changes says what a scale decision changes, by vertex name:
	// "Source: hot 2->8, Transform: hot 3->11".
	Changes string `json:"changes,omitempty"`
	// SlotsBefore and SlotsAfter are a scale decision's slots.
	SlotsBefore int `json:"slotsBefore,omitempty"`
	SlotsAfter  int `json:"slotsAfter,omitempty"`
	// Reason is the decision's reason on one line.
	Reason string `json:"reason"`
	// Quiet reports that Reason says nothing the previous ticks and the
	// figures did not: the status line shows the decision alone.
	Quiet bool `json:"quiet,omitempty"`
	// Applied reports whether the decision was carried out; DryRun that a
	// scale decision was only recorded (a dry run: the job would have
	// been rescaled). Both are false for a keep, and for a scale decision
	// that failed.
	Applied bool `json:"applied"`
	DryRun  bool `json:"dryRun,omitempty"`
	// Err is the tick's error, if any.
	Err string `json:"error,omitempty"`
}

type sampleJSON Sample

type sampleWire struct {
	sampleJSON
	ElapsedSeconds float64 `json:"elapsedSeconds"`
}

// MarshalJSON writes s with Elapsed as "elapsedSeconds".
func (s Sample) MarshalJSON() ([]byte, error) {
	return json.Marshal(sampleWire{sampleJSON(s), s.Elapsed.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Sample) UnmarshalJSON(b []byte) error {
	var w sampleWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = Sample(w.sampleJSON)
	s.Elapsed = seconds(w.ElapsedSeconds)
	return nil
}

// Rescaled reports whether the tick rescaled the job: an applied
// DecisionScale. The chart marks these ticks, and Summarize counts them.
func (s Sample) Rescaled() bool {
	return s.Applied && s.Decision == DecisionScale
}

// WouldRescale reports whether a dry run would have rescaled the job at
// the tick: a DecisionScale only recorded. The chart marks these ticks
// apart, and Summarize counts them apart.
func (s Sample) WouldRescale() bool {
	return s.DryRun && !s.Applied && s.Decision == DecisionScale
}

// Ended reports whether the job was in a terminal state at the tick: it
// holds no slots and will not run again.
func (s Sample) Ended() bool {
	switch s.State {
	case StateFinished, "CANCELED", "FAILED":
		return true
	}
	return false
}

// Decision is one line of decisions.jsonl: every controller decision,
// whether or not it changed anything. It is a plain value. In JSON Elapsed
// is "elapsedSeconds", a number of seconds.
type Decision struct {
	// Time is when the decision was taken.
	Time time.Time `json:"time"`
	// Elapsed is the time since the run started.
	Elapsed time.Duration `json:"-"`
	// Summary is the decision on one line, as the policy gave it.
	Summary string `json:"summary"`
	// Changes says what changed, by vertex name.
	Changes string `json:"changes,omitempty"`
	// Targets is the parallelism wanted per vertex, by name.
	Targets map[string]int `json:"targets,omitempty"`
	// Reasons explains each target, by the same names.
	Reasons map[string]string `json:"reasons,omitempty"`
	// Applied reports whether the decision was carried out; DryRun that it
	// changed parallelism but was only recorded.
	Applied bool `json:"applied"`
	DryRun  bool `json:"dryRun,omitempty"`
	// Err is the error that stopped the decision or its application.
	Err string `json:"error,omitempty"`
}

type decisionJSON Decision

type decisionWire struct {
	decisionJSON
	ElapsedSeconds float64 `json:"elapsedSeconds"`
}

// MarshalJSON writes d with Elapsed as "elapsedSeconds".
func (d Decision) MarshalJSON() ([]byte, error) {
	return json.Marshal(decisionWire{decisionJSON(d), d.Elapsed.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Decision) UnmarshalJSON(b []byte) error {
	var w decisionWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Decision(w.decisionJSON)
	d.Elapsed = seconds(w.ElapsedSeconds)
	return nil
}
