package realstack

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// testJobSources is the Maven project of the test job (java/testjob).
//
//go:embed java/testjob/pom.xml java/testjob/src
var testJobSources embed.FS

// Defaults of TestJob.
const (
	DefaultTestJobName            = "flinkscale-testjob"
	DefaultTestJobParallelism     = 1
	DefaultCheckpointInterval     = 2 * time.Second
	DefaultTransactionTimeout     = 10 * time.Minute
	DefaultPartitionDiscovery     = 10 * time.Second
	DefaultSubmitTimeout          = 3 * time.Minute
	testJobMainClass              = "io.github.flinkscale.realstack.testjob.Submit"
	testJobArtifactPrefix         = "realstack-testjob-"
	submitClientHeapMB            = 256
	testJobSubmitLogTailLines     = 40
	testJobCheckpointingDisabled  = 0
	testJobDefaultGroupNamePrefix = "testjob-"
)

// TestPipeline is one of the test job's independent pipelines:
// KafkaSource(In) -> keyBy(record value) -> a step costing Cost per record
// (a timed park, and a per-key count in keyed state) -> KafkaSink(Out).
type TestPipeline struct {
	// In is the topic read. Required; it must exist.
	In string
	// Out is the topic written (every record unchanged). Required.
	Out string
	// Group is the consumer group whose offsets the source commits on
	// each checkpoint. Default: "testjob-i" for pipeline i.
	Group string
	// Cost is the time the step spends per record, parked (the park
	// overshoots by some 50-100 µs on Linux). Default: 0.
	Cost time.Duration
}

// TestJob is the repository's Java test job (java/testjob): K independent
// pipelines in one Flink job. Vertices are named "Source: in-i" and
// "Cost i -> Sink i: Writer -> Sink i: Committer" (chained), operator uids
// "source-i", "cost-i", "sink-i".
type TestJob struct {
	// BootstrapServers is the Kafka bootstrap list ("host:port,...").
	// Required.
	BootstrapServers string
	// Pipelines are the job's pipelines. Required: at least one.
	Pipelines []TestPipeline
	// Name is the job name (and the Kafka transactional id prefix).
	// Default: DefaultTestJobName.
	Name string
	// Parallelism is every operator's parallelism.
	// Default: DefaultTestJobParallelism.
	Parallelism int
	// MaxParallelism is the job's max parallelism. Default: Flink's
	// (derived from the parallelism, at least 128).
	MaxParallelism int
	// SlotSharingGroups puts each pipeline in its own slot sharing group
	// "pipeline-i". Default: false (one default group).
	SlotSharingGroups bool
	// CheckpointInterval is the checkpoint interval; negative disables
	// checkpoints. Default: DefaultCheckpointInterval.
	CheckpointInterval time.Duration
	// AtLeastOnce makes checkpoints and the Kafka sink at-least-once.
	// Default: false (exactly-once, with Kafka transactions).
	AtLeastOnce bool
	// DisableChaining gives every operator its own vertex. Default: false.
	DisableChaining bool
	// TransactionTimeout is the sink producers' transaction.timeout.ms
	// (Kafka refuses more than its transaction.max.timeout.ms, 15 min by
	// default). Default: DefaultTransactionTimeout.
	TransactionTimeout time.Duration
	// PartitionDiscovery is the sources' partition.discovery.interval.ms.
	// Default: DefaultPartitionDiscovery.
	PartitionDiscovery time.Duration
	// Config is Flink configuration for the job itself (passed to the
	// remote environment), e.g. job.autoscaler.* keys. Default: none.
	Config map[string]string
	// SubmitTimeout bounds the submission (the client JVM), after the job
	// jar is built. Default: DefaultSubmitTimeout.
	SubmitTimeout time.Duration
}

