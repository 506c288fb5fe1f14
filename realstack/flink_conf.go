package realstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// flinkJavaOpts are the --add-exports/--add-opens options of the
// distribution's own conf/config.yaml (env.java.opts.all) for Java 17, as
// shipped by Flink 2.2.1 (PyPI apache-flink 2.2.1, pyflink/conf).
var flinkJavaOpts = []string{
	"--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
	"--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
	"--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
	"--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
	"--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
	"--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
	"--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
	"--add-opens=java.base/java.lang=ALL-UNNAMED",
	"--add-opens=java.base/java.net=ALL-UNNAMED",
	"--add-opens=java.base/java.io=ALL-UNNAMED",
	"--add-opens=java.base/java.nio=ALL-UNNAMED",
	"--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
	"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
	"--add-opens=java.base/java.text=ALL-UNNAMED",
	"--add-opens=java.base/java.time=ALL-UNNAMED",
	"--add-opens=java.base/java.util=ALL-UNNAMED",
	"--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
	"--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
	"--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
}

// javaOpts returns the Java 17 options of version's distribution: 1.20.5's
// list is 2.2.1's plus an export of java.base/sun.net.util.
func javaOpts(version string) []string {
	if strings.HasPrefix(version, "1.") {
		return append([]string{"--add-exports=java.base/sun.net.util=ALL-UNNAMED"}, flinkJavaOpts...)
	}
	return slices.Clone(flinkJavaOpts)
}

// flinkLog4j logs INFO and above to stdout, which StartProcess appends to
// the process's log file (Flink's own pattern).
const flinkLog4j = `monitorInterval = 0
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.pekko.name = org.apache.pekko
logger.pekko.level = INFO
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.zookeeper.name = org.apache.flink.shaded.zookeeper3
logger.zookeeper.level = WARN
logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
logger.netty.level = OFF
`

// layout writes the run directory: conf/config.yaml, conf/log4j.properties
// and the empty log, checkpoint, savepoint and temporary directories.
func (f *Flink) layout() error {
	for _, d := range []string{"conf", "log", "tmp", "checkpoints", "savepoints"} {
		if err := os.MkdirAll(filepath.Join(f.dir, d), 0o755); err != nil {
			return fmt.Errorf("realstack: %w", err)
		}
	}
	files := map[string]string{
		"config.yaml":      renderFlinkConfig(f.configEntries()),
		"log4j.properties": flinkLog4j,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(f.ConfigDir(), name), []byte(body), 0o644); err != nil {
			return fmt.Errorf("realstack: %w", err)
		}
	}
	return nil
}

// configEntries returns config.yaml's entries: the harness's, then
// FlinkConfig.Config's.
func (f *Flink) configEntries() map[string]string {
	c := f.cfg
	mb := func(n int) string { return strconv.Itoa(n) + "m" }
	m := map[string]string{
		"jobmanager.rpc.address":                c.loopback(),
		"jobmanager.rpc.port":                   strconv.Itoa(f.rpcPort),
		"jobmanager.bind-host":                  c.loopback(),
		"jobmanager.memory.process.size":        mb(c.JobManagerMemoryMB),
		"jobmanager.scheduler":                  defaultFlinkScheduler,
		"taskmanager.host":                      c.loopback(),
		"taskmanager.bind-host":                 c.loopback(),
		"taskmanager.numberOfTaskSlots":         strconv.Itoa(c.Slots),
		"taskmanager.memory.process.size":       mb(c.TaskManagerMemoryMB),
		"taskmanager.memory.managed.size":       mb(c.ManagedMemoryMB),
		"rest.address":                          c.loopback(),
		"rest.bind-address":                     c.loopback(),
		"rest.port":                             strconv.Itoa(f.restPort),
		"execution.checkpointing.dir":           "file://" + f.CheckpointDir(),
		"execution.checkpointing.savepoint-dir": "file://" + f.SavepointDir(),
		"metrics.fetcher.update-interval":       strconv.FormatInt(c.MetricsFetchInterval.Milliseconds(), 10),
		"io.tmp.dirs":                           filepath.Join(f.dir, "tmp"),
		"parallelism.default":                   "1",
	}
	if c.LoadBalanceMode != "" {
		m["taskmanager.load-balance.mode"] = c.LoadBalanceMode
	}
	if strings.HasPrefix(c.Version, "1.19.") {
		// 1.19 knows the checkpoint and savepoint directories only by
		// their legacy keys (execution.checkpointing.* came in 1.20).
		m["state.checkpoints.dir"] = m["execution.checkpointing.dir"]
		m["state.savepoints.dir"] = m["execution.checkpointing.savepoint-dir"]
	}
	maps.Copy(m, c.Config)
	return m
}

func (FlinkConfig) loopback() string { return "127.0.0.1" }

