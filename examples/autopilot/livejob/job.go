package livejob

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// ErrRunning is returned by Run when the Job already ran or runs.
var ErrRunning = errors.New("livejob: Run called twice")

// Cluster is the part of the fake JobManager the job reads and reports
// to; *flinktest.Server satisfies it.
type Cluster interface {
	JobState(id flinkapi.JobID) (flinkapi.JobState, error)
	Parallelism(id flinkapi.JobID) (map[flinkapi.VertexID]int, error)
	AddCheckpoint(id flinkapi.JobID, cp flinkapi.Checkpoint) error
}

var _ Cluster = (*flinktest.Server)(nil)

// pipe is a pipeline with what the job derives from it.
type pipe struct {
	Pipeline
	ids   [numStages]flinkapi.VertexID
	first int // index of its first partition in Job.parts
	state keyState
}

// keyState is a transform's per-key state: the keys it has seen. Its size
// is what a checkpoint writes.
type keyState struct {
	mu   sync.Mutex
	keys map[uint32]struct{}
}

func (s *keyState) touch(keys []uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = map[uint32]struct{}{}
	}
	for _, k := range keys {
		s.keys[k] = struct{}{}
	}
}

// bytesPerKey is the state a key takes in a checkpoint (key, value,
// RocksDB's overhead).
const bytesPerKey = 96

func (s *keyState) size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.keys)) * bytesPerKey
}

// Job is a running streaming job: see the package documentation.
type Job struct {
	cfg   Config
	pipes []*pipe
	parts []*partition

	read, replayed, delivered, processed atomic.Int64
	ran                                  atomic.Bool

	mu         sync.Mutex
	published  map[flinkapi.VertexID]flinktest.VertexMetrics // nil while metrics are missing
	restarts   int
	checkpoint int64 // completed checkpoints
	failedCP   int64
	state      flinkapi.JobState
}

var _ flinktest.MetricsProvider = (*Job)(nil)

// New returns a Job, or an error wrapping ErrInvalidConfig. It does no
// I/O: Run connects.
func New(cfg Config) (*Job, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	j := &Job{cfg: cfg}
	for _, p := range cfg.Pipelines {
		pp := &pipe{Pipeline: p, first: len(j.parts)}
		for s := range numStages {
			pp.ids[s] = vertexID(cfg.JobID, p.Name, s)
		}
		for k := range p.Partitions {
			j.parts = append(j.parts, newPartition(p.Topic, int32(k)))
		}
		j.pipes = append(j.pipes, pp)
	}
	return j, nil
}

// checkpointRun is a checkpoint in progress.
type checkpointRun struct {
	trigger time.Time
	pos     []int64 // per partition of Job.parts
}

// Run runs the job on the cluster until the job is FINISHED (stop with
// drain: everything in flight reaches the sinks and the final positions
// are committed), CANCELED or FAILED, or ctx ends (tasks dropped, as a
// crash would). It returns nil when the job ended on the cluster, ctx's
// error when ctx ended, and an error when it cannot reach Kafka or the
// cluster no longer knows the job.
func (j *Job) Run(ctx context.Context, c Cluster) error {
	if !j.ran.CompareAndSwap(false, true) {
		return ErrRunning
	}
	client, err := sarama.NewClient(j.cfg.Brokers, j.cfg.Sarama)
	if err != nil {
		return fmt.Errorf("livejob: connect to Kafka: %w", err)
	}
	defer client.Close()
	var closing sync.WaitGroup
	defer closing.Wait()

	var (
		exec        *execution
		cp          *checkpointRun
		now         = time.Now()
		nextCP      = now.Add(j.cfg.CheckpointInterval)
		nextRefresh = now
	)
	stopExec := func(flush bool) {
		if exec == nil {
			return
		}
		j.stop(exec, flush, &closing)
		exec = nil
		j.setMetrics(nil)
		if cp != nil && !flush {
			j.failCheckpoint(c, cp, "Checkpoint was canceled because the job restarted.")
			cp = nil
		}
	}
	tick := time.NewTicker(j.cfg.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			stopExec(false)
			return ctx.Err()
		case <-tick.C:
		}
		now = time.Now()
		st, err := c.JobState(j.cfg.JobID)
		if err != nil {
			stopExec(false)
			return fmt.Errorf("livejob: job state: %w", err)
		}
		j.mu.Lock()
		j.state = st
		j.mu.Unlock()
		switch st {
		case flinkapi.JobRunning:
			par, err := c.Parallelism(j.cfg.JobID)
			if err != nil {
				stopExec(false)
				return fmt.Errorf("livejob: parallelism: %w", err)
			}
			if exec != nil && !maps.Equal(par, exec.par) { // rescaled between two polls
				stopExec(false)
				j.rewind()
			}
			if exec == nil {
				if exec, err = j.start(ctx, par, &closing); err != nil {
					return fmt.Errorf("livejob: start tasks: %w", err)
				}
				nextRefresh = now.Add(j.cfg.MetricRefresh)
				nextCP = now.Add(j.cfg.CheckpointInterval)
			}
		case flinkapi.JobFinished:
			stopExec(true)
			j.finalCommit(client)
			return nil
		case flinkapi.JobCanceled, flinkapi.JobFailed:
			stopExec(false)
			return nil
		default: // RESTARTING, CREATED, INITIALIZING, ...: the tasks are gone
			if exec != nil {
				stopExec(false)
				j.rewind()
				j.mu.Lock()
				j.restarts++
				j.mu.Unlock()
			}
		}
		if exec == nil {
			continue
		}
		if !now.Before(nextRefresh) {
			j.refresh(client, exec, now)
			nextRefresh = now.Add(j.cfg.MetricRefresh)
		}
		if cp == nil && !now.Before(nextCP) {
			cp = &checkpointRun{trigger: now, pos: j.positions()}
		}
		if cp != nil {
			switch {
			case j.reached(cp.pos):
				j.completeCheckpoint(c, client, cp, now)
				cp = nil
				nextCP = now.Add(j.cfg.CheckpointInterval)
			case now.Sub(cp.trigger) > j.cfg.CheckpointTimeout:
				j.failCheckpoint(c, cp, "Checkpoint expired before completing.")
				cp = nil
				nextCP = now.Add(j.cfg.CheckpointInterval)
			}
		}
	}
}

