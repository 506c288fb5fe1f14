package adaptivetimeout

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// defaultRow is one documented default: the field, the text after
// "Default:" in its godoc, and the value in effect when it is left zero.
type defaultRow struct {
	field, doc string
	got, want  any
}

// TestConfigDefaults checks every field documented with "Default: X" of
// Config, Fixed, BeamLoop and BatchLoop against X, as the zero value's
// effective value: what New, the zero Default, the zero Fixed and the
// loops' Run use.
func TestConfigDefaults(t *testing.T) {
	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	zero := (&Default{}).config()
	cfg := d.config()
	if zero != cfg {
		t.Errorf("the zero Default uses %+v, New(Config{}) %+v", zero, cfg)
	}
	lo, hi := (&Default{}).Bounds()
	batch := BatchLoop{}.withDefaults()
	tables := map[string][]defaultRow{
		"Config": {
			{"MinWait", "0, the loop only looks whether an idle reader holds a record", lo, time.Duration(0)},
			{"MaxWait", "DefaultMaxWait (50ms)", hi, 50 * time.Millisecond},
			{"Headroom", "DefaultHeadroom (1.5)", cfg.Headroom, 1.5},
			{"Margin", "DefaultMargin (1ms)", cfg.Margin, time.Millisecond},
			{"RateWindow", "DefaultRateWindow (1s)", cfg.RateWindow, time.Second},
			{"Smoothing", "DefaultSmoothing (0.25)", cfg.Smoothing, 0.25},
		},
		"Fixed": {
			{"Wait", "BeamDequeueTimeout (10ms)", Fixed{}.NewReader().Next(time.Time{}, Outcome{}), 10 * time.Millisecond},
		},
		"BeamLoop": {
			{"Sleep", "BeamIdleSleep (50ms)", beamLoopSleep(t), 50 * time.Millisecond},
		},
		"BatchLoop": {
			{"Batch", "DefaultBatch (500)", batch.Batch, 500},
			{"MaxBatch", "4 x Batch", batch.MaxBatch, 2000},
			{"MaxVisit", "DefaultMaxVisit (10ms)", batch.MaxVisit, 10 * time.Millisecond},
			{"IdleWait", "DefaultIdleWait (50ms)", batch.IdleWait, 50 * time.Millisecond},
		},
	}
	for typ, rows := range tables {
		checkDefaults(t, typ, rows)
	}
}

// beamLoopSleep runs the zero BeamLoop over one idle reader until its
// first Sleep and returns the pause.
func beamLoopSleep(t *testing.T) time.Duration {
	t.Helper()
	src := &sleepSource{}
	if err := (BeamLoop{}).Run(t.Context(), src, NoWait{}); err != errSlept {
		t.Fatalf("BeamLoop.Run: %v", err)
	}
	return src.slept
}

var errSlept = &sleepError{}

type sleepError struct{}

func (*sleepError) Error() string { return "slept" }

// sleepSource is one reader that never holds a record; its Sleep records
// the pause and ends the run.
type sleepSource struct{ slept time.Duration }

func (*sleepSource) Len() int       { return 1 }
func (*sleepSource) Now() time.Time { return time.Unix(0, 0) }
func (*sleepSource) Wait(_ context.Context, _ int, _ time.Duration) (Ready, error) {
	return Ready{Backlog: Unknown}, nil
}
func (*sleepSource) Emit(context.Context, int, int) error             { return nil }
func (*sleepSource) WaitAny(context.Context, time.Duration) error     { return nil }
func (s *sleepSource) Sleep(_ context.Context, d time.Duration) error { s.slept = d; return errSlept }

// checkDefaults checks rows against the godoc of typ's fields: every field
// documenting a default has a row with that text, and its value is the
// expected one.
func checkDefaults(t *testing.T, typ string, rows []defaultRow) {
	t.Helper()
	docs := documentedDefaults(t, typ)
	for _, r := range rows {
		if docs[r.field] != r.doc {
			t.Errorf("%s.%s: godoc says Default: %q, the table %q", typ, r.field, docs[r.field], r.doc)
		}
		delete(docs, r.field)
		if !reflect.DeepEqual(r.got, r.want) {
			t.Errorf("%s.%s: default is %v, documented %q (%v)", typ, r.field, r.got, r.doc, r.want)
		}
	}
	for f, d := range docs {
		t.Errorf("%s.%s documents Default: %q and has no row", typ, f, d)
	}
}

var defaultRE = regexp.MustCompile(`Defaults?: (.*?)\.(\s|$)`)

// documentedDefaults returns, per field of struct type typ declared in the
// package's non-test files, the text after "Default:" in its godoc, up to
// the end of that sentence.
func documentedDefaults(t *testing.T, typ string) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	out := map[string]string{}
	found := false
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != typ {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			found = true
			for _, fld := range st.Fields.List {
				m := defaultRE.FindStringSubmatch(strings.Join(strings.Fields(fld.Doc.Text()), " "))
				for _, id := range fld.Names {
					if m != nil {
						out[id.Name] = m[1]
					}
				}
			}
			return false
		})
	}
	if !found {
		t.Fatalf("no struct type %s in the package", typ)
	}
	return out
}
