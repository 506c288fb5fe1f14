package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/metrics"
)

var stamp = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// snapshot has two topics: orders with one partition's backlog unknown
// (its leader is gone), payments known.
func snapshot() backlog.Snapshot {
	part := func(topic string, p int32, records int64, lag time.Duration) backlog.Partition {
		return backlog.Partition{Key: backlog.TopicPartition(topic, p), Records: backlog.Known(records),
			Bytes: backlog.Known(records * 100), TimeLag: backlog.Known(lag)}
	}
	lost := backlog.Partition{Key: backlog.TopicPartition("orders", 2), Records: backlog.Unknown[int64](backlog.NoLeader),
		Bytes: backlog.Unknown[int64](backlog.NoLeader), TimeLag: backlog.Unknown[time.Duration](backlog.NoLeader)}
	return backlog.Snapshot{Time: stamp, Group: "g", Source: "kafka", Partitions: []backlog.Partition{
		part("orders", 0, 10, 3*time.Second), part("orders", 1, 20, 5*time.Second), lost,
		part("payments", 0, 7, time.Second), part("payments", 1, 0, 0),
	}}
}

func TestBacklogFigures(t *testing.T) {
	b, err := metrics.NewBacklog(metrics.BacklogConfig{Partitions: 5})
	if err != nil {
		t.Fatal(err)
	}
	older := snapshot()
	older.Time = stamp.Add(-time.Minute)
	older.Partitions = older.Partitions[:1]
	b.Observe(snapshot(), older) // the older one is ignored
	b.ObserveHealth("g", []backlog.PartitionHealth{{Status: backlog.StatusOK}, {Status: backlog.StatusOK}, {Status: backlog.StatusStall}})
	want := `
# HELP flinkscale_backlog_records Records the group has still to read, summed over a topic's partitions (or a Flink source vertex's splits); absent while any of them is unknown.
# TYPE flinkscale_backlog_records gauge
flinkscale_backlog_records{group="g",source="kafka",topic="payments",vertex=""} 7
# HELP flinkscale_backlog_bytes Estimated size of those records (key and value), summed over a topic's partitions; absent while any of them is unknown.
# TYPE flinkscale_backlog_bytes gauge
flinkscale_backlog_bytes{group="g",source="kafka",topic="payments",vertex=""} 700
# HELP flinkscale_backlog_time_lag_seconds Age of the oldest unread record, the largest over a topic's partitions; 0 when caught up, absent while any of them is unknown.
# TYPE flinkscale_backlog_time_lag_seconds gauge
flinkscale_backlog_time_lag_seconds{group="g",source="kafka",topic="payments",vertex=""} 1
# HELP flinkscale_backlog_partitions Partitions (or splits) of a topic in the latest snapshot.
# TYPE flinkscale_backlog_partitions gauge
flinkscale_backlog_partitions{group="g",source="kafka",topic="orders",vertex=""} 3
flinkscale_backlog_partitions{group="g",source="kafka",topic="payments",vertex=""} 2
# HELP flinkscale_backlog_unknown_partitions Partitions of a topic whose record backlog is unknown in the latest snapshot.
# TYPE flinkscale_backlog_unknown_partitions gauge
flinkscale_backlog_unknown_partitions{group="g",source="kafka",topic="orders",vertex=""} 1
flinkscale_backlog_unknown_partitions{group="g",source="kafka",topic="payments",vertex=""} 0
# HELP flinkscale_backlog_partition_records Records the group has still to read on one partition (only with BacklogConfig.Partitions); absent while unknown.
# TYPE flinkscale_backlog_partition_records gauge
flinkscale_backlog_partition_records{group="g",partition="0",source="kafka",topic="orders",vertex=""} 10
flinkscale_backlog_partition_records{group="g",partition="0",source="kafka",topic="payments",vertex=""} 7
flinkscale_backlog_partition_records{group="g",partition="1",source="kafka",topic="orders",vertex=""} 20
flinkscale_backlog_partition_records{group="g",partition="1",source="kafka",topic="payments",vertex=""} 0
# HELP flinkscale_backlog_partitions_not_exported Partitions of the latest snapshot left without per-partition series, because the snapshot has more than BacklogConfig.Partitions.
# TYPE flinkscale_backlog_partitions_not_exported gauge
flinkscale_backlog_partitions_not_exported{group="g",source="kafka"} 0
# HELP flinkscale_backlog_snapshot_timestamp_seconds When the latest snapshot of a group was measured, as a Unix time.
# TYPE flinkscale_backlog_snapshot_timestamp_seconds gauge
flinkscale_backlog_snapshot_timestamp_seconds{group="g",source="kafka"} 1.7966448e+09
# HELP flinkscale_backlog_health_partitions Partitions of a group per lag health status (OK, WARN, STALL, STOP, REWIND, UNKNOWN) at the latest evaluation.
# TYPE flinkscale_backlog_health_partitions gauge
flinkscale_backlog_health_partitions{group="g",status="OK"} 2
flinkscale_backlog_health_partitions{group="g",status="REWIND"} 0
flinkscale_backlog_health_partitions{group="g",status="STALL"} 1
flinkscale_backlog_health_partitions{group="g",status="STOP"} 0
flinkscale_backlog_health_partitions{group="g",status="UNKNOWN"} 0
flinkscale_backlog_health_partitions{group="g",status="WARN"} 0
`
	if err := testutil.CollectAndCompare(b, strings.NewReader(want),
		"flinkscale_backlog_records", "flinkscale_backlog_bytes", "flinkscale_backlog_time_lag_seconds", "flinkscale_backlog_partitions",
		"flinkscale_backlog_unknown_partitions", "flinkscale_backlog_partition_records", "flinkscale_backlog_partitions_not_exported",
		"flinkscale_backlog_snapshot_timestamp_seconds", "flinkscale_backlog_health_partitions"); err != nil {
		t.Error(err)
	}

	// Over the per-partition bound: no partition series, the count left out.
	few, err := metrics.NewBacklog(metrics.BacklogConfig{Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	few.Observe(snapshot())
	if n := testutil.CollectAndCount(few, "flinkscale_backlog_partition_records", "flinkscale_backlog_partition_time_lag_seconds"); n != 0 {
		t.Errorf("%d per-partition series over the bound", n)
	}
	if v := value(t, few, "flinkscale_backlog_partitions_not_exported"); v != 5 {
		t.Errorf("partitions not exported = %v, want 5", v)
	}
	// Off by default.
	off, _ := metrics.NewBacklog(metrics.BacklogConfig{})
	off.Observe(snapshot())
	if n := testutil.CollectAndCount(off, "flinkscale_backlog_partition_records", "flinkscale_backlog_partitions_not_exported"); n != 0 {
		t.Errorf("%d per-partition series with the zero config", n)
	}
}

// TestBacklogKafka evaluates a real kafkalag.Lag against kfake, wrapped
// and with OnEvaluation, and checks the evaluation metrics.
func TestBacklogKafka(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(6, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := metrics.NewBacklog(metrics.BacklogConfig{})
	if err != nil {
		t.Fatal(err)
	}
	lag, err := kafkalag.New(kafkalag.Config{Brokers: c.ListenAddrs(), OnEvaluation: b.KafkaEvaluation,
		Groups: []kafkalag.Group{{Name: "g", Topics: []string{"orders"}, Reset: backlog.ResetEarliest}}})
	if err != nil {
		t.Fatal(err)
	}
	defer lag.Close()
	src := b.Wrap("kafka", lag)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 2 {
		if _, err := src.Backlog(ctx); err != nil {
			t.Fatal(err)
		}
	}
	failing := b.Wrap("flink", backlog.SourceFunc(func(context.Context) (backlog.Snapshot, error) {
		return backlog.Snapshot{}, errors.New("JobManager unreachable")
	}))
	if _, err := failing.Backlog(ctx); err == nil {
		t.Fatal("the failing source did not fail")
	}
	want := `
# HELP flinkscale_backlog_evaluations_total Backlog evaluations of a wrapped source, by outcome: ok (a snapshot, maybe with unknown figures) or error (none).
# TYPE flinkscale_backlog_evaluations_total counter
flinkscale_backlog_evaluations_total{outcome="error",source="flink"} 1
flinkscale_backlog_evaluations_total{outcome="error",source="kafka"} 0
flinkscale_backlog_evaluations_total{outcome="ok",source="flink"} 0
flinkscale_backlog_evaluations_total{outcome="ok",source="kafka"} 2
# HELP flinkscale_backlog_kafka_evaluations_total Evaluations of a kafkalag.Lag, by outcome: ok or error.
# TYPE flinkscale_backlog_kafka_evaluations_total counter
flinkscale_backlog_kafka_evaluations_total{outcome="error"} 0
flinkscale_backlog_kafka_evaluations_total{outcome="ok"} 2
# HELP flinkscale_backlog_records Records the group has still to read, summed over a topic's partitions (or a Flink source vertex's splits); absent while any of them is unknown.
# TYPE flinkscale_backlog_records gauge
flinkscale_backlog_records{group="g",source="kafka",topic="orders",vertex=""} 0
`
	if err := testutil.CollectAndCompare(b, strings.NewReader(want),
		"flinkscale_backlog_evaluations_total", "flinkscale_backlog_kafka_evaluations_total", "flinkscale_backlog_records"); err != nil {
		t.Error(err)
	}
	// An evaluation of one group sends 1 + g + 2b requests, b the brokers
	// leading a partition (1 to 3 here): 4 to 8 (kafkalag's own tests count
	// them exactly, against the brokers).
	if total := value(t, b, "flinkscale_backlog_kafka_requests_total"); total < 2*4 || total > 2*8 {
		t.Errorf("kafka requests over two evaluations = %v, want 8 to 16", total)
	}
	if n := testutil.CollectAndCount(b, "flinkscale_backlog_kafka_requests_per_evaluation", "flinkscale_backlog_evaluation_duration_seconds", "flinkscale_backlog_kafka_evaluation_duration_seconds"); n != 4 {
		t.Errorf("%d histograms, want 4 (requests, kafka and flink durations, kafka evaluation duration)", n)
	}
	if problems, err := testutil.CollectAndLint(b); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

func TestConfigsRefused(t *testing.T) {
	for name, err := range map[string]error{
		"negative partitions": func() error { _, err := metrics.NewBacklog(metrics.BacklogConfig{Partitions: -1}); return err }(),
		"decreasing buckets": func() error {
			_, err := metrics.NewFlinkAPI(metrics.FlinkAPIConfig{DurationBuckets: []float64{1, 0.5}})
			return err
		}(),
		"NaN bucket": func() error {
			_, err := metrics.NewDrain(metrics.DrainConfig{DurationBuckets: []float64{nan()}})
			return err
		}(),
		"equal buckets": func() error {
			_, err := metrics.NewBacklog(metrics.BacklogConfig{RequestBuckets: []float64{2, 2}})
			return err
		}(),
	} {
		if !errors.Is(err, metrics.ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}
