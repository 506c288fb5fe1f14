package checkpointing_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// The seed deployment, as the figures in REFERENCE.md §7 describe it, with
// inputs chosen to be physically plausible:
//
//   - settings: checkpoint every 10 s, 1 min timeout, bundles of 10,000
//     elements or 10 s, bundles not finished before checkpointing;
//   - each pipeline reads Kafka at a few thousand events per second per
//     subtask, so bundles close on size: a full bundle (10,000 elements) is
//     open at a barrier;
//   - a bundle output element (a windowed KV<String, event> with its
//     timestamp, window and pane) serializes to 180 bytes;
//   - the pipeline's own state in a checkpoint is 1,000 bytes (Kafka reader
//     checkpoint marks for 8 partitions, a few timers);
//   - two operators write coder serializers into the checkpoint metadata,
//     two serializers each (key and windowed value), each carrying the
//     whole PipelineOptions (BEAM-8577): 4 copies per pipeline;
//   - PipelineOptions hold 15 Beam/Flink-runner options plus three
//     application values, one of them a 550-rule enrichment table (seedOptions);
//   - 100 pipelines run in one Flink job.
const (
	seedElementBytes = 180
	seedStateBytes   = 1000
	seedOperators    = 2
	seedSerializers  = 2
	seedPipelines    = 100
	seedRules        = 550
)

// seedSettings are the seed's settings before any advice.
func seedSettings() checkpointing.Settings {
	return checkpointing.Settings{
		MaxBundleSize: 10_000, MaxBundleTime: 10 * time.Second,
		Interval: 10 * time.Second, Timeout: time.Minute,
	}
}

// seedSizeInputs are one seed pipeline's size inputs with options of the
// given size.
func seedSizeInputs(optionsBytes int) checkpointing.SizeInputs {
	return checkpointing.SizeInputs{
		StateBytes: seedStateBytes, ElementBytes: seedElementBytes,
		OptionsBytes: int64(optionsBytes), Operators: seedOperators, SerializersPerOperator: seedSerializers,
	}
}

// seedOptions is the seed's PipelineOptions as Beam serializes them:
// {"options": {...}, "display_data": [...]}, where display data repeats
// every option's value under the interface that declares it.
func seedOptions() []byte {
	type item struct {
		Namespace string `json:"namespace"`
		Key       string `json:"key"`
		Type      string `json:"type"`
		Value     any    `json:"value"`
	}
	const flink, core, app = "org.apache.beam.runners.flink.FlinkPipelineOptions", "org.apache.beam.sdk.options.PipelineOptions", "com.acme.clickstream.ClickstreamOptions"
	rules := make([]string, seedRules)
	for i := range rules {
		rules[i] = fmt.Sprintf("event_type_%03d=segment_%03d", i, i%37)
	}
	rulesJSON, _ := json.Marshal(rules)
	options := map[string]any{}
	var display []item
	add := func(ns, key, typ string, v any) {
		options[key] = v
		display = append(display, item{ns, key, typ, v})
	}
	add(core, "runner", "JAVA_CLASS", "org.apache.beam.runners.flink.FlinkRunner")
	add(core, "jobName", "STRING", "clickstream-enrichment-0042")
	add(core, "optionsId", "INTEGER", 42)
	add("org.apache.beam.sdk.options.StreamingOptions", "streaming", "BOOLEAN", true)
	add(flink, "flinkMaster", "STRING", "flink-jobmanager.flink.svc:8081")
	add(flink, "parallelism", "INTEGER", 4)
	add(flink, "maxParallelism", "INTEGER", 128)
	add(flink, "checkpointingInterval", "INTEGER", 10000)
	add(flink, "checkpointTimeoutMillis", "INTEGER", 60000)
	add(flink, "maxBundleSize", "INTEGER", 10000)
	add(flink, "maxBundleTimeMills", "INTEGER", 10000)
	add(flink, "finishBundleBeforeCheckpointing", "BOOLEAN", false)
	add(flink, "stateBackend", "STRING", "rocksdb")
	add(flink, "stateBackendStoragePath", "STRING", "s3://acme-flink/checkpoints/clickstream-0042")
	add(flink, "objectReuse", "BOOLEAN", true)
	add(app, "enrichmentRules", "STRING", string(rulesJSON))
	add(app, "schemaRegistryUrl", "STRING", "https://schema-registry.data.svc:8081")
	add(app, "outputTopic", "STRING", "clickstream-enriched-v3")
	doc, _ := json.Marshal(map[string]any{"options": options, "display_data": display})
	return doc
}

// seedAnalysis analyses seedOptions with the seed's copies per checkpoint.
func seedAnalysis() checkpointing.OptionsReport {
	r, err := checkpointing.AnalyzeOptions(seedOptions(), checkpointing.OptionsConfig{Copies: seedOperators * seedSerializers * seedPipelines})
	if err != nil {
		panic(err)
	}
	return r
}

// seedStart is when the seed's checkpoint history begins.
var seedStart = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// seedHistory is the seed job's last ten checkpoints, oldest first: with a
// 10 s interval and checkpoints of about 195 MB (100 pipelines of 1.95 MB)
// taking 38-52 s, every checkpoint starts as soon as the previous one ends
// and three of the ten expire at the 1 min timeout.
func seedHistory() []checkpointing.Checkpoint {
	secs := []int{41, 60, 47, 60, 38, 52, 60, 44, 49, 50}
	at := seedStart
	var out []checkpointing.Checkpoint
	for i, s := range secs {
		d := time.Duration(s) * time.Second
		c := checkpointing.Checkpoint{ID: int64(101 + i), Outcome: checkpointing.Completed, Trigger: at, Duration: d,
			CheckpointedBytes: 194_912_000 + int64(i%3)*40_000, StateBytes: 194_912_000 + int64(i%3)*40_000}
		if s == 60 {
			c = checkpointing.Checkpoint{ID: c.ID, Outcome: checkpointing.Failed, Trigger: at, Duration: d,
				Failure: "Checkpoint expired before completing."}
		}
		out = append(out, c)
		at = at.Add(d + 50*time.Millisecond)
	}
	return out
}

// seedObservation is what the advisor sees of the seed job.
func seedObservation() checkpointing.Observation {
	opts := seedAnalysis()
	return checkpointing.Observation{
		Settings: seedSettings(), Completed: 7, Failed: 3, History: seedHistory(),
		Facts: checkpointing.Facts{
			Source: checkpointing.SourceLegacy, ElementBytes: checkpointing.Known[int64](seedElementBytes), Pipelines: seedPipelines, Options: &opts,
		},
	}
}

// seedNow is shortly after the newest checkpoint of seedHistory completed.
func seedNow() time.Time {
	h := seedHistory()
	last := h[len(h)-1]
	return last.Trigger.Add(last.Duration + 5*time.Second)
}