// Validate reports a TestJob Submit would refuse.
func (j TestJob) Validate() error {
	switch {
	case j.BootstrapServers == "":
		return fmt.Errorf("%w: TestJob needs BootstrapServers", ErrInvalidConfig)
	case len(j.Pipelines) == 0:
		return fmt.Errorf("%w: TestJob needs at least one pipeline", ErrInvalidConfig)
	case j.Parallelism < 0 || j.MaxParallelism < 0:
		return fmt.Errorf("%w: negative Parallelism or MaxParallelism", ErrInvalidConfig)
	case j.MaxParallelism > 0 && j.MaxParallelism < max(j.Parallelism, 1):
		return fmt.Errorf("%w: MaxParallelism %d < Parallelism %d", ErrInvalidConfig, j.MaxParallelism, j.Parallelism)
	case j.TransactionTimeout < 0 || j.PartitionDiscovery < 0 || j.SubmitTimeout < 0:
		return fmt.Errorf("%w: negative TransactionTimeout, PartitionDiscovery or SubmitTimeout", ErrInvalidConfig)
	}
	for i, p := range j.Pipelines {
		for _, s := range []string{p.In, p.Out, p.Group} {
			if strings.ContainsAny(s, ", \t\n") {
				return fmt.Errorf("%w: pipeline %d: topic or group %q", ErrInvalidConfig, i, s)
			}
		}
		if p.In == "" || p.Out == "" || p.Cost < 0 {
			return fmt.Errorf("%w: pipeline %d needs In and Out and a Cost >= 0", ErrInvalidConfig, i)
		}
	}
	for k := range j.Config {
		if k == "" || strings.Contains(k, "=") {
			return fmt.Errorf("%w: TestJob Config key %q", ErrInvalidConfig, k)
		}
	}
	return nil
}

func (j TestJob) withDefaults() TestJob {
	if j.Name == "" {
		j.Name = DefaultTestJobName
	}
	if j.Parallelism == 0 {
		j.Parallelism = DefaultTestJobParallelism
	}
	if j.CheckpointInterval == 0 {
		j.CheckpointInterval = DefaultCheckpointInterval
	}
	if j.TransactionTimeout == 0 {
		j.TransactionTimeout = DefaultTransactionTimeout
	}
	if j.PartitionDiscovery == 0 {
		j.PartitionDiscovery = DefaultPartitionDiscovery
	}
	if j.SubmitTimeout == 0 {
		j.SubmitTimeout = DefaultSubmitTimeout
	}
	j.Pipelines = slices.Clone(j.Pipelines)
	for i := range j.Pipelines {
		if j.Pipelines[i].Group == "" {
			j.Pipelines[i].Group = testJobDefaultGroupNamePrefix + strconv.Itoa(i)
		}
	}
	return j
}

// args returns the Submit main's job arguments (see Submit.java).
func (j TestJob) args() []string {
	var in, out, groups, costs []string
	for _, p := range j.Pipelines {
		in, out, groups = append(in, p.In), append(out, p.Out), append(groups, p.Group)
		costs = append(costs, strconv.FormatInt(p.Cost.Microseconds(), 10))
	}
	interval := j.CheckpointInterval.Milliseconds()
	if j.CheckpointInterval < 0 {
		interval = testJobCheckpointingDisabled
	}
	a := []string{
		"--bootstrap-servers", j.BootstrapServers,
		"--in", strings.Join(in, ","), "--out", strings.Join(out, ","),
		"--groups", strings.Join(groups, ","), "--cost-us", strings.Join(costs, ","),
		"--job-name", j.Name,
		"--parallelism", strconv.Itoa(j.Parallelism),
		"--slot-sharing-groups", strconv.FormatBool(j.SlotSharingGroups),
		"--checkpoint-interval-ms", strconv.FormatInt(interval, 10),
		"--exactly-once", strconv.FormatBool(!j.AtLeastOnce),
		"--chaining", strconv.FormatBool(!j.DisableChaining),
		"--transaction-timeout-ms", strconv.FormatInt(j.TransactionTimeout.Milliseconds(), 10),
		"--discovery-interval-ms", strconv.FormatInt(j.PartitionDiscovery.Milliseconds(), 10),
	}
	if j.MaxParallelism > 0 {
		a = append(a, "--max-parallelism", strconv.Itoa(j.MaxParallelism))
	}
	for _, k := range slices.Sorted(maps.Keys(j.Config)) {
		a = append(a, "--conf", k+"="+j.Config[k])
	}
	return a
}

