package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/livejob"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// accountRecords is the embedded run's record accounting (see records)
// after the drain, once the job has stopped (waitJob), with the findings
// of a producer that stopped early and a job that did not stop.
func accountRecords(env *livejob.Env, job flinkapi.JobID, lag *kafkalag.Lag, drainTimeout time.Duration) (report.Records, []string) {
	var findings []string
	if err := env.ProducerErr(); err != nil {
		findings = append(findings, "producer: it stopped early: "+err.Error())
	}
	if waitJob(env, job, drainTimeout) {
		findings = append(findings, fmt.Sprintf("job: it did not stop within %s of the drain; its tasks were dropped", drainTimeout))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := endOffsets(ctx, lag)
	recs, more := records(sum(env.Producer.Produced()), sum(env.Producer.Failed()), env.Job.Stats(), ends, err)
	return recs, append(findings, more...)
}

// waitJob waits for the job to stop after a drain: a job the drain (or its
// fallback cancel) ended on the JobManager stops within a step, once it
// has flushed and committed. It reports whether such a job had not
// stopped within timeout. A job still running on the JobManager is not
// waited for: its tasks are dropped when the world is closed.
func waitJob(env *livejob.Env, job flinkapi.JobID, timeout time.Duration) (timedOut bool) {
	if st, err := env.Server.JobState(job); err != nil || !st.IsGloballyTerminal() {
		return false
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-env.Job.Done():
		return false
	case <-t.C:
		return true
	}
}

// drainDir is where drain records are kept: one per job, shared by the
// runs, so that a run resumes a drain an earlier one left unfinished.
func drainDir(out string) string { return filepath.Join(out, "drain") }

// endOffsets reads every partition's end offset from Kafka now, through
// the lag reader: what Kafka holds once the producer and the job have
// stopped. A partition whose end offset could not be read is missing from
// the map, and the error says why (the first such partition).
func endOffsets(ctx context.Context, lag *kafkalag.Lag) (map[backlog.Key]int64, error) {
	snaps, err := lag.Backlogs(ctx)
	if err != nil {
		return nil, err
	}
	ends := map[backlog.Key]int64{}
	for _, s := range snaps {
		for _, p := range s.Partitions {
			e, ok := p.Offsets.End.Value()
			switch {
			case ok:
				ends[p.Key] = e
			case err == nil:
				err = fmt.Errorf("%s: end offset %s %s", p.Key, p.Offsets.End, p.Detail)
			}
		}
		if len(s.Errors) > 0 && err == nil {
			err = s.Errors[0]
		}
	}
	return ends, err
}

// records is the run's record accounting, from the records Kafka
// acknowledged to the producer (and those whose send it saw fail), the
// job's accounting once it stopped, and the end offsets read from Kafka
// after both stopped (ends; a partition missing from it was not read,
// endsErr says why).
//
// Records at or above a partition's committed position (where the job,
// restarted from its savepoint, would resume) are still in Kafka: they
// are LeftInKafka, never Lost. Lost is the job's own figure: records below
// the committed positions that no sink processed. A partition whose end
// offset was not read falls back to the job's last poll (at least its
// position and its committed position), and a finding says so. When the
// producer's count and Kafka's end offsets disagree, a finding says so too.
func records(produced, failed int64, st livejob.Stats, ends map[backlog.Key]int64, endsErr error) (report.Records, []string) {
	r := report.Records{Known: true, Produced: produced, Processed: st.Processed, Replayed: st.Replayed, Lost: st.Lost}
	var findings []string
	stale := 0
	for _, pl := range st.Pipelines {
		for _, p := range pl.Partitions {
			end, fresh := ends[backlog.TopicPartition(p.Topic, p.Partition)]
			if !fresh {
				end = max(p.End, p.Position, p.Committed) // the job read up to its position: Kafka holds at least that
				stale++
			}
			r.InKafka += end
			r.LeftInKafka += max(0, end-p.Committed)
		}
	}
	if stale > 0 {
		why := "not read"
		if endsErr != nil {
			why = endsErr.Error()
		}
		findings = append(findings, fmt.Sprintf("records: %d partitions' end offsets could not be read at the end (%s): "+
			"their records in Kafka and left in Kafka are from the job's last poll and may be low", stale, why))
		return r, findings // the comparison below needs every end offset
	}
	switch d := r.InKafka - produced; {
	case d > 0:
		findings = append(findings, fmt.Sprintf("records: Kafka holds %d records, %d more than the producer counted as acknowledged "+
			"(it saw %d fail): sends reported failed that Kafka wrote after all, or written twice by a retry", r.InKafka, d, failed))
	case d < 0:
		findings = append(findings, fmt.Sprintf("records: the producer counted %d records acknowledged, but Kafka's end offsets hold %d: "+
			"%d acknowledged records are not in Kafka", produced, r.InKafka, -d))
	}
	return r, findings
}
