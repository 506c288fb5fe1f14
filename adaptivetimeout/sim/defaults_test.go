package sim

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// TestConfigDefaults checks every field documented with "Default: X" of
// Config and Traffic against X, as the zero value's effective value: what
// Run simulates with (its Result.Duration, its source's configuration) and
// the partition a zero Traffic makes.
func TestConfigDefaults(t *testing.T) {
	res, err := Run(t.Context(), Config{Readers: []Traffic{{}}, Duration: 0}, adaptivetimeout.BatchLoop{}, adaptivetimeout.NoWait{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Readers: []Traffic{{}}}.withDefaults() // what Run runs with
	p := newPartition(Traffic{}, rand.New(rand.NewPCG(1, 1)))
	_, arrives := p.arrival(0)
	tables := map[string][]struct {
		field, doc string
		got, want  any
	}{
		"Config": {
			{"Duration", "DefaultDuration (10s)", res.Duration, 10 * time.Second},
			{"Latency", "DefaultLatency (2ms)", cfg.Latency, 2 * time.Millisecond},
			{"Jitter", "0", cfg.Jitter, time.Duration(0)},
			{"MaxBatch", "DefaultMaxBatch (500)", cfg.MaxBatch, 500},
			{"RecordCost", "DefaultRecordCost (5µs)", cfg.RecordCost, 5 * time.Microsecond},
			{"VisitCost", "DefaultVisitCost (1µs)", cfg.VisitCost, time.Microsecond},
		},
		"Traffic": {
			{"Backlog", "0", p.initial, int64(0)},
			{"Every", "0, no arrivals", arrives, false},
			{"Burst", "1", p.burst, 1},
		},
	}
	for typ, rows := range tables {
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
