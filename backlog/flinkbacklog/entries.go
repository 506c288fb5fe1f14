package flinkbacklog

import (
	"math"
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
// Beam's backlog_elements; bytes from Beam's backlog_bytes, else from
// pendingBytes. Beam's gauges are then brought up to date by the live
// pendingBytes (see live). A figure the job does not report is unknown
// (MetricMissing), never zero. The job reports no time lag, so TimeLag is
// always unknown here: merge with a Kafka source for it.
func entries(v flinkapi.VertexID, found []metricName, res flinkapi.VertexMetricsResult) []backlog.Partition {
	splits := map[string]*backlog.Partition{}
	var order []string
	var pending, elements, bytes, pendingBytes []string
	for _, m := range found {
		switch m.kind {
		case kindPending:
			pending = append(pending, m.name)
		case kindPendingBytes:
			pendingBytes = append(pendingBytes, m.name)
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
		if len(pendingBytes) > 0 {
			live(sum(res, pendingBytes), out)
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
	switch {
	case len(pendingBytes) == 0:
	case len(pending) == 0 && len(elements) > 0:
		out := []backlog.Partition{e}
		live(sum(res, pendingBytes), out)
		return out
	case len(bytes) == 0:
		e.Bytes = sum(res, pendingBytes)
	}
	return []backlog.Partition{e}
}

// live brings Beam's backlog gauges (es: the splits' entries, or the
// vertex's total) up to date with the source operator's live pendingBytes
// (p). Beam's classic Flink runner reads pendingBytes from the readers on
// every metrics fetch, while KafkaIO sets its backlog_elements and
// backlog_bytes only when a checkpoint is taken (measured with Beam
// 2.70.0 on Flink 1.19.3: they trail the records left to read by up to a
// checkpoint interval's reading, and keep their last value, some 440
// records here, once the source has caught up, where pendingBytes is 0).
// So with p known: every entry is 0 records and 0 bytes when p is 0; else
// each entry's records and bytes are scaled by p over the entries' bytes
// (the gauges' own record size), which matched Kafka's lag within a few
// records in that run; and when the entries' bytes are unknown or 0 their
// records are unknown (InvalidValue), since p says there is a backlog
// that they do not show. With p unknown (missing, or -1 before the
// readers know their backlog) the entries stay as they are.
func live(p backlog.Figure[int64], es []backlog.Partition) {
	pb, ok := p.Value()
	if !ok {
		return
	}
	if pb == 0 {
		for i := range es {
			es[i].Records, es[i].Bytes = backlog.Known[int64](0), backlog.Known[int64](0)
		}
		return
	}
	var total []backlog.Figure[int64]
	for _, e := range es {
		total = append(total, e.Bytes)
	}
	b, ok := backlog.Sum(total...).Value()
	if !ok || b <= 0 {
		for i := range es {
			es[i].Records = backlog.Unknown[int64](backlog.InvalidValue)
			es[i].Bytes = backlog.Unknown[int64](backlog.InvalidValue)
		}
		return
	}
	f := float64(pb) / float64(b)
	for i := range es {
		if r, ok := es[i].Records.Value(); ok {
			es[i].Records = backlog.Known(int64(math.Ceil(float64(r) * f)))
		}
		if x, ok := es[i].Bytes.Value(); ok {
			es[i].Bytes = backlog.Known(int64(math.Round(float64(x) * f)))
		}
	}
}

// splitBytes is a split's backlog in bytes, given its backlog in records
// and its bytes gauge. Beam's KafkaUnboundedReader sets both gauges
// together when the runner takes a checkpoint mark; its source also shows
// backlog_bytes overwritten between checkpoints with one partition's
// backlog in records, and set to 0 before the first checkpoint, when
// backlog_elements is not yet reported (not seen on Beam 2.70.0, whose
// bytes gauge stayed some 6-7 bytes a record of that run throughout). A
// record is at least one byte in Beam's estimate, so a bytes gauge alone,
// or one not above a positive records gauge, holds no byte count: unknown
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
