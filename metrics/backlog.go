package metrics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
)

// BacklogConfig configures a Backlog collector. The zero BacklogConfig
// means the documented defaults.
type BacklogConfig struct {
	// Partitions bounds the per-partition series: a snapshot of at most
	// Partitions partitions also exports flinkscale_backlog_partition_*
	// series, one per partition; a larger one exports none and says how
	// many it left out (flinkscale_backlog_partitions_not_exported).
	// Default: 0, no per-partition series. Negative is an error.
	Partitions int
	// DurationBuckets are the buckets, in seconds, of the evaluation
	// duration histograms. Default: prometheus.DefBuckets (5 ms to 10 s).
	DurationBuckets []float64
	// RequestBuckets are the buckets of
	// flinkscale_backlog_kafka_requests_per_evaluation. Default: the powers
	// of 2 from 1 to 2048.
	RequestBuckets []float64
}

// Validate reports whether the config is usable, wrapping
// ErrInvalidConfig if not.
func (c BacklogConfig) Validate() error {
	if c.Partitions < 0 {
		return fmt.Errorf("%w: BacklogConfig.Partitions %d is negative", ErrInvalidConfig, c.Partitions)
	}
	if err := checkBuckets("BacklogConfig.DurationBuckets", c.DurationBuckets); err != nil {
		return err
	}
	return checkBuckets("BacklogConfig.RequestBuckets", c.RequestBuckets)
}

// Backlog exports backlog figures, lag health, and how the evaluations
// that produced them went. Feed it with Observe (or Wrap a Source),
// ObserveHealth, and kafkalag's Config.OnEvaluation (KafkaEvaluation), and
// register it on your own registry. Figures are the latest snapshot's per
// (source, group); an unknown figure is never exported as 0: its series is
// absent while any partition's figure is unknown, and
// flinkscale_backlog_unknown_partitions counts those partitions. Safe for
// concurrent use.
type Backlog struct {
	cfg BacklogConfig

	mu     sync.Mutex
	snaps  map[snapKey]backlog.Snapshot
	health map[string]map[backlog.Status]int

	records, bytes, timeLag, partitions, unknown, stamp, scopeErrors *prometheus.Desc
	partRecords, partTimeLag, notExported, healthDesc                *prometheus.Desc

	evaluations   *prometheus.CounterVec
	evalDuration  *prometheus.HistogramVec
	kafkaEvals    *prometheus.CounterVec
	kafkaDuration prometheus.Histogram
	kafkaRequests prometheus.Counter
	kafkaPerEval  prometheus.Histogram
}

type snapKey struct{ source, group string }

var _ prometheus.Collector = (*Backlog)(nil)

// NewBacklog returns a Backlog collector configured by cfg, or an error
// wrapping ErrInvalidConfig.
func NewBacklog(cfg BacklogConfig) (*Backlog, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	topic := []string{"source", "group", "topic", "vertex"}
	part := []string{"source", "group", "topic", "vertex", "partition"}
	b := &Backlog{
		cfg:    cfg,
		snaps:  map[snapKey]backlog.Snapshot{},
		health: map[string]map[backlog.Status]int{},
		records: prometheus.NewDesc("flinkscale_backlog_records",
			"Records the group has still to read, summed over a topic's partitions (or a Flink source vertex's splits); absent while any of them is unknown.", topic, nil),
		bytes: prometheus.NewDesc("flinkscale_backlog_bytes",
			"Estimated size of those records (key and value), summed over a topic's partitions; absent while any of them is unknown.", topic, nil),
		timeLag: prometheus.NewDesc("flinkscale_backlog_time_lag_seconds",
			"Age of the oldest unread record, the largest over a topic's partitions; 0 when caught up, absent while any of them is unknown.", topic, nil),
		partitions: prometheus.NewDesc("flinkscale_backlog_partitions",
			"Partitions (or splits) of a topic in the latest snapshot.", topic, nil),
		unknown: prometheus.NewDesc("flinkscale_backlog_unknown_partitions",
			"Partitions of a topic whose record backlog is unknown in the latest snapshot.", topic, nil),
		stamp: prometheus.NewDesc("flinkscale_backlog_snapshot_timestamp_seconds",
			"When the latest snapshot of a group was measured, as a Unix time.", []string{"source", "group"}, nil),
		scopeErrors: prometheus.NewDesc("flinkscale_backlog_scope_errors",
			"Scopes (a topic, a group) the latest snapshot could not read at all.", []string{"source", "group"}, nil),
		partRecords: prometheus.NewDesc("flinkscale_backlog_partition_records",
			"Records the group has still to read on one partition (only with BacklogConfig.Partitions); absent while unknown.", part, nil),
		partTimeLag: prometheus.NewDesc("flinkscale_backlog_partition_time_lag_seconds",
			"Age of the oldest unread record of one partition (only with BacklogConfig.Partitions); absent while unknown.", part, nil),
		notExported: prometheus.NewDesc("flinkscale_backlog_partitions_not_exported",
			"Partitions of the latest snapshot left without per-partition series, because the snapshot has more than BacklogConfig.Partitions.", []string{"source", "group"}, nil),
		healthDesc: prometheus.NewDesc("flinkscale_backlog_health_partitions",
			"Partitions of a group per lag health status (OK, WARN, STALL, STOP, REWIND, UNKNOWN) at the latest evaluation.", []string{"group", "status"}, nil),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flinkscale_backlog_evaluations_total",
			Help: "Backlog evaluations of a wrapped source, by outcome: ok (a snapshot, maybe with unknown figures) or error (none)."}, []string{"source", "outcome"}),
		evalDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "flinkscale_backlog_evaluation_duration_seconds",
			Help: "Wall time of a wrapped source's backlog evaluations.", Buckets: bucketsOr(cfg.DurationBuckets, prometheus.DefBuckets)}, []string{"source"}),
		kafkaEvals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flinkscale_backlog_kafka_evaluations_total",
			Help: "Evaluations of a kafkalag.Lag, by outcome: ok or error."}, []string{"outcome"}),
		kafkaDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "flinkscale_backlog_kafka_evaluation_duration_seconds",
			Help: "Wall time of a kafkalag.Lag's evaluations.", Buckets: bucketsOr(cfg.DurationBuckets, prometheus.DefBuckets)}),
		kafkaRequests: prometheus.NewCounter(prometheus.CounterOpts{Name: "flinkscale_backlog_kafka_requests_total",
			Help: "Requests a kafkalag.Lag sent to Kafka brokers (Metadata, OffsetFetch, ListOffsets, DescribeGroups, Fetch)."}),
		kafkaPerEval: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "flinkscale_backlog_kafka_requests_per_evaluation",
			Help: "Requests sent to Kafka brokers per kafkalag.Lag evaluation.", Buckets: bucketsOr(cfg.RequestBuckets, prometheus.ExponentialBuckets(1, 2, 12))}),
	}
	for _, o := range []string{"ok", "error"} {
		b.kafkaEvals.WithLabelValues(o)
	}
	return b, nil
}

