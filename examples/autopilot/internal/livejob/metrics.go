package livejob

import (
	"math"
	"slices"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// VertexMetrics implements flinktest.MetricsProvider: the metrics last
// published, in Flink's names (see the package documentation). While the
// job restarts, and until the first refresh after it runs again, a vertex
// reports none.
func (j *Job) VertexMetrics(job flinkapi.JobID, vertex flinkapi.VertexID, _ int, _ time.Time) flinktest.VertexMetrics {
	if job != j.cfg.JobID {
		return flinktest.VertexMetrics{}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	m, ok := j.published[vertex]
	if !ok {
		return flinktest.VertexMetrics{Subtasks: map[string][]float64{}}
	}
	out := flinktest.VertexMetrics{Subtasks: make(map[string][]float64, len(m.Subtasks)), IO: m.IO}
	for k, v := range m.Subtasks {
		out.Subtasks[k] = append([]float64(nil), v...)
	}
	return out
}

// JobMetrics implements flinktest.MetricsProvider; the job adds none of
// its own (the server adds numRestarts and uptime).
func (j *Job) JobMetrics(flinkapi.JobID, time.Time) map[string]string { return map[string]string{} }

func (j *Job) setMetrics(m map[flinkapi.VertexID]flinktest.VertexMetrics) {
	j.mu.Lock()
	j.published = m
	j.mu.Unlock()
}

// refresh reads the end offsets from Kafka and publishes every vertex's
// metrics, as Flink's metric fetcher refreshes the JobManager's cache.
func (j *Job) refresh(e *execution, now time.Time) {
	j.endOffsets()
	m := make(map[flinkapi.VertexID]flinktest.VertexMetrics, 3*len(j.pipes))
	for i, p := range j.pipes {
		pe := e.pipes[i]
		m[p.ids[Source]] = j.sourceMetrics(p, pe, e.started, now)
		m[p.ids[Transform]] = j.opMetrics(pe.transforms, e.started, now)
		m[p.ids[Sink]] = j.opMetrics(pe.sinks, e.started, now)
	}
	j.setMetrics(m)
}

// times returns a subtask's busy, backpressured and idle time per second
// over the last MetricView, and appends now to its view.
func (j *Job) times(s *taskStats, started, now time.Time) (busy, bp, idle float64) {
	if len(s.view) == 0 {
		s.view = append(s.view, viewPoint{t: started})
	}
	cur := viewPoint{t: now, busy: s.busy, blocked: s.backpressured}
	s.view = append(s.view, cur)
	for len(s.view) > 2 && now.Sub(s.view[1].t) >= j.cfg.MetricView {
		s.view = s.view[1:]
	}
	old := s.view[0]
	span := now.Sub(old.t).Seconds()
	if span <= 0 {
		return 0, 0, 1000
	}
	busy = clamp(float64(cur.busy-old.busy) / span * 1000)
	bp = clamp(float64(cur.blocked-old.blocked) / span * 1000)
	bp = min(bp, 1000-busy)
	return busy, bp, 1000 - busy - bp
}

func clamp(x float64) float64 { return math.Max(0, math.Min(1000, x)) }

// common fills the task-level metrics and IO counters of a vertex's
// subtasks.
func (j *Job) common(stats []*taskStats, started, now time.Time) flinktest.VertexMetrics {
	n := len(stats)
	busy, bp, idle := make([]float64, n), make([]float64, n), make([]float64, n)
	in, out := make([]float64, n), make([]float64, n)
	io := flinkapi.IOMetrics{ReadBytesComplete: true, WriteBytesComplete: true, ReadRecordsComplete: true, WriteRecordsComplete: true}
	var accBusy int64
	for i, s := range stats {
		busy[i], bp[i], idle[i] = j.times(s, started, now)
		in[i], out[i] = float64(s.in), float64(s.out)
		io.ReadRecords += s.in
		io.WriteRecords += s.out
		accBusy += int64(s.busy * 1000)
		io.AccumulatedBackpressuredTime += int64(s.backpressured * 1000)
	}
	elapsed := now.Sub(started).Milliseconds() * int64(n)
	io.AccumulatedBusyTime = flinkapi.Float(accBusy)
	io.AccumulatedIdleTime = max(0, elapsed-accBusy-io.AccumulatedBackpressuredTime)
	return flinktest.VertexMetrics{IO: io, Subtasks: map[string][]float64{
		flinkapi.MetricBusyTime:          busy,
		flinkapi.MetricBackPressuredTime: bp,
		flinkapi.MetricIdleTime:          idle,
		flinkapi.MetricNumRecordsIn:      in,
		flinkapi.MetricNumRecordsOut:     out,
	}}
}

func (j *Job) opMetrics(tasks []*opTask, started, now time.Time) flinktest.VertexMetrics {
	stats := make([]*taskStats, len(tasks))
	for i, t := range tasks {
		stats[i] = &t.stats
	}
	return j.common(stats, started, now)
}

// sourceMetrics adds a source's operator-scoped metrics: records read,
// pendingRecords (end offset minus position over its partitions; NaN
// while an end offset is unknown) and each partition's current offset.
// The task itself reads no network input: its numRecordsIn and the
// vertex's read-records are 0, as in Flink.
func (j *Job) sourceMetrics(p *pipe, pe *pipeExec, started, now time.Time) flinktest.VertexMetrics {
	stats := make([]*taskStats, len(pe.sources))
	for i, t := range pe.sources {
		stats[i] = &t.stats
	}
	m := j.common(stats, started, now)
	op := flinkapi.OperatorScope(VertexName(p.Name, Source))
	m.Subtasks[flinkapi.OperatorMetric(op, flinkapi.MetricNumRecordsIn)] = m.Subtasks[flinkapi.MetricNumRecordsIn]
	m.Subtasks[flinkapi.OperatorMetric(op, flinkapi.MetricNumRecordsOut)] = slices.Clone(m.Subtasks[flinkapi.MetricNumRecordsOut])
	m.Subtasks[flinkapi.MetricNumRecordsIn] = make([]float64, len(stats))
	m.IO.ReadRecords = 0
	pending := make([]float64, len(stats))
	for i, t := range pe.sources {
		for _, k := range t.parts {
			part := j.parts[k]
			pos, end := part.pos.Load(), part.end.Load()
			if end < 0 {
				pending[i] = math.NaN()
			} else if !math.IsNaN(pending[i]) {
				pending[i] += float64(max(0, end-pos))
			}
			name := flinkapi.KafkaPartitionMetric(op, p.Topic, part.id, flinkapi.MetricKafkaCurrentOffset)
			values := make([]float64, i+1) // the server reports per subtask index from 0
			values[i] = float64(pos)
			m.Subtasks[name] = values
		}
	}
	m.Subtasks[flinkapi.OperatorMetric(op, flinkapi.MetricPendingRecords)] = pending
	return m
}

// Published reports whether metrics are published now (false while the
// job restarts and until the first refresh after).
func (j *Job) Published() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.published != nil
}
