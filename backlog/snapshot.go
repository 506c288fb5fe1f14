package backlog

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Snapshot is the backlog of one consumer group at one time, as one Source
// measured it.
type Snapshot struct {
	// Time is when the figures were measured.
	Time time.Time `json:"time"`
	// Group is the consumer group (for Kafka) or the job (for Flink).
	Group string `json:"group"`
	// Source names what produced the snapshot, for example "kafka" or
	// "flink"; combinators name the sources they used.
	Source string `json:"source"`
	// Partitions holds one entry per key, sorted by key.
	Partitions []Partition `json:"partitions"`
	// Errors lists what could not be read at all, for example a deleted
	// topic; the rest is still reported.
	Errors []ScopeError `json:"errors,omitempty"`
	// Notes explain choices a combinator made (a source skipped as stale).
	Notes []string `json:"notes,omitempty"`
}

// ScopeError is a part of the snapshot that could not be read: a topic, a
// source vertex.
type ScopeError struct {
	// Scope names it: a topic name, "vertex <id>".
	Scope  string `json:"scope"`
	Reason Reason `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// Error implements error.
func (e ScopeError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("backlog: %s: %s: %s", e.Scope, e.Reason, e.Detail)
	}
	return fmt.Sprintf("backlog: %s: %s", e.Scope, e.Reason)
}

// Partition returns the entry for k.
func (s Snapshot) Partition(k Key) (Partition, bool) {
	i, ok := slices.BinarySearchFunc(s.Partitions, k, func(p Partition, k Key) int { return p.Key.Compare(k) })
	if !ok {
		return Partition{}, false
	}
	return s.Partitions[i], true
}

// Sort orders the entries by key, as Partition requires.
func (s *Snapshot) Sort() {
	slices.SortFunc(s.Partitions, func(a, b Partition) int { return a.Key.Compare(b.Key) })
}

// Totals are a snapshot's figures summed (records, bytes) or maximised
// (time lag) over its partitions. A total is unknown when any partition's
// figure is unknown or any scope could not be read: it never turns an
// unknown into zero. KnownRecords is the sum over the partitions whose
// records are known, a lower bound on the backlog. Sums saturate at the
// largest int64 (see Sum); a known negative figure counts as unknown.
type Totals struct {
	Records      Figure[int64]         `json:"records"`
	Bytes        Figure[int64]         `json:"bytes"`
	TimeLag      Figure[time.Duration] `json:"timeLag"`
	KnownRecords int64                 `json:"knownRecords"`
	Partitions   int                   `json:"partitions"`
	// Unknown counts partitions whose records are unknown (or negative,
	// which is invalid).
	Unknown int `json:"unknown"`
	// NoCommit counts partitions without a committed offset.
	NoCommit int `json:"noCommit"`
}

// Totals computes the snapshot's totals.
func (s Snapshot) Totals() Totals {
	t := Totals{Partitions: len(s.Partitions)}
	records := make([]Figure[int64], 0, len(s.Partitions))
	bytes := make([]Figure[int64], 0, len(s.Partitions))
	lags := make([]Figure[time.Duration], 0, len(s.Partitions))
	for _, p := range s.Partitions {
		records = append(records, p.Records)
		bytes = append(bytes, p.Bytes)
		lags = append(lags, p.TimeLag)
		if n, ok := p.Records.Value(); ok && n >= 0 {
			t.KnownRecords = satAdd(t.KnownRecords, n)
		} else {
			t.Unknown++
		}
		if p.NoCommit {
			t.NoCommit++
		}
	}
	t.Records, t.Bytes, t.TimeLag = Sum(records...), Sum(bytes...), Max(lags...)
	if len(s.Errors) > 0 {
		if t.Records.Known() {
			t.Records = Unknown[int64](PartlyUnknown)
		}
		if t.Bytes.Known() {
			t.Bytes = Unknown[int64](PartlyUnknown)
		}
		if t.TimeLag.Known() {
			t.TimeLag = Unknown[time.Duration](PartlyUnknown)
		}
	}
	return t
}

// Err joins the snapshot's scope errors, or returns nil.
func (s Snapshot) Err() error {
	if len(s.Errors) == 0 {
		return nil
	}
	errs := make([]error, len(s.Errors))
	for i, e := range s.Errors {
		errs[i] = e
	}
	return errors.Join(errs...)
}