// positions returns every partition's position now.
func (j *Job) positions() []int64 {
	pos := make([]int64, len(j.parts))
	for i, p := range j.parts {
		pos[i] = p.pos.Load()
	}
	return pos
}

// reached reports whether every record before the positions reached a
// sink: the checkpoint's barrier has passed the whole job.
func (j *Job) reached(pos []int64) bool {
	for i, p := range j.parts {
		if !p.doneBelow(pos[i]) {
			return false
		}
	}
	return true
}

// rewind puts every partition back at the last completed checkpoint.
func (j *Job) rewind() {
	for _, p := range j.parts {
		p.rewind()
	}
}

// completeCheckpoint makes cp the restart point, commits its positions to
// the consumer group and reports it to the JobManager.
func (j *Job) completeCheckpoint(c Cluster, client sarama.Client, cp *checkpointRun, now time.Time) {
	for i, p := range j.parts {
		p.setCheckpoint(cp.pos[i])
	}
	j.commit(client, cp.pos)
	j.cfg.Logger.Debug("livejob: checkpoint completed", "took", now.Sub(cp.trigger))
	var size int64
	for _, pp := range j.pipes {
		size += pp.state.size()
	}
	size += int64(len(j.parts)) * 16 // the source's split states
	j.mu.Lock()
	j.checkpoint++
	id := j.checkpoint + j.failedCP
	j.mu.Unlock()
	err := c.AddCheckpoint(j.cfg.JobID, flinkapi.Checkpoint{
		ID: id, Status: flinkapi.CheckpointCompleted, CheckpointType: "CHECKPOINT",
		TriggerTimestamp:   flinkapi.EpochMillis(cp.trigger.UnixMilli()),
		LatestAckTimestamp: flinkapi.EpochMillis(now.UnixMilli()),
		EndToEndDuration:   flinkapi.Millis(now.Sub(cp.trigger).Milliseconds()),
		StateSize:          size, CheckpointedSize: size,
		ExternalPath: fmt.Sprintf("file:/tmp/flink-checkpoints/%s/chk-%d", j.cfg.JobID, id),
	})
	if err != nil {
		j.cfg.Logger.Warn("livejob: report checkpoint", "err", err)
	}
}

func (j *Job) failCheckpoint(c Cluster, cp *checkpointRun, why string) {
	j.cfg.Logger.Debug("livejob: checkpoint failed", "why", why)
	j.mu.Lock()
	j.failedCP++
	id := j.checkpoint + j.failedCP
	j.mu.Unlock()
	now := time.Now()
	err := c.AddCheckpoint(j.cfg.JobID, flinkapi.Checkpoint{
		ID: id, Status: flinkapi.CheckpointFailed, CheckpointType: "CHECKPOINT",
		TriggerTimestamp: flinkapi.EpochMillis(cp.trigger.UnixMilli()),
		EndToEndDuration: flinkapi.Millis(now.Sub(cp.trigger).Milliseconds()),
		FailureTimestamp: flinkapi.EpochMillis(now.UnixMilli()), FailureMessage: why,
	})
	if err != nil {
		j.cfg.Logger.Warn("livejob: report checkpoint", "err", err)
	}
}

// finalCommit commits the positions the job stopped at, after a stop
// with drain flushed every record before them to the sinks.
func (j *Job) finalCommit(client sarama.Client) {
	pos := j.positions()
	for i, p := range j.parts {
		p.setCheckpoint(pos[i])
	}
	j.commit(client, pos)
}

