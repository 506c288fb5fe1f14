package backlog

import (
	"cmp"
	"fmt"
	"math"
	"time"
)

// Key names what a backlog entry is about: a Kafka topic partition (Topic,
// Partition), or, for figures a Flink job reports about its own readers, a
// source vertex and one of its splits or subtasks (Vertex, Split), since a
// job's metrics are per reader, not per Kafka partition.
type Key struct {
	Topic     string `json:"topic,omitempty"`
	Partition int32  `json:"partition"`
	Vertex    string `json:"vertex,omitempty"`
	Split     string `json:"split,omitempty"`
}

// TopicPartition returns the key of a Kafka topic partition.
func TopicPartition(topic string, partition int32) Key {
	return Key{Topic: topic, Partition: partition}
}

// VertexSplit returns the key of a split (or subtask) of a Flink source
// vertex. An empty split means the whole vertex.
func VertexSplit(vertex, split string) Key { return Key{Vertex: vertex, Split: split} }

// String renders "orders/3", "vertex 0a44…/split 2" or "vertex 0a44…".
func (k Key) String() string {
	switch {
	case k.Vertex == "":
		return fmt.Sprintf("%s/%d", k.Topic, k.Partition)
	case k.Split == "":
		return "vertex " + k.Vertex
	default:
		return "vertex " + k.Vertex + "/split " + k.Split
	}
}

// Compare orders keys by topic, partition, vertex, split.
func (k Key) Compare(o Key) int {
	return cmp.Or(cmp.Compare(k.Topic, o.Topic), cmp.Compare(k.Partition, o.Partition),
		cmp.Compare(k.Vertex, o.Vertex), cmp.Compare(k.Split, o.Split))
}

// Offsets are a partition's offsets. Committed is unknown with reason
// NoCommit when the group has committed nothing.
type Offsets struct {
	// LogStart is the earliest offset still in the log.
	LogStart Figure[int64] `json:"logStart"`
	// End is the offset the next record will get (the high watermark).
	End Figure[int64] `json:"end"`
	// Committed is the group's committed offset: the next record it will
	// read.
	Committed Figure[int64] `json:"committed"`
}

// Partition is the backlog of one Key. Every figure is known or unknown
// with a reason; unknown figures are never reported as zero.
type Partition struct {
	Key     Key     `json:"key"`
	Offsets Offsets `json:"offsets"`
	// Records is how many records the group has still to read.
	Records Figure[int64] `json:"records"`
	// Bytes estimates those records' size (key + value).
	Bytes Figure[int64] `json:"bytes"`
	// TimeLag is how long ago the oldest unread record arrived; exactly 0
	// when caught up.
	TimeLag Figure[time.Duration] `json:"timeLag"`
	// NoCommit marks a backlog computed from the reset policy because the
	// group has committed nothing for the partition.
	NoCommit bool `json:"noCommit,omitempty"`
	// Live says that a live consumer holds the partition and commits its
	// position even when the position does not move, so Health counts an
	// unchanged committed offset as a re-commit (STALL) rather than as
	// silence (STOP). kafkalag sets it with Config.Liveness, from the
	// group's members (DescribeGroups: a member of a Stable group is
	// assigned the partition). A Flink job's KafkaSource commits through
	// assign(), with no group membership, on every completed checkpoint:
	// set Live on its partitions when a checkpoint completed since the
	// previous snapshot (flinkapi's Checkpoints, Counts.Completed). False
	// when the source cannot tell.
	Live bool `json:"live,omitempty"`
	// Source names what produced the entry, as Snapshot.Source.
	Source string `json:"source,omitempty"`
	// Detail carries an error message behind an unknown figure, if any.
	Detail string `json:"detail,omitempty"`
}

// ResetPolicy is the consumer's auto.offset.reset: where a group without a
// committed offset starts reading.
type ResetPolicy int

const (
	// ResetLatest: start at the end; nothing is backlog (Kafka's default).
	ResetLatest ResetPolicy = iota
	// ResetEarliest: start at the log start; the whole log is backlog.
	ResetEarliest
)

// String returns "latest" or "earliest".
func (p ResetPolicy) String() string {
	if p == ResetEarliest {
		return "earliest"
	}
	return "latest"
}

// Records computes a partition's record backlog from its offsets, the way
// Beam's KafkaIO does, handling the edge cases explicitly:
//
//   - records = ceil((end - next) / (1 + avgGap)), where next is the
//     committed offset, raised to the log start when retention deleted the
//     records before it, and avgGap the average gap between consecutive
//     offsets (above 0 only on compacted topics);
//   - no committed offset: under ResetEarliest the whole log, end - log
//     start; under ResetLatest 0; noCommit reports either case;
//   - committed beyond the end (topic recreated or truncated): unknown
//     (CommittedBeyondEnd), never negative;
//   - a missing offset: unknown, with the offset's own reason;
//   - a negative offset among those used (no Kafka offset is): unknown
//     (InvalidValue).
func Records(o Offsets, reset ResetPolicy, avgGap float64) (records Figure[int64], noCommit bool) {
	end, ok := o.End.Value()
	if !ok {
		return Unknown[int64](reasonOr(o.End, MissingOffset)), false
	}
	if end < 0 {
		return Unknown[int64](InvalidValue), false
	}
	next, noCommit, reason := nextOffset(o, reset)
	switch {
	case reason != "":
		return Unknown[int64](reason), noCommit
	case next > end:
		return Unknown[int64](CommittedBeyondEnd), noCommit
	case !(avgGap > 0) || math.IsInf(avgGap, 0): // NaN, negative, zero, infinite: no gap
		return Known(end - next), noCommit
	}
	return Known(int64(math.Ceil(float64(end-next) / (1 + avgGap)))), noCommit
}

// nextOffset is the offset the group reads next: the committed offset,
// raised to the log start when retention deleted the records before it; or,
// with nothing committed, where the reset policy starts (the end or the log
// start). reason is set when it cannot be told.
func nextOffset(o Offsets, reset ResetPolicy) (next int64, noCommit bool, reason Reason) {
	next, ok := o.Committed.Value()
	if !ok {
		if o.Committed.Reason() != NoCommit {
			return 0, false, reasonOr(o.Committed, MissingOffset)
		}
		if reset == ResetLatest {
			end, _ := o.End.Value()
			return end, true, ""
		}
		start, ok := o.LogStart.Value()
		if !ok {
			return 0, true, reasonOr(o.LogStart, MissingOffset)
		}
		if start < 0 {
			return 0, true, InvalidValue
		}
		return start, true, ""
	}
	if next < 0 {
		return 0, false, InvalidValue
	}
	if start, ok := o.LogStart.Value(); ok && start > next {
		next = start // the records before the log start are gone
	}
	return next, false, ""
}
