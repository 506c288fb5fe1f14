package report_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// fullSummary is an embedded run with every field set.
func fullSummary() report.Summary {
	return report.Summary{
		Mode: report.ModeEmbedded, Job: "autopilot", Duration: 60100 * time.Millisecond, Wall: 61 * time.Second, TimeScale: 30,
		Ticks: 120, Rescales: 3, SLO: 2 * time.Second, SLOViolation: 8 * time.Second,
		SlotSeconds: 312.5, PeakSlots: 12, MaxLag: 5300 * time.Millisecond,
		Records: report.Records{Known: true, Produced: 1234567, InKafka: 1234567, Processed: 1234447, Replayed: 3400, Lost: 0, LeftInKafka: 120},
		Placement: []report.Placement{
			{Allocator: "default", TaskManagers: 3, Tasks: 36, MaxTasks: 12, Spread: 0, Imbalance: 1, Moved: 4},
			{Allocator: "flink", TaskManagers: 3, Tasks: 36, MaxTasks: 16, Spread: 8, Imbalance: 1.33, Moved: 20},
		},
		Findings:    []string{"checkpoint interval 10s is below the 12s checkpoint duration"},
		Drain:       report.Drain{Attempted: true, State: "done", Savepoint: "file:///tmp/sp/savepoint-1", Took: 2300 * time.Millisecond},
		Interrupted: true,
	}
}

func TestWriteSummary(t *testing.T) {
	real := report.Summary{
		Mode: report.ModeReal, Job: "orders", Duration: 10 * time.Minute, TimeScale: 1, Ticks: 60,
		SLO: 30 * time.Second, SLOViolation: time.Minute,
		Drain: report.Drain{Reason: "dry-run"},
	}
	noSavepoint := real
	noSavepoint.Drain = report.Drain{Attempted: true, State: "failed", Reason: "savepoint timed out", Took: time.Minute}
	misreported := fullSummary()
	misreported.Records.InKafka = misreported.Records.Produced + 2
	dryRun := real
	dryRun.WouldRescale = 2
	dryRun.Interrupted, dryRun.Signal = true, "SIGTERM"
	neverKnown := real
	neverKnown.SLOViolation, neverKnown.LagUnknownTicks, neverKnown.LagUnknownReason = 0, 60, "time lag not reported"
	slow := fullSummary()
	slow.Wall = 90 * time.Second
	partly := fullSummary()
	partly.LagUnknownTicks, partly.LagUnknownReason = 3, "metric not reported"
	for _, c := range []struct {
		name    string
		in      report.Summary
		want    []string
		notWant []string
	}{{
		name: "embedded",
		in:   fullSummary(),
		want: []string{
			`job "autopilot", embedded mode`, "120 ticks",
			"rescales       3",
			"over SLO       8.0 s (≈ 4 min at 30x), 13% of the run, with lag above 2.0 s (≈ 60 s at 30x)",
			"slot-seconds   312.5 (peak 12 slots)",
			"max lag        5.3 s (≈ 3 min at 30x)",
			"produced 1,234,567, processed 1,234,447, replayed 3,400, lost 0, left in Kafka 120",
			"allocator", "imbalance", "default", "1.33",
			"- checkpoint interval 10s",
			"done, savepoint at file:///tmp/sp/savepoint-1 (took 2.3 s)",
			"interrupted    yes",
		},
		notWant: []string{"Kafka holds"},
	}, {
		name: "Kafka holds more than the producer counted",
		in:   misreported,
		want: []string{"lost 0, left in Kafka 120 (Kafka holds 1,234,569)"},
	}, {
		name:    "real",
		in:      real,
		want:    []string{"records        not measured in real mode", "60.0 s, 10% of the run, with lag above 30.0 s\n", "drain          not attempted: dry-run", "findings       none", "placement      not computed"},
		notWant: []string{"≈", "interrupted"},
	}, {
		name: "no savepoint",
		in:   noSavepoint,
		want: []string{"failed, no savepoint: savepoint timed out (took 60.0 s)"},
	}, {
		name:    "a dry run's rescales are not rescales",
		in:      dryRun,
		want:    []string{"rescales       0; would have rescaled 2 times (dry run: nothing was changed)", "interrupted    yes, by SIGTERM"},
		notWant: []string{"rescales       2"},
	}, {
		name: "a lag never known is unknown, not 0",
		in:   neverKnown,
		want: []string{
			"over SLO       unknown: the lag was never measured (time lag not reported)",
			"max lag        unknown: the lag was never measured (time lag not reported)",
		},
		notWant: []string{"lag above", "max lag        0"},
	}, {
		name: "a run slower than its clock says so",
		in:   slow,
		want: []string{"ran 60.1 s (≈ 30 min at 30x) (90.0 s of wall time on this machine), 120 ticks"},
	}, {
		name: "a lag unknown at some ticks says so",
		in:   partly,
		want: []string{"lag unknown    at 3 of 120 ticks (metric not reported): over SLO and max lag count the others"},
	}, {
		name: "zero",
		in:   report.Summary{},
		want: []string{"no lag SLO set", "records        not measured", "drain          not attempted"},
	}} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if err := report.WriteSummary(&b, c.in); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary lacks %q:\n%s", w, got)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(got, w) {
					t.Errorf("summary holds %q:\n%s", w, got)
				}
			}
			if n := strings.Count(got, "\n"); n > 20 {
				t.Errorf("%d lines, want about a dozen:\n%s", n, got)
			}
		})
	}
}

