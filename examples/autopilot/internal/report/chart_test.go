package report_test

import (
	"bytes"
	"encoding/xml"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// node is any XML element, for walking a parsed chart.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// find returns the elements under n (n included) for which keep is true.
func (n node) find(keep func(node) bool) []node {
	var out []node
	if keep(n) {
		out = append(out, n)
	}
	for _, c := range n.Nodes {
		out = append(out, c.find(keep)...)
	}
	return out
}

func byClass(class string) func(node) bool {
	return func(n node) bool { return n.attr("class") == class }
}

// chart renders samples and parses the result, failing t if it is not
// well-formed XML with an svg root.
func chart(t *testing.T, samples []report.Sample, opt report.ChartOptions) (node, string) {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteChart(&b, samples, opt); err != nil {
		t.Fatal(err)
	}
	var root node
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	dec.Strict = true
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("chart is not XML: %v\n%s", err, b.String())
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root %v, want svg", root.XMLName)
	}
	if s := b.String(); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
		t.Errorf("chart holds NaN or Inf")
	}
	return root, b.String()
}

// seriesPaths maps each series label to its path data.
func seriesPaths(t *testing.T, root node) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for _, p := range root.find(byClass("series")) {
		if _, dup := paths[p.attr("data-series")]; dup {
			t.Errorf("series %q drawn twice", p.attr("data-series"))
		}
		paths[p.attr("data-series")] = p.attr("d")
	}
	return paths
}

func TestWriteChart(t *testing.T) {
	samples := synthetic()
	root, _ := chart(t, samples, report.ChartOptions{Title: "spike & recovery <demo>", SLO: 2 * time.Second})
	titles := root.find(byClass("title"))
	if len(titles) != 1 || titles[0].Text != "spike & recovery <demo>" {
		t.Errorf("titles %+v", titles)
	}
	if w, h := root.attr("width"), root.attr("height"); w != "960" || h != "640" {
		t.Errorf("size %sx%s, want 960x640", w, h)
	}
	paths := seriesPaths(t, root)
	want := []string{"hot lag", "cold lag", "hot in", "hot out", "cold in", "cold out", "hot parallelism", "cold parallelism", "slots"}
	if len(paths) != len(want) {
		t.Errorf("%d series, want %d: %v", len(paths), len(want), paths)
	}
	for _, w := range want {
		if !strings.HasPrefix(paths[w], "M") {
			t.Errorf("series %q: path %q", w, paths[w])
		}
	}
	// hot's lag is unknown while it restarts after each of the two rescales.
	if n := strings.Count(paths["hot lag"], "M"); n != 3 {
		t.Errorf("hot lag has %d subpaths, want 3 (two gaps)", n)
	}
	if n := strings.Count(paths["cold lag"], "M"); n != 1 {
		t.Errorf("cold lag has %d subpaths, want 1", n)
	}
	if !strings.Contains(paths["hot parallelism"], "H") || !strings.Contains(paths["hot parallelism"], "V") {
		t.Errorf("parallelism is not a step line: %q", paths["hot parallelism"])
	}
	if n := len(root.find(byClass("slo"))); n != 1 {
		t.Errorf("%d SLO lines, want 1", n)
	}
	if n := len(root.find(byClass("rescale"))); n != 2*3 {
		t.Errorf("%d rescale markers, want 2 rescales x 3 panels", n)
	}
	if n := len(root.find(byClass("panel"))); n != 3 {
		t.Errorf("%d panels, want 3", n)
	}
	if n := len(root.find(byClass("nodata"))); n != 0 {
		t.Errorf("no-data text on a chart with data")
	}
}

