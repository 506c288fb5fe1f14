package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Layout of the chart, in pixels.
const (
	titleHeight  = 44  // above the first panel
	marginLeft   = 62  // y tick labels
	legendWidth  = 150 // right of the plots
	marginBottom = 56  // x tick labels (two rows) and axis label
	panelHead    = 20  // panel title above each plot
	panelGap     = 12  // below each plot
	legendRow    = 17
)

// canvas draws the chart into b.
type canvas struct {
	b           bytes.Buffer
	w, h        float64
	left, right float64 // plot area, x
	bottom      float64 // bottom of the last plot drawn
	xmax, xstep float64
	scale       float64 // production seconds per run second
	marks       []mark
}

// mark is a vertical line across the panels: a rescale, or one a dry run
// would have made.
type mark struct {
	x           float64
	color, dash string
	class       string
}

func newCanvas(opt ChartOptions, xmax float64, marks []mark) *canvas {
	c := &canvas{w: float64(opt.Width), h: float64(opt.Height), marks: marks, scale: opt.TimeScale}
	c.left, c.right = marginLeft, c.w-legendWidth
	if !(xmax > 0) {
		xmax = 1
	}
	// The axis ends at the last sample; ticks fall at a nice step within it.
	c.xstep, _ = niceScale(xmax, int(max(4, (c.right-c.left)/90)), false)
	c.xmax = xmax
	fmt.Fprintf(&c.b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		opt.Width, opt.Height, opt.Width, opt.Height)
	fmt.Fprintf(&c.b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", opt.Width, opt.Height)
	return c
}

// x maps elapsed seconds to pixels.
func (c *canvas) x(v float64) float64 { return c.left + v/c.xmax*(c.right-c.left) }

// header writes the title and, at the right, a one-line digest of the run.
func (c *canvas) header(title string, samples []Sample) {
	fmt.Fprintf(&c.b, `<text class="title" x="%s" y="26" font-size="18" font-weight="bold" fill="#222">%s</text>`+"\n",
		num(c.left), esc(title))
	if len(samples) == 0 {
		return
	}
	s := Summarize(samples, 0)
	digest := fmt.Sprintf("%d ticks over %s, %d rescales, peak %d slots", s.Ticks, FormatDuration(s.Duration), s.Rescales, s.PeakSlots)
	if s.WouldRescale > 0 {
		digest = fmt.Sprintf("%d ticks over %s, dry run: %d rescales it would have made", s.Ticks, FormatDuration(s.Duration), s.WouldRescale)
	}
	// Rough text widths (bold 18px, regular 12px): leave the digest out
	// rather than overlap the title.
	if 10*float64(utf8.RuneCountInString(title))+6.2*float64(len(digest))+20 > c.right-c.left {
		return
	}
	fmt.Fprintf(&c.b, `<text x="%s" y="26" text-anchor="end" fill="#555">%s</text>`+"\n", num(c.right), esc(digest))
}

// panel draws panel i of n: its title, grid, ticks, SLO line, rescale
// markers, series and legend.
func (c *canvas) panel(i, n int, p panel, xs []float64) {
	block := (c.h - titleHeight - marginBottom) / float64(n)
	top := titleHeight + float64(i)*block
	y0, y1 := top+panelHead, top+block-panelGap
	c.bottom = y1
	step, ymax := niceScale(p.ymax*1.05, 4, p.whole) // headroom above the highest point
	y := func(v float64) float64 { return y1 - min(max(v, 0), ymax)/ymax*(y1-y0) }

	fmt.Fprintf(&c.b, `<g class="panel">`+"\n")
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" font-size="13" font-weight="bold" fill="#333">%s</text>`+"\n",
		num(c.left), num(top+14), esc(p.title))
	for v := 0.0; v <= ymax+step/2; v += step {
		fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e6e6e6"/>`, num(c.left), num(y(v)), num(c.right), num(y(v)))
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="end" fill="#555">%s</text>`+"\n", num(c.left-6), num(y(v)+4), esc(p.ticks(v)))
	}
	for v := c.xstep; v < c.xmax-c.xstep/4; v += c.xstep {
		fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#f0f0f0"/>`+"\n", num(c.x(v)), num(y0), num(c.x(v)), num(y1))
	}
	fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#999"/>`+"\n",
		num(c.left), num(y0), num(c.right-c.left), num(y1-y0))
	for _, m := range c.marks {
		fmt.Fprintf(&c.b, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.2" stroke-dasharray="%s"/>`+"\n",
			m.class, num(c.x(m.x)), num(y0), num(c.x(m.x)), num(y1), m.color, m.dash)
	}
	if p.slo > 0 {
		fmt.Fprintf(&c.b, `<line class="slo" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"/>`+"\n",
			num(c.left), num(y(p.slo)), num(c.right), num(y(p.slo)), sloColor)
	}
	for _, s := range p.series {
		dash := ""
		if s.dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&c.b, `<path class="series" data-series="%s" d="%s" fill="none" stroke="%s" stroke-width="%s"%s stroke-linejoin="round" stroke-linecap="round"><title>%s</title></path>`+"\n",
			esc(s.label), pathData(xs, s.ys, s.step, c.x, y), s.color, num(s.width), dash, esc(s.label))
	}
	c.legend(p.legend, y0, y1)
	fmt.Fprintf(&c.b, "</g>\n")
}

