package kafkalag

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/backlog"
)

func TestConfigInvalid(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 1})
	closed, err := sarama.NewClient(c.kc.ListenAddrs(), c.conf)
	if err != nil {
		t.Fatal(err)
	}
	_ = closed.Close()
	old := sarama.NewConfig()
	old.Version = sarama.V0_10_2_0
	old.Metadata.Full = false // no I/O in NewClient
	oldClient, err := sarama.NewClient(c.kc.ListenAddrs(), old)
	if err != nil {
		t.Fatal(err)
	}
	defer oldClient.Close()
	brokers := []string{"localhost:9092"}
	g := []Group{{Name: "g"}}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no client", Config{Groups: g}, "set Client or Brokers"},
		{"both", Config{Client: c.client, Brokers: brokers, Groups: g}, "not both"},
		{"Sarama with Client", Config{Client: c.client, Sarama: sarama.NewConfig(), Groups: g}, "configure Client itself"},
		{"closed client", Config{Client: closed, Groups: g}, "closed"},
		{"old client", Config{Client: oldClient, Groups: g}, "below the minimum"},
		{"old Sarama", Config{Brokers: brokers, Sarama: old, Groups: g}, "below the minimum"},
		{"bad Sarama", Config{Brokers: brokers, Sarama: func() *sarama.Config { s := sarama.NewConfig(); s.Net.MaxOpenRequests = 0; return s }(), Groups: g}, "Sarama"},
		{"empty broker", Config{Brokers: []string{""}, Groups: g}, "empty broker"},
		{"no groups", Config{Brokers: brokers}, "Groups is empty"},
		{"no name", Config{Brokers: brokers, Groups: []Group{{Topics: []string{"t"}}}}, "no Name"},
		{"duplicate", Config{Brokers: brokers, Groups: []Group{{Name: "g"}, {Name: "g"}}}, "twice"},
		{"bad reset", Config{Brokers: brokers, Groups: []Group{{Name: "g", Reset: 7}}}, "Reset"},
		{"empty topic", Config{Brokers: brokers, Groups: []Group{{Name: "g", Topics: []string{""}}}}, "empty topic"},
		{"negative timeout", Config{Brokers: brokers, Groups: g, Timeout: -time.Second}, "Timeout"},
		{"negative retries", Config{Brokers: brokers, Groups: g, Retries: -1}, "Retries"},
		{"negative backoff", Config{Brokers: brokers, Groups: g, RetryBackoff: -1}, "RetryBackoff"},
		{"negative samples", Config{Brokers: brokers, Groups: g, SampleSizes: -1}, "SampleSizes"},
		{"negative sample bytes", Config{Brokers: brokers, Groups: g, SampleBytes: -1}, "SampleBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.cfg)
			if err == nil {
				_ = l.Close()
				t.Fatal("New succeeded")
			}
			if !errors.Is(err, ErrInvalidConfig) || !errors.Is(err, backlog.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
				t.Errorf("err = %v, want kafkalag's, backlog's and flinkscale's ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestNewDoesNotTouchCallerConfig(t *testing.T) {
	sc := sarama.NewConfig()
	sc.Version = sarama.V3_0_0_0
	l, err := New(Config{Brokers: []string{"127.0.0.1:1"}, Sarama: sc, Groups: []Group{{Name: "g"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !sc.Metadata.Full {
		t.Error("New changed the caller's sarama.Config")
	}
	if l.client.Config() == sc || l.client.Config().Metadata.Full {
		t.Error("the client should use a copy with Metadata.Full false")
	}
}

func TestLifecycle(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 1})
	l := c.newLag(Config{Client: c.client, Groups: []Group{{Name: "a"}, {Name: "b"}}})
	if _, err := l.Backlog(t.Context()); !errors.Is(err, ErrNotSingleGroup) {
		t.Errorf("Backlog with two groups: %v, want ErrNotSingleGroup", err)
	}
	if _, err := l.Group("nope").Backlog(t.Context()); !errors.Is(err, ErrUnknownGroup) {
		t.Errorf("unknown group: %v, want ErrUnknownGroup", err)
	}
	if s, err := l.Group("b").Backlog(t.Context()); err != nil || s.Group != "b" {
		t.Errorf("Group(b): %v %v", s.Group, err)
	}
	if got := l.Groups(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("Groups() = %q", got)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := l.Backlogs(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if c.client.Closed() {
		t.Error("Close closed the caller's client")
	}
}

func TestCloseClosesOwnClient(t *testing.T) {
	l, err := New(Config{Brokers: []string{"127.0.0.1:1"}, Groups: []Group{{Name: "g"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if !l.client.Closed() {
		t.Error("own client left open")
	}
}
