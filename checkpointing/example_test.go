package checkpointing_test

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// The seed deployment before and after the advice: the advisor reads the
// checkpoint history (three of ten expired), the bundle settings and the
// PipelineOptions, and the estimator shows what each change does to the
// size of a checkpoint.
func Example_seed() {
	obs := seedObservation()
	adv, err := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	if err != nil {
		log.Fatal(err)
	}
	findings, err := adv.Advise(seedNow(), obs)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range findings {
		fmt.Printf("%s %s: %s\n", f.Severity, f.Code, f.Summary)
		if f.Change.IsZero() {
			fmt.Println("  action:", f.Action)
		} else {
			fmt.Println("  change:", f.Change)
		}
	}
	change := checkpointing.Changes(findings)
	after := change.Apply(obs.Settings)
	fmt.Println("apply:", change.BeamArgs())

	opts := obs.Facts.Options
	size := func(s checkpointing.Settings, optionsBytes int) string {
		in := seedSizeInputs(optionsBytes)
		in.Pipelines = seedPipelines
		e, err := checkpointing.EstimateSize(s, in)
		if err != nil {
			log.Fatal(err)
		}
		return fmt.Sprintf("%s per pipeline, %s per checkpoint", checkpointing.FormatBytes(e.PerPipeline), checkpointing.FormatBytes(e.PerJob))
	}
	fmt.Println("before:        ", size(obs.Settings, opts.TotalBytes))
	fmt.Println("finish bundles:", size(after, opts.TotalBytes))
	fmt.Println("trim options:  ", size(after, opts.TrimmedBytes))
	// Output:
	// critical duration-near-timeout: p99 checkpoint duration 51.88s is 86% of the 1m0s timeout
	//   change: checkpointTimeoutMillis: 60000 -> 156000
	// critical repeated-timeouts: 3 of the last 10 checkpoints expired after the 1m0s timeout
	//   change: finishBundleBeforeCheckpointing: false -> true
	// warning application-options: application values make up 34.6 KB of the 37.0 KB PipelineOptions, copied 400 times into each checkpoint (BEAM-8577)
	//   action: move the application values out of PipelineOptions (pass them to the DoFns that need them, or read them from a file or a side input): enrichmentRules, outputTopic, schemaRegistryUrl
	// warning large-in-flight-buffers: each checkpoint buffers the open bundle's output: 1.80 MB per pipeline, 180 MB per checkpoint
	//   change: finishBundleBeforeCheckpointing: false -> true
	// apply: [--finishBundleBeforeCheckpointing=true --checkpointTimeoutMillis=156000]
	// before:         1.95 MB per pipeline, 195 MB per checkpoint
	// finish bundles: 149 KB per pipeline, 14.9 MB per checkpoint
	// trim options:   10.7 KB per pipeline, 1.07 MB per checkpoint
}

func ExampleSettings_BeamArgs() {
	s := checkpointing.Settings{MaxBundleSize: 10_000, MaxBundleTime: 10 * time.Second, Interval: 10 * time.Second, Timeout: time.Minute}
	args, err := s.BeamArgs()
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range args {
		fmt.Println(a)
	}
	back, rest, err := checkpointing.ParseBeamArgs(append(args, "--runner=FlinkRunner"))
	fmt.Println(back == s.Effective(), rest, err)
	// Output:
	// --maxBundleSize=10000
	// --maxBundleTimeMills=10000
	// --finishBundleBeforeCheckpointing=false
	// --checkpointingInterval=10000
	// --checkpointTimeoutMillis=60000
	// --minPauseBetweenCheckpoints=0
	// --numConcurrentCheckpoints=1
	// --unalignedCheckpointEnabled=false
	// --checkpointingMode=EXACTLY_ONCE
	// true [--runner=FlinkRunner] <nil>
}

