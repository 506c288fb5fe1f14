package checkpointing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Severity ranks findings.
type Severity int

// Severities, in increasing order.
const (
	// Info: worth knowing; nothing is wrong yet.
	Info Severity = iota + 1
	// Warning: checkpoints are at risk or cost more than they need to.
	Warning
	// Critical: checkpoints fail, stall or are off.
	Critical
)

var severityNames = [...]string{Info: "info", Warning: "warning", Critical: "critical"}

// String returns "info", "warning" or "critical".
func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// Code identifies a kind of finding. Codes are stable: match on them, not
// on the text.
type Code string

// The finding kinds this package produces.
const (
	// CodeCheckpointingDisabled: the job runs without checkpoints.
	CodeCheckpointingDisabled Code = "checkpointing-disabled"
	// CodeRepeatedTimeouts: several recent checkpoints expired.
	CodeRepeatedTimeouts Code = "repeated-timeouts"
	// CodeNoRecentCheckpoint: no checkpoint completed for several
	// intervals; one may be stuck.
	CodeNoRecentCheckpoint Code = "no-recent-checkpoint"
	// CodeDurationNearTimeout: the observed p99 duration is close to the
	// timeout.
	CodeDurationNearTimeout Code = "duration-near-timeout"
	// CodeSizeGrowing: the checkpointed state grows over the history.
	CodeSizeGrowing Code = "size-growing"
	// CodeLongAlignment: aligned checkpoints wait long for barriers under
	// backpressure.
	CodeLongAlignment Code = "long-alignment"
	// CodeUnalignedLegacySource: unaligned checkpoints with a legacy
	// SourceFunction under backpressure (FLINK-26759).
	CodeUnalignedLegacySource Code = "unaligned-legacy-source"
	// CodeLargeInFlightBuffers: the open bundle's output buffered into each
	// checkpoint is large.
	CodeLargeInFlightBuffers Code = "large-in-flight-buffers"
	// CodeApplicationOptions: application values in PipelineOptions are
	// copied into every checkpoint (BEAM-8577).
	CodeApplicationOptions Code = "application-options"
)

// Unit is the unit of an Evidence value.
type Unit int

// Units of evidence.
const (
	// UnitCount: a plain number.
	UnitCount Unit = iota
	// UnitBytes: bytes.
	UnitBytes
	// UnitSeconds: a duration in seconds.
	UnitSeconds
	// UnitRatio: a fraction, shown as a percentage.
	UnitRatio
)

// Evidence is one figure a finding rests on.
type Evidence struct {
	// Name says what the figure is ("p99 duration", "timeouts").
	Name string
	// Value is in Unit.
	Value float64
	Unit  Unit
}

// String renders "name=value" with the value in its unit.
func (e Evidence) String() string {
	var v string
	switch e.Unit {
	case UnitBytes:
		v = FormatBytes(int64(e.Value))
	case UnitSeconds:
		v = time.Duration(e.Value * float64(time.Second)).Round(time.Millisecond).String()
	case UnitRatio:
		v = fmt.Sprintf("%.0f%%", 100*e.Value)
	default:
		v = fmt.Sprintf("%g", e.Value)
	}
	return e.Name + "=" + v
}

func count(name string, n int64) Evidence {
	return Evidence{Name: name, Value: float64(n), Unit: UnitCount}
}
func bytesOf(name string, n int64) Evidence {
	return Evidence{Name: name, Value: float64(n), Unit: UnitBytes}
}
func seconds(name string, d time.Duration) Evidence {
	return Evidence{Name: name, Value: d.Seconds(), Unit: UnitSeconds}
}
func ratio(name string, r float64) Evidence { return Evidence{Name: name, Value: r, Unit: UnitRatio} }

// knownSeconds is the evidence of f when it is known, and none when it is
// not: evidence holds only figures that were measured.
func knownSeconds(name string, f Figure[time.Duration]) []Evidence {
	if d, ok := f.Value(); ok {
		return []Evidence{seconds(name, d)}
	}
	return nil
}

// Finding is one thing wrong (or at risk) with a job's checkpointing, the
// figures that show it and the change that addresses it.
type Finding struct {
	Code     Code
	Severity Severity
	// Summary is one line.
	Summary string
	// Evidence holds the figures the finding rests on.
	Evidence []Evidence
	// Change is the settings change to make; zero when the fix is not a
	// setting (Action says what to do instead).
	Change Delta
	// Action is the concrete change in words, always set.
	Action string
}

// String renders "severity code: summary [evidence] -> action".
func (f Finding) String() string {
	ev := make([]string, len(f.Evidence))
	for i, e := range f.Evidence {
		ev[i] = e.String()
	}
	return fmt.Sprintf("%s %s: %s [%s] -> %s", f.Severity, f.Code, f.Summary, strings.Join(ev, " "), f.Action)
}

// SortFindings orders findings most severe first, then by code.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
}

// Changes merges the settings changes of findings, most severe first, so a
// more severe finding's value wins where two change the same field.
func Changes(fs []Finding) Delta {
	sorted := slices.Clone(fs)
	SortFindings(sorted)
	var d Delta
	for _, f := range sorted {
		d = d.Merge(f.Change)
	}
	return d
}
