package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

func TestRealUnreachable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(context.Background(), []string{"-flink-url", "http://127.0.0.1:1", "-out", t.TempDir()}, &stdout, &stderr, nil)
	if code != 1 || !strings.Contains(stderr.String(), "cannot reach") || time.Since(start) > 20*time.Second {
		t.Errorf("exit %d after %s: %q", code, time.Since(start), stderr.String())
	}
}

// fastRefresh is a JobManager's configuration that refreshes metrics fast
// enough for a test deciding every 200 ms.
var fastRefresh = map[string]string{"metrics.fetcher.update-interval": "100 ms"}

const (
	srcID  = flinkapi.VertexID("11111111111111111111111111111111")
	sinkID = flinkapi.VertexID("22222222222222222222222222222222")
)

func realServer(t *testing.T, cfg flinktest.Config) (*flinktest.Server, flinkapi.JobID) {
	srv := flinktest.Start(t, cfg)
	id, _, err := srv.AddJob(flinktest.JobSpec{
		Name: "orders",
		Vertices: []flinktest.VertexSpec{
			{ID: srcID, Name: "Source: orders", Parallelism: 2},
			{ID: sinkID, Name: "Sink: out", Parallelism: 2, Inputs: []flinktest.Input{{From: srcID}}},
		},
		Checkpointing: &flinktest.CheckpointingSpec{Interval: time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, id
}

// saturated is a job whose source reads 1,000 records/s at full capacity
// while its backlog grows by 250 records/s from pending (per subtask, of
// 2): Default wants more subtasks once it has measured that.
type saturated struct {
	start   time.Time
	pending float64
}

func (s saturated) VertexMetrics(_ flinkapi.JobID, vertex flinkapi.VertexID, _ int, now time.Time) flinktest.VertexMetrics {
	t := now.Sub(s.start).Seconds()
	both := func(v float64) []float64 { return []float64{v, v} }
	op := func(metric string) string {
		return flinkapi.OperatorMetric(flinkapi.OperatorScope("Source: orders"), metric)
	}
	switch vertex {
	case srcID:
		return flinktest.VertexMetrics{Subtasks: map[string][]float64{
			flinkapi.MetricBusyTime: both(990), flinkapi.MetricBackPressuredTime: both(0), flinkapi.MetricIdleTime: both(10),
			op(flinkapi.MetricNumRecordsIn): both(500 * t), op(flinkapi.MetricNumRecordsOut): both(500 * t),
			op(flinkapi.MetricPendingRecords): both(s.pending + 125*t),
		}, IO: flinkapi.IOMetrics{WriteRecords: int64(1000 * t), WriteRecordsComplete: true, ReadRecordsComplete: true}}
	case sinkID:
		return flinktest.VertexMetrics{Subtasks: map[string][]float64{
			flinkapi.MetricBusyTime: both(300), flinkapi.MetricBackPressuredTime: both(0), flinkapi.MetricIdleTime: both(700),
			flinkapi.MetricNumRecordsIn: both(500 * t),
		}, IO: flinkapi.IOMetrics{ReadRecords: int64(1000 * t), ReadRecordsComplete: true, WriteRecordsComplete: true}}
	}
	return flinktest.VertexMetrics{}
}

func (saturated) JobMetrics(flinkapi.JobID, time.Time) map[string]string { return nil }

func TestRealUnknownJob(t *testing.T) {
	srv, _ := realServer(t, flinktest.Config{})
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-flink-url", srv.URL, "-job", "ffffffffffffffffffffffffffffffff", "-out", t.TempDir()}, &stdout, &stderr, nil)
	if code != 1 || !strings.Contains(stderr.String(), "does not exist") {
		t.Errorf("exit %d: %q", code, stderr.String())
	}
}

// -topics naming no source of the job is an error at once, exit 1, before
// Kafka is read.
func TestRealTopicsUnknownSource(t *testing.T) {
	srv, _ := realServer(t, flinktest.Config{})
	var stdout, stderr bytes.Buffer
	args := []string{"-flink-url", srv.URL, "-out", t.TempDir(), "-kafka-brokers", "127.0.0.1:1", "-group", "g", "-topics", "Source: nope=orders"}
	code := run(context.Background(), args, &stdout, &stderr, nil)
	if code != 1 || !strings.Contains(stderr.String(), `"Source: nope"`) || !strings.Contains(stderr.String(), `the job's sources are "Source: orders"`) {
		t.Errorf("exit %d: %q", code, stderr.String())
	}
}

// A Kafka that cannot be read is an error at once, exit 1, with or without
// -topics: a broker that does not answer, or a group whose offsets cannot
// be read (a missing Describe permission).
func TestRealKafkaUnreadable(t *testing.T) {
	srv, _ := realServer(t, flinktest.Config{})
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	kc.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Group: "denied", Err: kerr.GroupAuthorizationFailed, Count: -1})
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unreachable, with -topics", []string{"-kafka-brokers", "127.0.0.1:1", "-group", "g", "-topics", "orders"}, "cannot read group"},
		{"unreachable, without -topics", []string{"-kafka-brokers", "127.0.0.1:1", "-group", "g"}, "cannot read group"},
		{"not authorized, with -topics", []string{"-kafka-brokers", kc.ListenAddrs()[0], "-group", "denied", "-topics", "orders"}, "not authorized to access this group"},
		{"not authorized, without -topics", []string{"-kafka-brokers", kc.ListenAddrs()[0], "-group", "denied"}, "not authorized to access this group"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"-flink-url", srv.URL, "-out", t.TempDir()}, c.args...)
			code := run(context.Background(), args, &stdout, &stderr, nil)
			if code != 1 || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("exit %d: %q; want 1 and %q", code, stderr.String(), c.want)
			}
		})
	}
}

