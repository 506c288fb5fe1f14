package simflink

import (
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// ErrInvalidConfig is wrapped by New's errors.
var ErrInvalidConfig = errors.New("simflink: invalid config")

// Config configures a Provider.
type Config struct {
	// Sim is the simulation to serve. Required. From New on the Provider
	// owns it: touch it only through Provider.Do.
	Sim *sim.Sim
	// JobID is the job's ID on the server. Default: derived from the job's
	// name. Zero means default.
	JobID flinkapi.JobID
}

// Provider serves a running simulation's metrics to a flinktest.Server:
// it implements flinktest.MetricsProvider. On every call it first advances
// the simulation to the server's time, and takes a parallelism the server
// reports that differs from the simulation's as a rescale the server has
// made (PUT resource-requirements), which it applies to the simulation.
// Safe for concurrent use.
type Provider struct {
	mu    sync.Mutex
	sim   *sim.Sim
	job   sim.Job
	jobID flinkapi.JobID
	index map[flinkapi.VertexID]int
}

var _ flinktest.MetricsProvider = (*Provider)(nil)

// New returns a Provider for cfg.Sim, or an error wrapping
// ErrInvalidConfig.
func New(cfg Config) (*Provider, error) {
	if cfg.Sim == nil {
		return nil, fmt.Errorf("%w: Sim is required", ErrInvalidConfig)
	}
	job := cfg.Sim.Job()
	if cfg.JobID == "" {
		cfg.JobID = flinkapi.JobID(hexID("simflink/job/" + job.Name))
	}
	if err := cfg.JobID.Validate(); err != nil {
		return nil, fmt.Errorf("%w: JobID: %w", ErrInvalidConfig, err)
	}
	p := &Provider{sim: cfg.Sim, job: job, jobID: cfg.JobID, index: map[flinkapi.VertexID]int{}}
	for i, v := range job.Vertices {
		p.index[VertexID(v.ID)] = i
	}
	return p, nil
}

// VertexID is the REST API's ID of the simulated vertex id: 32 hex
// characters derived from it.
func VertexID(id string) flinkapi.VertexID { return flinkapi.VertexID(hexID("simflink/vertex/" + id)) }

// hexID derives a stable 32-hex ID from a string (FNV-128a).
func hexID(s string) string {
	h := fnv.New128a()
	_, _ = h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

// JobID returns the job's ID on the server.
func (p *Provider) JobID() flinkapi.JobID { return p.jobID }

// JobSpec returns the job to add to the server (Server.AddJob): the
// simulated job's vertices under their VertexIDs, at their parallelism,
// keyed edges as HASH and others as REBALANCE, and the simulation's
// checkpoint interval.
func (p *Provider) JobSpec() flinktest.JobSpec {
	p.mu.Lock()
	defer p.mu.Unlock()
	job := p.sim.Job()
	spec := flinktest.JobSpec{
		ID: p.jobID, Name: job.Name,
		Checkpointing: &flinktest.CheckpointingSpec{Interval: p.sim.Config().CheckpointInterval},
	}
	for _, v := range job.Vertices {
		vs := flinktest.VertexSpec{
			ID: VertexID(v.ID), Name: v.Name, Parallelism: v.Parallelism,
			MaxParallelism: v.MaxParallelism, SlotSharingGroup: v.SlotSharingGroup,
		}
		for _, e := range job.Edges {
			if e.To == v.ID {
				ship := flinkapi.ShipRebalance
				if e.Keyed {
					ship = flinkapi.ShipHash
				}
				vs.Inputs = append(vs.Inputs, flinktest.Input{From: VertexID(e.From), ShipStrategy: ship})
			}
		}
		spec.Vertices = append(spec.Vertices, vs)
	}
	return spec
}

// Do calls f with the simulation, under the Provider's lock (f must not
// call the Provider). Rescale through the server, not with Sim.Apply: the
// server's parallelism wins at the next call.
func (p *Provider) Do(f func(s *sim.Sim)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p.sim)
}

// VertexMetrics implements flinktest.MetricsProvider: the simulation's
// metric cache for the vertex, in Flink's names (see the package doc).
// While the cache holds nothing (the job is restarting, or just restarted)
// the vertex reports no metrics and incomplete IO counters.
func (p *Provider) VertexMetrics(job flinkapi.JobID, vertex flinkapi.VertexID, parallelism int, now time.Time) flinktest.VertexMetrics {
	i, ok := p.index[vertex]
	if job != p.jobID || !ok {
		return flinktest.VertexMetrics{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sim.AdvanceTo(now)
	id := p.job.Vertices[i].ID
	if parallelism > 0 && parallelism != p.sim.Parallelism()[id] {
		// The server rescaled: the simulated job restarts at its parallelism.
		_ = p.sim.Apply(autoscale.Decision{Targets: map[string]int{id: parallelism}})
	}
	all, _, ok := p.sim.Metrics()
	if !ok {
		return flinktest.VertexMetrics{Subtasks: map[string][]float64{}}
	}
	return render(p.job.Vertices[i], all[i])
}

// JobMetrics implements flinktest.MetricsProvider. The simulation adds no
// job-scope metrics of its own (the server adds numRestarts and uptime).
func (p *Provider) JobMetrics(job flinkapi.JobID, now time.Time) map[string]string {
	if job == p.jobID {
		p.mu.Lock()
		p.sim.AdvanceTo(now)
		p.mu.Unlock()
	}
	return map[string]string{}
}

// render turns a vertex's cached metrics into Flink's metric names and IO
// counters.
func render(v sim.Vertex, m sim.VertexMetrics) flinktest.VertexMetrics {
	out := flinktest.VertexMetrics{Subtasks: map[string][]float64{
		"busyTimeMsPerSecond":          m.BusyTimeMsPerSecond,
		"backPressuredTimeMsPerSecond": m.BackPressuredTimeMsPerSecond,
		"idleTimeMsPerSecond":          m.IdleTimeMsPerSecond,
		"numRecordsOut":                m.NumRecordsOut,
		"numRecordsOutPerSecond":       m.NumRecordsOutPerSecond,
		"numRecordsIn":                 m.NumRecordsIn,
		"numRecordsInPerSecond":        m.NumRecordsInPerSecond,
	}}
	out.IO = flinkapi.IOMetrics{
		ReadBytesComplete: true, WriteBytesComplete: true, ReadRecordsComplete: true, WriteRecordsComplete: true,
		ReadRecords: int64(sum(m.NumRecordsIn)), WriteRecords: int64(sum(m.NumRecordsOut)),
		AccumulatedBusyTime:          flinkapi.Float(m.AccumulatedBusyTime.Milliseconds()),
		AccumulatedBackpressuredTime: m.AccumulatedBackpressuredTime.Milliseconds(),
		AccumulatedIdleTime:          m.AccumulatedIdleTime.Milliseconds(),
	}
	if v.Source != nil {
		renderSource(out, v, m)
		out.IO.ReadRecords = 0 // a source task reads no network input
	}
	return out
}

// renderSource moves a source's input counters to its operator's scope
// (the task reads no network input: its own numRecordsIn is 0) and adds
// pendingRecords and the partitions' current offsets.
func renderSource(out flinktest.VertexMetrics, v sim.Vertex, m sim.VertexMetrics) {
	op := OperatorScope(v.Name)
	out.Subtasks[op+".numRecordsIn"] = m.NumRecordsIn
	out.Subtasks[op+".numRecordsInPerSecond"] = m.NumRecordsInPerSecond
	out.Subtasks[op+".numRecordsOut"] = m.NumRecordsOut
	out.Subtasks[op+".numRecordsOutPerSecond"] = m.NumRecordsOutPerSecond
	out.Subtasks[op+".pendingRecords"] = m.Source.PendingRecords
	out.Subtasks["numRecordsIn"] = make([]float64, m.Parallelism)
	out.Subtasks["numRecordsInPerSecond"] = make([]float64, m.Parallelism)
	topic := filter(m.Source.Topic)
	for _, o := range m.Source.Offsets {
		name := fmt.Sprintf("%s.KafkaSourceReader.topic.%s.partition.%d.currentOffset", op, topic, o.Partition)
		values := make([]float64, o.Subtask+1) // earlier subtasks show 0: see the package doc
		values[o.Subtask] = float64(o.Offset)
		out.Subtasks[name] = values
	}
}

// OperatorScope is the prefix of a vertex's first operator's metrics in
// Flink's metric names: the operator's name (the vertex name up to the
// first " -> " of a chain) with ' ', '.', ':' and ',' replaced by '_', as
// Flink's metric query service does ("Source: orders" lists as
// "Source__orders").
func OperatorScope(vertexName string) string {
	op, _, _ := strings.Cut(vertexName, " -> ")
	return filter(op)
}

func filter(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', ':', ',':
			return '_'
		}
		return r
	}, s)
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return math.Round(t)
}
