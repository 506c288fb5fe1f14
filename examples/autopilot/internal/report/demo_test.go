package report_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// TestRenderDemo writes the synthetic run's files to $REPORT_DEMO_DIR so
// that a person can look at the chart; it is skipped when that is unset.
func TestRenderDemo(t *testing.T) {
	dir := os.Getenv("REPORT_DEMO_DIR")
	if dir == "" {
		t.Skip("REPORT_DEMO_DIR not set")
	}
	d, err := report.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	samples := synthetic()
	for _, s := range samples {
		t.Log(strings.Join(report.StatusLines(s), "\n"))
	}
	sum := report.Summarize(samples, 2*time.Second)
	sum.Mode, sum.Job, sum.TimeScale = report.ModeEmbedded, "autopilot-demo", 30
	if err := report.WriteSummary(os.Stderr, sum); err != nil {
		t.Fatal(err)
	}
	for name, ss := range map[string][]report.Sample{"chart-empty.svg": nil, "chart-one.svg": samples[40:41]} {
		f, err := os.Create(d.Path(name))
		if err != nil {
			t.Fatal(err)
		}
		if err := report.WriteChart(f, ss, report.ChartOptions{Title: name, SLO: time.Second}); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Finish(samples, sum, report.ChartOptions{Title: "autopilot: spike on hot, scale up, recovery", SLO: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
}