var errWrite = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteErrors(t *testing.T) {
	if err := report.WriteSummary(failWriter{}, fullSummary()); !errors.Is(err, errWrite) {
		t.Errorf("WriteSummary: %v, want %v", err, errWrite)
	}
	if err := report.WriteChart(failWriter{}, synthetic(), report.ChartOptions{}); !errors.Is(err, errWrite) {
		t.Errorf("WriteChart: %v, want %v", err, errWrite)
	}
}

func TestSummarize(t *testing.T) {
	at := func(sec float64, slots int, lags ...float64) report.Sample {
		s := report.Sample{Elapsed: time.Duration(sec * float64(time.Second)), Slots: slots, Decision: "keep"}
		for _, l := range lags {
			p := report.PipelineSample{Name: "p", LagKnown: l >= 0}
			if l >= 0 {
				p.Lag = time.Duration(l * float64(time.Second))
			}
			s.Pipelines = append(s.Pipelines, p)
		}
		return s
	}
	rescale := at(2, 4, 3)
	rescale.Decision, rescale.Applied = "scale", true
	dryRun := at(3, 4, 3)
	dryRun.Decision, dryRun.DryRun = "scale", true
	unknown := at(4, 4, -1, -1)
	unknown.Pipelines[0].LagReason = "metric not reported"
	finished := at(6, 4, 0.2)
	finished.State = report.StateFinished
	for _, c := range []struct {
		name    string
		samples []report.Sample
		slo     time.Duration
		want    report.Summary
	}{
		{"empty", nil, time.Second, report.Summary{SLO: time.Second}},
		{"one", []report.Sample{at(5, 3, 9)}, time.Second,
			report.Summary{Ticks: 1, SLO: time.Second, Duration: 5 * time.Second, PeakSlots: 3, MaxLag: 9 * time.Second}},
		{
			name: "left point rule, unknown lag never violates",
			samples: []report.Sample{
				at(0, 2, 0.5, 0.1), // 1 s at 2 slots, within SLO
				at(1, 2, 0.5, 1.5), // 1 s at 2 slots, over
				rescale,            // 1 s at 4 slots, over
				dryRun,             // 1 s at 4 slots, over
				unknown,            // 2 s at 4 slots, unknown
				at(6, 1, 0.2),      // last: no interval
			},
			slo: time.Second,
			want: report.Summary{Ticks: 6, Rescales: 1, WouldRescale: 1, Duration: 6 * time.Second, SLO: time.Second,
				SLOViolation: 3 * time.Second, LagUnknownTicks: 1, LagUnknownReason: "metric not reported",
				SlotSeconds: 2 + 2 + 4 + 4 + 8, PeakSlots: 4, MaxLag: 3 * time.Second},
		},
		{
			name:    "a lag never known is no max lag and no time over the SLO",
			samples: []report.Sample{at(0, 2, -1), at(1, 2, -1)},
			slo:     time.Second,
			want:    report.Summary{Ticks: 2, Duration: time.Second, SLO: time.Second, LagUnknownTicks: 2, SlotSeconds: 2, PeakSlots: 2},
		},
		{
			name:    "a finished job holds no slots",
			samples: []report.Sample{at(0, 2, 0.1), finished, at(8, 2, 0.1)},
			slo:     time.Second,
			want:    report.Summary{Ticks: 3, Duration: 8 * time.Second, SLO: time.Second, SlotSeconds: 12, PeakSlots: 2, MaxLag: 200 * time.Millisecond},
		},
		{"no SLO", []report.Sample{at(0, 1, 50), at(10, 1, 50)}, 0,
			report.Summary{Ticks: 2, Duration: 10 * time.Second, SlotSeconds: 10, PeakSlots: 1, MaxLag: 50 * time.Second}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := report.Summarize(c.samples, c.slo)
			if !equalSummary(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func equalSummary(a, b report.Summary) bool {
	ja, _ := a.MarshalJSON()
	jb, _ := b.MarshalJSON()
	return string(ja) == string(jb)
}
