package realstack

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/internal/docdefaults"
)

// The fast tier's tests of the autoscaler harness: no JVM is started.

func TestAutoscalerConfigDefaults(t *testing.T) {
	c := AutoscalerConfig{RESTURL: "http://127.0.0.1:8081"}.withDefaults()
	docdefaults.Check(t, ".", "AutoscalerConfig", []docdefaults.Row{
		{Field: "RESTURL", Doc: "", Got: c.RESTURL, Want: "http://127.0.0.1:8081"},
		{Field: "Version", Doc: "DefaultAutoscalerVersion", Got: c.Version, Want: DefaultAutoscalerVersion},
		{Field: "FlinkVersion", Doc: "DefaultAutoscalerFlinkVersion", Got: c.FlinkVersion, Want: DefaultAutoscalerFlinkVersion},
		{Field: "Interval", Doc: "DefaultAutoscalerInterval", Got: c.Interval, Want: DefaultAutoscalerInterval},
		{Field: "Apply", Doc: "false (nothing is sent to the cluster but reads)", Got: c.Apply, Want: false},
		{Field: "Options", Doc: "AutoscalerShortWindows()", Got: c.Options, Want: AutoscalerShortWindows()},
		{Field: "Dir", Doc: "a new temporary directory, removed by Close", Got: c.Dir, Want: ""},
		{Field: "Java", Doc: "FindJava", Got: c.Java, Want: ""},
		{Field: "Maven", Doc: "MavenConfig{}", Got: c.Maven.Path == "" && c.Maven.CacheDir == "", Want: true},
		{Field: "Logger", Doc: "slog.Default()", Got: c.Logger, Want: slog.Default()},
	}, docdefaults.EveryField())
	// The short windows are in shadow mode and enabled: a default run never rescales.
	o := AutoscalerShortWindows()
	if o["job.autoscaler.enabled"] != "true" || o["job.autoscaler.scaling.enabled"] != "false" {
		t.Errorf("AutoscalerShortWindows() = %v: want enabled and scaling disabled", o)
	}
}

func TestAutoscalerConfigValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  AutoscalerConfig
		ok   bool
	}{
		{"minimal", AutoscalerConfig{RESTURL: "http://127.0.0.1:8081"}, true},
		{"no URL", AutoscalerConfig{}, false},
		{"not http", AutoscalerConfig{RESTURL: "127.0.0.1:8081"}, false},
		{"negative interval", AutoscalerConfig{RESTURL: "http://x:1", Interval: -1}, false},
		{"option with =", AutoscalerConfig{RESTURL: "http://x:1", Options: map[string]string{"a=b": "c"}}, false},
		{"empty option key", AutoscalerConfig{RESTURL: "http://x:1", Options: map[string]string{"": "c"}}, false},
		{"newline in a value", AutoscalerConfig{RESTURL: "http://x:1", Options: map[string]string{"a": "b\nc"}}, false},
		{"bad Maven property", AutoscalerConfig{RESTURL: "http://x:1", Maven: MavenConfig{Properties: map[string]string{"a b": "c"}}}, false},
	} {
		err := c.cfg.Validate()
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
			t.Errorf("%s: Validate() = %v, want ok %v (errors wrapping ErrInvalidConfig)", c.name, err, c.ok)
		}
		if !c.ok {
			if _, err := NewAutoscaler(context.Background(), c.cfg); err == nil {
				t.Errorf("%s: NewAutoscaler accepted it", c.name)
			}
		}
	}
}

func TestFlinkDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Minute: "60000 ms", 5 * time.Second: "5000 ms", 1500 * time.Microsecond: "1 ms", 0: "0 ms"} {
		if got := FlinkDuration(d); got != want {
			t.Errorf("FlinkDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestAutoscalerSourcesEmbedded: the embedded Maven project has its pom,
// its log configuration and every Java source, and nothing built.
func TestAutoscalerSourcesEmbedded(t *testing.T) {
	sub := checkEmbeddedProject(t, autoscalerSources, "java/autoscaler",
		"pom.xml",
		"src/main/resources/log4j2-realstack-autoscaler.properties",
		"src/main/java/io/github/flinkscale/realstack/autoscaler/OperatorAutoscaler.java",
		"src/main/java/org/apache/flink/autoscaler/FlinkscaleAccess.java")
	main, _ := fs.ReadFile(sub, "src/main/java/io/github/flinkscale/realstack/autoscaler/OperatorAutoscaler.java")
	if !strings.Contains(string(main), "package io.github.flinkscale.realstack.autoscaler;") || !strings.Contains(autoscalerMainClass, "OperatorAutoscaler") {
		t.Errorf("autoscalerMainClass %s does not name the embedded main class", autoscalerMainClass)
	}
}

// The records as OperatorAutoscaler.java writes them (shapes taken from a
// real run): a null figure reads as NaN, an evaluation's vertex is its
// metrics map, a scaling record's vertex has its parallelism, and a line
// not yet complete is left for the next read.
func TestParseAutoscalerRecords(t *testing.T) {
	in := `{"time":"2026-12-07T20:10:00.123Z","kind":"start","autoscaler":"1.10.0","flinkClient":"1.20.5","apply":false,"intervalMs":5000,"conf":{"job.autoscaler.enabled":"true"}}
{"time":"2026-12-07T20:11:05Z","kind":"call","job":"ab","state":"RUNNING"}
{"time":"2026-12-07T20:11:05.5Z","kind":"evaluation","job":"ab","vertices":{"v1":{"TRUE_PROCESSING_RATE":{"current":null,"average":245.5},"LAG":{"current":1200,"average":null}}},"global":{"HEAP_MAX_USAGE_RATIO":{"current":0.2,"average":0.1}}}
{"time":"2026-12-07T20:11:05.6Z","kind":"scaling","job":"ab","message":"m","vertices":{"v1":{"current":1,"new":3,"metrics":{"TARGET_DATA_RATE":{"current":400,"average":401}}}}}
{"time":"2026-12-07T20:11:05.7Z","kind":"event","job":"ab","type":"Normal","reason":"ScalingReport","message":"Recommended parallelism change: ..."}
{"time":"2026-12-07T20:11:10Z","kind":"call","job":"ab","sta`
	rs, err := ParseAutoscalerRecords([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 5 {
		t.Fatalf("%d records, want 5 (the incomplete last line left out)", len(rs))
	}
	if s := rs[0]; s.Kind != "start" || s.Autoscaler != "1.10.0" || s.FlinkClient != "1.20.5" || s.IntervalMs != 5000 || s.Conf["job.autoscaler.enabled"] != "true" {
		t.Errorf("start record %+v", s)
	}
	if c := rs[1]; c.Kind != "call" || c.Job != "ab" || c.State != "RUNNING" || c.Time.IsZero() {
		t.Errorf("call record %+v", c)
	}
	tpr := rs[2].Vertices["v1"].Metrics["TRUE_PROCESSING_RATE"]
	lag := rs[2].Vertices["v1"].Metrics["LAG"]
	if !math.IsNaN(tpr.Current) || tpr.Average != 245.5 || lag.Current != 1200 || !math.IsNaN(lag.Average) {
		t.Errorf("evaluation figures %+v %+v: want null as NaN", tpr, lag)
	}
	if g := rs[2].Global["HEAP_MAX_USAGE_RATIO"]; g.Current != 0.2 {
		t.Errorf("global %+v", rs[2].Global)
	}
	v := rs[3].Vertices["v1"]
	if v.Current != 1 || v.New != 3 || v.Metrics["TARGET_DATA_RATE"].Average != 401 {
		t.Errorf("scaling vertex %+v", v)
	}
	if e := rs[4]; e.Reason != "ScalingReport" || e.Type != "Normal" {
		t.Errorf("event %+v", e)
	}
	if rs, err := ParseAutoscalerRecords([]byte("{\"kind\":\n")); err == nil {
		t.Errorf("a broken line parsed: %+v", rs)
	}
	if rs, err := ParseAutoscalerRecords(nil); err != nil || rs != nil {
		t.Errorf("nothing: %v, %v", rs, err)
	}
}