// TestJobJar builds the test job for the cluster's Flink and connector
// versions (once per version and source content, see BuildProject) and
// returns the jar's path. On Flink 1.19 (the line kept for Beam's runner)
// it returns an error wrapping ErrInvalidConfig: the test job's sources
// need 1.20 or later.
func (f *Flink) TestJobJar(ctx context.Context) (string, error) {
	f.jobMu.Lock()
	defer f.jobMu.Unlock()
	for _, l := range flinkLines {
		if l.noTestJob && strings.HasPrefix(f.cfg.Version, l.minor+".") {
			return "", fmt.Errorf("%w: the test job needs Flink 1.20 or later, the cluster runs %s", ErrInvalidConfig, f.cfg.Version)
		}
	}
	if f.jobJar != "" {
		return f.jobJar, nil
	}
	project, err := fs.Sub(testJobSources, "java/testjob")
	if err != nil {
		return "", err
	}
	t0 := time.Now()
	b, err := BuildProject(ctx, project, f.mavenConfig(true))
	if err != nil {
		return "", err
	}
	for _, j := range b.Jars {
		if strings.HasPrefix(filepath.Base(j), testJobArtifactPrefix) {
			f.jobJar = j
		}
	}
	if f.jobJar == "" {
		return "", fmt.Errorf("%w: the test job build wrote no %s*.jar (jars %v); log %s", ErrMaven, testJobArtifactPrefix, b.Jars, b.Log)
	}
	f.cfg.Logger.Info("realstack: flink test job built", "jar", f.jobJar, "took", time.Since(t0))
	return f.jobJar, nil
}

// submitSeq numbers submissions' log files.
var submitSeq atomic.Int64

// jobIDLine is the line Submit.java prints on success.
var jobIDLine = regexp.MustCompile(`^JobID ([0-9a-f]{32})$`)

// Submit builds the test job (see TestJobJar) and submits it to the
// cluster through the REST API (POST /jobs with the jar uploaded, as
// flink-clients' RestClusterClient does), in a client JVM on the cluster's
// classpath, and returns the job's id once the JobManager accepted it (the
// job may still be CREATED or INITIALIZING). The client's output is in
// log/submit-N.log. ctx and job.SubmitTimeout bound the submission.
func (f *Flink) Submit(ctx context.Context, job TestJob) (string, error) {
	if err := job.Validate(); err != nil {
		return "", err
	}
	job = job.withDefaults()
	jar, err := f.TestJobJar(ctx)
	if err != nil {
		return "", err
	}
	args := append([]string{"--rest-address", "127.0.0.1", "--rest-port", strconv.Itoa(f.restPort), "--jar", jar}, job.args()...)
	return f.runSubmitClient(ctx, "test job", job.SubmitTimeout, f.classpath+string(os.PathListSeparator)+jar, testJobMainClass, args)
}

// runSubmitClient runs a job's submitting main in a client JVM on
// classpath, within timeout, and returns the job id it printed ("JobID
// <hex>"). Its output goes to log/submit-N.log; what names the job in
// errors and logs.
func (f *Flink) runSubmitClient(ctx context.Context, what string, timeout time.Duration, classpath, mainClass string, args []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	logPath := filepath.Join(f.dir, "log", fmt.Sprintf("submit-%d.log", submitSeq.Add(1)))
	pc := f.flinkProcess("flink-submit", logPath, []string{fmt.Sprintf("-Xmx%dm", submitClientHeapMB)}, classpath, mainClass, args...)
	t0 := time.Now()
	p, err := StartProcess(pc)
	if err != nil {
		return "", err
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
		_ = p.Kill()
		return "", fmt.Errorf("realstack: submitting the %s: %w after %v; log %s, last lines:\n%s",
			what, ctx.Err(), time.Since(t0).Round(time.Millisecond), logPath, tailFile(logPath, testJobSubmitLogTailLines))
	}
	id, ok := findJobID(logPath)
	if _, werr := p.Exited(); werr != nil || !ok {
		return "", fmt.Errorf("realstack: submitting the %s failed (%v); log %s, last lines:\n%s",
			what, p.exitError().Status, logPath, tailFile(logPath, testJobSubmitLogTailLines))
	}
	f.cfg.Logger.Info("realstack: flink "+what+" submitted", "job", id, "took", time.Since(t0))
	return id, nil
}

// findJobID returns the job id a Submit run printed into its log.
func findJobID(logPath string) (string, bool) {
	fh, err := os.Open(logPath)
	if err != nil {
		return "", false
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if m := jobIDLine.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			return m[1], true
		}
	}
	return "", false
}
