package checkpointing

import (
	"fmt"
	"strings"
	"time"
)

// Outcome is how a checkpoint ended.
type Outcome int

// Checkpoint outcomes.
const (
	Completed Outcome = iota + 1
	Failed
	InProgress
)

var outcomeNames = [...]string{Completed: "COMPLETED", Failed: "FAILED", InProgress: "IN_PROGRESS"}

// String returns Flink's name: "COMPLETED", "FAILED", "IN_PROGRESS".
func (o Outcome) String() string {
	if o < Completed || o > InProgress {
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
	return outcomeNames[o]
}

// Checkpoint is one checkpoint in a job's recent history. Sizes are bytes.
type Checkpoint struct {
	ID      int64
	Outcome Outcome
	// Trigger is when the checkpoint started.
	Trigger time.Time
	// Duration is its end-to-end duration (until failure for a failed one).
	Duration time.Duration
	// CheckpointedBytes is what this checkpoint wrote (less than StateBytes
	// with incremental checkpoints).
	CheckpointedBytes int64
	// StateBytes is the full state size.
	StateBytes int64
	// PersistedBytes is the in-flight data persisted (unaligned checkpoints).
	PersistedBytes int64
	// Failure is Flink's failure message of a failed checkpoint.
	Failure string
}

// expiredMessage is part of Flink's message for a checkpoint that reached
// its timeout (CheckpointFailureReason.CHECKPOINT_EXPIRED).
const expiredMessage = "expired before completing"

// TimedOut reports whether a failed checkpoint reached the timeout: Flink's
// failure message says it expired, or it ran for the whole timeout.
func (c Checkpoint) TimedOut(timeout time.Duration) bool {
	if c.Outcome != Failed {
		return false
	}
	return strings.Contains(strings.ToLower(c.Failure), expiredMessage) || (timeout > 0 && c.Duration >= timeout)
}

// SourceKind is the kind of a job's sources.
type SourceKind int

// Source kinds.
const (
	// SourceUnknown: not known.
	SourceUnknown SourceKind = iota
	// SourceLegacy: a push-mode SourceFunction, as Beam's Flink runner wraps
	// an UnboundedSource (such as KafkaIO's) by default.
	SourceLegacy
	// SourceFLIP27: a FLIP-27 source (Flink's KafkaSource), which checks
	// output buffer availability.
	SourceFLIP27
)

var sourceNames = [...]string{SourceUnknown: "unknown", SourceLegacy: "legacy SourceFunction", SourceFLIP27: "FLIP-27"}

// String names the kind.
func (k SourceKind) String() string {
	if k < SourceUnknown || k > SourceFLIP27 {
		return fmt.Sprintf("SourceKind(%d)", int(k))
	}
	return sourceNames[k]
}

// Facts are what Flink's checkpoint statistics do not tell: how the job is
// built and what it does. A fact nobody supplied is unknown (the zero
// Figure, SourceUnknown, a nil Options), never a 0 or a false that was not
// observed, and the rules that need it stay silent.
type Facts struct {
	// Source is the kind of the job's sources.
	Source SourceKind
	// Backpressured is known true when the sources are backpressured most
	// of the time (Flink's backPressuredTimeMsPerSecond near 1000), known
	// false when they are not.
	Backpressured Figure[bool]
	// Alignment is the observed time checkpoints wait for barriers: the
	// p99 or maximum of Flink's checkpointAlignmentTime plus
	// checkpointStartDelayNanos task metrics. A known 0 means barriers do
	// not wait.
	Alignment Figure[time.Duration]
	// InFlightElements is the elements of the open bundle at a barrier per
	// pipeline. Default: a full bundle (Settings.MaxBundleSize). Zero means
	// default.
	InFlightElements int64
	// ElementBytes is the average size of one bundle output element.
	ElementBytes Figure[int64]
	// Pipelines is how many pipelines the Flink job runs. Default: 1. Zero
	// means default.
	Pipelines int
	// Options is the analysis of the job's PipelineOptions; nil when it
	// was not analysed.
	Options *OptionsReport
}

// Observation is what an Advisor looks at: the settings in force, Flink's
// checkpoint statistics, and the facts.
type Observation struct {
	// Settings are the settings in force: Flink's checkpoint configuration
	// and the Beam bundle options. An Interval of zero means checkpointing
	// is disabled (Flink answers ErrCheckpointingDisabled).
	Settings Settings
	// Completed, Failed and InProgress count checkpoints since the job
	// started.
	Completed, Failed, InProgress int64
	// Durations summarise the end-to-end durations of completed
	// checkpoints. When none of them is known (the zero Durations, or
	// Flink reported none), they are computed from History.
	Durations Durations
	// History holds recent checkpoints, oldest first.
	History []Checkpoint
	// Facts are the optional facts.
	Facts Facts
}

// Validate reports invalid settings (wrapping ErrInvalidConfig) or negative
// figures (wrapping ErrInvalidInput).
func (o Observation) Validate() error {
	if err := o.Settings.Validate(); err != nil {
		return err
	}
	f := o.Facts
	if o.Completed < 0 || o.Failed < 0 || o.InProgress < 0 || negative(f.Alignment) || f.InFlightElements < 0 ||
		negative(f.ElementBytes) || f.Pipelines < 0 {
		return invalidInput("observation: negative figure")
	}
	for _, c := range o.History {
		if c.Duration < 0 || c.CheckpointedBytes < 0 || c.StateBytes < 0 || c.PersistedBytes < 0 {
			return invalidInput("observation: checkpoint %d has a negative figure", c.ID)
		}
	}
	return o.Durations.validate()
}

// completed returns the completed checkpoints of the history, oldest first.
func (o Observation) completed() []Checkpoint {
	var out []Checkpoint
	for _, c := range o.History {
		if c.Outcome == Completed {
			out = append(out, c)
		}
	}
	return out
}

// durations returns the summary, computed from the history when none of
// its figures is known.
func (o Observation) durations() Durations {
	if o.Durations.Known() {
		return o.Durations
	}
	var ds []time.Duration
	for _, c := range o.completed() {
		ds = append(ds, c.Duration)
	}
	return DurationsOf(ds)
}

// latestSize is the newest completed checkpoint's checkpointed size.
func (o Observation) latestSize() int64 {
	cs := o.completed()
	if len(cs) == 0 {
		return 0
	}
	return cs[len(cs)-1].CheckpointedBytes
}

func (o Observation) pipelines() int { return max(o.Facts.Pipelines, 1) }
