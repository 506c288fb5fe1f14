package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Names of the files in an output directory.
const (
	DecisionsFile = "decisions.jsonl"
	ChartFile     = "chart.svg"
	SummaryFile   = "summary.json"
)

// ErrClosed is returned by Dir.Decision after the Dir was closed or
// finished.
var ErrClosed = errors.New("report: output directory closed")

// Dir is the demo's output directory: decisions.jsonl, written as the run
// goes, then chart.svg and summary.json, written by Finish. Make one with
// OpenDir. It is safe for concurrent use.
type Dir struct {
	dir string

	mu     sync.Mutex
	f      *os.File // decisions.jsonl; nil once closed
	closed bool
	err    error // of the first Close
}

// OpenDir creates dir (and its parents) if needed and creates or
// truncates dir/decisions.jsonl.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: create output directory %s: %w", dir, err)
	}
	d := &Dir{dir: dir}
	f, err := os.Create(d.Path(DecisionsFile))
	if err != nil {
		return nil, fmt.Errorf("report: %s: %w", DecisionsFile, err)
	}
	d.f = f
	return d, nil
}

// OpenRun opens a run's own directory under root (created if needed):
// root/run-YYYYMMDD-HHMMSS of start, or with "-2", "-3", ... when that
// exists. Each is created exclusively, so concurrent runs sharing root
// never write into one directory.
func OpenRun(root string, start time.Time) (*Dir, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("report: create output directory %s: %w", root, err)
	}
	base := filepath.Join(root, "run-"+start.Format("20060102-150405"))
	dir := base
	for n := 2; ; n++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || n > 1000 {
			return nil, fmt.Errorf("report: create run directory %s: %w", dir, err)
		}
		dir = fmt.Sprintf("%s-%d", base, n)
	}
	return OpenDir(dir)
}

// Path returns the path of the file name in the directory.
func (d *Dir) Path(name string) string { return filepath.Join(d.dir, name) }

// Decision appends dec to decisions.jsonl as one line of JSON. It returns
// ErrClosed after Close or Finish.
func (d *Dir) Decision(dec Decision) error {
	line, err := json.Marshal(dec)
	if err != nil {
		return fmt.Errorf("report: %s: %w", DecisionsFile, err)
	}
	line = append(line, '\n')
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.f == nil { // nil: a Dir not made by OpenDir
		return ErrClosed
	}
	if _, err := d.f.Write(line); err != nil {
		return fmt.Errorf("report: %s: %w", DecisionsFile, err)
	}
	return nil
}

// Finish writes chart.svg (WriteChart of samples with opt) and
// summary.json (s, indented), each atomically: to a temporary file in the
// directory, then renamed. It then closes decisions.jsonl. It writes the
// files even after Close, and returns the first error.
func (d *Dir) Finish(samples []Sample, s Summary, opt ChartOptions) error {
	var chart bytes.Buffer
	err := WriteChart(&chart, samples, opt) // a bytes.Buffer does not fail
	if err == nil {
		err = d.writeAtomic(ChartFile, chart.Bytes())
	}
	if err == nil {
		var js []byte
		js, err = json.MarshalIndent(s, "", "  ")
		if err != nil {
			err = fmt.Errorf("report: %s: %w", SummaryFile, err)
		} else {
			err = d.writeAtomic(SummaryFile, append(js, '\n'))
		}
	}
	return errors.Join(err, d.Close())
}

// writeAtomic writes data to the file name through a temporary file and a
// rename, so that a reader never sees it half written.
func (d *Dir) writeAtomic(name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(d.dir, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("report: %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name()) // best effort: the error to report is err
		}
	}()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), d.Path(name))
	}
	if err != nil {
		return fmt.Errorf("report: %s: %w", name, err)
	}
	return nil
}

// Close closes decisions.jsonl. It is idempotent: later calls return the
// first call's result.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return d.err
	}
	d.closed = true
	if d.f == nil {
		return nil
	}
	if err := d.f.Close(); err != nil {
		d.err = fmt.Errorf("report: %s: %w", DecisionsFile, err)
	}
	d.f = nil
	return d.err
}