// legend writes items in a column right of the plot, from y0, as many as
// fit above y1.
func (c *canvas) legend(items []legendItem, y0, y1 float64) {
	fit := max(1, int((y1-y0)/legendRow))
	more := 0
	if len(items) > fit {
		more = len(items) - (fit - 1)
		items = items[:fit-1]
	}
	lx := c.right + 14
	for k, it := range items {
		ly := y0 + 10 + float64(k)*legendRow
		dash := ""
		if it.dash != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, it.dash)
		}
		fmt.Fprintf(&c.b, `<line class="legend" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2.5"%s/>`,
			num(lx), num(ly), num(lx+24), num(ly), it.color, dash)
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" fill="#333">%s</text>`+"\n", num(lx+30), num(ly+4), esc(truncate(it.label, 18)))
	}
	if more > 0 {
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" fill="#777">+%d more</text>`+"\n", num(lx+30), num(y0+14+float64(len(items))*legendRow), more)
	}
}

// xAxis writes the shared x tick labels under the last panel, the
// production time each stands for under them when the time is compressed,
// and the axis label.
func (c *canvas) xAxis() {
	for v := 0.0; v < c.xmax+c.xstep/1e6; v += c.xstep {
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="middle" fill="#555">%s</text>`+"\n", num(c.x(v)), num(c.bottom+16), formatTick(v))
		if c.scale > 1 {
			fmt.Fprintf(&c.b, `<text class="prod" x="%s" y="%s" text-anchor="middle" font-size="10" fill="#888">%s</text>`+"\n",
				num(c.x(v)), num(c.bottom+29), esc(prodTick(v*c.scale)))
		}
	}
	label := "run time (s)"
	if c.scale > 1 {
		label = fmt.Sprintf("run time (s), and below it the production time it stands for (time compressed %sx)", formatTick(c.scale))
	}
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="middle" fill="#333">%s</text>`+"\n",
		num((c.left+c.right)/2), num(c.bottom+47), esc(label))
}

// prodTick renders a production time in seconds for an axis: "0", "7.5
// min", "2 h".
func prodTick(sec float64) string {
	switch {
	case sec == 0:
		return "0"
	case sec < 90:
		return formatTick(math.Round(sec)) + " s"
	case sec < 90*60:
		return formatTick(math.Round(sec/6)/10) + " min"
	}
	return formatTick(math.Round(sec/360)/10) + " h"
}

// noData writes msg ("no data") across the middle of the chart.
func (c *canvas) noData(msg string) {
	fmt.Fprintf(&c.b, `<text class="nodata" x="%s" y="%s" text-anchor="middle" font-size="28" fill="#999">%s</text>`+"\n",
		num((c.left+c.right)/2), num(c.h/2), esc(msg))
}

func (c *canvas) finish() { c.b.WriteString("</svg>\n") }

// pathData renders a polyline (or a step line: horizontal, then vertical)
// through the points (xs[i], ys[i]) in pixels, starting a new subpath
// after every gap (a NaN). A point alone between gaps is drawn as a dot.
func pathData(xs, ys []float64, step bool, px, py func(float64) float64) string {
	var d strings.Builder
	run := 0 // points in the current subpath
	for i := range ys {
		if math.IsNaN(ys[i]) || !isFinite(xs[i]) {
			if run == 1 {
				d.WriteString("h0")
			}
			run = 0
			continue
		}
		x, y := num(px(xs[i])), num(py(ys[i]))
		switch {
		case run == 0:
			if d.Len() > 0 {
				d.WriteByte(' ')
			}
			fmt.Fprintf(&d, "M%s %s", x, y)
		case step:
			fmt.Fprintf(&d, "H%s V%s", x, y)
		default:
			fmt.Fprintf(&d, "L%s %s", x, y)
		}
		d.WriteByte(' ')
		run++
	}
	if run == 1 {
		d.WriteString("h0")
	}
	return strings.TrimSpace(d.String())
}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}