func ExampleParseFlinkConfig() {
	s, err := checkpointing.ParseFlinkConfig(map[string]string{
		"execution.checkpointing.interval":  "10s",
		"execution.checkpointing.timeout":   "60000",
		"execution.checkpointing.unaligned": "true", // the key before Flink 1.20
		"state.backend.type":                "rocksdb",
	})
	fmt.Println(s.Interval, s.Timeout, s.Unaligned, err)
	conf, _ := s.FlinkConfig()
	fmt.Println(conf[checkpointing.FlinkInterval], conf[checkpointing.FlinkTimeout], conf[checkpointing.FlinkUnaligned])

	_, err = checkpointing.ParseFlinkConfig(map[string]string{"execution.checkpointing.timeout": "5 ms"})
	fmt.Println(err)
	// Output:
	// 10s 1m0s true <nil>
	// 10 s 1 min true
	// checkpointing: invalid config: execution.checkpointing.timeout="5 ms": must be at least 10ms
}

// The trade-off of Beam's default bundles, the seed's, and the default
// policy's choice for an operator that spends 0.2 ms per element and 50 ms
// flushing each bundle, at 1000 elements per second, within 2 s of added
// latency.
func ExampleDefaultBundlePolicy() {
	w := checkpointing.BundleWorkload{
		ElementCost: 200 * time.Microsecond, Rate: 1000, BundleOverhead: 50 * time.Millisecond,
		LatencyBudget: 2 * time.Second, ElementBytes: checkpointing.Known[int64](180),
	}
	p, err := checkpointing.NewDefaultBundlePolicy(checkpointing.DefaultBundlePolicyConfig{})
	if err != nil {
		log.Fatal(err)
	}
	seedFinished := checkpointing.SeedBundles()
	seedFinished.FinishBundleBeforeCheckpointing = true
	for _, c := range []struct {
		name string
		p    checkpointing.BundlePolicy
	}{{"beam", checkpointing.BeamDefaultBundles()}, {"seed", checkpointing.SeedBundles()}, {"seed+finish", seedFinished}, {"policy", p}} {
		plan, err := c.p.Choose(w)
		if err != nil {
			log.Fatal(err)
		}
		t := plan.TradeOff
		buffered, _ := t.CheckpointBytes.Value() // known: ElementBytes is
		fmt.Printf("%-11s %5d/%-6v overhead %4.1f%%  latency +%-6v barrier +%-6v buffered %s\n", c.name, plan.MaxSize, plan.MaxTime,
			100*t.OverheadShare, t.AddedLatency, t.BarrierDelay, checkpointing.FormatBytes(buffered))
	}
	// Output:
	// beam         1000/1s     overhead 20.0%  latency +1.05s  barrier +0s     buffered 180 KB
	// seed        10000/10s    overhead  2.4%  latency +10.05s barrier +0s     buffered 1.80 MB
	// seed+finish 10000/10s    overhead  2.4%  latency +10.05s barrier +2.05s  buffered 0 B
	// policy       5000/1.95s  overhead 11.4%  latency +2s     barrier +440ms  buffered 0 B
}