// renderFlinkConfig writes entries as flat YAML keys, sorted, every value a
// single-quoted string (Flink parses config.yaml as standard YAML and
// converts each value to its option's type).
func renderFlinkConfig(entries map[string]string) string {
	var b strings.Builder
	b.WriteString("# Written by flinkscale realstack.\n")
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		fmt.Fprintf(&b, "%s: '%s'\n", k, strings.ReplaceAll(entries[k], "'", "''"))
	}
	return b.String()
}

// flinkJVMParams are what Flink's scripts compute before starting a
// process: the JVM memory options and the dynamic memory properties
// ("-D", "key=value", ...) for the JobManager and for a TaskManager.
type flinkJVMParams struct {
	jmJVM, jmDynamic []string
	tmJVM, tmDynamic []string
}

// flinkMemoryParams runs BashJavaUtils for the JobManager and the
// TaskManager (at once), as bin/jobmanager.sh and bin/taskmanager.sh do.
func flinkMemoryParams(ctx context.Context, f *Flink) (flinkJVMParams, error) {
	var p flinkJVMParams
	errs := make(chan error, 2)
	go func() {
		var err error
		p.jmJVM, p.jmDynamic, err = bashJavaUtils(ctx, f, "GET_JM_RESOURCE_PARAMS")
		errs <- err
	}()
	go func() {
		var err error
		p.tmJVM, p.tmDynamic, err = bashJavaUtils(ctx, f, "GET_TM_RESOURCE_PARAMS")
		errs <- err
	}()
	return p, errors.Join(<-errs, <-errs)
}

// bashJavaUtilsPrefix marks BashJavaUtils' result lines.
const bashJavaUtilsPrefix = "BASH_JAVA_UTILS_EXEC_RESULT:"

// bashJavaUtils runs one BashJavaUtils command against the run directory's
// configuration and returns its two result lines, split into arguments.
// Its output goes to log/bash-java-utils-<command>.log.
func bashJavaUtils(ctx context.Context, f *Flink, command string) ([]string, []string, error) {
	logPath := filepath.Join(f.dir, "log", "bash-java-utils-"+command+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, nil, fmt.Errorf("realstack: %w", err)
	}
	defer logf.Close()
	args := append(javaOpts(f.cfg.Version), "-Xmx128m", "-Djava.io.tmpdir="+filepath.Join(f.dir, "tmp"),
		"-Dlog4j.configurationFile=file:"+filepath.Join(f.ConfigDir(), "log4j.properties"),
		"-cp", f.classpath, "org.apache.flink.runtime.util.bash.BashJavaUtils", command, "--configDir", f.ConfigDir())
	cmd := exec.CommandContext(ctx, f.cfg.Java, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return signalGroup(cmd.Process, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("realstack: flink %s: %w", command, err)
	}
	var results []string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(logf, line)
		if r, ok := strings.CutPrefix(line, bashJavaUtilsPrefix); ok {
			results = append(results, r)
		}
	}
	if err := cmd.Wait(); err != nil || len(results) != 2 {
		if err == nil {
			err = fmt.Errorf("%d result lines, want 2", len(results))
		}
		return nil, nil, fmt.Errorf("realstack: flink %s (BashJavaUtils computes the memory options from config.yaml) failed: %w; log %s, last lines:\n%s",
			command, err, logPath, tailFile(logPath, logTailLines))
	}
	return strings.Fields(results[0]), strings.Fields(results[1]), nil
}

// flinkProcess returns a ProcessConfig running class on classpath with the
// given memory options and arguments.
func (f *Flink) flinkProcess(name, logPath string, memory []string, classpath, class string, args ...string) ProcessConfig {
	jvm := slices.Concat(memory, javaOpts(f.cfg.Version), []string{
		"-Djava.awt.headless=true",
		"-Djava.io.tmpdir=" + filepath.Join(f.dir, "tmp"),
		"-Dlog.file=" + logPath, // the REST API's log endpoints serve this file
		"-Dlog4j.configurationFile=file:" + filepath.Join(f.ConfigDir(), "log4j.properties"),
	}, f.cfg.JVMArgs, []string{"-cp", classpath, class})
	return ProcessConfig{
		Name: name, Path: f.cfg.Java, Args: append(jvm, args...), Dir: f.dir,
		LogPath: logPath, StopGrace: f.cfg.StopGrace,
	}
}

// jobManagerProcess is the JobManager's ProcessConfig.
func (f *Flink) jobManagerProcess() ProcessConfig {
	args := append([]string{"--configDir", f.ConfigDir()}, f.jvm.jmDynamic...)
	return f.flinkProcess("flink-jobmanager", f.JobManagerLog(), f.jvm.jmJVM, f.classpath,
		"org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", args...)
}
