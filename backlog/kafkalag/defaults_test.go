package kafkalag

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
)

// defaultCase is one documented default of a zero Config: the field, what
// its godoc says, and the effective value after defaulting.
type defaultCase struct {
	field string
	doc   string
	got   any
	want  any
}

// checkDefaults checks each case, and that the table covers every field of
// the type, so a new field cannot go without its default checked.
func checkDefaults(t *testing.T, cfg any, cases []defaultCase) {
	t.Helper()
	typ := reflect.TypeOf(cfg)
	var fields, covered []string
	for f := range typ.Fields() {
		fields = append(fields, f.Name)
	}
	for _, c := range cases {
		covered = append(covered, c.field)
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s.%s (doc: %q) = %v, want %v", typ.Name(), c.field, c.doc, c.got, c.want)
		}
	}
	slices.Sort(fields)
	slices.Sort(covered)
	if !slices.Equal(fields, covered) {
		t.Errorf("%s: the defaults table covers %q, the type has %q", typ.Name(), covered, fields)
	}
}

// TestConfigDefaults checks every documented default of a Config that sets
// only what is required (Brokers, one group by name).
func TestConfigDefaults(t *testing.T) {
	l, err := New(Config{Brokers: []string{"127.0.0.1:1"}, Groups: []Group{{Name: "g"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sc := l.client.Config()
	before := time.Now()
	now := l.cfg.Clock()
	checkDefaults(t, Config{}, []defaultCase{
		{"Client", "exactly one of Client and Brokers; Close closes the one New creates", l.ownClient, true},
		{"Brokers", "bootstrap addresses, kept", l.cfg.Brokers, []string{"127.0.0.1:1"}},
		{"Sarama", "Default: sarama.NewConfig() with Version V2_8_0_0 and ClientID DefaultClientID (Metadata.Full false)",
			[]any{sc.Version, sc.ClientID, sc.Metadata.Full}, []any{sarama.V2_8_0_0, DefaultClientID, false}},
		{"Groups", "Required", l.Groups(), []string{"g"}},
		{"Tracker", "Default: a Tracker of its own", l.cfg.Tracker != nil, true},
		{"Timeout", "Default: DefaultTimeout (10s)", l.cfg.Timeout, 10 * time.Second},
		{"Retries", "Default: DefaultRetries (3)", l.cfg.Retries, 3},
		{"RetryBackoff", "Default: DefaultRetryBackoff (100ms)", l.cfg.RetryBackoff, 100 * time.Millisecond},
		{"SampleSizes", "Default: 0, off", l.cfg.SampleSizes, 0},
		{"SampleBytes", "Default: DefaultSampleBytes (64 KiB)", l.cfg.SampleBytes, int32(64 << 10)},
		{"Clock", "Default: time.Now", !now.Before(before) && now.Sub(before) < time.Second, true},
		{"Logger", "Default: nil, logs are discarded", l.cfg.Logger.Enabled(context.Background(), slog.LevelError), false},
	})
	checkDefaults(t, Group{}, []defaultCase{
		{"Name", "Required", l.cfg.Groups[0].Name, "g"},
		{"Topics", "Default: discovered from the commits on every evaluation", len(l.cfg.Groups[0].Topics), 0},
		{"Reset", "Default: backlog.ResetLatest", l.cfg.Groups[0].Reset, backlog.ResetLatest},
	})
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
	now := time.Now()
	clock := func() time.Time { return now }
	l := c.newLag(Config{Groups: []Group{{Name: "g", Topics: []string{"orders"}}}, Clock: clock})
	if lag := part(t, evaluate(t, l)[0], "orders", 0).TimeLag; lag.Reason() != backlog.TooFewPoints {
		t.Fatalf("first evaluation: time lag %v, want unknown (too few points)", lag)
	}
	now = now.Add(10 * time.Second)
	c.produce("orders", []int32{0}, 5, 10)
	if lag := part(t, evaluate(t, l)[0], "orders", 0).TimeLag; lag.String() != "20s" {
		t.Errorf("second evaluation: time lag %v, want 20s (extrapolated from the Tracker's history)", lag)
	}
}
