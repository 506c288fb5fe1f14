package docdefaults

import (
	"go/ast"
	"maps"
	"math"
	"reflect"
	"slices"
	"testing"
)

// Row is one documented default in a table Check reads: a field, the
// text its doc comment gives the default, and the value in effect when the
// field is left zero next to the value that text promises.
type Row struct {
	// Field is the field's name.
	Field string
	// Doc is the text after "Default:" in the field's doc comment, as
	// Documented returns it; "" for a field that documents no default of
	// its own (one whose neighbour's "Defaults:" sentence states it, or a
	// required field under EveryField).
	Doc string
	// Got is the effective value of the zero field, read from what the
	// package runs with; Want is the value Doc promises.
	Got, Want any
}

// Option changes how Check compares a table with a type.
type Option func(*options)

type options struct {
	everyField bool
	tolerance  float64
}

// EveryField makes Check also require a row for every exported field of
// the type, documented default or not, so that a new field cannot go
// without one.
func EveryField() Option { return func(o *options) { o.everyField = true } }

// Tolerance makes Check take a float64 Got and a float64 Want as equal
// when they differ by at most eps.
func Tolerance(eps float64) Option { return func(o *options) { o.tolerance = eps } }

// Check checks rows against struct type typ declared in the non-test .go
// files of dir, reporting each mismatch with t.Errorf: a row whose Doc is
// not the field's documented default (see Documented), a row whose Got is
// not its Want (reflect.DeepEqual, or see Tolerance), a row for a field
// the type does not have, and a field that documents a default but has no
// row. Several rows may check one field. It fails t, and stops it, as
// Documented does.
func Check(t testing.TB, dir, typ string, rows []Row, opts ...Option) {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	st := lookup(t, dir, typ)
	docs, names := documentedFields(st), fieldNames(st)
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.Field] = true
		switch {
		case !slices.Contains(names, r.Field):
			t.Errorf("%s.%s: the type has no such field", typ, r.Field)
		case docs[r.Field] != r.Doc:
			t.Errorf("%s.%s: godoc says Default: %q, the table %q", typ, r.Field, docs[r.Field], r.Doc)
		}
		if !o.equal(r.Got, r.Want) {
			t.Errorf("%s.%s: default is %v, documented %q (%v)", typ, r.Field, r.Got, r.Doc, r.Want)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(docs)) {
		if !covered[f] {
			t.Errorf("%s.%s documents Default: %q and has no row", typ, f, docs[f])
		}
	}
	for _, f := range names {
		if o.everyField && ast.IsExported(f) && !covered[f] {
			t.Errorf("%s.%s has no row in the defaults table", typ, f)
		}
	}
}

// equal compares a row's values under o.
func (o options) equal(got, want any) bool {
	g, gok := got.(float64)
	w, wok := want.(float64)
	if o.tolerance > 0 && gok && wok && math.Abs(g-w) <= o.tolerance {
		return true
	}
	return reflect.DeepEqual(got, want)
}

// fieldNames lists st's field names, an embedded field named by its type.
func fieldNames(st *ast.StructType) []string {
	var out []string
	for _, fld := range st.Fields.List {
		for _, id := range fld.Names {
			out = append(out, id.Name)
		}
		if len(fld.Names) == 0 {
			out = append(out, embeddedName(fld.Type))
		}
	}
	return out
}

// embeddedName is the field name of an embedded type expression: T, *T,
// pkg.T, T[P].
func embeddedName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return embeddedName(x.X)
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.IndexExpr:
		return embeddedName(x.X)
	case *ast.IndexListExpr:
		return embeddedName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}
