package realstack

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Fast-tier tests of the Kafka harness: all fail before starting a JVM.

func TestKafkaWithoutJava(t *testing.T) {
	t.Setenv("JAVA_HOME", "")
	t.Setenv("PATH", t.TempDir())
	_, err := NewKafka(t.Context(), KafkaConfig{Dir: t.TempDir()})
	if !errors.Is(err, ErrJavaNotFound) {
		t.Fatalf("err = %v, want ErrJavaNotFound", err)
	}
}

func TestKafkaInvalidConfig(t *testing.T) {
	for _, cfg := range []KafkaConfig{
		{Brokers: -1},
		{Brokers: 3, Ports: []int{1, 2}},
		{Version: "3.9.0"},
		{HeapMB: -5},
	} {
		if _, err := NewKafka(t.Context(), cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("NewKafka(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestKafkaConfigDefaults(t *testing.T) {
	c := KafkaConfig{}.withDefaults()
	if c.Brokers != 1 || c.Version != DefaultKafkaVersion || c.HeapMB != DefaultKafkaHeapMB ||
		c.StartTimeout != DefaultKafkaStartTimeout || c.StopGrace != DefaultKafkaStopGrace || c.Logger == nil {
		t.Fatalf("defaults: %+v", c)
	}
	if DefaultKafkaHeapMB != 512 || DefaultKafkaStartTimeout != 2*time.Minute || DefaultKafkaStopGrace != 15*time.Second {
		t.Error("documented defaults changed")
	}
}

func TestServerProperties(t *testing.T) {
	k := &Kafka{dir: "/run"}
	b := &Broker{k: k, id: 2, port: 9092, controllerPort: 9093, dir: "/run/node-2"}
	parse := func(s string) map[string]string {
		m := map[string]string{}
		for _, line := range strings.Split(s, "\n") {
			if key, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
				m[key] = v
			}
		}
		return m
	}
	for _, tt := range []struct {
		nodes             int
		repl, minISR      string
		props             map[string]string
		wantSet, wantGone []string
	}{
		{nodes: 1, repl: "1", minISR: "1"},
		{nodes: 3, repl: "3", minISR: "2"},
		{nodes: 5, repl: "3", minISR: "2"},
		{nodes: 3, repl: "3", minISR: "2", props: map[string]string{"num.io.threads": "", "log.retention.ms": "1000"},
			wantSet: []string{"log.retention.ms=1000"}, wantGone: []string{"num.io.threads"}},
	} {
		m := parse(serverProperties(KafkaConfig{Properties: tt.props}, b, "1@127.0.0.1:1,2@127.0.0.1:9093", tt.nodes))
		for key, want := range map[string]string{
			"node.id": "2", "process.roles": "broker,controller", "controller.quorum.voters": "1@127.0.0.1:1,2@127.0.0.1:9093",
			"listeners":            "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
			"advertised.listeners": "PLAINTEXT://127.0.0.1:9092", "log.dirs": "/run/node-2/data",
			"default.replication.factor": tt.repl, "offsets.topic.replication.factor": tt.repl,
			"transaction.state.log.replication.factor": tt.repl, "share.coordinator.state.topic.replication.factor": tt.repl,
			"min.insync.replicas": tt.minISR, "transaction.state.log.min.isr": tt.minISR, "share.coordinator.state.topic.min.isr": tt.minISR,
			"offsets.topic.num.partitions": "10", "group.initial.rebalance.delay.ms": "0",
		} {
			if m[key] != want {
				t.Errorf("%d nodes: %s = %q, want %q", tt.nodes, key, m[key], want)
			}
		}
		for _, kv := range tt.wantSet {
			key, v, _ := strings.Cut(kv, "=")
			if m[key] != v {
				t.Errorf("override %s: got %q", kv, m[key])
			}
		}
		for _, key := range tt.wantGone {
			if _, ok := m[key]; ok {
				t.Errorf("%s not removed by an empty value", key)
			}
		}
	}
}

func TestNewClusterID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, err := newClusterID()
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != 22 || id[0] == '-' || seen[id] || strings.ContainsAny(id, "+/=") {
			t.Fatalf("cluster id %q: want 22 URL-safe base64 characters, unique, not starting with '-'", id)
		}
		seen[id] = true
	}
}
