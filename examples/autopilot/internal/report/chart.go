package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// ChartOptions configures WriteChart. It is a plain value; the zero value
// is usable.
type ChartOptions struct {
	// Title is written at the top of the chart. Default: "autopilot".
	// Empty means default.
	Title string
	// SLO is the lag SLO, drawn as a dashed horizontal line on the lag
	// panel. Zero means no line.
	SLO time.Duration
	// Width and Height are the chart's size in pixels. Default: 960x640.
	// Zero means default; a size below 480x360 is raised to it.
	Width, Height int
	// TimeScale is the production seconds a second of the run stands for:
	// above 1, the x axis shows production time under the run's. Default:
	// 1. Zero means default.
	TimeScale float64
}

// Chart defaults and minimums, in pixels.
const (
	defaultWidth, defaultHeight = 960, 640
	minWidth, minHeight         = 480, 360
)

// palette holds the pipelines' colors (Tableau 10 without its red, which
// marks the SLO); pipelines beyond it reuse it in order.
var palette = [...]string{"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"}

// Colors of the chart's furniture.
const (
	sloColor     = "#d62728"
	rescaleColor = "#444444"
	wouldColor   = "#b07aa1"
	totalColor   = "#888888"
)

// series is one line of a panel: y values by sample, NaN for a gap.
type series struct {
	label  string
	color  string
	dashed bool
	step   bool
	width  float64
	ys     []float64
}

// legendItem is one entry of a panel's legend.
type legendItem struct {
	label string
	color string
	dash  string // stroke-dasharray, "" for solid
}

// panel is one of the chart's three stacked plots.
type panel struct {
	title  string
	series []series
	legend []legendItem
	ymax   float64 // largest value to show; the axis rounds it up
	ticks  func(float64) string
	whole  bool // integer ticks only
	slo    float64
}

// WriteChart writes a self-contained SVG of the run: three stacked panels
// sharing the x axis (elapsed seconds): (1) each pipeline's time lag in
// seconds with the SLO as a dashed red line, (2) each pipeline's in-rate
// (dashed) and out-rate (solid) in records/s, (3) each pipeline's
// parallelism and the job's total slots as step lines. Applied rescales are
// marked by dotted vertical lines across all panels, and the rescales a dry
// run would have made by dashed ones in another color (never as
// rescales). Unknown figures and missing pipelines are gaps in their
// lines. The x axis is the run's time, with production time under it when
// opt.TimeScale is above 1. With fewer than two samples it writes a chart
// that says "no data". It returns the write error, if any.
func WriteChart(w io.Writer, samples []Sample, opt ChartOptions) error {
	opt = opt.withDefaults()
	names := pipelineNames(samples)
	xs := make([]float64, len(samples))
	xmax := 0.0
	for i, s := range samples {
		xs[i] = s.Elapsed.Seconds()
		if isFinite(xs[i]) {
			xmax = max(xmax, xs[i])
		}
	}
	panels := []panel{
		lagPanel(samples, names, opt.SLO),
		ratePanel(samples, names),
		slotPanel(samples, names),
	}
	var marks []mark
	for i, s := range samples {
		switch {
		case s.Rescaled():
			marks = append(marks, mark{x: xs[i], color: rescaleColor, dash: "2 3", class: "rescale"})
		case s.WouldRescale():
			marks = append(marks, mark{x: xs[i], color: wouldColor, dash: "5 3", class: "would-rescale"})
		}
	}
	c := newCanvas(opt, xmax, marks)
	c.header(opt.Title, samples)
	for i, p := range panels {
		c.panel(i, len(panels), p, xs)
	}
	c.xAxis()
	switch len(samples) {
	case 0:
		c.noData("no data")
	case 1:
		c.noData("no data: one sample")
	}
	c.finish()
	_, err := w.Write(c.b.Bytes())
	return err
}

func (o ChartOptions) withDefaults() ChartOptions {
	if o.Title == "" {
		o.Title = "autopilot"
	}
	if o.Width == 0 {
		o.Width = defaultWidth
	}
	if o.Height == 0 {
		o.Height = defaultHeight
	}
	if !(o.TimeScale > 1) {
		o.TimeScale = 1
	}
	o.Width, o.Height = max(o.Width, minWidth), max(o.Height, minHeight)
	return o
}

// pipelineNames lists the pipelines in order of first appearance.
func pipelineNames(samples []Sample) []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range samples {
		for _, p := range s.Pipelines {
			if !seen[p.Name] {
				seen[p.Name] = true
				names = append(names, p.Name)
			}
		}
	}
	return names
}

// column extracts one value per sample for pipeline name; get returns
// false for an unknown figure. A sample without the pipeline is a gap.
func column(samples []Sample, name string, get func(PipelineSample) (float64, bool)) []float64 {
	ys := make([]float64, len(samples))
	for i, s := range samples {
		ys[i] = math.NaN()
		for _, p := range s.Pipelines {
			if p.Name != name {
				continue
			}
			if v, ok := get(p); ok && isFinite(v) {
				ys[i] = v
			}
			break
		}
	}
	return ys
}

