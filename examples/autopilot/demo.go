package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/livejob"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// This file is the embedded demo's world: its job, its traffic, its time
// scale and its policy. embedded.go composes the controller around it.

// timeScale is how much production time one second of the embedded run
// stands for: every duration of the policy, the restarts, checkpoints and
// metric refreshes is the production one divided by it.
const timeScale = 30

// The embedded job: two pipelines, each Source -> keyed Transform -> Sink
// in a slot-sharing group of its own. Capacities are records/s per
// subtask.
var embeddedPipelines = []livejob.Pipeline{
	{Name: "hot", Topic: "hot", Partitions: 24, Parallelism: [3]int{2, 3, 1}, Capacity: [3]float64{500, 250, 1000}},
	{Name: "cold", Topic: "cold", Partitions: 8, Parallelism: [3]int{1, 1, 1}, Capacity: [3]float64{500, 250, 1000}},
}

const (
	embeddedName  = "autopilot-demo"
	embeddedGroup = "autopilot-job"
)

// newJobID returns a fresh job ID, as Flink gives every submission: a
// run's drain record never meets another run's.
func newJobID() flinkapi.JobID {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return flinkapi.JobID(hex.EncodeToString(b[:]))
}

// trace is the embedded traffic, in records/s per partition, over a run
// of length d: steady, a 4x spike on the hot pipeline from 25% to 45% of
// the run, steady again, and no new records in the last 15% so the job
// catches up before the drain.
type trace struct{ d time.Duration }

func (t trace) rate(topic string, at time.Duration) float64 {
	from, to := t.spike()
	switch {
	case at >= t.producing():
		return 0
	case topic == "cold":
		return 15
	case at >= from && at < to:
		return 100
	default:
		return 25
	}
}

// spike is when the hot pipeline's spike begins and ends.
func (t trace) spike() (from, to time.Duration) { return t.d * 25 / 100, t.d * 45 / 100 }

// producing is how long the producer writes.
func (t trace) producing() time.Duration { return t.d * 85 / 100 }

// embeddedPolicy is autoscale.Default's production defaults on the
// compressed time scale, with a checkpoint every 30 s of production and a
// decision every 45 s. The lag comes from the consumer group's commits,
// which a Flink job makes on checkpoints: it is stale by up to a
// checkpoint interval plus the checkpoint's duration. The policy counts a
// source as caught up while its lag is below MetricRefresh, so that is 1.5
// checkpoint intervals here rather than Flink's 10 s refresh.
func embeddedPolicy() autoscale.DefaultConfig {
	return autoscale.DefaultConfig{
		CheckpointInterval: 30 * time.Second, MetricRefresh: 45 * time.Second, DecisionInterval: 45 * time.Second,
	}.Scaled(1.0 / timeScale)
}

// embeddedTopics is the topic each source reads, by the source's name
// ("Source: hot"), as flinkio.ObserverConfig.TopicsByName takes it.
func embeddedTopics() map[string][]string {
	out := map[string][]string{}
	for _, p := range embeddedPipelines {
		out[livejob.VertexName(p.Name, livejob.Source)] = []string{p.Topic}
	}
	return out
}

// embeddedWorld is Kafka, the JobManager, the job and the producer of the
// demo, on one virtual clock (see livejob.Env).
func embeddedWorld(id flinkapi.JobID, pol autoscale.DefaultConfig, tr trace, logger *slog.Logger) (*livejob.Env, error) {
	return livejob.Start(livejob.EnvConfig{
		Job: livejob.Config{
			JobID: id, Name: embeddedName, Pipelines: embeddedPipelines, Group: embeddedGroup,
			CheckpointInterval: pol.CheckpointInterval, CheckpointTimeout: 10 * pol.CheckpointInterval,
			MetricRefresh: 7500 * time.Millisecond / timeScale, // a divisor of the decision interval: see README
		},
		Producer:     livejob.ProducerConfig{Rate: tr.rate, Until: tr.producing()},
		TaskManagers: 8, SlotsPerTaskManager: 4, RestartDelay: pol.RestartDowntime,
		Savepoints: flinktest.SavepointBehavior{Delay: 500 * time.Millisecond, Directory: "file:/tmp/flink-savepoints"},
		Logger:     logger,
	})
}

// embeddedBanner says what the embedded run runs, on which time scale.
func embeddedBanner(w io.Writer, env *livejob.Env, job flinkapi.JobID, pol autoscale.DefaultConfig, out string) {
	fmt.Fprintf(w, "autopilot: embedded Kafka (3 brokers %v) and Flink JobManager %s\n", env.Brokers, env.Server.URL)
	fmt.Fprintf(w, "job %s: pipelines hot (24 partitions) and cold (8), each Source -> keyed Transform -> Sink\n", job)
	fmt.Fprintf(w, "time compressed %dx: 1 s here is %s in production; lag SLO %s (%s); deciding every %s; writing to %s\n\n",
		timeScale, time.Second*timeScale, pol.LagSLO, pol.LagSLO*timeScale, pol.DecisionInterval, out)
}

// embeddedRates measures the embedded pipelines' rates from what the
// producer wrote and what reached the sinks (distinct records), between
// two ticks of virtual time.
type embeddedRates struct {
	env  *livejob.Env
	last map[string]counts
}

type counts struct {
	produced, processed int64
	at                  time.Time
}

func (e *embeddedRates) rates(pipeline string, _ autoscale.Pipeline, obs autoscale.Observation, _ *autoscale.Observation) (in, out float64, ok bool) {
	cur := counts{at: obs.Time}
	for _, p := range embeddedPipelines {
		if p.Name == pipeline {
			cur.produced = e.env.Producer.Produced()[p.Topic]
		}
	}
	for _, p := range e.env.Job.Stats().Pipelines {
		if p.Name == pipeline {
			cur.processed = p.Processed
		}
	}
	if e.last == nil {
		e.last = map[string]counts{}
	}
	prev, seen := e.last[pipeline]
	e.last[pipeline] = cur
	dt := cur.at.Sub(prev.at).Seconds()
	if !seen || dt <= 0 {
		return 0, 0, false
	}
	return float64(cur.produced-prev.produced) / dt, float64(cur.processed-prev.processed) / dt, true
}

func sum(m map[string]int64) int64 {
	n := int64(0)
	for _, v := range m {
		n += v
	}
	return n
}
