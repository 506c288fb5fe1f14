package docdefaults

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records what Errorf and Fatalf report;
// Fatalf also stops the goroutine, as testing's does. Other methods go to
// the test running it.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	runtime.Goexit()
}

// record runs f with a recorder on a goroutine of its own (Fatalf ends it)
// and returns the recorder.
func record(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

const sample = "testdata"

// notQuite is 0.1 computed in float64: 0.09999999999999998.
var notQuite = func(a, b float64) float64 { return a - b }(0.3, 0.2)

func TestDocumented(t *testing.T) {
	got := Documented(t, sample, "Config")
	want := map[string]string{
		"Timeout": "10 s",
		"Retries": "DefaultRetries (3)",
		"Ratio":   "0.1",
		"MinWait": "1 ms and 1 s",
		"MaxWait": "1 ms and 1 s",
		"Limit":   "none",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Documented = %q, want %q", got, want)
	}
}

func TestPackage(t *testing.T) {
	got := Package(t, sample)
	want := map[string]string{
		"Config.Timeout":  "10 s",
		"Config.Retries":  "DefaultRetries (3)",
		"Config.Ratio":    "0.1",
		"Config.MinWait":  "1 ms and 1 s",
		"Config.MaxWait":  "1 ms and 1 s",
		"Config.Limit":    "none",
		"Options.Verbose": "false", // and nothing of Extra, declared in a test file
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Package = %q, want %q", got, want)
	}
}

func TestNoStructFails(t *testing.T) {
	broken := t.TempDir() // not in testdata, where gofmt would trip on it
	if err := os.WriteFile(filepath.Join(broken, "broken.go"), []byte("package broken\n\ntype Config struct {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ dir, typ, want string }{
		{sample, "Level", "docdefaults: no struct type Level in testdata"},
		{sample, "Missing", "docdefaults: no struct type Missing in testdata"},
		{sample, "Extra", "docdefaults: no struct type Extra in testdata"},
		{broken, "Config", "docdefaults: " + filepath.Join(broken, "broken.go") + ":3:"},
	} {
		r := record(t, func(tb testing.TB) { Documented(tb, tt.dir, tt.typ) })
		if !r.fatal || len(r.errors) != 1 || !strings.HasPrefix(r.errors[0], tt.want) {
			t.Errorf("Documented(%s, %s): fatal %v, errors %q; want one fatal %q", tt.dir, tt.typ, r.fatal, r.errors, tt.want)
		}
	}
	if r := record(t, func(tb testing.TB) { Package(tb, broken) }); !r.fatal {
		t.Errorf("Package of a directory that does not parse: errors %q, want a fatal one", r.errors)
	}
}

// rows is a correct table for sample's Config.
func rows() []Row {
	return []Row{
		{"Timeout", "10 s", 10 * time.Second, 10 * time.Second},
		{"Retries", "DefaultRetries (3)", 3, 3},
		{"Ratio", "0.1", 0.1, 0.1},
		{"MinWait", "1 ms and 1 s", time.Millisecond, time.Millisecond},
		{"MaxWait", "1 ms and 1 s", time.Second, time.Second},
		{"Limit", "none", 0, 0},
	}
}

// without returns rows without the one for field.
func without(rows []Row, field string) []Row {
	var out []Row
	for _, r := range rows {
		if r.Field != field {
			out = append(out, r)
		}
	}
	return out
}

// with returns rows with the one for field changed by f.
func with(rows []Row, field string, f func(*Row)) []Row {
	for i := range rows {
		if rows[i].Field == field {
			f(&rows[i])
		}
	}
	return rows
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		rows []Row
		opts []Option
		want []string
	}{
		{"every documented default", rows(), nil, nil},
		{"a second row for a field", append(rows(), Row{"Timeout", "10 s", "10s", "10s"}), nil, nil},
		{"a row for an undocumented field", append(rows(), Row{"Name", "", "", ""}), nil, nil},
		{"a row for an unexported field", append(rows(), Row{"hidden", "", 0, 0}), nil, nil},
		{"a missing row", without(rows(), "Retries"), nil, []string{
			`Config.Retries documents Default: "DefaultRetries (3)" and has no row`}},
		{"a wrong text", with(rows(), "Timeout", func(r *Row) { r.Doc = "10s" }), nil, []string{
			`Config.Timeout: godoc says Default: "10 s", the table "10s"`}},
		{"a text for an undocumented field", append(rows(), Row{"Name", "client", "", ""}), nil, []string{
			`Config.Name: godoc says Default: "", the table "client"`}},
		{"a wrong value", with(rows(), "Retries", func(r *Row) { r.Got = 4 }), nil, []string{
			`Config.Retries: default is 4, documented "DefaultRetries (3)" (3)`}},
		{"a value of another type", with(rows(), "Retries", func(r *Row) { r.Got = int64(3) }), nil, []string{
			`Config.Retries: default is 3, documented "DefaultRetries (3)" (3)`}},
		{"a row for no field", append(rows(), Row{"Timeuot", "", 0, 0}), nil, []string{
			`Config.Timeuot: the type has no such field`}},
		{"a float off by a rounding error", with(rows(), "Ratio", func(r *Row) { r.Got = notQuite }), nil, []string{
			`Config.Ratio: default is 0.09999999999999998, documented "0.1" (0.1)`}},
		{"a float within the tolerance", with(rows(), "Ratio", func(r *Row) { r.Got = notQuite }), []Option{Tolerance(1e-12)}, nil},
		{"a float beyond the tolerance", with(rows(), "Ratio", func(r *Row) { r.Got = 0.2 }), []Option{Tolerance(1e-12)}, []string{
			`Config.Ratio: default is 0.2, documented "0.1" (0.1)`}},
		{"every field, two without a row", rows(), []Option{EveryField()}, []string{
			`Config.Name has no row in the defaults table`,
			`Config.Options has no row in the defaults table`}},
		{"every field", append(rows(), Row{"Name", "", "", ""}, Row{"Options", "", false, false}), []Option{EveryField()}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := record(t, func(tb testing.TB) { Check(tb, sample, "Config", tt.rows, tt.opts...) })
			if r.fatal || !reflect.DeepEqual(r.errors, tt.want) {
				t.Errorf("Check reported (fatal %v):\n%s\nwant:\n%s", r.fatal, strings.Join(r.errors, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestCheckNoStructFails(t *testing.T) {
	r := record(t, func(tb testing.TB) { Check(tb, sample, "Level", nil) })
	if !r.fatal {
		t.Errorf("Check of a type that is not a struct: errors %q, want a fatal one", r.errors)
	}
}
