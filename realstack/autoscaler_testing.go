package realstack

import (
	"context"
	"testing"
)

// StartAutoscaler starts the operator's autoscaler for a test (see
// NewAutoscaler) and fails the test if it cannot. A cleanup registered on
// tb stops it; when the test failed it keeps the run directory (its log
// and records) and logs its path and the log's last lines, otherwise it
// removes the directory. cfg.Logger defaults to one writing to tb.Log.
func StartAutoscaler(tb testing.TB, cfg AutoscalerConfig) *Autoscaler {
	tb.Helper()
	dir, cleanupDir := runDir(tb, cfg.Dir, "autoscaler")
	cfg.Dir = dir
	if cfg.Logger == nil {
		cfg.Logger = testLogger(tb)
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultSetupTimeout)
	defer cancel()
	a, err := NewAutoscaler(ctx, cfg)
	if err != nil {
		cleanupDir(true)
		tb.Fatalf("realstack: starting the autoscaler: %v", err)
	}
	tb.Cleanup(func() {
		if err := a.Close(); err != nil {
			tb.Errorf("realstack: stopping the autoscaler: %v", err)
		}
		if tb.Failed() {
			tb.Logf("realstack: autoscaler log %s, last lines:\n%s", a.LogPath(), tailFile(a.LogPath(), logTailLines))
		}
		cleanupDir(tb.Failed())
	})
	return a
}
