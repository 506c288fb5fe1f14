package kafkalag

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/clock/clocktest"
)

// TestTimeLag checks the end-offset history is kept across evaluations:
// with an injected clock, a group 10 records behind a topic that received
// those 10 records 10 s ago is 10 s behind.
func TestTimeLag(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 1})
	c.produce("orders", []int32{0}, 10, 10)
	clk := clocktest.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	l := c.newLag(Config{Groups: []Group{{Name: "g", Topics: []string{"orders"}}}, Clock: clk})
	c.commit("g", offsets("orders", 10))
	if p := part(t, evaluate(t, l)[0], "orders", 0); p.TimeLag.String() != "0s" {
		t.Errorf("caught up: time lag %v, want 0s", p.TimeLag)
	}
	c.produce("orders", []int32{0}, 10, 10)
	clk.Advance(10 * time.Second)
	p := part(t, evaluate(t, l)[0], "orders", 0)
	if lag, ok := p.TimeLag.Value(); !ok || lag != 10*time.Second {
		t.Errorf("time lag %v, want 10s", p.TimeLag)
	}
	if p.Records.String() != "10" {
		t.Errorf("records %v, want 10", p.Records)
	}
}

// TestSampleSizes checks sizes are sampled round robin, one Fetch per leader
// broker, and turn unknown bytes into known ones.
func TestSampleSizes(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 6})
	c.produce("orders", all(6), 20, 50) // 50 bytes of key + value each
	c.commit("g", offsets("orders", 15, 15, 15, 15, 15, 15))
	l := c.newLag(Config{Groups: []Group{{Name: "g", Topics: []string{"orders"}}}, SampleSizes: 4})
	evaluate(t, l) // warm up the connections; samples partitions 0-3
	bytesKnown := func(s backlog.Snapshot) (known []int32) {
		for _, p := range s.Partitions {
			if b, ok := p.Bytes.Value(); ok {
				if b != 5*50 {
					t.Errorf("%v: bytes %d, want 250", p.Key, b)
				}
				known = append(known, p.Key.Partition)
			} else if p.Bytes.Reason() != backlog.NoRecordSize {
				t.Errorf("%v: bytes %v", p.Key, p.Bytes)
			}
		}
		return known
	}
	ct := c.count()
	s := evaluate(t, l)[0] // samples partitions 4, 5, 0, 1
	if known := bytesKnown(s); len(known) != 6 {
		t.Errorf("bytes known for %v after two evaluations, want all 6", known)
	}
	for node, n := range ct.perBroker(kmsg.Fetch) {
		if n > 1 {
			t.Errorf("broker %d: %d Fetch requests, want at most 1", node, n)
		}
	}
	if n := ct.total(kmsg.Fetch); n != 3 { // partitions 4, 5, 0, 1 are led by brokers 1, 2, 0, 1
		t.Errorf("Fetch requests = %d, want 3", n)
	}
}

func TestSampleSizesFirstEvaluation(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 6})
	c.produce("orders", all(6), 20, 50)
	c.commit("g", offsets("orders", 15, 15, 15, 15, 15, 15))
	l := c.newLag(Config{Groups: []Group{{Name: "g", Topics: []string{"orders"}}}, SampleSizes: 4})
	s := evaluate(t, l)[0]
	for _, p := range s.Partitions {
		if known := p.Bytes.Known(); known != (p.Key.Partition < 4) {
			t.Errorf("%v: bytes %v", p.Key, p.Bytes)
		}
	}
}
