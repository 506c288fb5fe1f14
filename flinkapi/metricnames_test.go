package flinkapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
)

func TestOperatorScope(t *testing.T) {
	long := strings.Repeat("x", 100)
	for _, tt := range []struct{ vertex, want string }{
		{"Source: orders", "Source__orders"},
		{"Source: orders -> Map -> Sink: out", "Source__orders"},
		{"Window(TumblingEventTimeWindows(1000), EventTimeTrigger, Sum)", "Window(TumblingEventTimeWindows(1000)__EventTimeTrigger__Sum)"},
		{"Source: my.topic", "Source__my_topic"},
		{long + " -> Map", strings.Repeat("x", 80)},
		{"", ""},
	} {
		if got := flinkapi.OperatorScope(tt.vertex); got != tt.want {
			t.Errorf("OperatorScope(%q) = %q, want %q", tt.vertex, got, tt.want)
		}
	}
}

func TestCutOperatorMetric(t *testing.T) {
	for _, tt := range []struct {
		name, scope, metric string
		ok                  bool
	}{
		{"Source__orders.pendingRecords", "Source__orders", "pendingRecords", true},
		{"Source__orders.KafkaSourceReader.topic.t.partition.0.currentOffset", "Source__orders", "KafkaSourceReader.topic.t.partition.0.currentOffset", true},
		{"busyTimeMsPerSecond", "", "", false},
		{".pendingRecords", "", "", false},
		{"Source__orders.", "", "", false},
	} {
		scope, metric, ok := flinkapi.CutOperatorMetric(tt.name)
		if scope != tt.scope || metric != tt.metric || ok != tt.ok {
			t.Errorf("CutOperatorMetric(%q) = %q, %q, %t; want %q, %q, %t", tt.name, scope, metric, ok, tt.scope, tt.metric, tt.ok)
		}
	}
	if got := flinkapi.OperatorMetric(flinkapi.OperatorScope("Source: orders"), flinkapi.MetricPendingRecords); got != "Source__orders.pendingRecords" {
		t.Errorf("OperatorMetric = %q", got)
	}
}

func TestKafkaPartitionMetric(t *testing.T) {
	name := flinkapi.KafkaPartitionMetric("Source__orders", "my.orders", 7, flinkapi.MetricKafkaCurrentOffset)
	if want := "Source__orders.KafkaSourceReader.topic.my_orders.partition.7.currentOffset"; name != want {
		t.Fatalf("KafkaPartitionMetric = %q, want %q", name, want)
	}
	got, ok := flinkapi.ParseKafkaPartitionMetric(name)
	want := flinkapi.KafkaPartition{Scope: "Source__orders", Topic: "my_orders", Partition: 7, Metric: flinkapi.MetricKafkaCurrentOffset}
	if !ok || got != want {
		t.Fatalf("ParseKafkaPartitionMetric(%q) = %+v, %t; want %+v", name, got, ok, want)
	}
	// A topic named "partition" is still parsed right.
	if got, ok := flinkapi.ParseKafkaPartitionMetric("S.KafkaSourceReader.topic.partition.partition.3.committedOffset"); !ok || got.Topic != "partition" || got.Partition != 3 {
		t.Errorf("topic named partition: %+v, %t", got, ok)
	}
	for _, bad := range []string{
		"Source__orders.pendingRecords",
		"Source__orders.KafkaSourceReader.topic.t.partition.x.currentOffset",
		"Source__orders.KafkaSourceReader.topic.t.partition.-1.currentOffset",
		"Source__orders.KafkaSourceReader.topic.t.partition.01.currentOffset",
		"Source__orders.KafkaSourceReader.topic.t.partition.1",
		"Source__orders.KafkaSourceReader.topic..partition.1.currentOffset",
		"Source__orders.KafkaSourceReader.topic.t.partition.1.a.b",
		"KafkaSourceReader.topic.t.partition.1.currentOffset",
	} {
		if got, ok := flinkapi.ParseKafkaPartitionMetric(bad); ok {
			t.Errorf("ParseKafkaPartitionMetric(%q) = %+v, want not ok", bad, got)
		}
	}
}

