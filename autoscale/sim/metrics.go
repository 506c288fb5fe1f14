package sim

import (
	"math"
	"slices"
	"time"
)

const (
	// viewPeriod is how often Flink's per-second gauges and meters update
	// (MetricView's UPDATE_INTERVAL_SECONDS).
	viewPeriod = 5 * time.Second
	// meterSamples is a 60 s MeterView sampled every 5 s: 13 counts.
	meterSamples = 13
)

// VertexMetrics is one vertex's metrics as the JobManager's metric cache
// holds them: one value per subtask, in Flink's units, as of the last cache
// refresh.
type VertexMetrics struct {
	// ID is the vertex's ID.
	ID string
	// Parallelism is the number of subtasks reporting.
	Parallelism int
	// BusyTimeMsPerSecond, BackPressuredTimeMsPerSecond and
	// IdleTimeMsPerSecond are the subtasks' time split over the last 5 s
	// view, in whole milliseconds per second.
	BusyTimeMsPerSecond, BackPressuredTimeMsPerSecond, IdleTimeMsPerSecond []float64
	// NumRecordsIn and NumRecordsOut count whole records since the
	// restart. A source's task reads no network input: its NumRecordsIn is
	// the source operator's (records read from Kafka), which Flink lists
	// under the operator's scope.
	NumRecordsIn, NumRecordsOut []float64
	// NumRecordsInPerSecond and NumRecordsOutPerSecond are 60 s meters
	// (Flink's MeterView: 13 counts 5 s apart, zeros after a restart).
	NumRecordsInPerSecond, NumRecordsOutPerSecond []float64
	// AccumulatedBusyTime, AccumulatedBackpressuredTime and
	// AccumulatedIdleTime are summed over subtasks since the restart (job
	// details' accumulated-*-time).
	AccumulatedBusyTime, AccumulatedBackpressuredTime, AccumulatedIdleTime time.Duration
	// Source is set for source vertices.
	Source *SourceMetrics
}

// SourceMetrics are a Kafka source's own metrics.
type SourceMetrics struct {
	// Topic is the topic read.
	Topic string
	// PendingRecords is each subtask's pendingRecords: records waiting in
	// its partitions.
	PendingRecords []float64
	// Offsets holds each partition's current offset and the subtask
	// reading it (KafkaSourceReader.topic.<t>.partition.<n>.currentOffset).
	Offsets []PartitionOffset
}

// PartitionOffset is a partition's position.
type PartitionOffset struct {
	// Partition is the partition's number; Subtask the subtask reading it.
	Partition, Subtask int
	// Offset is the source's current offset: the next record it reads.
	Offset int64
}

func (m VertexMetrics) clone() VertexMetrics {
	out := m
	for _, f := range []*[]float64{&out.BusyTimeMsPerSecond, &out.BackPressuredTimeMsPerSecond, &out.IdleTimeMsPerSecond,
		&out.NumRecordsIn, &out.NumRecordsOut, &out.NumRecordsInPerSecond, &out.NumRecordsOutPerSecond} {
		*f = slices.Clone(*f)
	}
	if m.Source != nil {
		s := *m.Source
		s.PendingRecords, s.Offsets = slices.Clone(s.PendingRecords), slices.Clone(s.Offsets)
		out.Source = &s
	}
	return out
}

// vertexMeter holds a vertex's last view and its meters.
type vertexMeter struct {
	busy, bp        []float64 // per subtask, fractions of the last view
	inRing, outRing [meterSamples]float64
	pos             int
	inRate, outRate float64
}

func (m *vertexMeter) reset(p int) {
	m.busy, m.bp = resized(m.busy, p), resized(m.bp, p)
	*m = vertexMeter{busy: m.busy, bp: m.bp}
}

