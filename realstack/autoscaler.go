package realstack

// The Flink Kubernetes Operator's autoscaler beside a session cluster.
//
// The operator ships its autoscaler without Kubernetes as
// org.apache.flink:flink-autoscaler-standalone, but the Maven repository
// these machines reach serves no release of it (1.7.0 to 1.15.0 were each
// tried, 2026-12-07), and of the library it wraps,
// org.apache.flink:flink-autoscaler, only 1.7.0 and 1.10.0. So the harness
// runs the library (the operator's own metric collection over the REST API,
// evaluation, scaling decisions and their limits) in a loop of ours,
// java/autoscaler/OperatorAutoscaler.java, that does what the standalone
// entrypoint does: every interval, for each job of the cluster not in a
// terminal state, one JobAutoScalerImpl.scale call. What differs from the
// standalone module: the job's own configuration is not merged into the
// autoscaler's (give every key in AutoscalerConfig.Options), the state is
// in memory, and what it does is written as JSON lines (AutoscalerRecord)
// besides its log.

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// autoscalerSources is the Maven project of the autoscaler's loop
// (java/autoscaler).
//
//go:embed java/autoscaler/pom.xml java/autoscaler/src
var autoscalerSources embed.FS

// DefaultAutoscalerVersion is the org.apache.flink:flink-autoscaler release
// run when AutoscalerConfig.Version is empty: the newest one served here
// (see the package's note above). It was built on Flink 1.19; the harness
// runs it with the cluster's flink-clients (AutoscalerConfig.FlinkVersion).
const DefaultAutoscalerVersion = "1.10.0"

// Defaults of AutoscalerConfig.
const (
	DefaultAutoscalerInterval     = 5 * time.Second
	DefaultAutoscalerFlinkVersion = "1.20.5"
	autoscalerMainClass           = "io.github.flinkscale.realstack.autoscaler.OperatorAutoscaler"
)

// AutoscalerShortWindows returns the autoscaler options the operator's own
// end-to-end tests use to decide within minutes, enabled and in shadow mode
// (scaling.enabled false: it evaluates and reports, and never rescales):
// stabilization 5 s, a metrics window of 1 min, no scale-down delay, a
// restart time of 10 s and a catch-up of 1 min.
func AutoscalerShortWindows() map[string]string {
	return map[string]string{
		"job.autoscaler.enabled":                "true",
		"job.autoscaler.scaling.enabled":        "false",
		"job.autoscaler.stabilization.interval": "5s",
		"job.autoscaler.metrics.window":         "1m",
		"job.autoscaler.scale-down.interval":    "0",
		"job.autoscaler.restart.time":           "10s",
		"job.autoscaler.catch-up.duration":      "1m",
	}
}

// FlinkDuration renders d as a Flink configuration value: whole
// milliseconds with Flink's unit ("60000 ms"). Go's own form ("1m0s") is
// not one Flink parses.
func FlinkDuration(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}

// AutoscalerConfig configures the operator's autoscaler run beside a
// cluster. Zero fields mean the documented defaults.
type AutoscalerConfig struct {
	// RESTURL is the cluster's REST address, e.g. Flink.URL(). Required.
	RESTURL string
	// Version is the org.apache.flink:flink-autoscaler release.
	// Default: DefaultAutoscalerVersion.
	Version string
	// FlinkVersion is the release of flink-clients and flink-runtime the
	// autoscaler runs with: the cluster's. Default:
	// DefaultAutoscalerFlinkVersion.
	FlinkVersion string
	// Interval is the control loop's interval
	// (autoscaler.standalone.control-loop.interval).
	// Default: DefaultAutoscalerInterval.
	Interval time.Duration
	// Apply lets the autoscaler rescale: its overrides are applied in
	// place with PUT /jobs/{id}/resource-requirements (the adaptive
	// scheduler), as the standalone autoscaler does. It also needs
	// job.autoscaler.scaling.enabled true in Options. Default: false
	// (nothing is sent to the cluster but reads).
	Apply bool
	// Options are the autoscaler's configuration (job.autoscaler.*
	// keys), passed as given. Default: AutoscalerShortWindows().
	Options map[string]string
	// Dir is the run directory (log/, records.jsonl). Default: a new
	// temporary directory, removed by Close.
	Dir string
	// Java is the java executable. Default: FindJava.
	Java string
	// Maven configures resolving and building. Default: MavenConfig{}.
	Maven MavenConfig
	// Logger receives the harness's own lines. Default: slog.Default().
	Logger *slog.Logger
}

