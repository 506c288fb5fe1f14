package backlog

import (
	"encoding/json"
	"fmt"
	"time"
)

// Reason says why a figure is unknown. The constants are the reasons this
// module produces; an adapter may add its own.
type Reason string

// Reasons a figure is unknown.
const (
	// NoLeader: the partition has no leader broker, so its offsets could not
	// be read.
	NoLeader Reason = "partition has no leader"
	// FetchFailed: the request for the figure failed (see Partition.Detail).
	FetchFailed Reason = "fetch failed"
	// TimedOut: the request for the figure was not answered before the
	// evaluation's time was up (a slow broker); see Partition.Detail.
	TimedOut Reason = "no answer in time"
	// TopicNotFound: the topic does not exist (deleted, or never created).
	TopicNotFound Reason = "topic not found"
	// NoCommit: the group has committed nothing for the partition.
	NoCommit Reason = "no committed offset"
	// CommittedBeyondEnd: the committed offset is past the end offset, as
	// after a topic was deleted and recreated or truncated. A negative
	// backlog is never reported.
	CommittedBeyondEnd Reason = "committed offset beyond end offset (topic recreated or truncated)"
	// MissingOffset: an offset the figure needs is not known.
	MissingOffset Reason = "offset not known"
	// NoRecordSize: no record size has been observed yet, so bytes cannot be
	// estimated.
	NoRecordSize Reason = "no record size observed"
	// TooFewPoints: the end-offset history is too short to tell the time.
	TooFewPoints Reason = "too few end-offset observations"
	// MetricMissing: the job does not report the metric.
	MetricMissing Reason = "metric not reported"
	// InvalidValue: a reported value was NaN, infinite or negative.
	InvalidValue Reason = "invalid value reported"
	// PartlyUnknown: a total over partitions some of which are unknown.
	PartlyUnknown Reason = "some partitions unknown"
	// NoPartitions: a total over no partitions at all.
	NoPartitions Reason = "no partitions"
)

// Figure is a value that is either known, or unknown with a reason. The zero
// Figure is unknown with an empty reason; build figures with Known and
// Unknown. Unknown is never zero: Value reports ok = false and callers must
// not substitute 0.
type Figure[T int64 | time.Duration] struct {
	v      T
	reason Reason
	known  bool
}

// Known returns a known figure.
func Known[T int64 | time.Duration](v T) Figure[T] { return Figure[T]{v: v, known: true} }

// Unknown returns an unknown figure with its reason.
func Unknown[T int64 | time.Duration](r Reason) Figure[T] { return Figure[T]{reason: r} }

// Value returns the figure and whether it is known.
func (f Figure[T]) Value() (T, bool) { return f.v, f.known }

// Known reports whether the figure is known.
func (f Figure[T]) Known() bool { return f.known }

// Reason returns why the figure is unknown ("" when it is known).
func (f Figure[T]) Reason() Reason {
	if f.known {
		return ""
	}
	return f.reason
}

// String renders "123" or "unknown (reason)".
func (f Figure[T]) String() string {
	if f.known {
		return fmt.Sprint(f.v)
	}
	return fmt.Sprintf("unknown (%s)", f.reason)
}

// figureJSON is a Figure on the wire: {"value": n} or {"unknown": "reason"}.
type figureJSON[T int64 | time.Duration] struct {
	Value   *T     `json:"value,omitempty"`
	Unknown Reason `json:"unknown,omitempty"`
}

// MarshalJSON writes {"value": n} (a duration in nanoseconds) or
// {"unknown": "reason"}.
func (f Figure[T]) MarshalJSON() ([]byte, error) {
	if f.known {
		v := f.v
		return json.Marshal(figureJSON[T]{Value: &v})
	}
	r := f.reason
	if r == "" {
		r = "unknown"
	}
	return json.Marshal(figureJSON[T]{Unknown: r})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Figure[T]) UnmarshalJSON(b []byte) error {
	var w figureJSON[T]
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Value != nil {
		*f = Known(*w.Value)
		return nil
	}
	*f = Unknown[T](w.Unknown)
	return nil
}

// Sum adds known figures; the sum is unknown (PartlyUnknown, or the reason
// they share) as soon as one is unknown, and unknown (NoPartitions) for no
// figures at all. A known negative figure, which no backlog is, counts as
// unknown (InvalidValue). The sum saturates at the largest int64 (about 292
// years for a duration) rather than wrapping around: still "enormous",
// never negative.
func Sum[T int64 | time.Duration](fs ...Figure[T]) Figure[T] {
	return fold(fs, satAdd[T])
}

// Max returns the largest known figure, unknown under the same rules as Sum.
func Max[T int64 | time.Duration](fs ...Figure[T]) Figure[T] {
	return fold(fs, func(a, b T) T { return max(a, b) })
}

func fold[T int64 | time.Duration](fs []Figure[T], op func(a, b T) T) Figure[T] {
	if len(fs) == 0 {
		return Unknown[T](NoPartitions)
	}
	var acc T
	var reason Reason
	unknown := 0
	for i, f := range fs {
		if f.known && f.v < 0 {
			f = Unknown[T](InvalidValue)
		}
		if !f.known {
			if unknown == 0 {
				reason = f.reason
			} else if reason != f.reason {
				reason = PartlyUnknown
			}
			unknown++
			continue
		}
		if i == 0 || unknown == i {
			acc = f.v
		} else {
			acc = op(acc, f.v)
		}
	}
	if unknown > 0 {
		if unknown < len(fs) {
			reason = PartlyUnknown
		}
		return Unknown[T](reason)
	}
	return Known(acc)
}
