package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

func ExampleStatusLines() {
	s := report.Sample{
		Elapsed: 12 * time.Second,
		Pipelines: []report.PipelineSample{{
			Name: "hot", InRate: 2880, OutRate: 1210, RatesKnown: true, Backlog: 15234, BacklogKnown: true,
			Lag: 3100 * time.Millisecond, LagKnown: true, Parallelism: 4, Running: true,
		}, {
			Name: "cold", Parallelism: 1, Running: false, // restarting, nothing measured
		}},
		Slots: 5, SlotsBefore: 5, SlotsAfter: 11,
		Decision: report.DecisionScale,
		Changes:  "Source: hot 4->10",
		Reason:   "the job must scale up now: 1 vertex cannot keep up",
		Applied:  true,
	}
	for _, l := range report.StatusHeader([]string{"hot", "cold"}) {
		fmt.Println(l)
	}
	for _, l := range report.StatusLines(s) {
		fmt.Println(l)
	}
	// Output:
	//         | hot                            | cold                           |
	//       t |  in/s out/s backlog    lag   p |  in/s out/s backlog    lag   p | slots | decision
	//   12.0s |  2.9k  1.2k   15.2k   3.1s   4 | restarting        ?      ?   1 |     5 | rescaled (5 -> 11 slots)
	//         Source: hot 4->10: the job must scale up now: 1 vertex cannot keep up
}

func ExampleHumanize() {
	for _, x := range []float64{950, 1234, 15234, 152340, 1.3e6} {
		fmt.Println(report.Humanize(x))
	}
	// Output:
	// 950
	// 1.2k
	// 15.2k
	// 152k
	// 1.3M
}

func ExampleWriteSummary() {
	s := report.Summary{
		Mode: report.ModeEmbedded, Job: "autopilot", Duration: 60 * time.Second, TimeScale: 30, Ticks: 120,
		Rescales: 2, SLO: 2 * time.Second, SLOViolation: 8 * time.Second, SlotSeconds: 420, PeakSlots: 11,
		MaxLag:  4 * time.Second,
		Records: report.Records{Known: true, Produced: 180000, InKafka: 180000, Processed: 179800, Replayed: 2400, LeftInKafka: 200},
		Placement: []report.Placement{
			{Allocator: "default", TaskManagers: 3, Tasks: 33, MaxTasks: 11, Imbalance: 1, Moved: 6},
			{Allocator: "flink", TaskManagers: 3, Tasks: 33, MaxTasks: 14, Spread: 6, Imbalance: 1.27, Moved: 19},
		},
		Drain: report.Drain{Attempted: true, State: "done", Savepoint: "file:///tmp/savepoints/sp-1", Took: 1500 * time.Millisecond},
	}
	if err := report.WriteSummary(os.Stdout, s); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Summary of job "autopilot", embedded mode: ran 60.0 s (≈ 30 min at 30x), 120 ticks
	//   rescales       2
	//   over SLO       8.0 s (≈ 4 min at 30x), 13% of the run, with lag above 2.0 s (≈ 60 s at 30x)
	//   slot-seconds   420.0 (peak 11 slots)
	//   max lag        4.0 s (≈ 2 min at 30x)
	//   records        produced 180,000, processed 179,800, replayed 2,400, lost 0, left in Kafka 200
	//   placement      allocators on the final parallelism:
	//     allocator  TMs  tasks  max/TM  spread  imbalance  moved
	//     default    3    33     11      0       1.00       6
	//     flink      3    33     14      6       1.27       19
	//   findings       none
	//   drain          done, savepoint at file:///tmp/savepoints/sp-1 (took 1.5 s)
}
