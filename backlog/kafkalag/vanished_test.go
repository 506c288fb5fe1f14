package kafkalag

import (
	"errors"
	"testing"

	"github.com/IBM/sarama"
)

// A group whose committed offsets a coordinator answered is not read as
// never committed when another coordinator answers none (one still
// loading the group after a failover): that answer is retried and, if it
// stays, unknown for one evaluation, after which it is believed. The same
// coordinator answering none is believed at once.
func TestVanishedCommits(t *testing.T) {
	some := commits{blocks: map[string]map[int32]*sarama.OffsetFetchResponseBlock{"orders": {0: {Offset: 1}}}}
	none := commits{}
	l := &Lag{}
	if _, retry, err := l.vanished("g", 3, none); retry || err != nil {
		t.Fatalf("first answer, none: retry %v, %v; want believed", retry, err)
	}
	if c, retry, err := l.vanished("g", 3, some); retry || err != nil || len(c.topics()) != 1 {
		t.Fatalf("coordinator 3 with offsets: %v %v %v", c, retry, err)
	}
	if _, retry, err := l.vanished("g", 2, none); !retry || !errors.Is(err, errVanished) {
		t.Fatalf("coordinator 2 with none after 3 had some: retry %v, %v; want a retry, errVanished", retry, err)
	}
	if _, retry, err := l.vanished("g", 3, none); retry || err != nil {
		t.Fatalf("the same coordinator with none: retry %v, %v; want believed", retry, err)
	}
	l.vanished("g", 3, some)
	l.forget("g")
	if _, retry, err := l.vanished("g", 2, none); retry || err != nil {
		t.Fatalf("after forget: retry %v, %v; want believed", retry, err)
	}
}
