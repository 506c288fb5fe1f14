package report_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// readDecisions decodes decisions.jsonl, one Decision per line.
func readDecisions(t *testing.T, path string) []report.Decision {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []report.Decision
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var d report.Decision
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("line %d: %v: %s", len(out)+1, err, sc.Text())
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Runs sharing a root each get a directory of their own, even when they
// start in the same second.
func TestOpenRun(t *testing.T) {
	root := filepath.Join(t.TempDir(), "out")
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	seen := map[string]bool{}
	for range 3 {
		d, err := report.OpenRun(root, start)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if seen[d.Path("")] {
			t.Fatalf("%s opened twice", d.Path(""))
		}
		seen[d.Path("")] = true
	}
	for _, want := range []string{"run-20260102-030405", "run-20260102-030405-2", "run-20260102-030405-3"} {
		if !seen[filepath.Join(root, want)] {
			t.Errorf("no %s in %v", want, seen)
		}
	}
}

func TestDir(t *testing.T) {
	dirPath := filepath.Join(t.TempDir(), "out", "run-1")
	d, err := report.OpenDir(dirPath)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	decisions := []report.Decision{
		{Time: start, Summary: "keep"},
		{Time: start.Add(12 * time.Second), Elapsed: 12 * time.Second, Summary: "scale hot 4->10",
			Targets: map[string]int{"hot Source": 10}, Reasons: map[string]string{"hot Source": "cannot keep up"},
			Changes: "hot Source 4->10", Applied: true},
		{Time: start.Add(12500 * time.Millisecond), Elapsed: 12500 * time.Millisecond, Summary: "scale hot 4->10", Changes: "Source: hot 4->10", DryRun: true},
		{Time: start.Add(13 * time.Second), Elapsed: 13 * time.Second, Summary: "error", Err: "flink: 503"},
	}
	for _, dec := range decisions {
		if err := d.Decision(dec); err != nil {
			t.Fatal(err)
		}
	}
	sum := fullSummary()
	if err := d.Finish(synthetic(), sum, report.ChartOptions{Title: "run 1", SLO: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}

	if got := readDecisions(t, d.Path(report.DecisionsFile)); !reflect.DeepEqual(got, decisions) {
		t.Errorf("decisions.jsonl:\n got %+v\nwant %+v", got, decisions)
	}
	if lines, _ := os.ReadFile(d.Path(report.DecisionsFile)); !bytes.Contains(lines, []byte(`"elapsedSeconds":12.5`)) || bytes.Contains(lines, []byte(`"elapsed":`)) {
		t.Errorf("decisions.jsonl durations are not in seconds:\n%s", lines)
	}

	js, err := os.ReadFile(d.Path(report.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var back report.Summary
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sum) {
		t.Errorf("summary.json:\n got %+v\nwant %+v", back, sum)
	}
	if !bytes.Contains(js, []byte("\n  \"durationSeconds\": 60.1,\n")) {
		t.Errorf("summary.json is not indented with durations in seconds:\n%s", js)
	}
	var raw map[string]any
	if err := json.Unmarshal(js, &raw); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"sloViolationSeconds": 8.0, "maxLagSeconds": 5.3, "sloSeconds": 2.0, "peakSlots": 12.0, "mode": "embedded"} {
		if raw[key] != want {
			t.Errorf("summary.json %s = %v, want %v", key, raw[key], want)
		}
	}
	if drain, _ := raw["drain"].(map[string]any); drain["tookSeconds"] != 2.3 || drain["savepoint"] != "file:///tmp/sp/savepoint-1" {
		t.Errorf("summary.json drain = %v", raw["drain"])
	}

	svg, err := os.ReadFile(d.Path(report.ChartFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(svg, new(node)); err != nil || !bytes.Contains(svg, []byte("run 1")) {
		t.Errorf("chart.svg: %v", err)
	}

	entries, err := os.ReadDir(dirPath)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{report.ChartFile, report.DecisionsFile, report.SummaryFile}; !slices.Equal(names, want) {
		t.Errorf("files %v, want %v (no temporary files left)", names, want)
	}

	if err := d.Decision(report.Decision{}); !errors.Is(err, report.ErrClosed) {
		t.Errorf("Decision after Finish: %v, want ErrClosed", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestDirReopenTruncates(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		d, err := report.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Decision(report.Decision{Summary: "keep"}); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := readDecisions(t, filepath.Join(dir, report.DecisionsFile)); len(got) != 1 {
		t.Errorf("%d decisions after reopening, want 1", len(got))
	}
}

func TestOpenDirError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := report.OpenDir(filepath.Join(file, "out"))
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Errorf("OpenDir under a file: %v, want a *fs.PathError", err)
	}
}

func TestFinishError(t *testing.T) {
	dir := t.TempDir()
	d, err := report.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A directory where chart.svg should go makes the rename fail.
	if err := os.Mkdir(d.Path(report.ChartFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.Path(report.ChartFile+"/x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = d.Finish(nil, report.Summary{}, report.ChartOptions{})
	var le *os.LinkError
	if !errors.As(err, &le) || !bytes.Contains([]byte(err.Error()), []byte(report.ChartFile)) {
		t.Errorf("Finish: %v, want an *os.LinkError naming %s", err, report.ChartFile)
	}
	if err := d.Decision(report.Decision{}); !errors.Is(err, report.ErrClosed) {
		t.Errorf("Decision after a failed Finish: %v, want ErrClosed", err)
	}
}

func TestDirConcurrent(t *testing.T) {
	d, err := report.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				dec := report.Decision{Summary: fmt.Sprintf("%d/%d", w, i), Changes: "x"}
				if err := d.Decision(dec); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() { _ = d.Path(report.DecisionsFile) })
	wg.Wait()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, dec := range readDecisions(t, d.Path(report.DecisionsFile)) {
		if seen[dec.Summary] {
			t.Errorf("decision %s twice", dec.Summary)
		}
		seen[dec.Summary] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d decisions, want %d", len(seen), writers*each)
	}
}