// updateViews closes the current view window of every vertex. A
// subtask's busy time is the records it took in over what it could take in
// (less while warming up), with the vertex's BusyBias and BusyFloor and
// Config.Metrics.BusyNoise.
func (s *Sim) updateViews() {
	from := max(s.viewFrom, s.lastRestart)
	secs := (s.now - from).Seconds()
	s.viewFrom = s.now
	if secs <= 0 {
		return
	}
	noise := s.cfg.Metrics.BusyNoise
	for i := range s.vs {
		v := &s.vs[i]
		m := v.met
		full := v.perSub * max(v.winCap, 1e-9)
		bias := 1 + v.spec.BusyBias
		for j := range m.busy {
			if v.src != nil {
				m.busy[j], m.bp[j] = v.src.winRead[j]/full, v.src.winBlocked[j]/full
				v.src.winRead[j], v.src.winBlocked[j] = 0, 0
			} else {
				m.busy[j], m.bp[j] = v.winIn*v.shares[j]/full, v.winBlocked*v.shares[j]/full
			}
			m.busy[j] *= bias
			if f := v.spec.BusyFloor; f > 0 {
				m.busy[j] = f + (1-f)*min(m.busy[j], 1)
			}
			if noise > 0 {
				m.busy[j] = min(1, max(0, m.busy[j]+noise*gaussian(&s.rnd.metrics)))
			}
		}
		v.winIn, v.winBlocked, v.winCap = 0, 0, 0
		m.inRing[m.pos], m.outRing[m.pos] = v.in, v.out
		next := (m.pos + 1) % meterSamples
		m.inRate = (m.inRing[m.pos] - m.inRing[next]) / 60
		m.outRate = (m.outRing[m.pos] - m.outRing[next]) / 60
		m.pos = next
	}
}

// refreshCache is the JobManager's metric fetcher: it copies what the
// running subtasks report into the cache Observe and Metrics read. A
// frozen cache (Config.Metrics.FreezeEvery) is left as it is; a vertex the
// refresh misses (StaleRefresh) keeps what it had; one of a vertex's
// metrics may be lost until the next refresh (Gaps).
func (s *Sim) refreshCache() {
	if !s.running {
		s.invalidateCache()
		return
	}
	if s.frozen(s.now) {
		return
	}
	mf := s.cfg.Metrics
	for i := range s.vs {
		if s.cacheOK[i] && mf.StaleRefresh > 0 && draw(&s.rnd.metrics) < mf.StaleRefresh {
			continue
		}
		s.fillMetrics(&s.cache[i], &s.vs[i])
		s.cacheOK[i] = true
		if mf.Gaps > 0 && draw(&s.rnd.metrics) < mf.Gaps {
			lose(&s.cache[i], draw(&s.rnd.metrics))
		}
	}
	s.cacheValid, s.cacheAt = true, s.now
}

// invalidateCache empties the cache, as a restart does.
func (s *Sim) invalidateCache() {
	s.cacheValid = false
	clear(s.cacheOK)
}

// frozen reports whether the metric cache is frozen at t: in each slot of
// FreezeEvery, for FreezeFor from a seeded offset.
func (s *Sim) frozen(t time.Duration) bool {
	every, length := s.cfg.Metrics.FreezeEvery, s.cfg.Metrics.FreezeFor
	if every <= 0 || length <= 0 {
		return false
	}
	n := int64(t / every)
	from := time.Duration(n)*every + time.Duration(unit(splitmix(s.cfg.Seed^saltFreeze^splitmix(uint64(n))))*float64(every-length))
	return t >= from && t < from+length
}

// lose drops one of a vertex's metrics, picked by u in [0, 1).
func lose(c *VertexMetrics, u float64) {
	lost := []*[]float64{&c.BusyTimeMsPerSecond, &c.BackPressuredTimeMsPerSecond, &c.NumRecordsIn}
	if c.Source != nil {
		lost = append(lost, &c.Source.PendingRecords)
	}
	*lost[int(u*float64(len(lost)))] = nil
}