// Kafka failing during a run is said at once on stderr, and Flink's
// pendingRecords go on serving: the backlog stays known. Each observation
// reads the job once.
func TestRealKafkaFailsDuringRun(t *testing.T) {
	srv, _ := realServer(t, flinktest.Config{Metrics: saturated{start: time.Now(), pending: 500}, JobManagerConfig: fastRefresh})
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	root := t.TempDir()
	sigs := make(chan os.Signal, 1)
	var stdout bytes.Buffer
	stderr := &syncBuffer{}
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"-flink-url", srv.URL, "-kafka-brokers", kc.ListenAddrs()[0], "-group", "g", "-topics", "orders",
			"-interval", "300ms", "-duration", "4s", "-out", root}, &stdout, stderr, sigs)
	}()
	time.Sleep(time.Second)
	kc.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Err: kerr.GroupAuthorizationFailed, Count: -1})
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), `autopilot: Kafka: cannot read group "g"`) || !strings.Contains(stderr.String(), "not authorized to access this group") {
		t.Errorf("stderr does not say Kafka failed:\n%s", stderr.String())
	}
	ticks := readTicks(t, runDir(t, root))
	// The observer and the Flink backlog share the job's reads
	// (flinkio.Shared): one job-details call a tick, plus findJob's, the
	// checkpoint advisor's and a step the run's end may cut short.
	if n := srv.CountRequests("GET /jobs/{jobid}"); n > len(ticks)+3 {
		t.Errorf("%d job-details calls over %d ticks: the job is read more than once per observation", n, len(ticks))
	}
	last := ticks[len(ticks)-1]
	if len(last.Pipelines) == 0 || !last.Pipelines[0].BacklogKnown || last.Pipelines[0].Backlog < 1000 {
		t.Errorf("last tick %+v: want the backlog from Flink's pendingRecords (2 x 500 and more)", last)
	}
}

