package realstack

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// DefaultSetupTimeout bounds StartKafka: resolving the jars from a cold
// Maven repository (about 40 s here) plus starting the cluster.
const DefaultSetupTimeout = 10 * time.Minute

// KafkaVersionEnv names the environment variable StartKafka reads the
// Kafka release from when KafkaConfig.Version is empty.
const KafkaVersionEnv = "FLINKSCALE_REALSTACK_KAFKA_VERSION"

// StartKafka starts a Kafka cluster for a test (see NewKafka) and fails the
// test if it cannot. A cleanup registered on tb stops every node; when the
// test failed it keeps the run directory and logs its path and the last
// lines of every node's log, otherwise it removes the directory. The run
// directory is created under os.TempDir() (set TMPDIR to move it); a
// cfg.Dir given is used as is and never removed. cfg.Logger defaults to one
// writing to tb.Log. An empty cfg.Version is taken from the environment
// variable KafkaVersionEnv when set (to run a test suite against another
// release), else DefaultKafkaVersion.
func StartKafka(tb testing.TB, cfg KafkaConfig) *Kafka {
	tb.Helper()
	if cfg.Version == "" {
		cfg.Version = os.Getenv(KafkaVersionEnv)
	}
	dir, cleanupDir := runDir(tb, cfg.Dir, "kafka")
	cfg.Dir = dir
	if cfg.Logger == nil {
		cfg.Logger = testLogger(tb)
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultSetupTimeout)
	defer cancel()
	k, err := NewKafka(ctx, cfg)
	if err != nil {
		cleanupDir(true)
		tb.Fatalf("realstack: starting Kafka: %v", err)
	}
	tb.Cleanup(func() {
		if err := k.Close(); err != nil {
			tb.Errorf("realstack: stopping Kafka: %v", err)
		}
		if tb.Failed() {
			for _, b := range k.brokers {
				tb.Logf("realstack: kafka node %d log %s, last lines:\n%s", b.id, b.LogPath(), tailFile(b.LogPath(), logTailLines))
			}
		}
		cleanupDir(tb.Failed())
	})
	return k
}

// runDir returns dir, or a new directory under os.TempDir() named for the
// test, and a func that removes a created directory unless keep, in which
// case it logs where it is.
func runDir(tb testing.TB, dir, what string) (string, func(keep bool)) {
	tb.Helper()
	if dir != "" {
		return dir, func(keep bool) {
			if keep {
				tb.Logf("realstack: %s run directory kept: %s", what, dir)
			}
		}
	}
	name := strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(tb.Name())
	d, err := os.MkdirTemp("", fmt.Sprintf("realstack-%s-%s-", what, name))
	if err != nil {
		tb.Fatalf("realstack: run directory: %v", err)
	}
	return d, func(keep bool) {
		if keep {
			tb.Logf("realstack: %s run directory kept: %s", what, d)
			return
		}
		if err := os.RemoveAll(d); err != nil {
			tb.Errorf("realstack: removing %s: %v", d, err)
		}
	}
}

// testLogger returns a logger writing through tb.Log (used by the Start*
// helpers when the config has no Logger).
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // tb.Log has its own
			}
			return a
		},
	}))
}

// tbWriter writes each Write as one tb.Log line.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