// commit commits positions to the consumer group, as a standalone
// consumer (no member, generation -1) does, which is how Flink's
// KafkaSource commits on checkpoint completion. A failed commit is
// logged: the next one supersedes it, and nothing is lost (the job
// restarts from its checkpoint, not from the group's offsets).
func (j *Job) commit(client sarama.Client, pos []int64) {
	if err := j.tryCommit(client, pos); err != nil {
		j.cfg.Logger.Warn("livejob: commit offsets", "group", j.cfg.Group, "err", err)
		return
	}
	for i, p := range j.parts {
		p.setCommitted(pos[i])
	}
}

func (j *Job) tryCommit(client sarama.Client, pos []int64) error {
	coord, err := client.Coordinator(j.cfg.Group)
	if err != nil {
		return err
	}
	req := sarama.NewOffsetCommitRequest(j.cfg.Sarama, j.cfg.Group)
	for i, p := range j.parts {
		req.AddBlock(p.topic, p.id, pos[i], 0, "")
	}
	resp, err := coord.CommitOffset(req)
	if err != nil {
		_ = client.RefreshCoordinator(j.cfg.Group)
		return err
	}
	for t, ps := range resp.Errors {
		for p, kerr := range ps {
			if !errors.Is(kerr, sarama.ErrNoError) {
				return fmt.Errorf("%s/%d: %w", t, p, kerr)
			}
		}
	}
	return nil
}

// endOffsets reads every partition's end offset, one ListOffsets request
// per leader broker.
func (j *Job) endOffsets(client sarama.Client) {
	type req struct {
		b     *sarama.Broker
		r     *sarama.OffsetRequest
		parts []*partition
	}
	byBroker := map[int32]*req{}
	for _, p := range j.parts {
		b, err := client.Leader(p.topic, p.id)
		if err != nil {
			continue
		}
		r := byBroker[b.ID()]
		if r == nil {
			r = &req{b: b, r: &sarama.OffsetRequest{Version: 1}}
			byBroker[b.ID()] = r
		}
		r.r.AddBlock(p.topic, p.id, sarama.OffsetNewest, 1)
		r.parts = append(r.parts, p)
	}
	for _, r := range byBroker {
		resp, err := r.b.GetAvailableOffsets(r.r)
		if err != nil {
			_ = client.RefreshMetadata()
			continue
		}
		for _, p := range r.parts {
			if blk := resp.GetBlock(p.topic, p.id); blk != nil && errors.Is(blk.Err, sarama.ErrNoError) {
				p.end.Store(blk.Offset)
			}
		}
	}
}

// Stats is the job's accounting. It is a plain value.
type Stats struct {
	// State is the job's state on the cluster at the last poll.
	State flinkapi.JobState
	// Restarts counts the restarts the job went through.
	Restarts int
	// Checkpoints and FailedCheckpoints count checkpoints.
	Checkpoints, FailedCheckpoints int64
	// Read counts records the sources handed on, replays included;
	// Replayed those read before; Delivered those that reached a sink,
	// replays included; Processed the distinct records that reached a
	// sink; Lost the records below the committed positions that no sink
	// processed (0 unless the job is broken).
	Read, Replayed, Delivered, Processed, Lost int64
	// Pipelines holds each pipeline's figures, in Config order.
	Pipelines []PipelineStats
}

// PipelineStats are one pipeline's figures.
type PipelineStats struct {
	Name string
	// End sums the partitions' end offsets last read from Kafka (-1 when
	// not read yet); Position, Committed and Processed sum the job's
	// positions, the committed positions and the distinct records
	// processed; Lost as in Stats.
	End, Position, Committed, Processed, Lost int64
	// Partitions are the pipeline's partitions.
	Partitions []PartitionStats
}

// Stats returns the job's accounting now.
func (j *Job) Stats() Stats {
	j.mu.Lock()
	s := Stats{State: j.state, Restarts: j.restarts, Checkpoints: j.checkpoint, FailedCheckpoints: j.failedCP}
	j.mu.Unlock()
	s.Read, s.Replayed, s.Delivered, s.Processed = j.read.Load(), j.replayed.Load(), j.delivered.Load(), j.processed.Load()
	for _, pp := range j.pipes {
		ps := PipelineStats{Name: pp.Name}
		for k := range pp.Partitions {
			st := j.parts[pp.first+k].stats()
			ps.Partitions = append(ps.Partitions, st)
			if st.End < 0 || ps.End < 0 {
				ps.End = -1
			} else {
				ps.End += st.End
			}
			ps.Position += st.Position
			ps.Committed += st.Committed
			ps.Processed += st.Processed
			ps.Lost += st.Lost
		}
		s.Lost += ps.Lost
		s.Pipelines = append(s.Pipelines, ps)
	}
	return s
}
