package docdefaults

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// defaultRE finds a documented default in a field's doc comment (its white
// space collapsed): "Default:" or "Defaults:", then the text up to the end
// of that sentence or of the comment.
var defaultRE = regexp.MustCompile(`\bDefaults?:\s*(.*?)(?:\.(?:\s|$)|$)`)

// Documented returns the documented defaults of the fields of struct type
// typ, declared in the non-test .go files of dir: field name to the text
// after "Default:" in its doc comment, up to the end of that sentence.
// Fields that document no default are absent. It fails t, and stops it,
// when dir declares no struct type typ or a file does not parse.
func Documented(t testing.TB, dir, typ string) map[string]string {
	t.Helper()
	return documentedFields(lookup(t, dir, typ))
}

// Package returns the documented defaults of every struct type declared in
// the non-test .go files of dir, keyed "Type.Field", with the text
// Documented gives. It fails t, and stops it, when a file does not parse.
func Package(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, st := range structs(t, dir) {
		for fld, text := range documentedFields(st.Type.(*ast.StructType)) {
			out[st.Name.Name+"."+fld] = text
		}
	}
	return out
}

// documentedFields is Documented for one parsed struct type.
func documentedFields(st *ast.StructType) map[string]string {
	out := map[string]string{}
	for _, fld := range st.Fields.List {
		m := defaultRE.FindStringSubmatch(strings.Join(strings.Fields(fld.Doc.Text()), " "))
		if m == nil {
			continue
		}
		for _, id := range fld.Names {
			out[id.Name] = m[1]
		}
	}
	return out
}

// lookup returns struct type typ of dir, failing t without one.
func lookup(t testing.TB, dir, typ string) *ast.StructType {
	t.Helper()
	for _, ts := range structs(t, dir) {
		if ts.Name.Name == typ {
			return ts.Type.(*ast.StructType)
		}
	}
	t.Fatalf("docdefaults: no struct type %s in %s", typ, dir)
	return nil
}

// structs parses the non-test .go files of dir and returns the
// declarations of its package-level struct types.
func structs(t testing.TB, dir string) []*ast.TypeSpec {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatalf("docdefaults: %v", err)
	}
	fset := token.NewFileSet()
	var out []*ast.TypeSpec
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatalf("docdefaults: %v", err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				if ts, ok := spec.(*ast.TypeSpec); ok {
					if _, ok := ts.Type.(*ast.StructType); ok {
						out = append(out, ts)
					}
				}
			}
		}
	}
	return out
}
