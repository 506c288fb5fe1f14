package flinkdeployment

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic/fake"

	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

func TestConfigDefaults(t *testing.T) {
	d, err := New(Config{Client: fake.NewSimpleDynamicClient(runtime.NewScheme()), Namespace: "ns", Name: "job"})
	if err != nil {
		t.Fatal(err)
	}
	c := d.cfg
	_, memory := c.Drain.Store.(*drain.MemoryStore)
	docdefaults.Check(t, ".", "Config", []docdefaults.Row{
		{Field: "RESTURL", Doc: "the operator's service, http://<name>-rest.<namespace>:8081, with the port of the deployment's rest.port and https when security.ssl.rest.enabled is true (read at every Read)",
			Got: d.restURL(conf{}), Want: "http://job-rest.ns:8081"},
		{Field: "Retries", Doc: "5", Got: c.Retries, Want: 5},
		{Field: "Clock", Doc: "the system clock", Got: c.Clock, Want: clock.Clock(clock.System{})},
		{Field: "Logger", Doc: "discard", Got: c.Logger.Enabled(context.Background(), slog.LevelError), Want: false},
	})
	docdefaults.Check(t, ".", "DrainConfig", []docdefaults.Row{
		{Field: "Store", Doc: "a drain.MemoryStore", Got: memory, Want: true},
		{Field: "Timeout", Doc: "10 min", Got: c.Drain.Timeout, Want: 10 * time.Minute},
		{Field: "CancelTimeout", Doc: "2 min", Got: c.Drain.CancelTimeout, Want: 2 * time.Minute},
		{Field: "Poll", Doc: "2 s", Got: c.Drain.Poll, Want: 2 * time.Second},
		{Field: "Fallback", Doc: "FallbackNone: cancelling is never done unless asked for", Got: c.Drain.Fallback, Want: FallbackNone},
	})
}

func TestConfigRefused(t *testing.T) {
	client := fake.NewSimpleDynamicClient(runtime.NewScheme())
	for name, cfg := range map[string]Config{
		"no client":        {Namespace: "ns", Name: "job"},
		"no name":          {Client: client, Namespace: "ns"},
		"bad name":         {Client: client, Namespace: "ns", Name: "Orders_Job"},
		"bad namespace":    {Client: client, Namespace: "a.b", Name: "job"},
		"negative retries": {Client: client, Namespace: "ns", Name: "job", Retries: -1},
		"negative timeout": {Client: client, Namespace: "ns", Name: "job", Drain: DrainConfig{Timeout: -time.Second}},
		"unknown fallback": {Client: client, Namespace: "ns", Name: "job", Drain: DrainConfig{Fallback: 7}},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}
