package adaptivetimeout

import (
	"context"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// TestConfigDefaults checks every field documented with "Default: X" of
// DefaultConfig, Fixed, BeamLoop and BatchLoop against X, as the zero
// value's effective value: what NewDefault, the zero Default, the zero
// Fixed and the loops' Run use.
func TestConfigDefaults(t *testing.T) {
	d, err := NewDefault(DefaultConfig{})
	if err != nil {
		t.Fatal(err)
	}
	zero := (&Default{}).config()
	cfg := d.config()
	if zero != cfg {
		t.Errorf("the zero Default uses %+v, NewDefault(DefaultConfig{}) %+v", zero, cfg)
	}
	lo, hi := (&Default{}).Bounds()
	batch := BatchLoop{}.withDefaults()
	tables := map[string][]docdefaults.Row{
		"DefaultConfig": {
			{Field: "MinWait", Doc: "0, the loop only looks whether an idle reader holds a record", Got: lo, Want: time.Duration(0)},
			{Field: "MaxWait", Doc: "DefaultMaxWait (50ms)", Got: hi, Want: 50 * time.Millisecond},
			{Field: "Headroom", Doc: "DefaultHeadroom (1.5)", Got: cfg.Headroom, Want: 1.5},
			{Field: "Margin", Doc: "DefaultMargin (1ms)", Got: cfg.Margin, Want: time.Millisecond},
			{Field: "RateWindow", Doc: "DefaultRateWindow (1s)", Got: cfg.RateWindow, Want: time.Second},
			{Field: "Smoothing", Doc: "DefaultSmoothing (0.25)", Got: cfg.Smoothing, Want: 0.25},
		},
		"Fixed": {
			{Field: "Wait", Doc: "BeamDequeueTimeout (10ms)", Got: Fixed{}.NewReader().Next(time.Time{}, Outcome{}), Want: 10 * time.Millisecond},
		},
		"BeamLoop": {
			{Field: "Sleep", Doc: "BeamIdleSleep (50ms)", Got: beamLoopSleep(t), Want: 50 * time.Millisecond},
		},
		"BatchLoop": {
			{Field: "Batch", Doc: "DefaultBatch (500)", Got: batch.Batch, Want: 500},
			{Field: "MaxBatch", Doc: "4 x Batch", Got: batch.MaxBatch, Want: 2000},
			{Field: "MaxVisit", Doc: "DefaultMaxVisit (10ms)", Got: batch.MaxVisit, Want: 10 * time.Millisecond},
			{Field: "IdleWait", Doc: "DefaultIdleWait (50ms)", Got: batch.IdleWait, Want: 50 * time.Millisecond},
		},
	}
	for typ, rows := range tables {
		docdefaults.Check(t, ".", typ, rows)
	}
}

// beamLoopSleep runs the zero BeamLoop over one idle reader until its
// first Sleep and returns the pause.
func beamLoopSleep(t *testing.T) time.Duration {
	t.Helper()
	src := &sleepSource{}
	if err := (BeamLoop{}).Run(t.Context(), src, NoWait{}); err != errSlept {
		t.Fatalf("BeamLoop.Run: %v", err)
	}
	return src.slept
}

var errSlept = &sleepError{}

type sleepError struct{}

func (*sleepError) Error() string { return "slept" }

// sleepSource is one reader that never holds a record; its Sleep records
// the pause and ends the run.
type sleepSource struct{ slept time.Duration }

func (*sleepSource) Len() int       { return 1 }
func (*sleepSource) Now() time.Time { return time.Unix(0, 0) }
func (*sleepSource) Wait(_ context.Context, _ int, _ time.Duration) (Ready, error) {
	return Ready{Backlog: Unknown[int64](NoFetchResponse)}, nil
}
func (*sleepSource) Emit(context.Context, int, int) error             { return nil }
func (*sleepSource) WaitAny(context.Context, time.Duration) error     { return nil }
func (s *sleepSource) Sleep(_ context.Context, d time.Duration) error { s.slept = d; return errSlept }
