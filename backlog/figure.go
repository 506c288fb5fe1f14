package backlog

import (
	"time"

	"github.com/flinkscale/flinkscale/figure"
)

// Reason says why a figure is unknown: an alias of figure.Reason, so that
// a reason from this package is the same type as one from checkpointing or
// adaptivetimeout. The constants are the reasons this package and its
// Sources produce; an adapter may add its own.
type Reason = figure.Reason

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
	// InvalidValue: a reported value was NaN, infinite or negative, or
	// cannot be what its name says given the reader's other figures (a
	// byte count below the records it counts).
	InvalidValue Reason = "invalid value reported"
	// PartlyUnknown: a total over partitions some of which are unknown.
	PartlyUnknown Reason = "some partitions unknown"
	// NoPartitions: a total over no partitions at all.
	NoPartitions Reason = "no partitions"
)

// Figure is a value that is either known, or unknown with a reason: an
// alias of figure.Figure, the module's one such type, narrowed to the
// counts and durations a backlog is made of. A figure from this package
// is the same type as one from checkpointing or adaptivetimeout, and its
// reason passes between them intact. Build figures with Known and
// Unknown. Unknown is never zero: Value reports ok = false and callers
// must not substitute 0. The zero Figure is unknown with reason
// figure.NotGiven ("not given"), and so is a figure given an empty reason.
//
// On the wire a Figure is {"value": n} (a duration in nanoseconds) or
// {"unknown": "reason"}.
type Figure[T int64 | time.Duration] = figure.Figure[T]

// Known returns a known figure.
func Known[T int64 | time.Duration](v T) Figure[T] { return figure.Known(v) }

// Unknown returns an unknown figure with its reason.
func Unknown[T int64 | time.Duration](r Reason) Figure[T] { return figure.Unknown[T](r) }

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
		v, known := f.Value()
		if known && v < 0 {
			f, known = Unknown[T](InvalidValue), false
		}
		if !known {
			if unknown == 0 {
				reason = f.Reason()
			} else if reason != f.Reason() {
				reason = PartlyUnknown
			}
			unknown++
			continue
		}
		if i == 0 || unknown == i {
			acc = v
		} else {
			acc = op(acc, v)
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

// reasonOr returns why f is unknown, or r when f was given no reason (the
// zero Figure, whose reason is figure.NotGiven): an offset nobody filled
// in is reported with the more telling MissingOffset.
func reasonOr[T int64 | time.Duration](f Figure[T], r Reason) Reason {
	if reason := f.Reason(); reason != figure.NotGiven {
		return reason
	}
	return r
}
