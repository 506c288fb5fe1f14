// Package metrics exports what a controller built from flinkscale does as
// Prometheus metrics: the backlog it reads, the lag health it evaluates,
// the decisions it takes, the Flink REST calls it makes and the drains it
// runs. It is the only package of the module that imports
// github.com/prometheus/client_golang; the others offer hooks
// (kafkalag.Config.OnEvaluation, autoscale.ControllerConfig.OnStep,
// flinkapi.Config.OnCall, flinkdrain.Config.OnTransition) that the
// collectors here plug into.
//
// Each collector is a prometheus.Collector that you register on your own
// registry; nothing here touches the global default registry:
//
//	reg := prometheus.NewRegistry()
//	calls, _ := metrics.NewFlinkAPI(metrics.FlinkAPIConfig{})
//	steps, _ := metrics.NewAutoscale(metrics.AutoscaleConfig{})
//	lag, _ := metrics.NewBacklog(metrics.BacklogConfig{})
//	reg.MustRegister(calls, steps, lag)
//	client, _ := flinkapi.New(flinkapi.Config{BaseURL: url, OnCall: calls.Call})
//	kafka, _ := kafkalag.New(kafkalag.Config{..., OnEvaluation: lag.KafkaEvaluation})
//	ctl, _ := autoscale.NewController(autoscale.ControllerConfig{..., OnStep: steps.Step})
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// # Names and labels
//
// Every name starts with flinkscale_, is in base units (seconds, bytes,
// records) and ends in _total for counters and _seconds for durations.
// Labels are bounded, and say by what:
//
//	label      values                                         bound
//	source     a backlog Source's name ("kafka", "flink")     the sources you configure
//	group      a consumer group (or Flink job) ID             the groups you configure
//	topic      a Kafka topic ("" for a Flink vertex's splits)  the groups' topics
//	vertex     a Flink job vertex ID (32 hex)                 the job's vertices
//	partition  a partition number or split ID                 BacklogConfig.Partitions per group (0: none)
//	job        a Flink job ID                                 one per controller
//	name       a vertex's name                                one per vertex
//	status     a lag health status; for flinkapi, the final      6; the codes Flink answers
//	           HTTP status code, "canceled" or "error"        and 2 more
//	route      a Flink REST path template                     16 (flinkapi's routes)
//	method     GET, POST, PUT, PATCH                          4
//	outcome    keep, applied, dry_run, refused, failed;       5; 2; 3
//	           ok, error; drained, cancelled, failed
//	reason     a reason code (the Reason constants)           8
//	state      a drain.State name                             8
//
// Per-partition series are off unless BacklogConfig.Partitions is set, and
// a snapshot with more partitions than it allows exports none of them
// (flinkscale_backlog_partitions_not_exported says how many it left out),
// so a topic of 10,000 partitions cannot blow up a scrape. A decision's
// reason is exported as a code derived from the step's record (Classify),
// never as its free text, which the controller logs.
//
// # Unknown is not zero
//
// A figure the library reports as unknown (a backlog.Figure with a reason,
// a missing autoscale.Value) is never exported as 0: its series is absent
// for that scrape. flinkscale_backlog_unknown_partitions counts the
// partitions whose backlog is unknown, and the timestamps
// (flinkscale_backlog_snapshot_timestamp_seconds,
// flinkscale_autoscale_last_observation_timestamp_seconds) show how old
// the exported figures are.
package metrics
