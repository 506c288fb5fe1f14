package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/livejob"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// stats is a job's accounting over one topic's partitions, each given as
// {stale end, position, committed, processed}; lost is the job's own.
func stats(lost int64, parts ...[4]int64) livejob.Stats {
	pl := livejob.PipelineStats{Name: "hot"}
	s := livejob.Stats{Lost: lost}
	for i, p := range parts {
		pl.Partitions = append(pl.Partitions, livejob.PartitionStats{
			Topic: "hot", Partition: int32(i), End: p[0], Position: p[1], Committed: p[2], Processed: p[3],
		})
		s.Processed += p[3]
	}
	s.Pipelines = []livejob.PipelineStats{pl}
	return s
}

func ends(offs ...int64) map[backlog.Key]int64 {
	m := map[backlog.Key]int64{}
	for i, o := range offs {
		m[backlog.TopicPartition("hot", int32(i))] = o
	}
	return m
}

func TestAccountRecords(t *testing.T) {
	for _, c := range []struct {
		name     string
		produced int64
		failed   int64
		stats    livejob.Stats
		ends     map[backlog.Key]int64
		endsErr  error
		want     report.Records
		finding  string // a finding holds it; "" means no finding
	}{{
		// The job's last poll of the end offsets (900) predates the
		// producer's last records: they are in Kafka and were processed.
		// The old accounting counted produced - stale end (100) as lost.
		name:     "stale poll below produced, all processed",
		produced: 1000, stats: stats(0, [4]int64{400, 500, 500, 500}, [4]int64{500, 500, 500, 500}),
		ends: ends(500, 500),
		want: report.Records{Known: true, Produced: 1000, InKafka: 1000, Processed: 1000},
	}, {
		name:     "records still in Kafka are left, not lost",
		produced: 1000, stats: stats(0, [4]int64{400, 400, 400, 400}, [4]int64{350, 350, 300, 350}),
		ends: ends(500, 500),
		want: report.Records{Known: true, Produced: 1000, InKafka: 1000, Processed: 750, LeftInKafka: 300},
	}, {
		name:     "the job's own loss below its committed positions",
		produced: 1000, stats: stats(7, [4]int64{500, 500, 500, 493}, [4]int64{500, 500, 500, 500}),
		ends: ends(500, 500),
		want: report.Records{Known: true, Produced: 1000, InKafka: 1000, Processed: 993, Lost: 7},
	}, {
		name:     "Kafka holds more than the producer counted",
		produced: 998, failed: 2, stats: stats(0, [4]int64{500, 500, 500, 500}, [4]int64{500, 500, 500, 500}),
		ends:    ends(500, 500),
		want:    report.Records{Known: true, Produced: 998, InKafka: 1000, Processed: 1000},
		finding: "2 more than the producer counted as acknowledged (it saw 2 fail)",
	}, {
		name:     "Kafka holds less than the producer counted",
		produced: 1000, stats: stats(0, [4]int64{490, 490, 490, 490}, [4]int64{500, 500, 500, 500}),
		ends:    ends(490, 500),
		want:    report.Records{Known: true, Produced: 1000, InKafka: 990, Processed: 990},
		finding: "10 acknowledged records are not in Kafka",
	}, {
		name:     "an end offset not read falls back to the last poll, and says so",
		produced: 1000, stats: stats(0, [4]int64{500, 500, 500, 500}, [4]int64{400, 450, 420, 450}),
		ends: ends(500), endsErr: errors.New("hot/1: leader not available"),
		want:    report.Records{Known: true, Produced: 1000, InKafka: 950, Processed: 950, LeftInKafka: 30},
		finding: "1 partitions' end offsets could not be read at the end (hot/1: leader not available)",
	}, {
		name:     "committed beyond a fresh end is never negative",
		produced: 1000, stats: stats(0, [4]int64{500, 510, 510, 500}, [4]int64{500, 500, 500, 500}),
		ends: ends(500, 500),
		want: report.Records{Known: true, Produced: 1000, InKafka: 1000, Processed: 1000},
	}} {
		t.Run(c.name, func(t *testing.T) {
			got, findings := records(c.produced, c.failed, c.stats, c.ends, c.endsErr)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			all := strings.Join(findings, "\n")
			if c.finding == "" && all != "" || !strings.Contains(all, c.finding) {
				t.Errorf("findings %q, want one holding %q", findings, c.finding)
			}
		})
	}
}
