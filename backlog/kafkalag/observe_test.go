package kafkalag

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestOnEvaluation checks that OnEvaluation is called once per evaluation
// with the groups, the requests the brokers saw (sarama's own
// FindCoordinator and metadata refreshes aside) and the error returned.
func TestOnEvaluation(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 6})
	c.produce("orders", all(6), 3, 10)
	c.commit("a", offsets("orders", 1, 1, 1, 1, 1, 1))
	var mu sync.Mutex
	var got []Evaluation
	l := c.newLag(Config{
		Groups:   []Group{{Name: "a", Topics: []string{"orders"}}, {Name: "b", Topics: []string{"orders"}}},
		Liveness: true,
		OnEvaluation: func(e Evaluation) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e)
		},
	})
	for i := range 2 {
		ct := c.count()
		evaluate(t, l)
		sent := ct.total(kmsg.Metadata) + ct.total(kmsg.OffsetFetch) + ct.total(kmsg.ListOffsets) + ct.total(kmsg.DescribeGroups)
		mu.Lock()
		if len(got) != i+1 {
			t.Fatalf("evaluation %d: OnEvaluation called %d times", i, len(got))
		}
		e := got[i]
		mu.Unlock()
		if !slices.Equal(e.Groups, []string{"a", "b"}) || e.Err != nil || e.Duration <= 0 {
			t.Errorf("evaluation %d: %+v", i, e)
		}
		// The first evaluation also carries sarama's own metadata refresh
		// (it looks the coordinators up), which is not the Lag's request.
		if e.Requests > sent || (i == 1 && e.Requests != sent) {
			t.Errorf("evaluation %d: Requests = %d, the brokers saw %d", i, e.Requests, sent)
		}
		if i == 1 && e.Requests != 1+2*2+2*3 { // warm: 1 + 2g + 2b with Liveness
			t.Errorf("warm evaluation: Requests = %d, want %d", e.Requests, 1+2*2+2*3)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Group("a").Backlog(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled evaluation: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 || !errors.Is(got[2].Err, context.Canceled) || !slices.Equal(got[2].Groups, []string{"a"}) || got[2].Requests != 0 {
		t.Errorf("cancelled evaluation reported as %+v", got[len(got)-1])
	}
}