func colorOf(i int) string { return palette[i%len(palette)] }

func lagPanel(samples []Sample, names []string, slo time.Duration) panel {
	p := panel{title: "Time lag (s): age of the oldest unread record", ticks: formatTick, slo: slo.Seconds()}
	var peaks []string
	for i, n := range names {
		ys := column(samples, n, func(ps PipelineSample) (float64, bool) { return ps.Lag.Seconds(), ps.LagKnown })
		p.series = append(p.series, series{label: n + " lag", color: colorOf(i), width: 2, ys: ys})
		p.legend = append(p.legend, legendItem{label: n, color: colorOf(i)})
		p.ymax = max(p.ymax, maxOf(ys))
		bl := maxOf(column(samples, n, func(ps PipelineSample) (float64, bool) { return ps.Backlog, ps.BacklogKnown }))
		if bl > 0 {
			peaks = append(peaks, n+" "+Humanize(bl))
		}
	}
	if len(peaks) > 0 {
		p.title += "; peak backlog: " + strings.Join(peaks, ", ") + " records"
	}
	if p.slo > 0 {
		p.ymax = max(p.ymax, p.slo*1.15)
		p.legend = append(p.legend, legendItem{label: "SLO " + FormatDuration(slo), color: sloColor, dash: "6 4"})
	}
	return p
}

func ratePanel(samples []Sample, names []string) panel {
	p := panel{title: "Throughput (records/s)", ticks: humanTick}
	for i, n := range names {
		in := column(samples, n, func(ps PipelineSample) (float64, bool) { return ps.InRate, ps.RatesKnown && ps.Running })
		out := column(samples, n, func(ps PipelineSample) (float64, bool) { return ps.OutRate, ps.RatesKnown && ps.Running })
		p.series = append(p.series,
			series{label: n + " in", color: colorOf(i), dashed: true, width: 1.5, ys: in},
			series{label: n + " out", color: colorOf(i), width: 2, ys: out})
		p.legend = append(p.legend, legendItem{label: n, color: colorOf(i)})
		p.ymax = max(p.ymax, maxOf(in), maxOf(out))
	}
	p.legend = append(p.legend,
		legendItem{label: "in (arriving)", color: totalColor, dash: "5 3"},
		legendItem{label: "out (processed)", color: totalColor})
	return p
}

func slotPanel(samples []Sample, names []string) panel {
	p := panel{title: "Parallelism (slots)", ticks: formatTick, whole: true}
	for i, n := range names {
		ys := column(samples, n, func(ps PipelineSample) (float64, bool) { return float64(ps.Parallelism), true })
		p.series = append(p.series, series{label: n + " parallelism", color: colorOf(i), step: true, width: 2, ys: ys})
		p.legend = append(p.legend, legendItem{label: n, color: colorOf(i)})
		p.ymax = max(p.ymax, maxOf(ys))
	}
	if len(samples) > 0 {
		total := make([]float64, len(samples))
		for i, s := range samples {
			total[i] = float64(s.Slots)
			if s.Ended() {
				total[i] = math.NaN()
			}
		}
		p.series = append(p.series, series{label: "slots", color: totalColor, step: true, width: 1.5, ys: total})
		p.legend = append(p.legend, legendItem{label: "total slots", color: totalColor})
		p.ymax = max(p.ymax, maxOf(total))
	}
	p.legend = append(p.legend, legendItem{label: "rescale", color: rescaleColor, dash: "2 3"})
	for _, s := range samples {
		if s.WouldRescale() {
			p.legend = append(p.legend, legendItem{label: "would rescale", color: wouldColor, dash: "5 3"})
			break
		}
	}
	return p
}

// maxOf is the largest finite value of ys, or 0.
func maxOf(ys []float64) float64 {
	m := 0.0
	for _, y := range ys {
		if isFinite(y) {
			m = max(m, y)
		}
	}
	return m
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// niceScale picks about n ticks from 0 to at least top, at a step of 1, 2
// or 5 times a power of ten (at least 1 when whole), and returns the step
// and the axis maximum.
func niceScale(top float64, n int, whole bool) (step, axisMax float64) {
	if !(top > 0) || !isFinite(top) {
		top = 1
	}
	raw := top / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if raw <= m*mag {
			step = m * mag
			break
		}
	}
	if whole {
		step = max(1, math.Round(step))
	}
	return step, math.Ceil(top/step-1e-9) * step
}

// formatTick renders a tick value without trailing zeros: 0, 0.5, 12.
func formatTick(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
}

// humanTick is Humanize without a trailing ".0" before the suffix: "3k".
func humanTick(v float64) string {
	h := Humanize(v)
	if i := strings.Index(h, ".0"); i >= 0 && i+2 < len(h) && (h[i+2] < '0' || h[i+2] > '9') {
		h = h[:i] + h[i+2:]
	}
	return h
}

// num renders a pixel coordinate.
func num(v float64) string { return fmt.Sprintf("%.1f", v) }
