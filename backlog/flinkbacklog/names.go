package flinkbacklog

import "strings"

// Metric-name shapes in a vertex's aggregated subtask metric list. Operator
// metrics appear as "<operator>.<metric>", the operator name with Flink's
// character replacements (a source "Source: orders" lists as
// "Source__orders.pendingRecords"). Beam's Flink runner registers a user
// metric (namespace, name) on the operator's group as "namespace.name", so
// KafkaIO's gauges list as "<operator>.source.backlog_elements" and, per
// split, "<operator>.source.splits.<split>.backlog_elements".
const (
	pendingRecordsName = "pendingRecords"
	beamElements       = "source.backlog_elements"
	beamBytes          = "source.backlog_bytes"
	beamSplitPrefix    = "source.splits."
	beamSplitElements  = ".backlog_elements"
	beamSplitBytes     = ".backlog_bytes"
)

// kind is what a metric name measures.
type kind int

const (
	kindNone kind = iota
	kindPending
	kindElements
	kindBytes
	kindSplitElements
	kindSplitBytes
)

// metricName is a parsed metric name this package reads.
type metricName struct {
	name  string // as Flink lists it
	kind  kind
	split string // for the per-split kinds
}

// parseName classifies a listed metric name.
func parseName(name string) metricName {
	m := metricName{name: name}
	switch {
	case name == pendingRecordsName || strings.HasSuffix(name, "."+pendingRecordsName):
		m.kind = kindPending
	case name == beamElements || strings.HasSuffix(name, "."+beamElements):
		m.kind = kindElements
	case name == beamBytes || strings.HasSuffix(name, "."+beamBytes):
		m.kind = kindBytes
	default:
		m.kind, m.split = parseSplit(name)
	}
	return m
}

// parseSplit recognises "...source.splits.<split>.backlog_elements" (or
// _bytes); the split ID may itself contain dots.
func parseSplit(name string) (kind, string) {
	i := strings.Index(name, beamSplitPrefix)
	if i < 0 || (i > 0 && name[i-1] != '.') {
		return kindNone, ""
	}
	rest := name[i+len(beamSplitPrefix):]
	for _, s := range []struct {
		suffix string
		k      kind
	}{{beamSplitElements, kindSplitElements}, {beamSplitBytes, kindSplitBytes}} {
		if split, ok := strings.CutSuffix(rest, s.suffix); ok && split != "" {
			return s.k, split
		}
	}
	return kindNone, ""
}
