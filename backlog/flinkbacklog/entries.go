package flinkbacklog

import (
	"time"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// entries builds a vertex's backlog entries from its metrics.
//
// When Beam reports per-split gauges, there is one entry per split (key
// vertex/split) and no vertex total, so totals do not count twice.
// Otherwise there is one entry for the vertex: records from Flink's
// standard pendingRecords (FLIP-33) when the source reports it, else from
// Beam's backlog_elements; bytes from Beam's backlog_bytes. A figure the job
// does not report is unknown (MetricMissing), never zero. The job reports no
// time lag, so TimeLag is always unknown here: merge with a Kafka source for
// it.
func entries(v flinkapi.VertexID, found []metricName, res flinkapi.VertexMetricsResult) []backlog.Partition {
	splits := map[string]*backlog.Partition{}
	var order []string
	var pending, elements, bytes []string
	for _, m := range found {
		switch m.kind {
		case kindPending:
			pending = append(pending, m.name)
		case kindElements:
			elements = append(elements, m.name)
		case kindBytes:
			bytes = append(bytes, m.name)
		case kindSplitElements, kindSplitBytes:
			p := splits[m.split]
			if p == nil {
				e := missingEntry(v)
				e.Key = backlog.VertexSplit(string(v), m.split)
				p = &e
				splits[m.split] = p
				order = append(order, m.split)
			}
			if m.kind == kindSplitElements {
				p.Records = value(res, m.name)
			} else {
				p.Bytes = value(res, m.name)
			}
		}
	}
	if len(splits) > 0 {
		out := make([]backlog.Partition, 0, len(order))
		for _, id := range order {
			p := splits[id]
			p.Bytes = splitBytes(p.Records, p.Bytes)
			out = append(out, *p)
		}
		return out
	}
	e := missingEntry(v)
	if len(pending) > 0 {
		e.Records = sum(res, pending)
	} else if len(elements) > 0 {
		e.Records = sum(res, elements)
	}
	if len(bytes) > 0 {
		e.Bytes = sum(res, bytes)
	}
	e.TimeLag = backlog.Unknown[time.Duration](backlog.MetricMissing)
	return []backlog.Partition{e}
}

// splitBytes is a split's backlog in bytes, given its backlog in records
// and its bytes gauge. Current Beam's KafkaUnboundedReader sets both
// gauges together when the runner takes a checkpoint mark, but between
// checkpoints it overwrites backlog_bytes on every record with one
// partition's backlog in records (and sets it to 0 before the first
// checkpoint, when backlog_elements is not yet reported). A record is at
// least one byte in Beam's estimate, so a bytes gauge alone, or one not
// above a positive records gauge, holds no byte count: unknown
// (InvalidValue), never a figure too small by the record size.
func splitBytes(records, bytes backlog.Figure[int64]) backlog.Figure[int64] {
	b, ok := bytes.Value()
	if !ok {
		return bytes
	}
	r, known := records.Value()
	switch {
	case !known && records.Reason() == backlog.MetricMissing:
		return backlog.Unknown[int64](backlog.InvalidValue)
	case known && r > 0 && b <= r:
		return backlog.Unknown[int64](backlog.InvalidValue)
	}
	return bytes
}

// sum adds the figures of several operators in one chain reporting the
// same metric (rare: one source operator per vertex is usual).
func sum(res flinkapi.VertexMetricsResult, names []string) backlog.Figure[int64] {
	fs := make([]backlog.Figure[int64], len(names))
	for i, n := range names {
		fs[i] = value(res, n)
	}
	return backlog.Sum(fs...)
}