// Against a real cluster the autopilot is a dry run by default: it
// decides, prints what it would do, changes nothing, never counts or
// charts a rescale it did not make, and never drains.
func TestRealDryRun(t *testing.T) {
	srv, id := realServer(t, flinktest.Config{Metrics: saturated{start: time.Now(), pending: 5000}, JobManagerConfig: fastRefresh})
	var stdout, stderr bytes.Buffer
	root := t.TempDir()
	code := run(context.Background(), []string{"-flink-url", srv.URL, "-auth-header", "Bearer secret", "-interval", "200ms", "-duration", "1500ms", "-out", root}, &stdout, &stderr, nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := srv.CountRequests("PUT /jobs/{jobid}/resource-requirements"); n != 0 {
		t.Errorf("%d rescales in a dry run", n)
	}
	if n := srv.CountRequests("POST /jobs/{jobid}/stop"); n != 0 {
		t.Errorf("%d stops without -drain-on-exit", n)
	}
	if st, _ := srv.JobState(id); st != flinkapi.JobRunning {
		t.Errorf("job %s after a dry run", st)
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") != "Bearer secret" {
			t.Fatalf("%s %s without the auth header", r.Method, r.Path)
		}
	}
	dir := runDir(t, root)
	sum := readSummary(t, dir)
	if sum.Mode != report.ModeReal || sum.Ticks < 3 || sum.Drain.Attempted || sum.Records.Known {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(strings.Join(sum.Findings, "\n"), "no checkpoint completed (0 failed): nothing to review") {
		t.Errorf("findings %q: want no review of checkpoints that never completed", sum.Findings)
	}
	if sum.Rescales != 0 || sum.WouldRescale == 0 {
		t.Errorf("rescales %d, would rescale %d: want 0 and some", sum.Rescales, sum.WouldRescale)
	}
	out := stdout.String()
	if !strings.Contains(out, "dry run") || !strings.Contains(out, "| would rescale (2 -> ") || strings.Contains(out, "| rescaled") {
		t.Errorf("output does not say dry run and would rescale, or says rescaled:\n%s", out)
	}
	if !strings.Contains(out, "Source: orders 2->") {
		t.Errorf("decisions do not name the vertex:\n%s", out)
	}
	for _, s := range readTicks(t, dir) {
		if s.Rescaled() {
			t.Errorf("tick at %s counted as a rescale in a dry run", s.Elapsed)
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "chart.svg"))
	if bytes.Contains(svg, []byte(`class="rescale"`)) || !bytes.Contains(svg, []byte(`class="would-rescale"`)) {
		t.Errorf("the chart marks a dry run's decisions as rescales")
	}
	decisions, _ := os.ReadFile(filepath.Join(dir, "decisions.jsonl"))
	if !bytes.Contains(decisions, []byte(`"dryRun":true`)) || bytes.Contains(decisions, []byte(`"applied":true`)) || bytes.Contains(decisions, []byte(string(srcID))) {
		t.Errorf("decisions.jsonl does not tell a dry run apart, or names vertices by ID:\n%s", decisions)
	}
}

// Real mode warns when -interval is below Flink's metric refresh, and
// takes the caught-up threshold from the job's checkpoint interval.
func TestRealPolicy(t *testing.T) {
	srv, id := realServer(t, flinktest.Config{JobManagerConfig: map[string]string{"metrics.fetcher.update-interval": "15 s"}})
	c1, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	pol := realPolicy(context.Background(), c1, id, options{interval: 5 * time.Second}, &stderr)
	if !strings.Contains(stderr.String(), "-interval 5s is below Flink's metric refresh (metrics.fetcher.update-interval 15s") {
		t.Errorf("no warning: %q", stderr.String())
	}
	if pol.CheckpointInterval != time.Minute || pol.MetricRefresh != 15*time.Second || pol.DecisionInterval != 5*time.Second {
		t.Errorf("policy %+v: want the job's 1m checkpoints, caught up below the 15s refresh, deciding every 5s", pol)
	}
	for _, c := range []struct {
		interval, caughtUp time.Duration
	}{{time.Minute, time.Minute}, {2 * time.Minute, 90 * time.Second}} {
		stderr.Reset()
		pol := realPolicy(context.Background(), c1, id, options{interval: c.interval}, &stderr)
		if strings.Contains(stderr.String(), "warning") {
			t.Errorf("a warning at -interval %s: %q", c.interval, stderr.String())
		}
		if pol.MetricRefresh != c.caughtUp || !strings.Contains(stderr.String(), "caught up while its lag is below "+c.caughtUp.String()) {
			t.Errorf("-interval %s: caught up below %s (%q), want %s", c.interval, pol.MetricRefresh, stderr.String(), c.caughtUp)
		}
	}
}

// -time-scale compresses the policy's own durations and keeps what was
// measured or given.
func TestRealPolicyTimeScale(t *testing.T) {
	srv, id := realServer(t, flinktest.Config{JobManagerConfig: map[string]string{"metrics.fetcher.update-interval": "1 s"}})
	c1, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	base := realPolicy(context.Background(), c1, id, options{interval: 5 * time.Second}, &stderr)
	pol := realPolicy(context.Background(), c1, id, options{interval: 5 * time.Second, timeScale: 0.1}, &stderr)
	if pol.LagSLO != 12*time.Second || pol.DecisionInterval != 5*time.Second || pol.MetricRefresh != base.MetricRefresh ||
		pol.CheckpointInterval != base.CheckpointInterval || pol.RestartCost != 90*time.Second {
		t.Errorf("scaled policy %+v (from %+v): want the SLO (2m) and the restart cost (15m) a tenth, the intervals kept", pol, base)
	}
	if !strings.Contains(stderr.String(), "time scale 0.1: lag SLO 12s") {
		t.Errorf("stderr %q does not say what the time scale did", stderr.String())
	}
}

// A signal during a drain says what the drain waits for and for how long;
// a second stops waiting, the record keeps the drain's state, and the
// next run resumes it.
func TestInterruptDuringDrain(t *testing.T) {
	srv, id := realServer(t, flinktest.Config{})
	if err := srv.SetSavepointBehavior(id, flinktest.SavepointBehavior{Delay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	args := []string{"-flink-url", srv.URL, "-apply", "-drain-on-exit", "-interval", "200ms", "-duration", "500ms", "-out", root}
	sigs := make(chan os.Signal, 2)
	var stdout bytes.Buffer
	stderr := &syncBuffer{}
	done := make(chan int)
	go func() { done <- run(context.Background(), args, &stdout, stderr, sigs) }()
	waitFor := func(what string) {
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(stderr.String()+srvStops(srv), what) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q:\n%s", what, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("stop sent")
	sigs <- syscall.SIGTERM
	waitFor("SIGTERM: the drain goes on: it waits for job " + string(id) + " to take its savepoint and finish")
	if !strings.Contains(stderr.String(), "for up to") {
		t.Errorf("it does not say for how long:\n%s", stderr.String())
	}
	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second SIGTERM did not stop the wait")
	}
	sum := readSummary(t, runDir(t, root))
	if sum.Drain.State != "unfinished" || !strings.Contains(sum.Drain.Reason, "run again to resume") || sum.Signal != "SIGTERM" {
		t.Errorf("drain %+v, signal %q", sum.Drain, sum.Signal)
	}
	// The record keeps the drain's state, unfinished, for the next run
	// to resume (flinkdrain's Drain resumes a recorded operation).
	store, err := drain.NewFileStore(filepath.Join(root, "drain"))
	if err != nil {
		t.Fatal(err)
	}
	op, ok, err := store.Load(context.Background(), string(id))
	if err != nil || !ok || op.State.Terminal() || op.TriggerID == "" {
		t.Errorf("drain record %+v (found %v, %v): want an unfinished operation with its trigger", op, ok, err)
	}
}

// srvStops says "stop sent" once the JobManager saw a stop-with-savepoint.
func srvStops(srv *flinktest.Server) string {
	if srv.CountRequests("POST /jobs/{jobid}/stop") > 0 {
		return "stop sent"
	}
	return ""
}

// A job that finishes during the run is shown finished, not restarting,
// and holds no slots from then on.
func TestRealFinishedJob(t *testing.T) {
	srv, id := realServer(t, flinktest.Config{Metrics: saturated{start: time.Now(), pending: 10}, JobManagerConfig: fastRefresh})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	var stdout, stderr bytes.Buffer
	time.AfterFunc(700*time.Millisecond, func() {
		if _, err := c.StopWithSavepoint(context.Background(), id, flinkapi.StopRequest{Drain: true}); err != nil {
			t.Error(err)
		}
	})
	code := run(context.Background(), []string{"-flink-url", srv.URL, "-job", string(id), "-interval", "200ms", "-duration", "2s", "-out", root}, &stdout, &stderr, nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	ticks := readTicks(t, runDir(t, root))
	last := ticks[len(ticks)-1]
	if last.State != report.StateFinished || !last.Ended() {
		t.Fatalf("last tick %+v: want the job FINISHED", last)
	}
	if strings.Contains(stdout.String(), "restarting") || !strings.Contains(stdout.String(), "| finished ") {
		t.Errorf("the finished job is not shown finished:\n%s", stdout.String())
	}
	sum := report.Summarize(ticks, 0)
	running := report.Summarize(ticks[:slices.IndexFunc(ticks, report.Sample.Ended)+1], 0)
	if sum.SlotSeconds != running.SlotSeconds {
		t.Errorf("slot-seconds %.2f, want %.2f: counted after the job finished", sum.SlotSeconds, running.SlotSeconds)
	}
}
