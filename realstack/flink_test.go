package realstack

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// The fast tier's tests of the Flink harness: no JVM is started.

func TestFlinkConfigDefaults(t *testing.T) {
	c := FlinkConfig{}.withDefaults()
	docdefaults.Check(t, ".", "FlinkConfig", []docdefaults.Row{
		{Field: "Version", Doc: "DefaultFlinkVersion", Got: c.Version, Want: DefaultFlinkVersion},
		{Field: "ConnectorVersion", Doc: "the release built for Version's line (3.4.0-1.20, 5.0.0-2.2)", Got: c.ConnectorVersion, Want: "5.0.0-2.2"},
		{Field: "TaskManagers", Doc: "DefaultFlinkTaskManagers", Got: c.TaskManagers, Want: DefaultFlinkTaskManagers},
		{Field: "Slots", Doc: "DefaultFlinkSlots", Got: c.Slots, Want: DefaultFlinkSlots},
		{Field: "JobManagerMemoryMB", Doc: "DefaultJobManagerMemoryMB", Got: c.JobManagerMemoryMB, Want: DefaultJobManagerMemoryMB},
		{Field: "TaskManagerMemoryMB", Doc: "DefaultTaskManagerMemoryMB", Got: c.TaskManagerMemoryMB, Want: DefaultTaskManagerMemoryMB},
		{Field: "ManagedMemoryMB", Doc: "DefaultManagedMemoryMB", Got: c.ManagedMemoryMB, Want: DefaultManagedMemoryMB},
		{Field: "MetricsFetchInterval", Doc: "DefaultMetricsFetchInterval", Got: c.MetricsFetchInterval, Want: DefaultMetricsFetchInterval},
		{Field: "LoadBalanceMode", Doc: `"" (Flink's default, none)`, Got: c.LoadBalanceMode, Want: ""},
		{Field: "Config", Doc: "none", Got: len(c.Config), Want: 0},
		{Field: "RestPort", Doc: "a free port", Got: c.RestPort, Want: 0},
		{Field: "Dir", Doc: "a new directory under os.TempDir() that Close removes; a Dir given here is kept", Got: c.Dir, Want: ""},
		{Field: "JVMArgs", Doc: "none", Got: len(c.JVMArgs), Want: 0},
		{Field: "StartTimeout", Doc: "DefaultFlinkStartTimeout", Got: c.StartTimeout, Want: DefaultFlinkStartTimeout},
		{Field: "StopGrace", Doc: "DefaultFlinkStopGrace", Got: c.StopGrace, Want: DefaultFlinkStopGrace},
		{Field: "Java", Doc: "FindJava()", Got: c.Java, Want: ""},
		{Field: "Maven", Doc: "the zero MavenConfig", Got: c.Maven.Path == "" && c.Maven.CacheDir == "", Want: true},
		{Field: "Logger", Doc: "none", Got: c.Logger.Enabled(context.Background(), slog.LevelError), Want: false},
	}, docdefaults.EveryField())
	if DefaultMetricsFetchInterval != time.Second || DefaultFlinkTaskManagers != 1 || DefaultFlinkSlots != 2 {
		t.Errorf("defaults changed: update the package comment")
	}
}

func TestTestJobDefaults(t *testing.T) {
	j := TestJob{Pipelines: []TestPipeline{{In: "a", Out: "b"}, {In: "c", Out: "d"}}}.withDefaults()
	docdefaults.Check(t, ".", "TestJob", []docdefaults.Row{
		{Field: "Name", Doc: "DefaultTestJobName", Got: j.Name, Want: DefaultTestJobName},
		{Field: "Parallelism", Doc: "DefaultTestJobParallelism", Got: j.Parallelism, Want: DefaultTestJobParallelism},
		{Field: "MaxParallelism", Doc: "Flink's (derived from the parallelism, at least 128)", Got: slices.Contains(j.args(), "--max-parallelism"), Want: false},
		{Field: "SlotSharingGroups", Doc: `false (one default group)`, Got: j.SlotSharingGroups, Want: false},
		{Field: "CheckpointInterval", Doc: "DefaultCheckpointInterval", Got: j.CheckpointInterval, Want: DefaultCheckpointInterval},
		{Field: "AtLeastOnce", Doc: "false (exactly-once, with Kafka transactions)", Got: j.AtLeastOnce, Want: false},
		{Field: "DisableChaining", Doc: "false", Got: j.DisableChaining, Want: false},
		{Field: "TransactionTimeout", Doc: "DefaultTransactionTimeout", Got: j.TransactionTimeout, Want: DefaultTransactionTimeout},
		{Field: "PartitionDiscovery", Doc: "DefaultPartitionDiscovery", Got: j.PartitionDiscovery, Want: DefaultPartitionDiscovery},
		{Field: "Config", Doc: "none", Got: len(j.Config), Want: 0},
		{Field: "SubmitTimeout", Doc: "DefaultSubmitTimeout", Got: j.SubmitTimeout, Want: DefaultSubmitTimeout},
	})
	docdefaults.Check(t, ".", "TestPipeline", []docdefaults.Row{
		{Field: "Group", Doc: `"testjob-i" for pipeline i`, Got: j.Pipelines[1].Group, Want: "testjob-1"},
		{Field: "Cost", Doc: "0", Got: j.Pipelines[0].Cost, Want: time.Duration(0)},
	})
}

