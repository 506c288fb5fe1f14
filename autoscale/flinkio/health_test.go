package flinkio_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// With Health, a partition whose committed offset stays behind one offset
// while the job completes checkpoints becomes STALL, and the source's
// Health says what it holds; without checkpoints completing, the same
// partition goes STOP instead and nothing is counted as stalled; and so
// it does when checkpoints complete but the source is backpressured (its
// KafkaSource's commits wait behind its fetcher, measured on Flink 1.20).
func TestObserveHealth(t *testing.T) {
	for _, c := range []struct {
		name                         string
		checkpointing, backpressured bool
	}{{"checkpoints complete", true, false}, {"no checkpoint completes", false, false}, {"backpressured source", true, true}} {
		checkpointing := c.checkpointing
		e := newEnv(t)
		if c.backpressured {
			e.srv.Metrics().SetSubtaskMetric(e.job, src, "backPressuredTimeMsPerSecond", 900, 1000)
		}
		h, err := backlog.NewHealth(backlog.HealthConfig{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		var now time.Time
		var moved int64
		o := observer(t, e, func(c *flinkio.ObserverConfig) {
			c.Topics = map[flinkapi.VertexID][]string{src: {"orders"}}
			c.Health = h
			c.Backlog = backlog.SourceFunc(func(context.Context) (backlog.Snapshot, error) {
				part := func(p int32, committed, end int64, lag time.Duration) backlog.Partition {
					return backlog.Partition{Key: backlog.TopicPartition("orders", p),
						Offsets: backlog.Offsets{Committed: backlog.Known(committed), End: backlog.Known(end)},
						Records: backlog.Known(end - committed), TimeLag: backlog.Known(lag)}
				}
				return backlog.Snapshot{Time: now, Source: "kafka", Partitions: []backlog.Partition{
					part(0, moved, moved+10, 2*time.Second),             // progressing
					part(1, 500, 500+moved, now.Sub(start)+time.Minute), // stuck at 500
				}}, nil
			})
		})
		for i := range 6 {
			now, moved = start.Add(time.Duration(i)*30*time.Second), int64(100*(i+1))
			if checkpointing {
				if err := e.srv.AddCheckpoint(e.job, flinkapi.Checkpoint{}); err != nil {
					t.Fatal(err)
				}
			}
			obs, err := o.Observe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			s, _ := obs.Vertex(string(src))
			hl := s.Source.Health
			t.Logf("%s, +%v: %+v", c.name, now.Sub(start), hl)
			if hl.Evaluated != 2 {
				t.Fatalf("%d partitions evaluated, want 2", hl.Evaluated)
			}
			if i < 3 {
				continue
			}
			if !checkpointing || c.backpressured {
				if hl.Stalled != 0 {
					t.Errorf("%s, +%v: %d stalled, want none", c.name, now.Sub(start), hl.Stalled)
				}
				continue
			}
			if hl.Stalled != 1 || hl.Statuses["STALL"] != 1 || hl.StalledBacklog.String() != strconv.FormatInt(moved, 10) || hl.MovingTimeLag.String() != "2" {
				t.Errorf("+%v: health %+v, want partition 1 stalled with %d records, the other's lag 2 s", now.Sub(start), hl, moved)
			}
		}
	}
}
