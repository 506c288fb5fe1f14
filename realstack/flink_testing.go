package realstack

import (
	"context"
	"testing"
)

// StartFlink starts a Flink cluster for a test (see NewFlink) and fails
// the test if it cannot. A cleanup registered on tb stops every process;
// when the test failed it keeps the run directory and logs its path and
// the last lines of every process log, otherwise it removes the
// directory. The run directory is created under os.TempDir() (set TMPDIR
// to move it); a cfg.Dir given is used as is and never removed.
// cfg.Logger defaults to one writing to tb.Log.
func StartFlink(tb testing.TB, cfg FlinkConfig) *Flink {
	tb.Helper()
	dir, cleanupDir := runDir(tb, cfg.Dir, "flink")
	cfg.Dir = dir
	if cfg.Logger == nil {
		cfg.Logger = testLogger(tb)
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultSetupTimeout)
	defer cancel()
	f, err := NewFlink(ctx, cfg)
	if err != nil {
		cleanupDir(true)
		tb.Fatalf("realstack: starting Flink: %v", err)
	}
	tb.Cleanup(func() {
		if err := f.Close(); err != nil {
			tb.Errorf("realstack: stopping Flink: %v", err)
		}
		if tb.Failed() {
			for _, p := range f.LogPaths() {
				tb.Logf("realstack: flink log %s, last lines:\n%s", p, tailFile(p, logTailLines))
			}
		}
		cleanupDir(tb.Failed())
	})
	return f
}
