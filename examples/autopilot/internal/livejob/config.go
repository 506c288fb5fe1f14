package livejob

import (
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// ErrInvalidConfig is wrapped by every error about a bad Config.
var ErrInvalidConfig = errors.New("livejob: invalid config")

// Stage is one of a pipeline's three vertices.
type Stage int

// The stages of a pipeline, in order.
const (
	Source Stage = iota
	Transform
	Sink
	numStages
)

var stageNames = [numStages]string{"Source", "Transform", "Sink"}

// String returns "Source", "Transform" or "Sink".
func (s Stage) String() string {
	if s < 0 || s >= numStages {
		return fmt.Sprintf("Stage(%d)", int(s))
	}
	return stageNames[s]
}

// Pipeline is one pipeline of the job: a Kafka topic read by a source, a
// keyed transform and a sink, in a slot-sharing group of its own. It is a
// plain value.
type Pipeline struct {
	// Name names the pipeline, its vertices ("Source: <name>",
	// "Transform: <name>", "Sink: <name>") and its slot-sharing group.
	// Required.
	Name string
	// Topic is the Kafka topic the source reads. Required.
	Topic string
	// Partitions is the topic's partition count. Required.
	Partitions int
	// Parallelism is each stage's parallelism when the job starts.
	// Default: 1 each. Zero means default.
	Parallelism [numStages]int
	// Capacity is the records/s one subtask of each stage processes.
	// Required, each positive.
	Capacity [numStages]float64
	// KeyGroups is the transform's max parallelism (Flink's key groups),
	// also every vertex's. Default: 128. Zero means default.
	KeyGroups int
}

// Config configures a Job. Zero fields mean the documented defaults.
type Config struct {
	// JobID is the job's ID on the JobManager. Required.
	JobID flinkapi.JobID
	// Name is the job's name. Default: "livejob".
	Name string
	// Pipelines are the job's pipelines. Required, names unique.
	Pipelines []Pipeline
	// Brokers are the Kafka bootstrap addresses. Required (Start fills
	// them in).
	Brokers []string
	// Sarama configures the job's sarama client. Default: sarama.NewConfig()
	// with Version V2_8_0_0.
	Sarama *sarama.Config
	// Group is the consumer group the job commits its checkpointed
	// positions to. Required.
	Group string
	// CheckpointInterval is the time between checkpoints. Default: 2 s.
	CheckpointInterval time.Duration
	// CheckpointTimeout fails a checkpoint not completed in time.
	// Default: 10 x CheckpointInterval.
	CheckpointTimeout time.Duration
	// MetricRefresh is how often metrics are published (Flink's
	// metrics.fetcher.update-interval), on multiples of it since the job
	// started. Default: 1/3 s.
	MetricRefresh time.Duration
	// MetricView is the window busy, backpressured and idle time are
	// averaged over. Default: 1 s.
	MetricView time.Duration
	// BufferTime sizes each subtask's input buffer: this long of its
	// capacity. Default: 250 ms.
	BufferTime time.Duration
	// Logger receives warnings (a source that stopped reading, a failed
	// commit) and debug lines. Default: discard.
	Logger *slog.Logger
}

func (c Config) validate() error {
	switch {
	case c.JobID.Validate() != nil:
		return fmt.Errorf("%w: JobID: %w", ErrInvalidConfig, c.JobID.Validate())
	case len(c.Pipelines) == 0:
		return fmt.Errorf("%w: no pipelines", ErrInvalidConfig)
	case len(c.Brokers) == 0:
		return fmt.Errorf("%w: no brokers", ErrInvalidConfig)
	case c.Group == "":
		return fmt.Errorf("%w: no consumer group", ErrInvalidConfig)
	case c.CheckpointInterval < 0 || c.CheckpointTimeout < 0 || c.MetricRefresh < 0 || c.MetricView < 0 || c.BufferTime < 0:
		return fmt.Errorf("%w: negative duration", ErrInvalidConfig)
	}
	seen := map[string]bool{}
	for i, p := range c.Pipelines {
		if err := p.validate(); err != nil {
			return fmt.Errorf("%w: pipeline %d: %w", ErrInvalidConfig, i, err)
		}
		if seen[p.Name] {
			return fmt.Errorf("%w: pipeline %q listed twice", ErrInvalidConfig, p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

func (p Pipeline) validate() error {
	switch {
	case p.Name == "" || p.Topic == "":
		return errors.New("name and topic are required")
	case p.Partitions < 1:
		return fmt.Errorf("%d partitions", p.Partitions)
	case p.KeyGroups < 0:
		return fmt.Errorf("%d key groups", p.KeyGroups)
	}
	for s := range numStages {
		if !(p.Capacity[s] > 0) {
			return fmt.Errorf("%s capacity %v is not positive", s, p.Capacity[s])
		}
		if p.Parallelism[s] < 0 {
			return fmt.Errorf("%s parallelism %d", s, p.Parallelism[s])
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = "livejob"
	}
	if c.Sarama == nil {
		c.Sarama = sarama.NewConfig()
		c.Sarama.Version = sarama.V2_8_0_0
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.CheckpointInterval, 2*time.Second)
	def(&c.CheckpointTimeout, 10*c.CheckpointInterval)
	def(&c.MetricRefresh, time.Second/3)
	def(&c.MetricView, time.Second)
	def(&c.BufferTime, 250*time.Millisecond)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	ps := make([]Pipeline, len(c.Pipelines))
	for i, p := range c.Pipelines {
		for s := range numStages {
			p.Parallelism[s] = max(p.Parallelism[s], 1)
		}
		if p.KeyGroups == 0 {
			p.KeyGroups = 128
		}
		ps[i] = p
	}
	c.Pipelines = ps
	return c
}

// VertexName is the name of a pipeline's vertex: "Source: hot".
func VertexName(pipeline string, s Stage) string { return s.String() + ": " + pipeline }

// vertexID derives a stable 32-hex vertex ID from the job and the vertex.
func vertexID(job flinkapi.JobID, pipeline string, s Stage) flinkapi.VertexID {
	h := fnv.New128a()
	_, _ = fmt.Fprintf(h, "livejob/%s/%s/%d", job, pipeline, s)
	return flinkapi.VertexID(hex.EncodeToString(h.Sum(nil)))
}

// JobSpec returns the job to add to the fake JobManager
// (flinktest.Server.AddJob): per pipeline its three vertices in its own
// slot-sharing group, a HASH edge into the transform and a REBALANCE edge
// into the sink, and checkpointing every CheckpointInterval on RocksDB.
// Set Savepoints on the result to shape stop-with-savepoint.
func (j *Job) JobSpec() flinktest.JobSpec {
	spec := flinktest.JobSpec{
		ID: j.cfg.JobID, Name: j.cfg.Name,
		Checkpointing: &flinktest.CheckpointingSpec{
			Interval: j.cfg.CheckpointInterval, Timeout: j.cfg.CheckpointTimeout, StateBackend: "rocksdb",
		},
	}
	for _, p := range j.pipes {
		ship := [numStages]string{"", flinkapi.ShipHash, flinkapi.ShipRebalance}
		for s := range numStages {
			vs := flinktest.VertexSpec{
				ID: p.ids[s], Name: VertexName(p.Name, s), Parallelism: p.Parallelism[s],
				MaxParallelism: p.KeyGroups, SlotSharingGroup: p.Name,
			}
			if s > Source {
				vs.Inputs = []flinktest.Input{{From: p.ids[s-1], ShipStrategy: ship[s]}}
			}
			spec.Vertices = append(spec.Vertices, vs)
		}
	}
	return spec
}

// VertexID returns the ID of a pipeline's vertex; false for an unknown
// pipeline.
func (j *Job) VertexID(pipeline string, s Stage) (flinkapi.VertexID, bool) {
	for _, p := range j.pipes {
		if p.Name == pipeline && s >= 0 && s < numStages {
			return p.ids[s], true
		}
	}
	return "", false
}
