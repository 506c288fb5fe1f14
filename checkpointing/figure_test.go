package checkpointing_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/checkpointing"
)

func TestFigure(t *testing.T) {
	for _, tt := range []struct {
		f      checkpointing.Figure[time.Duration]
		str    string
		json   string
		reason checkpointing.Reason
	}{
		{checkpointing.Known(25 * time.Second), "25s", `{"value":25000000000}`, ""},
		{checkpointing.Known[time.Duration](0), "0s", `{"value":0}`, ""}, // a 0 s alignment is a measurement
		{checkpointing.Unknown[time.Duration](checkpointing.NotReported), "unknown (not reported by Flink)", `{"unknown":"not reported by Flink"}`, checkpointing.NotReported},
		{checkpointing.Figure[time.Duration]{}, "unknown (not given)", `{"unknown":"not given"}`, checkpointing.NotGiven},
	} {
		if got := tt.f.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if tt.f.Reason() != tt.reason || tt.f.Known() != (tt.reason == "") {
			t.Errorf("%s: Known %v, Reason %q; want reason %q", tt.f, tt.f.Known(), tt.f.Reason(), tt.reason)
		}
		b, err := json.Marshal(tt.f)
		if err != nil || string(b) != tt.json {
			t.Fatalf("Marshal(%s) = %s, %v; want %s", tt.f, b, err, tt.json)
		}
		var back checkpointing.Figure[time.Duration]
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.String() != tt.f.String() {
			t.Errorf("%s -> %s -> %s", tt.f, b, back)
		}
	}
	if b, _ := json.Marshal(checkpointing.Known(false)); string(b) != `{"value":false}` {
		t.Errorf("known false = %s, want {\"value\":false}", b)
	}
}

// Every configuration error wraps checkpointing's sentinel, which wraps
// the module's.
func TestErrInvalidConfigWrapsRoot(t *testing.T) {
	_, e1 := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{MinGrowthPoints: 1})
	_, e2 := checkpointing.NewDefaultBundlePolicy(checkpointing.DefaultBundlePolicyConfig{MaxSize: -1})
	_, e3 := checkpointing.NewDefaultCheckpointPolicy(checkpointing.DefaultCheckpointPolicyConfig{NearTimeout: 2})
	_, _, e4 := checkpointing.ParseBeamArgs([]string{"--maxBundleSize=-5"})
	for _, err := range []error{e1, e2, e3, e4, checkpointing.OptionsConfig{Copies: -1}.Validate()} {
		if !errors.Is(err, checkpointing.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("%v: want checkpointing.ErrInvalidConfig and flinkscale.ErrInvalidConfig", err)
		}
	}
}