func TestResolveFlinkVersion(t *testing.T) {
	for _, c := range []struct{ in, conn, full, connector string }{
		{"", "", "2.2.1", "5.0.0-2.2"},
		{"2.2", "", "2.2.1", "5.0.0-2.2"},
		{"1.20", "", "1.20.5", "3.4.0-1.20"},
		{"1.20.4", "", "1.20.4", "3.4.0-1.20"},
		{"1.19", "", "1.19.3", "3.3.0-1.19"},
		{"2.2.0", "5.0.0-2.1", "2.2.0", "5.0.0-2.1"},
	} {
		full, conn, err := resolveFlinkVersion(c.in, c.conn)
		if err != nil || full != c.full || conn != c.connector {
			t.Errorf("resolveFlinkVersion(%q, %q) = %q, %q, %v; want %q, %q", c.in, c.conn, full, conn, err, c.full, c.connector)
		}
	}
	for _, bad := range []string{"1.18", "2.3", "1.2", "2.20.1", "1.20.", "1.20.5.1", "2.2-SNAPSHOT", "x"} {
		if _, _, err := resolveFlinkVersion(bad, ""); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("resolveFlinkVersion(%q): %v, want ErrInvalidConfig", bad, err)
		}
	}
}

func TestFlinkConfigValidate(t *testing.T) {
	bad := []FlinkConfig{
		{Version: "1.18"},
		{TaskManagers: -1},
		{Slots: -2},
		{TaskManagerMemoryMB: -1},
		{MetricsFetchInterval: -time.Second},
		{RestPort: 70000},
		{Config: map[string]string{"rest.port": "8081"}},
		{Config: map[string]string{"taskmanager.numberOfTaskSlots": "4"}},
		{Config: map[string]string{"a: b": "c"}},
	}
	for _, c := range bad {
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidConfig", c, err)
		}
		if _, err := NewFlink(context.Background(), c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewFlink(%+v) = %v, want ErrInvalidConfig", c, err)
		}
	}
	if err := (FlinkConfig{Config: map[string]string{"jobmanager.scheduler": "default"}}).Validate(); err != nil {
		t.Errorf("overriding the scheduler: %v", err)
	}
}

