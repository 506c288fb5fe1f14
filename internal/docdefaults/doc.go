// Package docdefaults reads the defaults a struct's godoc documents and
// checks a table of effective values against them. It is test support for
// the module's own packages, whose configuration fields each say
// "Default: X." (house style: a test proves every documented default of
// the zero Config).
//
// A field documents a default when its doc comment contains "Default:" (or
// "Defaults:", for fields that share a comment); the default's text is what
// follows, up to the end of that sentence, with runs of white space as one
// space. The package's non-test .go files in a directory are parsed with
// go/parser; nothing is compiled or imported.
//
// A package's defaults test builds the zero value, reads what it runs with,
// and lists one Row per field:
//
//	func TestConfigDefaults(t *testing.T) {
//		c, err := New(Config{})
//		if err != nil {
//			t.Fatal(err)
//		}
//		docdefaults.Check(t, ".", "Config", []docdefaults.Row{
//			{Field: "Timeout", Doc: "DefaultTimeout (10s)", Got: c.cfg.Timeout, Want: 10 * time.Second},
//			{Field: "Retries", Doc: "3", Got: c.cfg.Retries, Want: 3},
//		})
//	}
//
// Check then fails the test when a field documents a default and has no
// row, when a row's Doc is not the field's documented text, or when a
// row's Got is not its Want: a default that drifts from its doc, a doc
// that drifts from the table, and a new default without a test.
// [EveryField] also requires a row for every exported field, documented or
// not; [Tolerance] compares float64 values within a bound. [Package] lists
// the documented defaults of every struct in a package, for a test that
// checks them elsewhere than in one table.
//
// The functions report through the testing.TB they are given and keep no
// state: they are safe for concurrent use.
package docdefaults