// Observe records snapshots: each replaces the previous one of its
// (Source, Group). Snapshots older than the one kept are ignored.
func (b *Backlog) Observe(snaps ...backlog.Snapshot) {
	for _, s := range snaps {
		b.observe(s.Source, s)
	}
}

func (b *Backlog) observe(source string, s backlog.Snapshot) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := snapKey{source, s.Group}
	if old, ok := b.snaps[k]; ok && s.Time.Before(old.Time) {
		return
	}
	b.snaps[k] = s
}

// Wrap returns a Source that evaluates s, records each snapshot under the
// source label name (Observe's figures), and counts the evaluations and
// their wall time by outcome. name should be a fixed word per source
// ("kafka", "flink", "merged"): it is a label value.
func (b *Backlog) Wrap(name string, s backlog.Source) backlog.Source {
	ok, failed := b.evaluations.WithLabelValues(name, "ok"), b.evaluations.WithLabelValues(name, "error")
	dur := b.evalDuration.WithLabelValues(name)
	return backlog.SourceFunc(func(ctx context.Context) (backlog.Snapshot, error) {
		start := time.Now()
		snap, err := s.Backlog(ctx)
		dur.Observe(time.Since(start).Seconds())
		if err != nil {
			failed.Inc()
			return snap, err
		}
		ok.Inc()
		b.observe(name, snap)
		return snap, nil
	})
}

// KafkaEvaluation records one evaluation of a kafkalag.Lag: use it as
// kafkalag.Config.OnEvaluation.
func (b *Backlog) KafkaEvaluation(e kafkalag.Evaluation) {
	outcome := "ok"
	if e.Err != nil {
		outcome = "error"
	}
	b.kafkaEvals.WithLabelValues(outcome).Inc()
	b.kafkaDuration.Observe(e.Duration.Seconds())
	b.kafkaRequests.Add(float64(e.Requests))
	b.kafkaPerEval.Observe(float64(e.Requests))
}

// ObserveHealth records a group's lag health evaluation (a backlog.Health's
// EvaluateAll), replacing the previous one of the group.
func (b *Backlog) ObserveHealth(group string, hs []backlog.PartitionHealth) {
	counts := map[backlog.Status]int{}
	for _, h := range hs {
		counts[h.Status]++
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.health[group] = counts
}

// healthStatuses are the statuses exported, each group every one of them.
var healthStatuses = [...]backlog.Status{backlog.StatusUnknown, backlog.StatusOK, backlog.StatusWarn, backlog.StatusStall, backlog.StatusStop, backlog.StatusRewind}

// Describe implements prometheus.Collector.
func (b *Backlog) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{b.records, b.bytes, b.timeLag, b.partitions, b.unknown, b.stamp, b.scopeErrors,
		b.partRecords, b.partTimeLag, b.notExported, b.healthDesc} {
		ch <- d
	}
	b.evaluations.Describe(ch)
	b.evalDuration.Describe(ch)
	b.kafkaEvals.Describe(ch)
	b.kafkaDuration.Describe(ch)
	b.kafkaRequests.Describe(ch)
	b.kafkaPerEval.Describe(ch)
}

