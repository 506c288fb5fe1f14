package realstack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

func TestBeamJobDefaults(t *testing.T) {
	j := BeamJob{BootstrapServers: "k:9092", Topics: []string{"a"}, Out: "o"}.withDefaults()
	args := j.args(8081, "/j.jar")
	docdefaults.Check(t, ".", "BeamJob", []docdefaults.Row{
		{Field: "Group", Doc: "DefaultBeamJobGroup", Got: j.Group, Want: DefaultBeamJobGroup},
		{Field: "Cost", Doc: "0", Got: j.Cost, Want: time.Duration(0)},
		{Field: "Name", Doc: "DefaultBeamJobName", Got: j.Name, Want: DefaultBeamJobName},
		{Field: "Parallelism", Doc: "1", Got: j.Parallelism, Want: 1},
		{Field: "MaxParallelism", Doc: "none (Flink's)", Got: slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--maxParallelism") }), Want: false},
		{Field: "CheckpointInterval", Doc: "DefaultCheckpointInterval", Got: j.CheckpointInterval, Want: DefaultCheckpointInterval},
		{Field: "MaxBundleSize", Doc: "Beam's (1000 records in streaming)", Got: slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--maxBundleSize") }), Want: false},
		{Field: "MaxBundleTime", Doc: "Beam's (1 s in streaming)", Got: slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--maxBundleTimeMills") }), Want: false},
		{Field: "FinishBundleBeforeCheckpointing", Doc: "false (Beam's)", Got: j.FinishBundleBeforeCheckpointing, Want: false},
		{Field: "UnalignedCheckpoints", Doc: "false", Got: j.UnalignedCheckpoints, Want: false},
		{Field: "PayloadBytes", Doc: "0 (none)", Got: slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--payloadBytes") }), Want: false},
		{Field: "SubmitTimeout", Doc: "DefaultSubmitTimeout", Got: j.SubmitTimeout, Want: DefaultSubmitTimeout},
	})
}

func TestBeamJobValidate(t *testing.T) {
	ok := BeamJob{BootstrapServers: "k:9092,k2:9092", Topics: []string{"a", "b"}, Out: "o"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*BeamJob){
		"no servers":       func(j *BeamJob) { j.BootstrapServers = "" },
		"no topics":        func(j *BeamJob) { j.Topics = nil },
		"empty topic":      func(j *BeamJob) { j.Topics = []string{"a", ""} },
		"no out":           func(j *BeamJob) { j.Out = "" },
		"comma in topic":   func(j *BeamJob) { j.Topics = []string{"a,b"} },
		"space in group":   func(j *BeamJob) { j.Group = "a b" },
		"negative cost":    func(j *BeamJob) { j.Cost = -1 },
		"negative bundle":  func(j *BeamJob) { j.MaxBundleSize = -1 },
		"negative payload": func(j *BeamJob) { j.PayloadBytes = -1 },
	} {
		j := ok
		mod(&j)
		if err := j.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestBeamJobArgs(t *testing.T) {
	j := BeamJob{BootstrapServers: "127.0.0.1:9092", Topics: []string{"hot", "idle"}, Out: "o", Cost: 1500 * time.Microsecond,
		Parallelism: 2, MaxParallelism: 8, CheckpointInterval: 10 * time.Second, MaxBundleSize: 10000, MaxBundleTime: 10 * time.Second,
		FinishBundleBeforeCheckpointing: true, UnalignedCheckpoints: true, PayloadBytes: 2 << 20}.withDefaults()
	got := strings.Join(j.args(8081, "/c/j.jar"), " ")
	want := "--runner=FlinkRunner --flinkMaster=127.0.0.1:8081 --filesToStage=/c/j.jar --streaming=true " +
		"--jobName=flinkscale-beamjob --bootstrapServers=127.0.0.1:9092 --inTopics=hot,idle --outTopic=o --groupId=beamjob " +
		"--costMicros=1500 --parallelism=2 --finishBundleBeforeCheckpointing=true --unalignedCheckpointEnabled=true " +
		"--maxParallelism=8 --checkpointingInterval=10000 --maxBundleSize=10000 --maxBundleTimeMills=10000 --payloadBytes=2097152"
	if got != want {
		t.Errorf("args:\n got %s\nwant %s", got, want)
	}
	if a := strings.Join(BeamJob{CheckpointInterval: -1}.withDefaults().args(1, "j"), " "); strings.Contains(a, "checkpointingInterval") {
		t.Errorf("negative CheckpointInterval: %s", a)
	}
}

// TestBeamJobJarRefusesOtherLines: the Beam job runs on Flink 1.19 only.
func TestBeamJobJarRefusesOtherLines(t *testing.T) {
	for _, v := range []string{"1.20", "2.2"} {
		f := &Flink{cfg: FlinkConfig{Version: v}.withDefaults()}
		if _, err := f.BeamJobJar(context.Background()); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("BeamJobJar on %s: %v, want ErrInvalidConfig", v, err)
		}
	}
}

// TestBeamJobSourcesEmbedded: the embedded Maven project has its pom and
// every Java source, and nothing built.
func TestBeamJobSourcesEmbedded(t *testing.T) {
	checkEmbeddedProject(t, beamJobSources, "java/beamjob", "pom.xml",
		"src/main/java/io/github/flinkscale/realstack/beamjob/Main.java",
		"src/main/java/io/github/flinkscale/realstack/beamjob/BeamJobOptions.java")
}