func TestBeamSplitMetric(t *testing.T) {
	name := flinkapi.OperatorMetric("Read_orders", flinkapi.BeamSplitMetric("orders-0.x", flinkapi.BeamBacklogBytes))
	split, gauge, ok := flinkapi.ParseBeamSplitMetric(name)
	if !ok || split != "orders-0_x" || gauge != flinkapi.BeamBacklogBytes { // the split as Flink lists it
		t.Errorf("ParseBeamSplitMetric(%q) = %q, %q, %t", name, split, gauge, ok)
	}
	for _, bad := range []string{"xsource_splits_a_backlog_bytes", "source_splits__backlog_bytes", "source_splits_a_other", "Read.source_splits_a.b_backlog_bytes", flinkapi.MetricBeamBacklogElements} {
		if s, g, ok := flinkapi.ParseBeamSplitMetric(bad); ok {
			t.Errorf("ParseBeamSplitMetric(%q) = %q, %q, want not ok", bad, s, g)
		}
	}
	if flinkapi.MetricBeamBacklogElements != "source_backlog_elements" || flinkapi.MetricBeamBacklogBytes != "source_backlog_bytes" {
		t.Errorf("Beam names: %q, %q", flinkapi.MetricBeamBacklogElements, flinkapi.MetricBeamBacklogBytes)
	}
}

// What ParseKafkaPartitionMetric accepts, KafkaPartitionMetric builds
// again (for a name whose topic is already filtered).
func FuzzParseKafkaPartitionMetric(f *testing.F) {
	f.Add("Source__orders.KafkaSourceReader.topic.orders.partition.7.currentOffset")
	f.Add("S.KafkaSourceReader.topic.partition.partition.3.committedOffset")
	f.Fuzz(func(t *testing.T, name string) {
		p, ok := flinkapi.ParseKafkaPartitionMetric(name)
		if !ok {
			return
		}
		if p.Partition < 0 || p.Scope == "" || p.Topic == "" || p.Metric == "" {
			t.Fatalf("%q parsed to %+v", name, p)
		}
		if flinkapi.FilterMetricName(p.Topic) == p.Topic {
			if got := flinkapi.KafkaPartitionMetric(p.Scope, p.Topic, p.Partition, p.Metric); got != name {
				t.Fatalf("%q parsed to %+v, which builds %q", name, p, got)
			}
		}
	})
}

func ExampleOperatorScope() {
	scope := flinkapi.OperatorScope("Source: orders -> Map")
	fmt.Println(flinkapi.OperatorMetric(scope, flinkapi.MetricPendingRecords))
	fmt.Println(flinkapi.KafkaPartitionMetric(scope, "orders", 3, flinkapi.MetricKafkaCurrentOffset))
	// Output:
	// Source__orders.pendingRecords
	// Source__orders.KafkaSourceReader.topic.orders.partition.3.currentOffset
}

func TestParseBacklogMetric(t *testing.T) {
	for _, tt := range []struct {
		name  string
		g     flinkapi.BacklogGauge
		split string
	}{
		{"pendingRecords", flinkapi.PendingRecords, ""},
		{"Source__orders.pendingRecords", flinkapi.PendingRecords, ""},
		{"Source__orders.xpendingRecords", flinkapi.NotBacklog, ""},
		{"Read_orders.source_backlog_elements", flinkapi.BeamElements, ""},
		{"source_backlog_bytes", flinkapi.BeamBytes, ""},
		{"Read_orders.source_splits_orders-3_backlog_elements", flinkapi.BeamSplitElements, "orders-3"},
		{"source_splits_a_b_backlog_bytes", flinkapi.BeamSplitBytes, "a_b"},
		{"busyTimeMsPerSecond", flinkapi.NotBacklog, ""},
		{"", flinkapi.NotBacklog, ""},
	} {
		if g, split := flinkapi.ParseBacklogMetric(tt.name); g != tt.g || split != tt.split {
			t.Errorf("ParseBacklogMetric(%q) = %d, %q; want %d, %q", tt.name, g, split, tt.g, tt.split)
		}
	}
}