func (s *Sim) fillMetrics(c *VertexMetrics, v *vertexState) {
	p := v.p
	c.ID, c.Parallelism = v.spec.ID, p
	for _, f := range []*[]float64{&c.BusyTimeMsPerSecond, &c.BackPressuredTimeMsPerSecond, &c.IdleTimeMsPerSecond,
		&c.NumRecordsIn, &c.NumRecordsOut, &c.NumRecordsInPerSecond, &c.NumRecordsOutPerSecond} {
		*f = resized(*f, p)
	}
	sel := v.spec.Selectivity
	if len(v.outs) == 0 {
		sel = 0
	}
	for j := range p {
		busy := math.Floor(min(1, v.met.busy[j]) * 1000)
		bp := math.Floor(min(1-busy/1000, v.met.bp[j]) * 1000)
		c.BusyTimeMsPerSecond[j], c.BackPressuredTimeMsPerSecond[j] = busy, bp
		c.IdleTimeMsPerSecond[j] = max(0, 1000-busy-bp)
		if v.spec.NoBusyTime {
			c.BusyTimeMsPerSecond[j], c.IdleTimeMsPerSecond[j] = math.NaN(), math.NaN()
		}
		share := v.shares[j]
		if v.src != nil {
			share = 1 / float64(p)
			if v.in > 0 {
				share = v.src.in[j] / v.in
			}
			c.NumRecordsIn[j] = v.src.in[j]
			c.NumRecordsOut[j] = math.Floor(v.src.in[j] * sel)
		} else {
			c.NumRecordsIn[j] = math.Floor(v.in * share)
			c.NumRecordsOut[j] = math.Floor(v.out * share)
		}
		c.NumRecordsInPerSecond[j] = v.met.inRate * share
		c.NumRecordsOutPerSecond[j] = v.met.outRate * share
	}
	busy, bp := v.busySecs, v.bpSecs
	up := (s.now - s.lastRestart).Seconds() * float64(p)
	c.AccumulatedBusyTime = seconds(busy)
	c.AccumulatedBackpressuredTime = seconds(bp)
	c.AccumulatedIdleTime = seconds(max(0, up-busy-bp))
	if v.src != nil {
		s.fillSource(c, v)
	}
}

func (s *Sim) fillSource(c *VertexMetrics, v *vertexState) {
	if c.Source == nil {
		c.Source = &SourceMetrics{}
	}
	m := c.Source
	m.Topic = v.spec.Source.Topic
	m.PendingRecords = resized(m.PendingRecords, v.p)
	m.Offsets = m.Offsets[:0]
	for k := range v.src.parts {
		pt := &v.src.parts[k]
		m.PendingRecords[k%v.p] += float64(pt.backlog())
		m.Offsets = append(m.Offsets, PartitionOffset{Partition: k, Subtask: k % v.p, Offset: pt.pos})
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Metrics returns every vertex's metrics as the JobManager's cache holds
// them and when the cache was last refreshed; ok is false while the cache
// holds nothing (the job is restarting, or has not been refreshed since it
// last became RUNNING). A vertex the cache holds nothing of yet (a refresh
// missed it: Config.Metrics.StaleRefresh) has only its ID and
// parallelism; a metric lost to a gap (Config.Metrics.Gaps) is nil; a
// vertex without busy time (Vertex.NoBusyTime) reports NaN busy and idle
// time. The result is a copy.
func (s *Sim) Metrics() (m []VertexMetrics, at time.Time, ok bool) {
	if !s.cacheValid {
		return nil, time.Time{}, false
	}
	out := make([]VertexMetrics, len(s.cache))
	for i := range s.cache {
		if !s.cacheOK[i] {
			out[i] = VertexMetrics{ID: s.topo.vertices[i].ID, Parallelism: s.p[i]}
			continue
		}
		out[i] = s.cache[i].clone()
	}
	return out, s.cfg.Start.Add(s.cacheAt), true
}
