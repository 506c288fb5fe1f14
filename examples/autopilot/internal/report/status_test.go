package report_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

func TestHumanize(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{0.04, "0"},
		{2.5, "2.5"},
		{7, "7"},
		{950, "950"},
		{999.4, "999"},
		{999.6, "1.0k"},
		{1234, "1.2k"},
		{15234, "15.2k"},
		{99960, "100k"},
		{152340, "152k"},
		{999.6e3, "1.0M"},
		{1.3e6, "1.3M"},
		{2.5e9, "2.5G"},
		{2.5e12, "2.5T"},
		{5e15, "5000T"},
		{-1234, "-1.2k"},
		{-0.01, "0"},
		{math.NaN(), "?"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
	} {
		if got := report.Humanize(c.in); got != c.want {
			t.Errorf("Humanize(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{0, "0.0s"},
		{3140 * time.Millisecond, "3.1s"},
		{59900 * time.Millisecond, "59.9s"},
		{59960 * time.Millisecond, "1m00s"},
		{245 * time.Second, "4m05s"},
		{2*time.Hour + 3*time.Minute + 10*time.Second, "2h03m"},
		{-3 * time.Second, "-3.0s"},
	} {
		if got := report.FormatDuration(c.in); got != c.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// hot is a measured, running pipeline.
func hot() report.PipelineSample {
	return report.PipelineSample{
		Name: "hot", InRate: 2880, OutRate: 1210, RatesKnown: true, Backlog: 15234, BacklogKnown: true,
		Lag: 3100 * time.Millisecond, LagKnown: true, Parallelism: 4, Running: true,
	}
}

func TestStatusLines(t *testing.T) {
	unknown := hot()
	unknown.RatesKnown, unknown.BacklogKnown, unknown.LagKnown, unknown.Backlog, unknown.Lag = false, false, false, 0, 0
	restarting := hot()
	restarting.Running = false
	two := []report.PipelineSample{hot(), hot()}
	for _, c := range []struct {
		name    string
		sample  report.Sample
		want    []string // substrings of the lines, joined by a newline
		notWant []string
		lines   int
	}{{
		name: "rescaled",
		sample: report.Sample{Elapsed: 12 * time.Second, Pipelines: []report.PipelineSample{hot()}, Slots: 5, SlotsBefore: 5, SlotsAfter: 14,
			Decision: report.DecisionScale, Changes: "Source: hot 2->8", Reason: "the job must scale up now", Applied: true},
		want:  []string{"  12.0s |  2.9k  1.2k   15.2k   3.1s   4 |     5 | rescaled (5 -> 14 slots)", "\n        Source: hot 2->8: the job must scale up now"},
		lines: 2,
	}, {
		name: "a dry run would rescale",
		sample: report.Sample{Pipelines: two, Slots: 5, SlotsBefore: 5, SlotsAfter: 14,
			Decision: report.DecisionScale, Changes: "Source: hot 2->8", DryRun: true},
		want:    []string{"| would rescale (5 -> 14 slots)"},
		notWant: []string{"rescaled"},
		lines:   2,
	}, {
		name:    "unknown figures print ?",
		sample:  report.Sample{Elapsed: time.Second, Pipelines: []report.PipelineSample{unknown}, Slots: 4, Decision: report.DecisionKeep, Quiet: true},
		want:    []string{"|     ?     ?       ?      ?   4 |"},
		notWant: []string{" 0 ", "0.0s"},
		lines:   1,
	}, {
		name:   "restarting",
		sample: report.Sample{Pipelines: []report.PipelineSample{restarting}, State: "RESTARTING"},
		want:   []string{"| restarting    15.2k   3.1s   4 |"},
		lines:  1,
	}, {
		name:    "a finished job is not restarting",
		sample:  report.Sample{Pipelines: []report.PipelineSample{restarting}, State: report.StateFinished},
		want:    []string{"| finished      15.2k"},
		notWant: []string{"restarting"},
		lines:   1,
	}, {
		name:   "a quiet keep is one word",
		sample: report.Sample{Pipelines: two, Decision: report.DecisionKeep, Reason: "the job keeps up", Quiet: true},
		want:   []string{"| keep"},
		lines:  1,
	}, {
		name:   "a keep with news says it",
		sample: report.Sample{Pipelines: two, Decision: report.DecisionKeep, Reason: "figures missing: Sink: hot busy time"},
		want:   []string{"| keep\n        figures missing: Sink: hot busy time"},
		lines:  2,
	}, {
		name:    "long reason is cut, on one line",
		sample:  report.Sample{Pipelines: two, Decision: report.DecisionKeep, Reason: strings.Repeat("because\n", 40)},
		want:    []string{"because because", "..."},
		notWant: []string{"\t", "because\n"},
		lines:   2,
	}, {
		name:   "error",
		sample: report.Sample{Decision: report.DecisionError, Err: "observe: flink: 503"},
		want:   []string{"| error\n        observe: flink: 503"},
		lines:  2,
	}} {
		t.Run(c.name, func(t *testing.T) {
			lines := report.StatusLines(c.sample)
			if len(lines) != c.lines {
				t.Errorf("%d lines, want %d: %q", len(lines), c.lines, lines)
			}
			for _, l := range lines {
				if n := utf8.RuneCountInString(l); n > report.MaxStatusLine {
					t.Errorf("%d runes, want <= %d: %q", n, report.MaxStatusLine, l)
				}
			}
			got := strings.Join(lines, "\n")
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("lines\n%s\nlack %q", got, w)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(got, w) {
					t.Errorf("lines\n%s\nhold %q", got, w)
				}
			}
		})
	}
}

// Two pipelines with the widest figures and the longest decision still
// fit 120 columns, header included, and the columns stay put whatever the
// figures.
func TestStatusLineColumns(t *testing.T) {
	small := hot()
	small.InRate, small.OutRate, small.Backlog, small.Lag, small.Parallelism = 3, 0, 0, 0, 1
	big := hot()
	big.Name = "a pipeline with a very long name indeed"
	big.InRate, big.OutRate, big.Backlog, big.Lag, big.Parallelism = 1.5e6, 999e3, 120e6, 59*time.Minute, 128
	unknown := hot()
	unknown.RatesKnown, unknown.BacklogKnown, unknown.LagKnown = false, false, false
	restarting := hot()
	restarting.Running = false
	cold := hot()
	cold.Name = "cold"
	header := report.StatusHeader([]string{big.Name, "cold"})
	want := bars(header[1])
	for _, l := range header {
		if n := utf8.RuneCountInString(l); n > report.MaxStatusLine {
			t.Errorf("header of %d runes: %q", n, l)
		}
	}
	for i, p := range []report.PipelineSample{hot(), small, big, unknown, restarting} {
		smp := report.Sample{Elapsed: time.Duration(i) * time.Hour / 7, Pipelines: []report.PipelineSample{p, cold}, Slots: 128,
			SlotsBefore: 128, SlotsAfter: 64, Decision: report.DecisionScale, DryRun: true}
		line := report.StatusLines(smp)[0]
		if n := utf8.RuneCountInString(line); n > report.MaxStatusLine || strings.HasSuffix(line, "...") {
			t.Errorf("%d runes, want at most %d, uncut: %q", n, report.MaxStatusLine, line)
		}
		if got := bars(line); !slices.Equal(got, want) {
			t.Errorf("columns %v, want %v (the header's):\n%s\n%s", got, want, header[1], line)
		}
	}
}

// bars returns the positions of the column separators.
func bars(line string) []int {
	var at []int
	for i, r := range []rune(line) {
		if r == '|' {
			at = append(at, i)
		}
	}
	return at
}
