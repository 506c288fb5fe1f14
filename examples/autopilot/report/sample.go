package report

import (
	"time"
)

// Decision names used in Sample.Decision. Other values are printed as they
// are.
const (
	// DecisionKeep is a tick that left the job as it was.
	DecisionKeep = "keep"
	// DecisionScale is a tick that asked for new parallelisms; it was
	// carried out when Sample.Applied is true.
	DecisionScale = "scale"
	// DecisionError is a tick that failed (see Sample.Err).
	DecisionError = "error"
)

// PipelineSample is one pipeline at one tick. A Known flag that is false
// means the figure was not measured: it is printed as "?" and drawn as a
// gap, never as 0. It is a plain value.
type PipelineSample struct {
	// Name names the pipeline ("hot").
	Name string `json:"name"`
	// InRate is the records/s arriving in Kafka (or read, in real mode).
	InRate float64 `json:"inRate"`
	// OutRate is the records/s processed (reaching the sink).
	OutRate float64 `json:"outRate"`
	// Backlog is the number of records waiting in Kafka; meaningful only
	// when BacklogKnown.
	Backlog float64 `json:"backlog"`
	// BacklogKnown reports whether Backlog was measured.
	BacklogKnown bool `json:"backlogKnown"`
	// Lag is the time lag: the age of the oldest unread record;
	// meaningful only when LagKnown.
	Lag time.Duration `json:"lag"`
	// LagKnown reports whether Lag was measured.
	LagKnown bool `json:"lagKnown"`
	// Parallelism is the slots of the pipeline: its largest vertex
	// parallelism.
	Parallelism int `json:"parallelism"`
	// Running is false while the pipeline restarts (after a rescale or a
	// failover).
	Running bool `json:"running"`
}

// Sample is one controller tick. Durations marshal to JSON as Go's
// time.Duration does (integer nanoseconds). It is a plain value.
type Sample struct {
	// Time is when the tick observed the job.
	Time time.Time `json:"time"`
	// Elapsed is the wall time since the run started; it is the x axis of
	// the chart.
	Elapsed time.Duration `json:"elapsed"`
	// Pipelines holds one entry per pipeline, in display order.
	Pipelines []PipelineSample `json:"pipelines"`
	// Slots is the job's total slots at the tick.
	Slots int `json:"slots"`
	// Decision is short: DecisionKeep, DecisionScale or DecisionError.
	Decision string `json:"decision"`
	// Reason is the decision's reason on one line.
	Reason string `json:"reason"`
	// Applied reports whether the decision was carried out (false in
	// dry-run or when it failed).
	Applied bool `json:"applied"`
	// Err is the tick's error, if any.
	Err string `json:"error,omitempty"`
}

// Rescaled reports whether the tick rescaled the job: an applied
// DecisionScale. The chart marks these ticks, and Summarize counts them.
func (s Sample) Rescaled() bool {
	return s.Applied && s.Decision == DecisionScale
}

// Decision is one line of decisions.jsonl: every controller decision,
// whether or not it changed anything. It is a plain value.
type Decision struct {
	// Time is when the decision was taken.
	Time time.Time `json:"time"`
	// Elapsed is the wall time since the run started (integer nanoseconds
	// in JSON, as time.Duration marshals).
	Elapsed time.Duration `json:"elapsed"`
	// Summary is the decision on one line.
	Summary string `json:"summary"`
	// Targets is the parallelism wanted per vertex or pipeline.
	Targets map[string]int `json:"targets,omitempty"`
	// Reasons explains each target, by the same keys.
	Reasons map[string]string `json:"reasons,omitempty"`
	// Changes lists what changed, one line each ("hot Source 4->10").
	Changes []string `json:"changes,omitempty"`
	// Applied reports whether the decision was carried out.
	Applied bool `json:"applied"`
	// Err is the error that stopped the decision or its application.
	Err string `json:"error,omitempty"`
}
