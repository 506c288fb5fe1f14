package realstack

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// beamJobSources is the Maven project of the Beam job (java/beamjob).
//
//go:embed java/beamjob/pom.xml java/beamjob/src
var beamJobSources embed.FS

// Defaults of BeamJob.
const (
	DefaultBeamJobName     = "flinkscale-beamjob"
	DefaultBeamJobGroup    = "beamjob"
	beamJobMainClass       = "io.github.flinkscale.realstack.beamjob.Main"
	beamJobArtifactPrefix  = "realstack-beamjob-"
	beamJobRequiredVersion = "1.19"
)

// BeamJob is the repository's Apache Beam pipeline (java/beamjob), run by
// Beam's classic FlinkRunner on the cluster: KafkaIO reading Topics
// (through KafkaIO's unbounded reader, which the runner wraps in its
// UnboundedSourceWrapper) -> "KeyByValue" -> "Cost", a keyed stateful step
// costing Cost per record with a per-key count -> KafkaIO writing Out. It
// runs only on Flink 1.19: Maven Central serves Beam's Flink runner for
// that line (beam-runners-flink-1.19), not for 1.20 or 2.x. Zero fields
// mean the documented defaults; the Beam and Flink runner defaults are
// Beam's own (REFERENCE: maxBundleSize 1000, maxBundleTimeMills 1000).
type BeamJob struct {
	// BootstrapServers is the Kafka bootstrap list. Required.
	BootstrapServers string
	// Topics are the topics read by one KafkaIO source. Required: at
	// least one; they must exist.
	Topics []string
	// Out is the topic written (every record's value unchanged). Required.
	Out string
	// Group is the consumer group whose offsets the source commits when a
	// checkpoint finalizes. Default: DefaultBeamJobGroup.
	Group string
	// Cost is the time the stateful step spends per record, parked.
	// Default: 0.
	Cost time.Duration
	// Name is the job name. Default: DefaultBeamJobName.
	Name string
	// Parallelism is the pipeline's parallelism. Default: 1.
	Parallelism int
	// MaxParallelism is the runner's maxParallelism. Beam's Flink runner
	// splits an unbounded source into this many splits when it is set (else
	// into Parallelism), and KafkaIO into at most one reader per partition,
	// so it decides how many readers one subtask's thread visits. Default:
	// none (Flink's).
	MaxParallelism int
	// CheckpointInterval is the runner's checkpointingInterval; negative
	// disables checkpoints (Beam's own default, under which KafkaIO never
	// commits offsets nor sets its backlog gauges). Default:
	// DefaultCheckpointInterval.
	CheckpointInterval time.Duration
	// MaxBundleSize is the runner's maxBundleSize. Default: Beam's (1000
	// records in streaming).
	MaxBundleSize int
	// MaxBundleTime is the runner's maxBundleTimeMills. Default: Beam's
	// (1 s in streaming).
	MaxBundleTime time.Duration
	// FinishBundleBeforeCheckpointing is the runner's option of that
	// name. Default: false (Beam's).
	FinishBundleBeforeCheckpointing bool
	// UnalignedCheckpoints is the runner's unalignedCheckpointEnabled.
	// Default: false.
	UnalignedCheckpoints bool
	// PayloadBytes is the size of an application value carried in the
	// pipeline's options (BEAM-8577: options travel with the job's
	// serialized operators). Default: 0 (none).
	PayloadBytes int
	// SubmitTimeout bounds the submission, after the jar is built.
	// Default: DefaultSubmitTimeout.
	SubmitTimeout time.Duration
}

// Validate reports a BeamJob SubmitBeam would refuse.
func (j BeamJob) Validate() error {
	switch {
	case j.BootstrapServers == "":
		return fmt.Errorf("%w: BeamJob needs BootstrapServers", ErrInvalidConfig)
	case len(j.Topics) == 0 || j.Out == "":
		return fmt.Errorf("%w: BeamJob needs Topics and Out", ErrInvalidConfig)
	case j.Cost < 0 || j.Parallelism < 0 || j.MaxParallelism < 0 || j.MaxBundleSize < 0 || j.MaxBundleTime < 0 || j.PayloadBytes < 0 || j.SubmitTimeout < 0:
		return fmt.Errorf("%w: BeamJob: negative Cost, Parallelism, MaxBundleSize, MaxBundleTime, PayloadBytes or SubmitTimeout", ErrInvalidConfig)
	}
	for _, s := range append([]string{j.Out, j.Group}, j.Topics...) {
		if strings.ContainsAny(s, ", \t\n=") {
			return fmt.Errorf("%w: BeamJob topic or group %q", ErrInvalidConfig, s)
		}
	}
	for _, t := range j.Topics {
		if t == "" {
			return fmt.Errorf("%w: BeamJob: an empty topic", ErrInvalidConfig)
		}
	}
	if strings.ContainsAny(j.BootstrapServers, " \t\n=") {
		return fmt.Errorf("%w: BeamJob BootstrapServers %q", ErrInvalidConfig, j.BootstrapServers)
	}
	return nil
}