// Interval, timeout and minimum pause for a one-minute recovery objective,
// from the durations Flink reported.
func ExampleDefaultCheckpointPolicy() {
	p, err := checkpointing.NewDefaultCheckpointPolicy(checkpointing.DefaultCheckpointPolicyConfig{})
	if err != nil {
		log.Fatal(err)
	}
	plan, err := p.Choose(checkpointing.CheckpointWorkload{
		Durations:         checkpointing.Durations{P50: checkpointing.Known(3 * time.Second), P99: checkpointing.Known(8 * time.Second)},
		StateBytes:        400e6,
		RecoveryObjective: time.Minute,
		Current:           checkpointing.Settings{Interval: 10 * time.Second, Timeout: 12 * time.Second},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plan.Interval, plan.Timeout, plan.MinPause, plan.MaxReplay, checkpointing.FormatBytes(plan.BytesPerHour)+"/h")
	for _, f := range plan.Findings {
		fmt.Println(f.Severity, f.Code, f.Change)
	}
	// Output:
	// 52s 1m0s 26s 1m0s 27.7 GB/h
	// warning duration-near-timeout checkpointTimeoutMillis: 12000 -> 60000
}

// One seed pipeline's checkpoint, before and after each fix (inputs in
// seed_test.go), and the 100-pipeline job at the middle stage.
func ExampleEstimateSize() {
	opts := seedAnalysis()
	buffered := seedSettings()
	finished := buffered
	finished.FinishBundleBeforeCheckpointing = true
	for _, st := range []struct {
		name    string
		s       checkpointing.Settings
		options int
	}{{"buffered", buffered, opts.TotalBytes}, {"finished", finished, opts.TotalBytes}, {"trimmed", finished, opts.TrimmedBytes}} {
		e, err := checkpointing.EstimateSize(st.s, seedSizeInputs(st.options))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-8s state %s + in flight %s + options %s = %s\n", st.name, checkpointing.FormatBytes(e.State),
			checkpointing.FormatBytes(e.InFlight), checkpointing.FormatBytes(e.Options), checkpointing.FormatBytes(e.PerPipeline))
	}
	in := seedSizeInputs(opts.TotalBytes)
	in.Pipelines = 100
	job, _ := checkpointing.EstimateSize(finished, in)
	fmt.Println("100 pipelines:", checkpointing.FormatBytes(job.PerJob), "per checkpoint interval")
	// Output:
	// buffered state 1.00 KB + in flight 1.80 MB + options 148 KB = 1.95 MB
	// finished state 1.00 KB + in flight 0 B + options 148 KB = 149 KB
	// trimmed  state 1.00 KB + in flight 0 B + options 9.71 KB = 10.7 KB
	// 100 pipelines: 14.9 MB per checkpoint interval
}

func ExampleAnalyzeOptions() {
	doc := []byte(`{"options":{"runner":"org.apache.beam.runners.flink.FlinkRunner","streaming":true,"tenantConfig":"` +
		strings.Repeat("x", 2000) + `"},"display_data":[` +
		`{"namespace":"org.apache.beam.sdk.options.PipelineOptions","key":"runner","type":"JAVA_CLASS","value":"org.apache.beam.runners.flink.FlinkRunner"},` +
		`{"namespace":"com.acme.TenantOptions","key":"tenantConfig","type":"STRING","value":"` + strings.Repeat("x", 2000) + `"}]}`)
	r, err := checkpointing.AnalyzeOptions(doc, checkpointing.OptionsConfig{Copies: 4})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range r.Largest(2) {
		fmt.Println(e.Key, e.Bytes, e.Runner)
	}
	fmt.Println(r.Application, r.TotalBytes, "->", r.TrimmedBytes, "bytes; saves", r.SavedPerCheckpoint, "bytes per checkpoint")
	// Output:
	// tenantConfig 4105 false
	// runner 200 true
	// [tenantConfig] 4352 -> 247 bytes; saves 16420 bytes per checkpoint
}

// Unaligned checkpoints with Beam's legacy source under backpressure: the
// FLINK-26759 stall.
func ExampleDefaultAdvisor_unalignedLegacySource() {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var history []checkpointing.Checkpoint
	for i := range 6 {
		c := checkpointing.Checkpoint{ID: int64(i + 1), Outcome: checkpointing.Completed, Trigger: start.Add(time.Duration(i) * time.Minute),
			Duration: 4 * time.Second, CheckpointedBytes: 20e6}
		if i >= 3 {
			c.Outcome, c.Duration, c.Failure = checkpointing.Failed, 10*time.Minute, "Checkpoint expired before completing."
		}
		history = append(history, c)
	}
	obs := checkpointing.Observation{
		Settings: checkpointing.Settings{Interval: time.Minute, Unaligned: true},
		History:  history,
		Facts:    checkpointing.Facts{Source: checkpointing.SourceLegacy, Backpressured: checkpointing.Known(true)},
	}
	adv, _ := checkpointing.NewDefaultAdvisor(checkpointing.DefaultAdvisorConfig{})
	findings, err := adv.Advise(start.Add(16*time.Minute), obs)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range findings {
		fmt.Println(f.Severity, f.Code, "|", f.Change)
	}
	// Output:
	// critical no-recent-checkpoint | no change
	// critical repeated-timeouts | unalignedCheckpointEnabled: true -> false
	// critical unaligned-legacy-source | unalignedCheckpointEnabled: true -> false
}