// Collect implements prometheus.Collector.
func (b *Backlog) Collect(ch chan<- prometheus.Metric) {
	b.mu.Lock()
	keys := make([]snapKey, 0, len(b.snaps))
	for k := range b.snaps {
		keys = append(keys, k)
	}
	snaps := make([]backlog.Snapshot, 0, len(keys))
	slices.SortFunc(keys, func(x, y snapKey) int { return cmp.Or(cmp.Compare(x.source, y.source), cmp.Compare(x.group, y.group)) })
	for _, k := range keys {
		snaps = append(snaps, b.snaps[k])
	}
	health := make(map[string]map[backlog.Status]int, len(b.health))
	for g, c := range b.health {
		health[g] = c
	}
	b.mu.Unlock()

	for i, s := range snaps {
		b.collectSnapshot(ch, keys[i].source, s)
	}
	for g, counts := range health {
		for _, st := range healthStatuses {
			constMetric(ch, b.healthDesc, prometheus.GaugeValue, float64(counts[st]), g, st.String())
		}
	}
	b.evaluations.Collect(ch)
	b.evalDuration.Collect(ch)
	b.kafkaEvals.Collect(ch)
	b.kafkaDuration.Collect(ch)
	b.kafkaRequests.Collect(ch)
	b.kafkaPerEval.Collect(ch)
}

// topicKey groups a snapshot's partitions: a Kafka topic, or a Flink source
// vertex's splits.
type topicKey struct{ topic, vertex string }

// topicFigures are a topic's figures summed (maximised for time lag).
type topicFigures struct {
	partitions, unknown           int
	records, bytes                int64
	timeLag                       time.Duration
	recordsOK, bytesOK, timeLagOK bool
}

func (b *Backlog) collectSnapshot(ch chan<- prometheus.Metric, source string, s backlog.Snapshot) {
	g := s.Group
	constMetric(ch, b.stamp, prometheus.GaugeValue, float64(s.Time.UnixNano())/1e9, source, g)
	constMetric(ch, b.scopeErrors, prometheus.GaugeValue, float64(len(s.Errors)), source, g)
	topics := map[topicKey]*topicFigures{}
	var order []topicKey
	for _, p := range s.Partitions {
		k := topicKey{p.Key.Topic, p.Key.Vertex}
		f := topics[k]
		if f == nil {
			f = &topicFigures{recordsOK: true, bytesOK: true, timeLagOK: true}
			topics[k] = f
			order = append(order, k)
		}
		f.partitions++
		if r, ok := p.Records.Value(); ok && r >= 0 {
			f.records, _ = backlog.Sum(backlog.Known(f.records), backlog.Known(r)).Value() // saturates
		} else {
			f.unknown++
			f.recordsOK = false
		}
		if by, ok := p.Bytes.Value(); ok && by >= 0 {
			f.bytes, _ = backlog.Sum(backlog.Known(f.bytes), backlog.Known(by)).Value()
		} else {
			f.bytesOK = false
		}
		if tl, ok := p.TimeLag.Value(); ok && tl >= 0 {
			f.timeLag = max(f.timeLag, tl)
		} else {
			f.timeLagOK = false
		}
	}
	for _, k := range order {
		f := topics[k]
		lv := []string{source, g, k.topic, k.vertex}
		constMetric(ch, b.partitions, prometheus.GaugeValue, float64(f.partitions), lv...)
		constMetric(ch, b.unknown, prometheus.GaugeValue, float64(f.unknown), lv...)
		if f.recordsOK {
			constMetric(ch, b.records, prometheus.GaugeValue, float64(f.records), lv...)
		}
		if f.bytesOK {
			constMetric(ch, b.bytes, prometheus.GaugeValue, float64(f.bytes), lv...)
		}
		if f.timeLagOK {
			constMetric(ch, b.timeLag, prometheus.GaugeValue, f.timeLag.Seconds(), lv...)
		}
	}
	if b.cfg.Partitions == 0 {
		return
	}
	if len(s.Partitions) > b.cfg.Partitions {
		constMetric(ch, b.notExported, prometheus.GaugeValue, float64(len(s.Partitions)), source, g)
		return
	}
	constMetric(ch, b.notExported, prometheus.GaugeValue, 0, source, g)
	for _, p := range s.Partitions {
		id := p.Key.Split
		if p.Key.Topic != "" || id == "" {
			id = strconv.Itoa(int(p.Key.Partition))
		}
		lv := []string{source, g, p.Key.Topic, p.Key.Vertex, id}
		if r, ok := p.Records.Value(); ok && r >= 0 {
			constMetric(ch, b.partRecords, prometheus.GaugeValue, float64(r), lv...)
		}
		if tl, ok := p.TimeLag.Value(); ok && tl >= 0 {
			constMetric(ch, b.partTimeLag, prometheus.GaugeValue, tl.Seconds(), lv...)
		}
	}
}
