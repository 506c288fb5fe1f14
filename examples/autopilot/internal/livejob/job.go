package livejob

import (
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

// ErrStarted is returned by start when the Job was started before.
var ErrStarted = errors.New("livejob: started twice")

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

// Job is a streaming job moved in steps by its Env: see the package
// documentation.
type Job struct {
	cfg   Config
	pipes []*pipe
	parts []*partition

	read, replayed, delivered, processed atomic.Int64

	// The driver's own: set by start, used by step.
	cluster     Cluster
	client      sarama.Client
	epoch       time.Time // when the job was started: metric refreshes fall on multiples of MetricRefresh from it
	exec        *execution
	cp          *checkpointRun
	nextCP      time.Time
	nextRefresh time.Time
	now         time.Time // the instant of the step in progress

	done chan struct{} // closed once the job ended on the cluster

	mu         sync.Mutex
	published  map[flinkapi.VertexID]flinktest.VertexMetrics // nil while metrics are missing
	restarts   int
	checkpoint int64 // completed checkpoints
	failedCP   int64
	state      flinkapi.JobState
	err        error // why the job stopped being driven, if not by the cluster
}

var _ flinktest.MetricsProvider = (*Job)(nil)

// New returns a Job, or an error wrapping ErrInvalidConfig. It does no
// I/O: its Env connects it.
func New(cfg Config) (*Job, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	j := &Job{cfg: cfg, done: make(chan struct{})}
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

// Done is closed once the job has ended on the cluster (FINISHED,
// CANCELED or FAILED) and the job has flushed, committed or dropped what
// was in flight; or once it can no longer be driven (Err says why).
func (j *Job) Done() <-chan struct{} { return j.done }

// Err says why the job stopped before it ended on the cluster; nil
// otherwise.
func (j *Job) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// checkpointRun is a checkpoint in progress.
type checkpointRun struct {
	trigger time.Time
	pos     []int64 // per partition of Job.parts
}

// start connects the job to Kafka and the cluster at now.
func (j *Job) start(c Cluster, now time.Time) error {
	if j.cluster != nil {
		return ErrStarted
	}
	client, err := sarama.NewClient(j.cfg.Brokers, j.cfg.Sarama)
	if err != nil {
		return fmt.Errorf("livejob: connect to Kafka: %w", err)
	}
	j.cluster, j.client, j.epoch = c, client, now
	return nil
}

// close releases the Kafka client.
func (j *Job) close() {
	if j.client != nil {
		_ = j.client.Close()
	}
}

// step moves the job from one instant to the next: it follows the job's
// state on the cluster (a rescale or a failover drops the tasks and
// rewinds to the last checkpoint; FINISHED flushes and commits), and while
// it runs, processes dt of records, takes checkpoints and publishes
// metrics.
func (j *Job) step(from, to time.Time) {
	select {
	case <-j.done:
		return
	default:
	}
	j.now = from
	st, err := j.cluster.JobState(j.cfg.JobID)
	if err != nil {
		j.end(false, fmt.Errorf("livejob: job state: %w", err))
		return
	}
	j.mu.Lock()
	j.state = st
	j.mu.Unlock()
	switch st {
	case flinkapi.JobRunning:
		par, err := j.cluster.Parallelism(j.cfg.JobID)
		if err != nil {
			j.end(false, fmt.Errorf("livejob: parallelism: %w", err))
			return
		}
		if j.exec != nil && !maps.Equal(par, j.exec.par) { // rescaled between two steps
			j.drop(true)
		}
		if j.exec == nil {
			j.exec = j.newExecution(par, from)
			j.nextCP = from.Add(j.cfg.CheckpointInterval)
			j.nextRefresh = j.refreshAfter(from)
		}
	case flinkapi.JobFinished:
		j.end(true, nil)
		return
	case flinkapi.JobCanceled, flinkapi.JobFailed:
		j.end(false, nil)
		return
	default: // RESTARTING, CREATED, INITIALIZING, ...: the tasks are gone
		if j.exec != nil {
			j.drop(true)
		}
		return
	}
	j.fetch(j.exec)
	j.process(j.exec, to.Sub(from).Seconds())
	j.checkpointAt(to)
	if !to.Before(j.nextRefresh) {
		j.refresh(j.exec, to)
		j.nextRefresh = j.refreshAfter(to)
	}
}

// refreshAfter is the first metric refresh after t.
func (j *Job) refreshAfter(t time.Time) time.Time {
	n := t.Sub(j.epoch)/j.cfg.MetricRefresh + 1
	return j.epoch.Add(n * j.cfg.MetricRefresh)
}

// drop ends the execution with what is in flight, as a restart does; with
// restart, the partitions rewind to the last checkpoint.
func (j *Job) drop(restart bool) {
	j.exec = nil
	j.setMetrics(nil)
	if j.cp != nil {
		j.failCheckpoint(j.cp, "Checkpoint was canceled because the job restarted.", j.now)
		j.cp = nil
	}
	if restart {
		j.rewind()
		j.mu.Lock()
		j.restarts++
		j.mu.Unlock()
	}
}

// end stops driving the job: a stop with drain flushes what is in flight
// and commits the final positions; otherwise what is in flight is dropped.
func (j *Job) end(drained bool, err error) {
	if j.exec != nil {
		if drained {
			j.flush(j.exec)
			j.exec = nil
			j.setMetrics(nil)
			j.cp = nil
		} else {
			j.drop(false)
		}
	}
	if drained {
		j.finalCommit()
	}
	j.mu.Lock()
	j.err = err
	j.mu.Unlock()
	close(j.done)
}

// checkpointAt triggers a checkpoint when one is due, and completes the
// one in progress once every record before its barrier reached a sink
// (or fails it after CheckpointTimeout).
func (j *Job) checkpointAt(now time.Time) {
	if j.cp == nil && !now.Before(j.nextCP) {
		j.cp = &checkpointRun{trigger: now, pos: j.positions()}
	}
	if j.cp == nil {
		return
	}
	switch {
	case j.reached(j.cp.pos):
		j.completeCheckpoint(j.cp, now)
	case now.Sub(j.cp.trigger) > j.cfg.CheckpointTimeout:
		j.failCheckpoint(j.cp, "Checkpoint expired before completing.", now)
	default:
		return
	}
	j.nextCP = j.cp.trigger.Add(j.cfg.CheckpointInterval)
	if j.nextCP.Before(now) {
		j.nextCP = now
	}
	j.cp = nil
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
func (j *Job) completeCheckpoint(cp *checkpointRun, now time.Time) {
	for i, p := range j.parts {
		p.setCheckpoint(cp.pos[i])
	}
	j.commit(cp.pos)
	var size int64
	for _, pp := range j.pipes {
		size += pp.state.size()
	}
	size += int64(len(j.parts)) * 16 // the source's split states
	j.mu.Lock()
	j.checkpoint++
	id := j.checkpoint + j.failedCP
	j.mu.Unlock()
	err := j.cluster.AddCheckpoint(j.cfg.JobID, flinkapi.Checkpoint{
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

func (j *Job) failCheckpoint(cp *checkpointRun, why string, now time.Time) {
	j.mu.Lock()
	j.failedCP++
	id := j.checkpoint + j.failedCP
	j.mu.Unlock()
	err := j.cluster.AddCheckpoint(j.cfg.JobID, flinkapi.Checkpoint{
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
func (j *Job) finalCommit() {
	pos := j.positions()
	for i, p := range j.parts {
		p.setCheckpoint(pos[i])
	}
	j.commit(pos)
}
