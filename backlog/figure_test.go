package backlog_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
)

func TestSumAndMaxNeverTurnUnknownIntoZero(t *testing.T) {
	k := backlog.Known[int64]
	u := backlog.Unknown[int64]
	tests := []struct {
		name     string
		in       []backlog.Figure[int64]
		sum, max string
	}{
		{"none", nil, "unknown (no partitions)", "unknown (no partitions)"},
		{"all known", []backlog.Figure[int64]{k(1), k(5), k(2)}, "8", "5"},
		{"zeros are known", []backlog.Figure[int64]{k(0), k(0)}, "0", "0"},
		{"one unknown", []backlog.Figure[int64]{k(1), u(backlog.NoLeader), k(2)}, "unknown (some partitions unknown)", "unknown (some partitions unknown)"},
		{"all unknown, same reason", []backlog.Figure[int64]{u(backlog.NoLeader), u(backlog.NoLeader)}, "unknown (partition has no leader)", "unknown (partition has no leader)"},
		{"all unknown, mixed reasons", []backlog.Figure[int64]{u(backlog.NoLeader), u(backlog.FetchFailed)}, "unknown (some partitions unknown)", "unknown (some partitions unknown)"},
		{"zero value is unknown", []backlog.Figure[int64]{{}, k(3)}, "unknown (some partitions unknown)", "unknown (some partitions unknown)"},
		{"only zero values", []backlog.Figure[int64]{{}, {}}, "unknown (not given)", "unknown (not given)"},
		{"negative is invalid", []backlog.Figure[int64]{k(-1)}, "unknown (invalid value reported)", "unknown (invalid value reported)"},
	}
	for _, tt := range tests {
		if got := backlog.Sum(tt.in...).String(); got != tt.sum {
			t.Errorf("%s: Sum = %s, want %s", tt.name, got, tt.sum)
		}
		if got := backlog.Max(tt.in...).String(); got != tt.max {
			t.Errorf("%s: Max = %s, want %s", tt.name, got, tt.max)
		}
	}
}

func TestFigureJSON(t *testing.T) {
	for _, f := range []backlog.Figure[time.Duration]{
		backlog.Known(90 * time.Second), backlog.Known[time.Duration](0), backlog.Unknown[time.Duration](backlog.TooFewPoints), {},
	} {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var back backlog.Figure[time.Duration]
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back != f {
			t.Errorf("%s -> %s -> %s", f, b, back)
		}
	}
	for f, want := range map[backlog.Figure[int64]]string{
		backlog.Known[int64](0):                  `{"value":0}`,
		backlog.Unknown[int64](backlog.NoLeader): `{"unknown":"partition has no leader"}`,
		{}:                                       `{"unknown":"not given"}`, // the zero Figure is figure.Figure's
	} {
		if b, _ := json.Marshal(f); string(b) != want {
			t.Errorf("Marshal(%s) = %s, want %s", f, b, want)
		}
	}
}
