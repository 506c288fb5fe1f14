package realstack

// # Flink
//
// NewFlink (or StartFlink in a test) starts an Apache Flink standalone
// session cluster from Maven Central's jars. flink-dist is not on Maven
// Central, and it is not needed: java/flink-cluster/pom.xml resolves
// flink-runtime, flink-clients and flink-streaming-java with log4j 2.24.3
// (log4j-api, log4j-core, log4j-slf4j-impl: both lines log through SLF4J
// 1.7.36 and pin log4j 2.24.3 in flink-parent), and that classpath runs the
// JobManager, the TaskManagers and the job client of Flink 1.20.5 and 2.2.1
// alike. PyPI's apache-flink distribution is not used (only its conf/ was
// read for the facts below).
//
// Every process gets the Java 17 options of its line's own conf/config.yaml
// (env.java.opts.all: 2.2.1's --add-exports/--add-opens list; 1.20.5's adds
// --add-exports=java.base/sun.net.util=ALL-UNNAMED), and the JVM memory
// options and dynamic memory properties that Flink's scripts compute with
// org.apache.flink.runtime.util.bash.BashJavaUtils (GET_JM_RESOURCE_PARAMS,
// GET_TM_RESOURCE_PARAMS; a TaskManagerRunner started without the latter
// refuses to start). The JobManager is StandaloneSessionClusterEntrypoint,
// each TaskManager a TaskManagerRunner with taskmanager.resource-id "tm-i"
// (its id in the REST API); all read one conf/config.yaml of flat keys with
// quoted values (2.2.1 reads only config.yaml; 1.20.5 reads it when no
// flink-conf.yaml is present). jobmanager.rpc.port is a fixed free port:
// TaskManagers find the JobManager by it and refuse 0. Processes log to
// stdout (one file per process in log/, also served by the REST API's log
// endpoints). The cluster is ready when GET /overview counts every
// TaskManager and every slot: never a sleep; a process that exits first
// fails the start at once with an *ExitError quoting the log's ERROR and
// "Caused by:" lines (wrapping ErrPortInUse when a bind failed).
//
// Jobs: the test job (java/testjob, TestJob) is built by Maven per Flink
// line with the matching flink-connector-kafka (3.4.0-1.20 with
// kafka-clients 3.4.0; 5.0.0-2.2 with kafka-clients 4.2.0), and Submit runs
// its Submit main in a client JVM on the cluster's classpath: a remote
// environment's executeAsync, i.e. POST /jobs with the jar uploaded.
//
// Flink 1.19.3 is a third line, kept for Beam: Maven Central here serves
// Beam's Flink runner only for 1.19 (beam-runners-flink-1.19 2.62.0 and
// 2.70.0; no beam-runners-flink-1.20 or -2.0 in any release). Its cluster
// starts like the others (10 s to ready, 223 MiB JobManager and 269-276
// MiB TaskManagers resident, measured once), with the checkpoint and
// savepoint directories under their legacy keys (state.checkpoints.dir,
// state.savepoints.dir). The test job does not compile for it; the Beam
// job (java/beamjob, BeamJob) runs only on it: Beam 2.70.0 with KafkaIO
// and the classic FlinkRunner, shaded into one 92 MiB jar (10 s to build
// once resolved), submitted by SubmitBeam from a client JVM holding only
// that jar (7 s here).
//
// # Flink times and memory
//
// Measured on this project's machine (2 cores shared with other sessions'
// builds and JVMs, load average 5-16 during the runs, 24 GiB, Java
// 17.0.15), 2 TaskManagers x 2 slots, JobManager and TaskManagers at 1024
// MiB process size, managed memory 64 MiB, jars cached; ranges over 3-4
// runs each:
//
//	                                        1.20.5         2.2.1
//	first JVM launched -> /overview ready   27-37 s        20-43 s
//	NewFlink, jars cached (BashJavaUtils   32-45 s        29-48 s
//	2-9 s of it)
//	Maven classpath, first time / cached    23-38 s / 1 ms 7-22 s / 1 ms
//	test job build (once per version)       18 s           15 s
//	Submit (client JVM, POST /jobs)         8-18 s         8-19 s
//	TaskManager Stop or Kill, Start         -              5-11 s
//	RSS idle: JobManager                    214-229 MiB    211-223 MiB
//	RSS idle: each TaskManager              248-282 MiB    262-275 MiB
//	RSS, test job running: JobManager       266 MiB        291 MiB
//	RSS, test job running: TaskManager      337-341 MiB    334-370 MiB
//
// (go test -tags realstack -run 'TestFlinkStartupAndMemory|TestFlinkTestJob|
// TestFlinkTaskManagerStopStart' -v ./realstack logs these as MEASURE lines;
// RSS is /proc/<pid>/status VmRSS.) A JobManager and 4 TaskManagers stay
// under 2 GiB resident; with Kafka the tier fits 24 GiB many times over.
// CPU is what is scarce: on 2 cores start clusters one at a time, and
// expect start-up to double while other JVMs start.

