package kafkalag

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
)

// FuzzParseMetadata sorts an arbitrary Metadata answer (partition ids
// duplicated, negative or sparse, leaders negative, any error code) into a
// layout: never a panic, each topic's ids strictly increasing, every
// partition found again by its id, and every partition either with a
// leader id or with a reason.
func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0}, int16(0))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, int16(0)) // partition 0 twice
	f.Add([]byte{255, 255, 255, 255, 255, 255, 255, 255, 5, 0}, int16(0))               // id -1, leader -1
	f.Add([]byte{7, 0, 0, 0, 2, 0, 0, 0, 9, 0}, int16(3))                               // unknown topic
	f.Fuzz(func(t *testing.T, parts []byte, topicErr int16) {
		tm := &sarama.TopicMetadata{Name: "t", Err: sarama.KError(topicErr)}
		for ; len(parts) >= 10; parts = parts[10:] {
			tm.Partitions = append(tm.Partitions, &sarama.PartitionMetadata{
				ID:     int32(binary.LittleEndian.Uint32(parts)),
				Leader: int32(binary.LittleEndian.Uint32(parts[4:])),
				Err:    sarama.KError(int16(binary.LittleEndian.Uint16(parts[8:]))),
			})
		}
		resp := &sarama.MetadataResponse{Topics: []*sarama.TopicMetadata{tm, {Name: "other"}}}
		lay, leaders := parseMetadata(resp, []string{"t", "u"})
		if _, ok := lay.missing["u"]; !ok {
			t.Fatal("topic u, absent from the answer, is not reported missing")
		}
		tp := lay.topics["t"]
		if tp == nil {
			if e, ok := lay.missing["t"]; !ok || e.Reason == "" {
				t.Fatalf("topic t neither laid out nor missing: %+v", lay.missing)
			}
			return
		}
		ids := leaders[tp]
		if len(ids) != len(tp.ids) || len(tp.leaders) != len(tp.ids) || len(tp.bounds) != len(tp.ids) {
			t.Fatalf("lengths: ids %d leaders %d bounds %d leader ids %d", len(tp.ids), len(tp.leaders), len(tp.bounds), len(ids))
		}
		if !slices.IsSorted(tp.ids) || len(slices.Compact(slices.Clone(tp.ids))) != len(tp.ids) {
			t.Fatalf("ids not strictly increasing: %v", tp.ids)
		}
		for i, id := range tp.ids {
			if j, ok := tp.index(id); !ok || j != i {
				t.Fatalf("index(%d) = %d, %v; want %d", id, j, ok, i)
			}
			if f, failed := tp.fails[i]; ids[i] < 0 && (!failed || f.reason == "") {
				t.Fatalf("partition %d: no leader and no reason", id)
			}
		}
		for _, r := range lay.refs() {
			if r.key() != backlog.TopicPartition("t", r.id()) {
				t.Fatalf("ref %v", r.key())
			}
		}
	})
}
