package flinkio_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/flinkapi"
)

func TestResolveTopics(t *testing.T) {
	job := func(sources ...string) flinkapi.JobDetails {
		var d flinkapi.JobDetails
		for i, name := range sources {
			id := flinkapi.VertexID(string(rune('a'+i)) + "0000000000000000000000000000000")
			d.Vertices = append(d.Vertices, flinkapi.Vertex{ID: id, Name: name})
			d.Plan.Nodes = append(d.Plan.Nodes, flinkapi.PlanNode{ID: id})
		}
		sink := flinkapi.VertexID("f0000000000000000000000000000000")
		d.Vertices = append(d.Vertices, flinkapi.Vertex{ID: sink, Name: "Sink: out"})
		d.Plan.Nodes = append(d.Plan.Nodes, flinkapi.PlanNode{ID: sink, Inputs: []flinkapi.PlanInput{{ID: d.Vertices[0].ID}}})
		return d
	}
	tests := []struct {
		name   string
		d      flinkapi.JobDetails
		byName map[string][]string
		want   map[flinkapi.VertexID][]string
		err    bool
	}{
		{"by name", job("Source: orders", "Source: payments"), map[string][]string{"Source: payments": {"pay"}},
			map[flinkapi.VertexID][]string{"b0000000000000000000000000000000": {"pay"}}, false},
		{"the only source", job("Source: orders"), map[string][]string{"": {"orders", "returns"}},
			map[flinkapi.VertexID][]string{"a0000000000000000000000000000000": {"orders", "returns"}}, false},
		{"the only source of two", job("Source: orders", "Source: payments"), map[string][]string{"": {"orders"}},
			map[flinkapi.VertexID][]string{}, true},
		{"not a source", job("Source: orders"), map[string][]string{"Sink: out": {"x"}, "Source: orders": {"orders"}},
			map[flinkapi.VertexID][]string{"a0000000000000000000000000000000": {"orders"}}, true},
		{"unknown", job("Source: orders"), map[string][]string{"orders": {"orders"}}, map[flinkapi.VertexID][]string{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkio.ResolveTopics(tt.d, tt.byName)
			if !reflect.DeepEqual(got, tt.want) || (err != nil) != tt.err || (err != nil && !errors.Is(err, flinkio.ErrUnknownSource)) {
				t.Errorf("ResolveTopics = %v, %v; want %v, error %t", got, err, tt.want, tt.err)
			}
		})
	}
}

// TopicsByName matches a Kafka source's per-partition entries to its
// vertex by name, as Topics does by ID.
func TestObserveTopicsByName(t *testing.T) {
	e := newEnv(t)
	kafka := backlog.SourceFunc(func(context.Context) (backlog.Snapshot, error) {
		return backlog.Snapshot{Source: "kafka", Partitions: []backlog.Partition{
			{Key: backlog.TopicPartition("orders", 0), Records: backlog.Known[int64](3), TimeLag: backlog.Known(2 * time.Second)},
			{Key: backlog.TopicPartition("orders", 1), Records: backlog.Known[int64](4), TimeLag: backlog.Known(time.Second)},
		}}, nil
	})
	o := observer(t, e, func(c *flinkio.ObserverConfig) {
		c.Backlog, c.TopicsByName = kafka, map[string][]string{"Source: orders": {"orders"}}
	})
	obs, err := o.Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := obs.Vertex(string(src))
	if s.Source.Backlog.String() != "7" || s.Source.TimeLag.String() != "2" || s.Source.Partitions != 2 || s.Source.Origin != "kafka" {
		t.Errorf("source %+v, want Kafka's 7 records, 2 s, 2 partitions", *s.Source)
	}
}

func TestObserverConfigValidate(t *testing.T) {
	c := &flinkapi.Client{}
	const job = flinkapi.JobID("0123456789abcdef0123456789abcdef")
	for name, cfg := range map[string]flinkio.ObserverConfig{
		"no client":           {Job: job},
		"bad job":             {Client: c, Job: "x"},
		"negative concurrent": {Client: c, Job: job, Concurrency: -1},
		"bad topics vertex":   {Client: c, Job: job, Topics: map[flinkapi.VertexID][]string{"x": {"t"}}},
	} {
		err := cfg.Validate()
		if !errors.Is(err, flinkio.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("%s: Validate() = %v, want ErrInvalidConfig", name, err)
		}
		if _, err := flinkio.NewObserver(cfg); !errors.Is(err, flinkscale.ErrInvalidConfig) {
			t.Errorf("%s: NewObserver: %v", name, err)
		}
	}
	if err := (flinkio.ObserverConfig{Client: c, Job: job}).Validate(); err != nil {
		t.Errorf("minimal config: %v", err)
	}
}
