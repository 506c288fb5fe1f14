package simflink

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/sim"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// ErrInvalidConfig is wrapped by New's and Config.Validate's errors. It
// wraps flinkscale.ErrInvalidConfig.
var ErrInvalidConfig = fmt.Errorf("simflink: %w", flinkscale.ErrInvalidConfig)

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

// Validate reports whether c is usable. Its errors wrap ErrInvalidConfig.
func (c Config) Validate() error {
	if c.Sim == nil {
		return fmt.Errorf("%w: Sim is required", ErrInvalidConfig)
	}
	if c.JobID != "" {
		if err := c.JobID.Validate(); err != nil {
			return fmt.Errorf("%w: JobID: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

// New returns a Provider for cfg.Sim, or an error wrapping
// ErrInvalidConfig.
func New(cfg Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	job := cfg.Sim.Job()
	if cfg.JobID == "" {
		cfg.JobID = flinkapi.JobID(hexID("simflink/job/" + job.Name))
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

// render turns a vertex's cached metrics into Flink's metric names
// (flinkapi's) and IO counters.
func render(v sim.Vertex, m sim.VertexMetrics) flinktest.VertexMetrics {
	out := flinktest.VertexMetrics{Subtasks: map[string][]float64{
		flinkapi.MetricBusyTime:               m.BusyTimeMsPerSecond,
		flinkapi.MetricBackPressuredTime:      m.BackPressuredTimeMsPerSecond,
		flinkapi.MetricIdleTime:               m.IdleTimeMsPerSecond,
		flinkapi.MetricNumRecordsOut:          m.NumRecordsOut,
		flinkapi.MetricNumRecordsOutPerSecond: m.NumRecordsOutPerSecond,
		flinkapi.MetricNumRecordsIn:           m.NumRecordsIn,
		flinkapi.MetricNumRecordsInPerSecond:  m.NumRecordsInPerSecond,
	}}
	out.IO = flinkapi.IOMetrics{
		ReadBytesComplete: true, WriteBytesComplete: true, ReadRecordsComplete: true, WriteRecordsComplete: true,
		ReadRecords: int64(sum(m.NumRecordsIn)), WriteRecords: int64(sum(m.NumRecordsOut)),
		AccumulatedBusyTime:          flinkapi.Float(m.AccumulatedBusyTime.Milliseconds()),
		AccumulatedBackpressuredTime: m.AccumulatedBackpressuredTime.Milliseconds(),
		AccumulatedIdleTime:          m.AccumulatedIdleTime.Milliseconds(),
	}
	if v.Source != nil && m.Source != nil {
		renderSource(out, v, m)
	}
	if v.Source != nil {
		out.IO.ReadRecords = 0 // a source task reads no network input
	}
	return out
}

// renderSource moves a source's input counters to its operator's scope
// (the task reads no network input: its own numRecordsIn is 0) and adds
// pendingRecords and the partitions' current offsets.
func renderSource(out flinktest.VertexMetrics, v sim.Vertex, m sim.VertexMetrics) {
	op := flinkapi.OperatorScope(v.Name)
	for name, values := range map[string][]float64{
		flinkapi.MetricNumRecordsIn:           m.NumRecordsIn,
		flinkapi.MetricNumRecordsInPerSecond:  m.NumRecordsInPerSecond,
		flinkapi.MetricNumRecordsOut:          m.NumRecordsOut,
		flinkapi.MetricNumRecordsOutPerSecond: m.NumRecordsOutPerSecond,
		flinkapi.MetricPendingRecords:         m.Source.PendingRecords,
	} {
		out.Subtasks[flinkapi.OperatorMetric(op, name)] = values
	}
	out.Subtasks[flinkapi.MetricNumRecordsIn] = make([]float64, m.Parallelism)
	out.Subtasks[flinkapi.MetricNumRecordsInPerSecond] = make([]float64, m.Parallelism)
	for _, o := range m.Source.Offsets {
		name := flinkapi.KafkaPartitionMetric(op, m.Source.Topic, int32(o.Partition), flinkapi.MetricKafkaCurrentOffset)
		values := make([]float64, o.Subtask+1) // earlier subtasks show 0: see the package doc
		values[o.Subtask] = float64(o.Offset)
		out.Subtasks[name] = values
	}
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return math.Round(t)
}
