package kafkalag

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// TestConfigDefaults checks every documented default of a Config that sets
// only what is required (Brokers, one group by name).
func TestConfigDefaults(t *testing.T) {
	l, err := New(Config{Brokers: []string{"127.0.0.1:1"}, Groups: []Group{{Name: "g"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sc := l.client.Config()
	docdefaults.Check(t, ".", "Config", []docdefaults.Row{
		{Field: "Client", Got: l.ownClient, Want: true},                       // exactly one of Client and Brokers; Close closes the one New creates
		{Field: "Brokers", Got: l.cfg.Brokers, Want: []string{"127.0.0.1:1"}}, // bootstrap addresses, kept
		{Field: "Sarama", Doc: "sarama.NewConfig() with Version sarama.V2_8_0_0 and ClientID DefaultClientID",
			Got: []any{sc.Version, sc.ClientID, sc.Metadata.Full}, Want: []any{sarama.V2_8_0_0, DefaultClientID, false}}, // Metadata.Full false
		{Field: "Groups", Got: l.Groups(), Want: []string{"g"}}, // required
		{Field: "Tracker", Doc: "a Tracker of its own with backlog.TrackerConfig defaults", Got: l.cfg.Tracker != nil, Want: true},
		{Field: "Timeout", Doc: "DefaultTimeout (10s)", Got: l.cfg.Timeout, Want: 10 * time.Second},
		{Field: "Retries", Doc: "DefaultRetries (3)", Got: l.cfg.Retries, Want: 3},
		{Field: "RetryBackoff", Doc: "DefaultRetryBackoff (100ms)", Got: l.cfg.RetryBackoff, Want: 100 * time.Millisecond},
		{Field: "SampleSizes", Doc: "0, off", Got: l.cfg.SampleSizes, Want: 0},
		{Field: "Liveness", Doc: "false (1 + g + 2b requests per evaluation; with it, 1 + 2g + 2b)", Got: l.cfg.Liveness, Want: false},
		{Field: "SampleBytes", Doc: "DefaultSampleBytes (64 KiB)", Got: l.cfg.SampleBytes, Want: int32(64 << 10)},
		{Field: "Clock", Doc: "the system clock", Got: l.cfg.Clock, Want: clock.Clock(clock.System{})},
		{Field: "Logger", Doc: "nil, logs are discarded", Got: l.cfg.Logger.Enabled(context.Background(), slog.LevelError), Want: false},
		{Field: "OnEvaluation", Doc: "none", Got: l.cfg.OnEvaluation == nil, Want: true},
	}, docdefaults.EveryField())
	docdefaults.Check(t, ".", "Group", []docdefaults.Row{
		{Field: "Name", Got: l.cfg.Groups[0].Name, Want: "g"}, // required
		{Field: "Topics", Doc: "the topics the group has committed offsets for, discovered on every evaluation", Got: len(l.cfg.Groups[0].Topics), Want: 0},
		{Field: "Reset", Doc: "backlog.ResetLatest (Kafka's default)", Got: l.cfg.Groups[0].Reset, Want: backlog.ResetLatest},
	}, docdefaults.EveryField())
	// The documented constants are the values above.
	if DefaultTimeout != 10*time.Second || DefaultRetries != 3 || DefaultRetryBackoff != 100*time.Millisecond || DefaultSampleBytes != 64<<10 {
		t.Errorf("constants drifted from their docs: %v %v %v %v", DefaultTimeout, DefaultRetries, DefaultRetryBackoff, DefaultSampleBytes)
	}
}

// TestConfigDefaultTrackerIsUsed: the default Tracker keeps the
// end-offset history across evaluations (time lag needs two points), with
// TrackerConfig defaults.
func TestConfigDefaultTrackerIsUsed(t *testing.T) {
	c := newCluster(t, map[string]int32{"orders": 1})
	c.produce("orders", []int32{0}, 5, 10)
	c.commit("g", offsets("orders", 0))
	clk := clocktest.New(time.Now())
	l := c.newLag(Config{Groups: []Group{{Name: "g", Topics: []string{"orders"}}}, Clock: clk})
	if lag := part(t, evaluate(t, l)[0], "orders", 0).TimeLag; lag.Reason() != backlog.TooFewPoints {
		t.Fatalf("first evaluation: time lag %v, want unknown (too few points)", lag)
	}
	clk.Advance(10 * time.Second)
	c.produce("orders", []int32{0}, 5, 10)
	if lag := part(t, evaluate(t, l)[0], "orders", 0).TimeLag; lag.String() != "20s" {
		t.Errorf("second evaluation: time lag %v, want 20s (extrapolated from the Tracker's history)", lag)
	}
}