func TestTestJobValidate(t *testing.T) {
	ok := TestJob{BootstrapServers: "k:9092", Pipelines: []TestPipeline{{In: "a", Out: "b"}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*TestJob){
		"no servers":      func(j *TestJob) { j.BootstrapServers = "" },
		"no pipelines":    func(j *TestJob) { j.Pipelines = nil },
		"no out":          func(j *TestJob) { j.Pipelines[0].Out = "" },
		"comma in topic":  func(j *TestJob) { j.Pipelines[0].In = "a,b" },
		"negative cost":   func(j *TestJob) { j.Pipelines[0].Cost = -1 },
		"max below p":     func(j *TestJob) { j.Parallelism, j.MaxParallelism = 4, 2 },
		"conf key with =": func(j *TestJob) { j.Config = map[string]string{"a=b": "c"} },
	} {
		j := ok
		j.Pipelines = slices.Clone(ok.Pipelines)
		mod(&j)
		if err := j.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestTestJobArgs(t *testing.T) {
	j := TestJob{
		BootstrapServers: "127.0.0.1:9092", Parallelism: 3, MaxParallelism: 16, SlotSharingGroups: true,
		CheckpointInterval: -1, AtLeastOnce: true, Config: map[string]string{"b": "2", "a": "1"},
		Pipelines: []TestPipeline{{In: "i0", Out: "o0", Cost: 1500 * time.Microsecond}, {In: "i1", Out: "o1", Group: "g"}},
	}.withDefaults()
	got := strings.Join(j.args(), " ")
	want := "--bootstrap-servers 127.0.0.1:9092 --in i0,i1 --out o0,o1 --groups testjob-0,g --cost-us 1500,0 " +
		"--job-name flinkscale-testjob --parallelism 3 --slot-sharing-groups true --checkpoint-interval-ms 0 " +
		"--exactly-once false --chaining true --transaction-timeout-ms 600000 --discovery-interval-ms 10000 " +
		"--max-parallelism 16 --conf a=1 --conf b=2"
	if got != want {
		t.Errorf("args:\n got %s\nwant %s", got, want)
	}
}

// TestTestJobSourcesEmbedded: the embedded Maven project has its pom and
// every Java source, and nothing built.
func TestTestJobSourcesEmbedded(t *testing.T) {
	checkEmbeddedProject(t, testJobSources, "java/testjob", "pom.xml", "src/main/java/io/github/flinkscale/realstack/testjob/Submit.java")
}

// checkEmbeddedProject checks that the Maven project embedded at dir of
// fsys holds every file in want and no build output.
func checkEmbeddedProject(t *testing.T, fsys fs.FS, dir string, want ...string) fs.FS {
	t.Helper()
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	_ = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	for _, w := range want {
		if !slices.Contains(files, w) {
			t.Errorf("embedded project %s lacks %s (has %v)", dir, w, files)
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".jar") || strings.HasSuffix(f, ".class") {
			t.Errorf("embedded project %s holds a build output: %s", dir, f)
		}
	}
	return sub
}

func TestRenderFlinkConfig(t *testing.T) {
	got := renderFlinkConfig(map[string]string{"b.key": "it's", "a.key": "file:///x y"})
	want := "# Written by flinkscale realstack.\na.key: 'file:///x y'\nb.key: 'it''s'\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFlinkConfigEntries(t *testing.T) {
	f := &Flink{cfg: FlinkConfig{LoadBalanceMode: "tasks", Config: map[string]string{"jobmanager.scheduler": "default", "x.y": "z"}}.withDefaults(),
		dir: "/run", restPort: 8081, rpcPort: 6123}
	m := f.configEntries()
	for k, want := range map[string]string{
		"rest.port": "8081", "jobmanager.rpc.port": "6123", "rest.bind-address": "127.0.0.1",
		"jobmanager.scheduler": "default", "x.y": "z", "taskmanager.load-balance.mode": "tasks",
		"metrics.fetcher.update-interval": "1000", "taskmanager.numberOfTaskSlots": "2",
		"execution.checkpointing.dir": "file:///run/checkpoints", "taskmanager.memory.process.size": "1024m",
	} {
		if m[k] != want {
			t.Errorf("%s = %q, want %q", k, m[k], want)
		}
	}
}

func TestFlinkConfigEntriesLegacyDirs(t *testing.T) {
	f := &Flink{cfg: FlinkConfig{Version: "1.19"}.withDefaults(), dir: "/run"}
	m := f.configEntries()
	if m["state.checkpoints.dir"] != "file:///run/checkpoints" || m["state.savepoints.dir"] != "file:///run/savepoints" {
		t.Errorf("1.19: state.checkpoints.dir %q, state.savepoints.dir %q", m["state.checkpoints.dir"], m["state.savepoints.dir"])
	}
	f = &Flink{cfg: FlinkConfig{Version: "1.20"}.withDefaults(), dir: "/run"}
	if _, ok := f.configEntries()["state.checkpoints.dir"]; ok {
		t.Error("1.20 got the legacy state.checkpoints.dir")
	}
}

func TestTestJobJarRefuses119(t *testing.T) {
	f := &Flink{cfg: FlinkConfig{Version: "1.19"}.withDefaults()}
	if _, err := f.TestJobJar(context.Background()); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("TestJobJar on 1.19: %v, want ErrInvalidConfig", err)
	}
}

func TestJavaOpts(t *testing.T) {
	v1, v2 := javaOpts("1.20.5"), javaOpts("2.2.1")
	if len(v1) != len(v2)+1 || v1[0] != "--add-exports=java.base/sun.net.util=ALL-UNNAMED" || !slices.Equal(v1[1:], v2) {
		t.Errorf("1.20 opts %v, 2.2 opts %v", v1, v2)
	}
}

// TestNewFlinkMissingJava and TestNewFlinkMissingMaven: the tools missing
// fail at once with their sentinel, nothing started.
func TestNewFlinkMissingJava(t *testing.T) {
	_, err := NewFlink(context.Background(), FlinkConfig{Java: filepath.Join(t.TempDir(), "no-java")})
	if !errors.Is(err, ErrJavaNotFound) {
		t.Errorf("NewFlink with no java: %v, want ErrJavaNotFound", err)
	}
	t.Setenv("JAVA_HOME", "")
	t.Setenv("PATH", t.TempDir())
	if _, err := NewFlink(context.Background(), FlinkConfig{}); !errors.Is(err, ErrJavaNotFound) {
		t.Errorf("NewFlink with no java on PATH: %v, want ErrJavaNotFound", err)
	}
}

func TestNewFlinkMissingMaven(t *testing.T) {
	self, err := os.Executable() // exists; never run: Maven fails first
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err = NewFlink(context.Background(), FlinkConfig{
		Java: self, Dir: filepath.Join(dir, "run"),
		Maven: MavenConfig{Path: filepath.Join(dir, "no-mvn"), CacheDir: filepath.Join(dir, "cache")},
	})
	if !errors.Is(err, ErrMavenNotFound) {
		t.Errorf("NewFlink with no mvn: %v, want ErrMavenNotFound", err)
	}
}
