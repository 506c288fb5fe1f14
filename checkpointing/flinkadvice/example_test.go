package flinkadvice_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/checkpointing/flinkadvice"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// A job with unaligned checkpoints and Beam's legacy Kafka source under
// backpressure, read from a (fake) JobManager.
func ExampleAdvise() {
	now := time.Date(2026, 11, 25, 12, 10, 0, 0, time.UTC)
	srv, err := flinktest.NewServer(flinktest.Config{Clock: clocktest.New(now)})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	job, _, err := srv.AddJob(flinktest.JobSpec{
		Vertices:      []flinktest.VertexSpec{{Name: "Source: KafkaIO", Parallelism: 4}},
		Checkpointing: &flinktest.CheckpointingSpec{Interval: time.Minute, Timeout: 5 * time.Minute, Unaligned: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	for i := range 4 {
		cp := flinkapi.Checkpoint{TriggerTimestamp: flinkapi.EpochMillis(now.Add(time.Duration(i-8) * time.Minute).UnixMilli()),
			EndToEndDuration: 90_000, CheckpointedSize: 20e6, StateSize: 20e6}
		if i >= 2 {
			cp.Status, cp.EndToEndDuration, cp.FailureMessage = flinkapi.CheckpointFailed, 300_000, "Checkpoint expired before completing."
		}
		if err := srv.AddCheckpoint(job, cp); err != nil {
			log.Fatal(err)
		}
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	adv, err := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	if err != nil {
		log.Fatal(err)
	}
	findings, err := flinkadvice.Advise(context.Background(), c, flinkadvice.Job{
		ID:    job,
		Facts: checkpointing.Facts{Source: checkpointing.SourceLegacy, Backpressured: checkpointing.Known(true)},
	}, adv, now)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range findings {
		fmt.Println(f.Severity, f.Code, "|", f.Change)
	}
	fmt.Println(checkpointing.Changes(findings).FlinkConfig())
	// Output:
	// critical no-recent-checkpoint | no change
	// critical repeated-timeouts | unalignedCheckpointEnabled: true -> false
	// critical unaligned-legacy-source | unalignedCheckpointEnabled: true -> false
	// map[execution.checkpointing.unaligned:false execution.checkpointing.unaligned.enabled:false]
}
