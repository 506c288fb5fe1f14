package report_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/flinkscale/flinkscale/examples/autopilot/report"
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
		Name: "hot", InRate: 2880, OutRate: 1210, Backlog: 15234, BacklogKnown: true,
		Lag: 3100 * time.Millisecond, LagKnown: true, Parallelism: 4, Running: true,
	}
}

func TestStatusLine(t *testing.T) {
	manyPipelines := make([]report.PipelineSample, 20)
	for i := range manyPipelines {
		manyPipelines[i] = hot()
	}
	unknown := hot()
	unknown.BacklogKnown, unknown.LagKnown, unknown.Backlog, unknown.Lag = false, false, 0, 0
	restarting := hot()
	restarting.Running = false
	for _, c := range []struct {
		name    string
		sample  report.Sample
		want    []string // substrings
		notWant []string
		suffix  string
	}{{
		name: "measured",
		sample: report.Sample{Elapsed: 12 * time.Second, Pipelines: []report.PipelineSample{hot()}, Slots: 5,
			Decision: "scale", Reason: "hot Source 4->10 (cannot keep up)", Applied: true},
		want: []string{"t=  12.0s ", "hot in  2.9k/s out  1.2k/s backlog 15.2k (lag   3.1s) p=4 ", "| slots 5 | scale: hot Source 4->10 (cannot keep up)"},
	}, {
		name:    "unknown figures print ?",
		sample:  report.Sample{Pipelines: []report.PipelineSample{unknown}, Decision: "keep"},
		want:    []string{"backlog     ? (lag      ?)", "| keep"},
		notWant: []string{"backlog     0", "lag   0.0s"},
	}, {
		name:    "restarting",
		sample:  report.Sample{Pipelines: []report.PipelineSample{restarting}},
		want:    []string{"hot restarting             backlog 15.2k"},
		notWant: []string{"/s"},
	}, {
		name:   "long reason is cut",
		sample: report.Sample{Pipelines: []report.PipelineSample{hot(), hot()}, Decision: "keep", Reason: strings.Repeat("because ", 40)},
		want:   []string{"keep: because"},
		suffix: "...",
	}, {
		name:   "too many pipelines are cut",
		sample: report.Sample{Pipelines: manyPipelines},
		suffix: "...",
	}, {
		name:    "reason on one line",
		sample:  report.Sample{Decision: "keep", Reason: "a\nb\tc"},
		want:    []string{"keep: a b c"},
		notWant: []string{"\n", "\t"},
	}, {
		name:   "scale not applied",
		sample: report.Sample{Decision: "scale", Reason: "dry-run"},
		want:   []string{"| scale (not applied): dry-run"},
	}, {
		name:   "error",
		sample: report.Sample{Decision: "error", Err: "flink: 503", Reason: "observe"},
		want:   []string{"| error: flink: 503; observe"},
	}, {
		name:    "no decision",
		sample:  report.Sample{Slots: 3},
		want:    []string{"| slots 3"},
		notWant: []string{"slots 3 |"},
	}} {
		t.Run(c.name, func(t *testing.T) {
			got := report.StatusLine(c.sample)
			if n := utf8.RuneCountInString(got); n > report.MaxStatusLine {
				t.Errorf("%d runes, want <= %d: %q", n, report.MaxStatusLine, got)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("line %q\nlacks %q", got, w)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(got, w) {
					t.Errorf("line %q\nholds %q", got, w)
				}
			}
			if !strings.HasSuffix(got, c.suffix) {
				t.Errorf("line %q\ndoes not end in %q", got, c.suffix)
			}
		})
	}
}

// TestStatusLineColumns checks that columns stay put whatever the figures.
func TestStatusLineColumns(t *testing.T) {
	small := hot()
	small.InRate, small.OutRate, small.Backlog, small.Lag, small.Parallelism = 3, 0, 0, 0, 1
	big := hot()
	big.InRate, big.OutRate, big.Backlog, big.Lag, big.Parallelism = 1.5e6, 999e3, 120e6, 59*time.Minute, 12
	unknown := hot()
	unknown.BacklogKnown, unknown.LagKnown = false, false
	restarting := hot()
	restarting.Running = false
	cold := hot()
	cold.Name = "cold"
	var want []int
	for i, p := range []report.PipelineSample{hot(), small, big, unknown, restarting} {
		line := report.StatusLine(report.Sample{Elapsed: time.Duration(i) * time.Hour / 7, Pipelines: []report.PipelineSample{p, cold}, Slots: 10})
		var cols []int
		for _, w := range []string{"backlog", "(lag", "p=", "| cold", "| slots"} {
			cols = append(cols, strings.Index(line, w))
		}
		if want == nil {
			want = cols
		} else if !slices.Equal(cols, want) {
			t.Errorf("columns %v, want %v:\n%s", cols, want, line)
		}
	}
}
