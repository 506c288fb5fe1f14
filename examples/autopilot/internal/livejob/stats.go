package livejob

import "github.com/flinkscale/flinkscale/flinkapi"

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
