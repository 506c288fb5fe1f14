package figure_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/figure"
)

func TestFigure(t *testing.T) {
	const noLeader figure.Reason = "partition has no leader"
	for _, tt := range []struct {
		name   string
		f      any // a Figure of some T
		str    string
		json   string
		known  bool
		reason figure.Reason
	}{
		{"known duration", figure.Known(25 * time.Second), "25s", `{"value":25000000000}`, true, ""},
		{"known zero duration", figure.Known[time.Duration](0), "0s", `{"value":0}`, true, ""}, // a 0 s alignment is a measurement
		{"known count", figure.Known[int64](180), "180", `{"value":180}`, true, ""},
		{"known zero count", figure.Known[int64](0), "0", `{"value":0}`, true, ""},
		{"known negative count", figure.Known[int64](-1), "-1", `{"value":-1}`, true, ""}, // only a package's own rules reject it
		{"known false", figure.Known(false), "false", `{"value":false}`, true, ""},
		{"known rate", figure.Known(1.5), "1.5", `{"value":1.5}`, true, ""},
		{"unknown", figure.Unknown[int64](noLeader), "unknown (partition has no leader)", `{"unknown":"partition has no leader"}`, false, noLeader},
		{"unknown fact", figure.Unknown[bool](noLeader), "unknown (partition has no leader)", `{"unknown":"partition has no leader"}`, false, noLeader},
		{"zero", figure.Figure[time.Duration]{}, "unknown (not given)", `{"unknown":"not given"}`, false, figure.NotGiven},
		{"empty reason", figure.Unknown[int64](""), "unknown (not given)", `{"unknown":"not given"}`, false, figure.NotGiven},
	} {
		t.Run(tt.name, func(t *testing.T) {
			type figureOf interface {
				Known() bool
				Reason() figure.Reason
				String() string
			}
			f := tt.f.(figureOf)
			if got := f.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			if f.Known() != tt.known || f.Reason() != tt.reason {
				t.Errorf("Known() = %v, Reason() = %q; want %v, %q", f.Known(), f.Reason(), tt.known, tt.reason)
			}
			b, err := json.Marshal(tt.f)
			if err != nil || string(b) != tt.json {
				t.Fatalf("Marshal = %s, %v; want %s", b, err, tt.json)
			}
		})
	}
}

func TestValue(t *testing.T) {
	if v, ok := figure.Known[int64](0).Value(); v != 0 || !ok {
		t.Errorf("Known(0).Value() = %d, %v; want 0, true", v, ok)
	}
	if _, ok := figure.Unknown[int64]("x").Value(); ok {
		t.Error("Unknown(x).Value() reports ok")
	}
	if _, ok := (figure.Figure[bool]{}).Value(); ok {
		t.Error("the zero Figure's Value() reports ok")
	}
}

// The zero Figure, an empty reason and NotGiven are one figure, so that ==
// agrees with Reason and a JSON round trip keeps equality.
func TestNotGivenIsTheZeroFigure(t *testing.T) {
	zero := figure.Figure[int64]{}
	if figure.Unknown[int64]("") != zero || figure.Unknown[int64](figure.NotGiven) != zero {
		t.Error("Unknown(\"\") and Unknown(NotGiven) differ from the zero Figure")
	}
	if figure.Unknown[int64]("other") == zero {
		t.Error("Unknown(other) equals the zero Figure")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, f := range []figure.Figure[time.Duration]{
		figure.Known(90 * time.Second),
		figure.Known[time.Duration](0),
		figure.Known[time.Duration](math.MaxInt64),
		figure.Known[time.Duration](-time.Second),
		figure.Unknown[time.Duration]("too few end-offset observations"),
		figure.Unknown[time.Duration](figure.NotGiven),
		{},
	} {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var back figure.Figure[time.Duration]
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s -> %s: %v", f, b, err)
		}
		if back != f {
			t.Errorf("%s -> %s -> %s", f, b, back)
		}
	}
}

func TestUnmarshalJSON(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    figure.Figure[int64]
		wantErr bool
	}{
		{`{"value":7}`, figure.Known[int64](7), false},
		{`{"value":0}`, figure.Known[int64](0), false},
		{`{"value":7,"unknown":"x"}`, figure.Known[int64](7), false}, // a value wins
		{`{"unknown":"x"}`, figure.Unknown[int64]("x"), false},
		{`{"unknown":""}`, figure.Figure[int64]{}, false},
		{`{}`, figure.Figure[int64]{}, false},
		{`null`, figure.Figure[int64]{}, false},
		{`{"value":null}`, figure.Figure[int64]{}, false},
		{`{"value":"7"}`, figure.Figure[int64]{}, true},
		{`{"value":1.5}`, figure.Figure[int64]{}, true},
		{`7`, figure.Figure[int64]{}, true},
		{`{"unknown":3}`, figure.Figure[int64]{}, true},
	} {
		got := figure.Known[int64](-99) // overwritten on success
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal(%s) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("Unmarshal(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// In a struct, a Figure field takes its JSON form, and a missing field is
// not given.
func TestJSONInStruct(t *testing.T) {
	type report struct {
		Lag   figure.Figure[time.Duration] `json:"lag"`
		Bytes figure.Figure[int64]         `json:"bytes"`
	}
	b, err := json.Marshal(report{Lag: figure.Known(time.Second), Bytes: figure.Unknown[int64]("no record size observed")})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"lag":{"value":1000000000},"bytes":{"unknown":"no record size observed"}}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var r report
	if err := json.Unmarshal([]byte(`{"lag":{"value":5}}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Lag != figure.Known[time.Duration](5) || r.Bytes.Reason() != figure.NotGiven {
		t.Errorf("Unmarshal = %+v", r)
	}
}

// Whatever UnmarshalJSON accepts, MarshalJSON writes in one of the two
// forms, and reading that back gives the same figure.
func FuzzUnmarshalJSON(f *testing.F) {
	for _, s := range []string{
		`{"value":7}`, `{"value":-7}`, `{"unknown":"no leader"}`, `{"unknown":""}`, `{}`, `null`,
		`{"value":7,"unknown":"x"}`, `{"value":null}`, `[]`, `{"value":9223372036854775808}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var x figure.Figure[int64]
		if err := json.Unmarshal(b, &x); err != nil {
			return
		}
		if !x.Known() && x.Reason() == "" {
			t.Fatalf("%s: unknown with no reason", b)
		}
		out, err := json.Marshal(x)
		if err != nil {
			t.Fatalf("%s: Marshal(%s): %v", b, x, err)
		}
		var back figure.Figure[int64]
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s -> %s: %v", b, out, err)
		}
		if back != x {
			t.Fatalf("%s -> %s -> %s, want %s", b, out, back, x)
		}
	})
}