// Validate reports a config NewAutoscaler refuses. Its errors wrap
// ErrInvalidConfig.
func (c AutoscalerConfig) Validate() error {
	switch {
	case c.RESTURL == "" || !strings.HasPrefix(c.RESTURL, "http://") && !strings.HasPrefix(c.RESTURL, "https://"):
		return fmt.Errorf("%w: AutoscalerConfig.RESTURL %q: want an http(s) URL", ErrInvalidConfig, c.RESTURL)
	case c.Interval < 0:
		return fmt.Errorf("%w: AutoscalerConfig.Interval %v is negative", ErrInvalidConfig, c.Interval)
	}
	for k, v := range c.Options {
		if k == "" || strings.ContainsAny(k, "= \n") || strings.Contains(v, "\n") {
			return fmt.Errorf("%w: AutoscalerConfig.Options: bad entry %q=%q", ErrInvalidConfig, k, v)
		}
	}
	return c.Maven.Validate()
}

func (c AutoscalerConfig) withDefaults() AutoscalerConfig {
	if c.Version == "" {
		c.Version = DefaultAutoscalerVersion
	}
	if c.FlinkVersion == "" {
		c.FlinkVersion = DefaultAutoscalerFlinkVersion
	}
	if c.Interval == 0 {
		c.Interval = DefaultAutoscalerInterval
	}
	if c.Options == nil {
		c.Options = AutoscalerShortWindows()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Autoscaler is the operator's autoscaler running in its own JVM. Safe for
// concurrent use.
type Autoscaler struct {
	cfg    AutoscalerConfig
	dir    string
	ownDir bool
	proc   *Process
	once   sync.Once
	err    error
}

// NewAutoscaler builds the loop (once per content, see BuildProject),
// resolves its classpath and starts its JVM. It returns once the JVM wrote
// its start record (within ctx), or an error with its log's last lines.
func NewAutoscaler(ctx context.Context, cfg AutoscalerConfig) (*Autoscaler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	a := &Autoscaler{cfg: cfg, dir: cfg.Dir}
	var err error
	if a.dir == "" {
		if a.dir, err = os.MkdirTemp("", "realstack-autoscaler-"); err != nil {
			return nil, fmt.Errorf("realstack: run directory: %w", err)
		}
		a.ownDir = true
	}
	fail := func(err error) (*Autoscaler, error) {
		_ = a.Close()
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(a.dir, "log"), 0o755); err != nil {
		return fail(err)
	}
	if cfg.Java, err = javaOr(cfg.Java); err != nil {
		return fail(err)
	}
	m := cfg.Maven
	m.Properties = map[string]string{"autoscaler.version": cfg.Version, "flink.version": cfg.FlinkVersion}
	maps.Copy(m.Properties, cfg.Maven.Properties)
	project, err := fs.Sub(autoscalerSources, "java/autoscaler")
	if err != nil {
		return fail(err)
	}
	t0 := time.Now()
	b, err := BuildProject(ctx, project, m)
	if err != nil {
		return fail(err)
	}
	if len(b.Jars) != 1 {
		return fail(fmt.Errorf("%w: the autoscaler build wrote jars %v, want one; log %s", ErrMaven, b.Jars, b.Log))
	}
	pom, err := fs.ReadFile(project, "pom.xml")
	if err != nil {
		return fail(err)
	}
	cp, err := ResolveClasspath(ctx, pom, m)
	if err != nil {
		return fail(err)
	}
	cfg.Logger.Info("realstack: autoscaler built", "version", cfg.Version, "flink", cfg.FlinkVersion, "took", time.Since(t0))
	args := []string{
		"-Xmx256m", "-XX:+UseSerialGC",
		"-Dlog4j.configurationFile=classpath:log4j2-realstack-autoscaler.properties",
		"-cp", b.Jars[0] + string(os.PathListSeparator) + strings.TrimSpace(cp),
		autoscalerMainClass,
		"--rest", cfg.RESTURL, "--records", a.RecordsPath(),
		"--interval-ms", strconv.FormatInt(cfg.Interval.Milliseconds(), 10),
	}
	if cfg.Apply {
		args = append(args, "--apply")
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Options)) {
		args = append(args, "--conf", k+"="+cfg.Options[k])
	}
	a.proc, err = StartProcess(ProcessConfig{Name: "autoscaler", Path: cfg.Java, Args: args, Dir: a.dir,
		LogPath: filepath.Join(a.dir, "log", "autoscaler.log")})
	if err != nil {
		return fail(err)
	}
	err = a.proc.WaitReady(ctx, DefaultFlinkStartTimeout, func(context.Context) error {
		rs, err := a.Records()
		if err != nil {
			return err
		}
		if len(rs) == 0 || rs[0].Kind != "start" {
			return errors.New("no start record yet")
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	cfg.Logger.Info("realstack: autoscaler started", "url", cfg.RESTURL, "apply", cfg.Apply, "interval", cfg.Interval)
	return a, nil
}

// Dir is the run directory.
func (a *Autoscaler) Dir() string { return a.dir }

// RecordsPath is the file the autoscaler writes its records to.
func (a *Autoscaler) RecordsPath() string { return filepath.Join(a.dir, "records.jsonl") }

// LogPath is the autoscaler JVM's log.
func (a *Autoscaler) LogPath() string { return filepath.Join(a.dir, "log", "autoscaler.log") }

// Records reads every record written so far (a line being written is
// left for the next call).
func (a *Autoscaler) Records() ([]AutoscalerRecord, error) {
	b, err := os.ReadFile(a.RecordsPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseAutoscalerRecords(b)
}

// Close stops the JVM and removes a run directory the harness created.
// Calling it again returns the first call's result.
func (a *Autoscaler) Close() error {
	a.once.Do(func() {
		if a.proc != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			a.err = a.proc.Stop(ctx)
			cancel()
		}
		if a.ownDir {
			a.err = errors.Join(a.err, os.RemoveAll(a.dir))
		}
	})
	return a.err
}

// AutoscalerRecord is one line of the autoscaler's records. Kind says
// which fields are set:
//   - "start": Autoscaler (the library's version), FlinkClient, Apply,
//     IntervalMs, Conf;
//   - "call": one scale call for Job, its State and its Error, if any;
//   - "evaluation": what the call evaluated, per vertex (Vertices, by
//     vertex ID) and Global, each metric by the library's ScalingMetric
//     name (TRUE_PROCESSING_RATE, TARGET_DATA_RATE, LAG, ...);
//   - "event": an event (Type, Reason, Message; ScalingReport among them);
//   - "scaling": a scaling report with its figures: per vertex Current and
//     New parallelism and Metrics, and Message;
//   - "realize": the parallelism Overrides it realized, Apply, Sent
//     (whether a PUT went out) and Status;
//   - "config": configuration overrides (memory tuning), never applied.
type AutoscalerRecord struct {
	Time        time.Time                   `json:"time"`
	Kind        string                      `json:"kind"`
	Job         string                      `json:"job,omitempty"`
	State       string                      `json:"state,omitempty"`
	Error       string                      `json:"error,omitempty"`
	Type        string                      `json:"type,omitempty"`
	Reason      string                      `json:"reason,omitempty"`
	Message     string                      `json:"message,omitempty"`
	Vertices    map[string]AutoscalerVertex `json:"vertices,omitempty"`
	Global      map[string]AutoscalerMetric `json:"global,omitempty"`
	Overrides   map[string]string           `json:"overrides,omitempty"`
	Apply       bool                        `json:"apply,omitempty"`
	Sent        bool                        `json:"sent,omitempty"`
	Status      int                         `json:"status,omitempty"`
	Autoscaler  string                      `json:"autoscaler,omitempty"`
	FlinkClient string                      `json:"flinkClient,omitempty"`
	IntervalMs  int64                       `json:"intervalMs,omitempty"`
	Conf        map[string]string           `json:"conf,omitempty"`
}

// AutoscalerVertex is one vertex in a record: in an "evaluation" its
// metrics (Metrics), in a "scaling" record also its parallelism now and
// the one recommended.
type AutoscalerVertex struct {
	Current int                         `json:"current,omitempty"`
	New     int                         `json:"new,omitempty"`
	Metrics map[string]AutoscalerMetric `json:"metrics,omitempty"`
}

// UnmarshalJSON reads a vertex of either record kind: an evaluation's
// vertex is its metrics map itself.
func (v *AutoscalerVertex) UnmarshalJSON(b []byte) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	if _, ok := probe["metrics"]; ok {
		type plain AutoscalerVertex
		return json.Unmarshal(b, (*plain)(v))
	}
	return json.Unmarshal(b, &v.Metrics)
}

// AutoscalerMetric is one evaluated metric: its current value and its
// average over the metric window, NaN where the library had none (or not
// a finite number).
type AutoscalerMetric struct {
	Current, Average float64
}

// UnmarshalJSON reads {"current": x, "average": y}, null as NaN.
func (m *AutoscalerMetric) UnmarshalJSON(b []byte) error {
	var raw struct{ Current, Average *float64 }
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Current, m.Average = math.NaN(), math.NaN()
	if raw.Current != nil {
		m.Current = *raw.Current
	}
	if raw.Average != nil {
		m.Average = *raw.Average
	}
	return nil
}

// ParseAutoscalerRecords parses JSON lines of records; an incomplete last
// line (no newline yet) is left out.
func ParseAutoscalerRecords(b []byte) ([]AutoscalerRecord, error) {
	if i := bytes.LastIndexByte(b, '\n'); i < 0 {
		return nil, nil
	} else {
		b = b[:i+1]
	}
	var out []AutoscalerRecord
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r AutoscalerRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return out, fmt.Errorf("realstack: autoscaler record %d: %w", n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}