func TestWriteChartGaps(t *testing.T) {
	mk := func(sec int, lagKnown bool, withB bool) report.Sample {
		s := report.Sample{Elapsed: time.Duration(sec) * time.Second, Slots: 2}
		s.Pipelines = []report.PipelineSample{{Name: "a", Lag: time.Second, LagKnown: lagKnown, InRate: 10, OutRate: 10, RatesKnown: true, Parallelism: 1, Running: true}}
		if withB {
			s.Pipelines = append(s.Pipelines, report.PipelineSample{Name: "b", LagKnown: true, InRate: math.NaN(), OutRate: math.Inf(1), RatesKnown: true, Parallelism: 1, Running: true})
		}
		return s
	}
	samples := []report.Sample{mk(0, true, true), mk(1, true, false), mk(2, false, true), mk(3, true, true), mk(4, true, true)}
	root, _ := chart(t, samples, report.ChartOptions{})
	paths := seriesPaths(t, root)
	for _, c := range []struct {
		series   string
		subpaths int
		dot      bool // a point alone is drawn as a dot
	}{
		{"a lag", 2, false},        // unknown at 2 s
		{"a out", 1, false},        // always known
		{"b lag", 2, true},         // missing at 1 s: 0 s alone
		{"b parallelism", 2, true}, // missing at 1 s
		{"b in", 0, false},         // NaN throughout
		{"b out", 0, false},        // Inf throughout
	} {
		d, ok := paths[c.series]
		if !ok {
			t.Errorf("no series %q", c.series)
			continue
		}
		if n := strings.Count(d, "M"); n != c.subpaths {
			t.Errorf("%s: %d subpaths, want %d: %q", c.series, n, c.subpaths, d)
		}
		if got := strings.Contains(d, "h0"); got != c.dot {
			t.Errorf("%s: dot %v, want %v: %q", c.series, got, c.dot, d)
		}
	}
}

func TestWriteChartNoData(t *testing.T) {
	one := synthetic()[:1]
	zero := synthetic()[:3]
	for i := range zero {
		zero[i].Elapsed = 0
	}
	for _, c := range []struct {
		name    string
		samples []report.Sample
		nodata  bool
	}{
		{"nil", nil, true},
		{"empty", []report.Sample{}, true},
		{"one sample", one, true},
		{"no time elapsed", zero, false},
		{"no pipelines", []report.Sample{{Elapsed: time.Second}, {Elapsed: 2 * time.Second}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, _ := chart(t, c.samples, report.ChartOptions{SLO: time.Second, Width: 100, Height: 100})
			if got := len(root.find(byClass("nodata"))) == 1; got != c.nodata {
				t.Errorf("no-data text %v, want %v", got, c.nodata)
			}
			if w, h := root.attr("width"), root.attr("height"); w != "480" || h != "360" {
				t.Errorf("size %sx%s, want the minimum 480x360", w, h)
			}
		})
	}
}

// A dry run's decisions are marked as rescales it would have made, never
// as rescales; compressed time shows production time under the run's.
func TestWriteChartDryRunAndTimeScale(t *testing.T) {
	samples := synthetic()
	for i := range samples {
		if samples[i].Rescaled() {
			samples[i].Applied, samples[i].DryRun = false, true
		}
	}
	root, svg := chart(t, samples, report.ChartOptions{TimeScale: 30})
	if n := len(root.find(byClass("rescale"))); n != 0 {
		t.Errorf("%d rescale marks in a dry run", n)
	}
	if n := len(root.find(byClass("would-rescale"))); n != 2*3 {
		t.Errorf("%d would-rescale marks, want 2 on each of 3 panels", n)
	}
	if !strings.Contains(svg, "would rescale") || !strings.Contains(svg, "dry run: 2 rescales it would have made") {
		t.Errorf("the legend or digest does not say would rescale")
	}
	prod := root.find(byClass("prod"))
	if len(prod) < 2 || prod[0].Text != "0" || prod[1].Text != "10 min" || !strings.Contains(svg, "production time") {
		t.Errorf("production time ticks %+v; want 0, 10 min (20 s x 30), ...", prod)
	}
	root, _ = chart(t, synthetic(), report.ChartOptions{})
	if n := len(root.find(byClass("prod"))); n != 0 {
		t.Errorf("%d production ticks at time scale 1", n)
	}
}
