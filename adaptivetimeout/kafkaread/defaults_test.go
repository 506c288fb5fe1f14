package kafkaread

import (
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
)

// TestConfigDefaults checks every field of Config documented with
// "Default: X" against X, as what New keeps for the zero field (New does
// no I/O, so an unreachable broker will do).
func TestConfigDefaults(t *testing.T) {
	r, err := New(Config{Brokers: []string{"127.0.0.1:1"}, Partitions: []Partition{{Topic: "t"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	conf, err := Config{}.saramaConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := sarama.NewConfig()
	want.Version, want.ClientID = sarama.V2_8_0_0, DefaultClientID
	want.Metadata.Full, want.Consumer.Return.Errors = false, true // New's documented changes
	rows := []struct {
		field, doc string
		got, want  any
	}{
		{"Sarama", "sarama.NewConfig() with Version sarama.V2_8_0_0 and ClientID DefaultClientID",
			saramaFigures(conf), saramaFigures(want)},
		{"Policy", "the zero adaptivetimeout.Default", r.policy, &adaptivetimeout.Default{}},
		{"Loop", "the zero adaptivetimeout.BatchLoop", r.loop, adaptivetimeout.BatchLoop{}},
		{"Buffer", "DefaultBuffer (1024)", r.cfg.Buffer, 1024},
		{"Logger", "nil, logs are discarded", r.log.Handler(), slog.DiscardHandler},
	}
	docs := documentedDefaults(t, "Config")
	for _, row := range rows {
		if docs[row.field] != row.doc {
			t.Errorf("Config.%s: godoc says Default: %q, the table %q", row.field, docs[row.field], row.doc)
		}
		delete(docs, row.field)
		if !reflect.DeepEqual(row.got, row.want) {
			t.Errorf("Config.%s: default is %v, documented %q (%v)", row.field, row.got, row.doc, row.want)
		}
	}
	for f, d := range docs {
		t.Errorf("Config.%s documents Default: %q and has no row", f, d)
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

// saramaFigures picks what two sarama configurations can be compared by
// (some fields hold pointers).
func saramaFigures(c *sarama.Config) []any {
	return []any{c.Version, c.ClientID, c.ChannelBufferSize, c.Net, c.Metadata, c.Consumer.Fetch, c.Consumer.MaxWaitTime,
		c.Consumer.MaxProcessingTime, c.Consumer.Return, c.Consumer.Offsets.Initial}
}
