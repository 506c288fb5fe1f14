package adaptivetimeout_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/figure"
)

func TestFigure(t *testing.T) {
	for _, tt := range []struct {
		f      adaptivetimeout.Figure[time.Duration]
		str    string
		json   string
		known  bool
		reason adaptivetimeout.Reason
	}{
		{adaptivetimeout.Known(30 * time.Millisecond), "30ms", `{"value":30000000}`, true, ""},
		{adaptivetimeout.Known[time.Duration](0), "0s", `{"value":0}`, true, ""}, // a known 0 stays a 0
		{adaptivetimeout.Unknown[time.Duration](adaptivetimeout.NotMeasured), "unknown (not measured since the previous wait)",
			`{"unknown":"not measured since the previous wait"}`, false, adaptivetimeout.NotMeasured},
		// The zero Figure is figure.Figure's: unknown, not given.
		{adaptivetimeout.Figure[time.Duration]{}, "unknown (not given)", `{"unknown":"not given"}`, false, figure.NotGiven},
	} {
		if got := tt.f.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if _, ok := tt.f.Value(); ok != tt.known || tt.f.Known() != tt.known || tt.f.Reason() != tt.reason {
			t.Errorf("%s: known %v, reason %q; want %v, %q", tt.f, ok, tt.f.Reason(), tt.known, tt.reason)
		}
		b, err := json.Marshal(tt.f)
		if err != nil || string(b) != tt.json {
			t.Fatalf("Marshal(%s) = %s, %v; want %s", tt.f, b, err, tt.json)
		}
		var back adaptivetimeout.Figure[time.Duration]
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back != tt.f {
			t.Errorf("%s -> %s -> %s", tt.f, b, back)
		}
	}
}