import (
	_ "embed" // the Flink cluster pom
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// flinkClusterPOM is java/flink-cluster/pom.xml: the classpath of the
// JobManager, the TaskManagers and the job client.
//
//go:embed java/flink-cluster/pom.xml
var flinkClusterPOM []byte

// DefaultFlinkVersion is the Flink release started when FlinkConfig.Version
// is empty.
const DefaultFlinkVersion = "2.2.1"

// flinkLine is one Flink release line the harness knows: its newest
// patch release served by Maven Central, and the flink-connector-kafka
// release built for it.
type flinkLine struct {
	minor, patch, connector string
	// noTestJob: the test job does not compile for the line (1.19 lacks
	// org.apache.flink.core.execution.CheckpointingMode, which 2.x
	// requires in place of the old one).
	noTestJob bool
}

// flinkLines are the lines verified on a real cluster.
var flinkLines = []flinkLine{
	// 1.19 is here for Beam: Maven Central serves Beam's Flink runner
	// for 1.19 (beam-runners-flink-1.19), not for 1.20 or 2.x.
	{"1.19", "1.19.3", "3.3.0-1.19", true},
	{"1.20", "1.20.5", "3.4.0-1.20", false},
	{"2.2", "2.2.1", "5.0.0-2.2", false},
}

// Defaults of FlinkConfig.
const (
	DefaultFlinkTaskManagers     = 1
	DefaultFlinkSlots            = 2
	DefaultJobManagerMemoryMB    = 1024
	DefaultTaskManagerMemoryMB   = 1024
	DefaultManagedMemoryMB       = 64
	DefaultMetricsFetchInterval  = time.Second
	DefaultFlinkStartTimeout     = 3 * time.Minute
	DefaultFlinkStopGrace        = 20 * time.Second
	defaultFlinkScheduler        = "adaptive"
	flinkReadinessRequestTimeout = 5 * time.Second
)

// harnessKeys are configuration keys the harness owns: FlinkConfig.Config
// may not set them (use the fields instead).
var harnessKeys = []string{
	"rest.port", "rest.address", "rest.bind-address", "rest.bind-port",
	"jobmanager.rpc.address", "jobmanager.rpc.port", "jobmanager.bind-host",
	"taskmanager.host", "taskmanager.bind-host", "taskmanager.resource-id",
	"taskmanager.numberOfTaskSlots",
}

// FlinkConfig configures a local Flink standalone session cluster. Zero
// fields mean the documented defaults.
type FlinkConfig struct {
	// Version is the Flink release: a line ("1.20", "2.2") for its newest
	// verified patch release, or a full release of a known line ("1.20.4").
	// Default: DefaultFlinkVersion.
	Version string
	// ConnectorVersion is the flink-connector-kafka release the test job
	// is built with. Default: the release built for Version's line
	// (3.4.0-1.20, 5.0.0-2.2).
	ConnectorVersion string
	// TaskManagers is the number of TaskManager processes.
	// Default: DefaultFlinkTaskManagers.
	TaskManagers int
	// Slots is the number of task slots of each TaskManager.
	// Default: DefaultFlinkSlots.
	Slots int
	// JobManagerMemoryMB is jobmanager.memory.process.size in MiB.
	// Default: DefaultJobManagerMemoryMB.
	JobManagerMemoryMB int
	// TaskManagerMemoryMB is taskmanager.memory.process.size in MiB.
	// Default: DefaultTaskManagerMemoryMB.
	TaskManagerMemoryMB int
	// ManagedMemoryMB is taskmanager.memory.managed.size in MiB (the
	// heap state backend needs none; Flink's default fraction would take
	// 40% of the process). Default: DefaultManagedMemoryMB.
	ManagedMemoryMB int
	// MetricsFetchInterval is metrics.fetcher.update-interval: how often
	// the REST API's metrics are refreshed from the TaskManagers (Flink's
	// own default is 10 s). Default: DefaultMetricsFetchInterval.
	MetricsFetchInterval time.Duration
	// LoadBalanceMode is taskmanager.load-balance.mode ("none", "slots",
	// "tasks"). Default: "" (Flink's default, none).
	LoadBalanceMode string
	// Config adds or overrides config.yaml entries (flat keys), after the
	// harness's own: jobmanager.scheduler (adaptive), the checkpoint and
	// savepoint directories, memory. Keys naming addresses, ports, the
	// resource id or the slots are refused (use the fields).
	// Default: none.
	Config map[string]string
	// RestPort is the REST port on 127.0.0.1. A port in use fails NewFlink
	// with ErrPortInUse. Default: a free port.
	RestPort int
	// Dir is the run directory (conf/, log/, checkpoints/, savepoints/,
	// tmp/). Default: a new directory under os.TempDir() that Close
	// removes; a Dir given here is kept.
	Dir string
	// JVMArgs are added to every Flink JVM's options. Default: none.
	JVMArgs []string
	// StartTimeout bounds the wait for the cluster (or a restarted
	// TaskManager) to become ready, after the jars are resolved.
	// Default: DefaultFlinkStartTimeout.
	StartTimeout time.Duration
	// StopGrace is how long a stopping process may shut down cleanly
	// before SIGKILL. Default: DefaultFlinkStopGrace.
	StopGrace time.Duration
	// Java is the java executable. Default: FindJava().
	Java string
	// Maven says how the classpath is resolved and the test job built
	// (its Properties get flink.version, and connector.version for the
	// job, set). Default: the zero MavenConfig.
	Maven MavenConfig
	// Logger receives start and stop events with timings. Default: none.
	Logger *slog.Logger
}

// Validate reports a configuration NewFlink would refuse.
func (c FlinkConfig) Validate() error {
	if _, _, err := resolveFlinkVersion(c.Version, c.ConnectorVersion); err != nil {
		return err
	}
	switch {
	case c.TaskManagers < 0 || c.Slots < 0:
		return fmt.Errorf("%w: negative TaskManagers or Slots", ErrInvalidConfig)
	case c.JobManagerMemoryMB < 0 || c.TaskManagerMemoryMB < 0 || c.ManagedMemoryMB < 0:
		return fmt.Errorf("%w: negative memory size", ErrInvalidConfig)
	case c.MetricsFetchInterval < 0 || c.StartTimeout < 0 || c.StopGrace < 0:
		return fmt.Errorf("%w: negative MetricsFetchInterval, StartTimeout or StopGrace", ErrInvalidConfig)
	case c.RestPort < 0 || c.RestPort > 65535:
		return fmt.Errorf("%w: RestPort %d", ErrInvalidConfig, c.RestPort)
	}
	for _, k := range harnessKeys {
		if _, ok := c.Config[k]; ok {
			return fmt.Errorf("%w: Config may not set %s (the harness owns it)", ErrInvalidConfig, k)
		}
	}
	for k := range c.Config {
		if strings.TrimSpace(k) == "" || strings.ContainsAny(k, ":#\n") {
			return fmt.Errorf("%w: Config key %q", ErrInvalidConfig, k)
		}
	}
	return nil
}

// resolveFlinkVersion returns the full Flink release and the connector
// release for a Version and ConnectorVersion as FlinkConfig takes them.
func resolveFlinkVersion(version, connector string) (string, string, error) {
	if version == "" {
		version = DefaultFlinkVersion
	}
	for _, l := range flinkLines {
		if version != l.minor && !strings.HasPrefix(version, l.minor+".") {
			continue
		}
		full := version
		if version == l.minor {
			full = l.patch
		}
		if rest := strings.TrimPrefix(full, l.minor+"."); rest == "" || strings.ContainsAny(rest, ".-") {
			return "", "", fmt.Errorf("%w: Flink version %q", ErrInvalidConfig, version)
		}
		if connector == "" {
			connector = l.connector
		}
		return full, connector, nil
	}
	known := make([]string, len(flinkLines))
	for i, l := range flinkLines {
		known[i] = l.minor
	}
	return "", "", fmt.Errorf("%w: Flink version %q: known lines are %s", ErrInvalidConfig, version, strings.Join(known, ", "))
}

func (c FlinkConfig) withDefaults() FlinkConfig {
	c.Version, c.ConnectorVersion, _ = resolveFlinkVersion(c.Version, c.ConnectorVersion)
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.TaskManagers, DefaultFlinkTaskManagers)
	def(&c.Slots, DefaultFlinkSlots)
	def(&c.JobManagerMemoryMB, DefaultJobManagerMemoryMB)
	def(&c.TaskManagerMemoryMB, DefaultTaskManagerMemoryMB)
	def(&c.ManagedMemoryMB, DefaultManagedMemoryMB)
	if c.MetricsFetchInterval == 0 {
		c.MetricsFetchInterval = DefaultMetricsFetchInterval
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = DefaultFlinkStartTimeout
	}
	if c.StopGrace == 0 {
		c.StopGrace = DefaultFlinkStopGrace
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