func (j BeamJob) withDefaults() BeamJob {
	if j.Group == "" {
		j.Group = DefaultBeamJobGroup
	}
	if j.Name == "" {
		j.Name = DefaultBeamJobName
	}
	if j.Parallelism == 0 {
		j.Parallelism = 1
	}
	if j.CheckpointInterval == 0 {
		j.CheckpointInterval = DefaultCheckpointInterval
	}
	if j.SubmitTimeout == 0 {
		j.SubmitTimeout = DefaultSubmitTimeout
	}
	return j
}

// args returns the pipeline's options (see Main.java and
// BeamJobOptions.java).
func (j BeamJob) args(restPort int, jar string) []string {
	a := []string{
		"--runner=FlinkRunner",
		"--flinkMaster=127.0.0.1:" + strconv.Itoa(restPort),
		"--filesToStage=" + jar,
		"--streaming=true",
		"--jobName=" + j.Name,
		"--bootstrapServers=" + j.BootstrapServers,
		"--inTopics=" + strings.Join(j.Topics, ","),
		"--outTopic=" + j.Out,
		"--groupId=" + j.Group,
		"--costMicros=" + strconv.FormatInt(j.Cost.Microseconds(), 10),
		"--parallelism=" + strconv.Itoa(j.Parallelism),
		"--finishBundleBeforeCheckpointing=" + strconv.FormatBool(j.FinishBundleBeforeCheckpointing),
		"--unalignedCheckpointEnabled=" + strconv.FormatBool(j.UnalignedCheckpoints),
	}
	if j.MaxParallelism > 0 {
		a = append(a, "--maxParallelism="+strconv.Itoa(j.MaxParallelism))
	}
	if j.CheckpointInterval > 0 {
		a = append(a, "--checkpointingInterval="+strconv.FormatInt(j.CheckpointInterval.Milliseconds(), 10))
	}
	if j.MaxBundleSize > 0 {
		a = append(a, "--maxBundleSize="+strconv.Itoa(j.MaxBundleSize))
	}
	if j.MaxBundleTime > 0 {
		a = append(a, "--maxBundleTimeMills="+strconv.FormatInt(j.MaxBundleTime.Milliseconds(), 10))
	}
	if j.PayloadBytes > 0 {
		a = append(a, "--payloadBytes="+strconv.Itoa(j.PayloadBytes))
	}
	return a
}

// BeamJobJar builds the Beam job (once per source content, see
// BuildProject) and returns the shaded jar's path: the pipeline, Beam, its
// Flink runner and KafkaIO. It returns an error wrapping ErrInvalidConfig
// unless the cluster runs Flink 1.19, the line of the runner it bundles.
func (f *Flink) BeamJobJar(ctx context.Context) (string, error) {
	if !strings.HasPrefix(f.cfg.Version, beamJobRequiredVersion+".") {
		return "", fmt.Errorf("%w: the Beam job needs Flink %s (beam-runners-flink-%s), the cluster runs %s",
			ErrInvalidConfig, beamJobRequiredVersion, beamJobRequiredVersion, f.cfg.Version)
	}
	f.jobMu.Lock()
	defer f.jobMu.Unlock()
	if f.beamJar != "" {
		return f.beamJar, nil
	}
	project, err := fs.Sub(beamJobSources, "java/beamjob")
	if err != nil {
		return "", err
	}
	t0 := time.Now()
	b, err := BuildProject(ctx, project, f.cfg.Maven)
	if err != nil {
		return "", err
	}
	for _, j := range b.Jars {
		if strings.HasPrefix(filepath.Base(j), beamJobArtifactPrefix) && !strings.HasPrefix(filepath.Base(j), "original-") {
			f.beamJar = j
		}
	}
	if f.beamJar == "" {
		return "", fmt.Errorf("%w: the Beam job build wrote no %s*.jar (jars %v); log %s", ErrMaven, beamJobArtifactPrefix, b.Jars, b.Log)
	}
	f.cfg.Logger.Info("realstack: beam job built", "jar", f.beamJar, "took", time.Since(t0))
	return f.beamJar, nil
}

// SubmitBeam builds the Beam job (see BeamJobJar) and runs its main in a
// client JVM with only the job's jar on its classpath: Beam's FlinkRunner
// translates the pipeline and submits it to the cluster's REST endpoint
// with the jar staged. It returns the job's id once the JobManager
// accepted it. The client's output is in log/submit-N.log.
func (f *Flink) SubmitBeam(ctx context.Context, job BeamJob) (string, error) {
	if err := job.Validate(); err != nil {
		return "", err
	}
	job = job.withDefaults()
	jar, err := f.BeamJobJar(ctx)
	if err != nil {
		return "", err
	}
	return f.runSubmitClient(ctx, "Beam job", job.SubmitTimeout, jar, beamJobMainClass, job.args(f.restPort, jar))
}
