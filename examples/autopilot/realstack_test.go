//go:build realstack

package main

// The real tier of the autopilot: its real mode (-flink-url ... -apply
// -drain-on-exit) run in process against a real Kafka broker and a real
// Flink 1.20 session cluster (realstack), on the repository's test job
// with one pipeline (Source: in-0 -> keyBy -> Cost 0 -> Sink 0,
// exactly-once), while a producer in the test writes a trace: steady
// below one subtask's capacity, a spike well above it, steady again, then
// nothing. The autopilot must scale the job up during the spike, the
// backlog must drain, and on exit (SIGTERM, as a user ends it) it drains
// the job with a savepoint; every record produced is then in the sink's
// topic exactly once.
//
//	flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -timeout 15m -run TestRealStackAutopilot -v ./examples/autopilot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

// The trace, in records/s over the whole input topic. One Cost subtask
// parks stackCost per record: about 240 records/s, so the steady rate
// needs one subtask and the spike about two at the policy's 0.9
// utilization. The producer writes the steady rate from the job's start;
// the autopilot starts once the job has warmed up (checkpoints complete,
// the group keeps up), and the spike comes stackWarm later.
const (
	stackCost       = 4 * time.Millisecond
	stackSteady     = 100
	stackSpike      = 400
	stackWarm       = 24 * time.Second // steady under the autopilot, before the spike
	stackSpikeLen   = 40 * time.Second
	stackCool       = 20 * time.Second // steady again, then nothing
	stackPartitions = 8
	stackGroup      = "testjob-0"
	stackInterval   = 3 * time.Second // the autopilot's -interval
)

// stackTrace is the trace's rate over time: steady until the spike is
// set, then the spike, steady again, and over.
type stackTrace struct{ spike atomic.Int64 } // the spike's start, Unix ns; 0 until set

// rate is the rate at now, and whether the trace is over.
func (tr *stackTrace) rate(now time.Time) (float64, bool) {
	s := tr.spike.Load()
	if s == 0 {
		return stackSteady, false
	}
	switch at := now.Sub(time.Unix(0, s)); {
	case at < 0:
		return stackSteady, false
	case at < stackSpikeLen:
		return stackSpike, false
	case at < stackSpikeLen+stackCool:
		return stackSteady, false
	}
	return 0, true
}

func TestRealStackAutopilot(t *testing.T) {
	began := time.Now()
	k := realstack.StartKafka(t, realstack.KafkaConfig{})
	f := realstack.StartFlink(t, realstack.FlinkConfig{
		Version: "1.20", TaskManagers: 2, Slots: 4, MetricsFetchInterval: 500 * time.Millisecond,
		Config: realtest.RescaleAtOnce(),
	})
	started := time.Since(began)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()

	job := realstack.TestJob{
		BootstrapServers: strings.Join(k.Addrs(), ","), Name: "autopilot-rt", Parallelism: 1, MaxParallelism: 8,
		Pipelines: []realstack.TestPipeline{{In: "autopilot-in", Out: "autopilot-out", Cost: stackCost}},
	}
	in, out := job.Pipelines[0].In, job.Pipelines[0].Out
	if err := realstack.CreateTestJobTopics(ctx, k, job, stackPartitions); err != nil {
		t.Fatal(err)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: f.URL(), RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	submitted := time.Now()
	s, err := f.Submit(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	id := flinkapi.JobID(s)
	group := newGroupReader(t, k, in)
	realtest.WaitRunning(ctx, t, c, id, nil)
	t.Logf("stack: Kafka and Flink %s started in %s, job %s submitted and running in %s",
		f.Version(), started.Round(time.Second), id, time.Since(submitted).Round(time.Second))

	// The producer writes the steady rate from now on; the autopilot
	// starts once the job has warmed up: a job just started runs slow
	// (its exactly-once sink sets up its transactions, the first
	// checkpoints), and a capacity measured then is far too low.
	tr := &stackTrace{}
	var produced atomic.Int64
	prodErr := make(chan error, 1)
	go func() { prodErr <- realstack.ProduceAtRate(ctx, k, in, tr.rate, &produced) }()
	warm := time.Now()
	realtest.Eventually(ctx, t, "the job to warm up", 2*time.Minute, func() (bool, error) {
		cp, err := c.Checkpoints(ctx, id)
		if err != nil {
			return false, err
		}
		lag, _, err := group.lag()
		return err == nil && cp.Counts.Completed >= 3 && lag <= 3*stackSteady,
			fmt.Errorf("%d checkpoints completed, lag %d (%v)", cp.Counts.Completed, lag, err)
	})
	t.Logf("job warmed up in %s", time.Since(warm).Round(time.Second))

	// The autopilot, in process, as a user runs it; SIGTERM ends it.
	root := t.TempDir()
	args := []string{
		"-flink-url", f.URL(), "-job", string(id), "-kafka-brokers", strings.Join(k.Addrs(), ","), "-group", stackGroup,
		"-topics", in, "-apply", "-drain-on-exit", "-interval", stackInterval.String(), "-drain-timeout", "2m",
		"-duration", "8m", // a bound only: the test ends the run with SIGTERM
		"-out", root,
	}
	var stdout bytes.Buffer // written by the run's goroutine, read once it exited
	stderr := &syncBuffer{}
	sigs := make(chan os.Signal, 1)
	exited := make(chan struct{})
	var code int
	runStart := time.Now()
	go func() {
		defer close(exited)
		code = run(ctx, args, &stdout, stderr, sigs)
	}()
	tr.spike.Store(runStart.Add(stackWarm).UnixNano())
	t.Cleanup(func() { // before the cluster's cleanups: the autopilot ends first
		cancel()
		select {
		case <-exited:
		case <-time.After(time.Minute):
			t.Errorf("the autopilot did not end within a minute of its context")
		}
		if t.Failed() {
			t.Logf("autopilot stderr:\n%s", stderr.String())
		}
	})

	// What the test watches itself: the Cost vertex's parallelism, the
	// job's state and the group's lag, every second.
	mon := startMonitor(ctx, c, id, group, runStart)
	defer mon.stop()

	if err := <-prodErr; err != nil {
		t.Fatalf("producer: %v (acknowledged %d)", err, produced.Load())
	}
	total := produced.Load()
	t.Logf("producer: %d records acknowledged; the trace ended %s after the autopilot started", total, time.Since(runStart).Round(time.Second))

	// The job catches up with everything produced (its committed offsets
	// reach the end offsets: every record read and checkpointed), then
	// the autopilot is ended as a user ends it, and drains the job.
	realtest.Eventually(ctx, t, "the group to catch up with every record produced", 3*time.Minute, func() (bool, error) {
		lag, end, err := group.lag()
		return err == nil && lag == 0 && end == total, fmt.Errorf("lag %d, end offsets %d of %d produced (%v)", lag, end, total, err)
	})
	caughtUp := time.Since(runStart)
	sigs <- syscall.SIGTERM
	select {
	case <-exited:
	case <-time.After(5 * time.Minute):
		t.Fatal("the autopilot did not end within 5 min of SIGTERM")
	}
	mon.stop()
	dir := runDir(t, root)
	logOnFailure(t, &stdout, dir)
	if code != 0 {
		t.Fatalf("autopilot exit %d: %s", code, stderr.String())
	}
	sum := readSummary(t, dir)
	ticks := readTicks(t, dir)
	decisions := readDecisions(t, dir)
	logRun(t, decisions, ticks, mon.trace(), sum, caughtUp)

	// A scale-up of the Cost vertex was applied, and the job ran at more
	// than one subtask.
	scaledUp := false
	for _, d := range decisions {
		if d.Applied && costTarget(d) > 1 {
			scaledUp = true
		}
	}
	if sum.Rescales < 1 || !scaledUp {
		t.Errorf("%d rescales applied, a scale-up of the Cost vertex applied: %v; want one", sum.Rescales, scaledUp)
	}
	if peak := mon.peakCost(); peak < 2 {
		t.Errorf("the Cost vertex's parallelism never went above 1 (peak %d)", peak)
	}
	// The backlog grew during the spike and drained before the end.
	checkRecovered(t, ticks, mon.trace())
	// The drain on exit: done, the job FINISHED, its savepoint on disk.
	if !sum.Drain.Attempted || sum.Drain.State != drain.Drained.String() || sum.Drain.Savepoint == "" {
		t.Errorf("drain %+v: want %s with a savepoint", sum.Drain, drain.Drained)
	}
	if st, err := c.JobStatus(ctx, id); err != nil || st != flinkapi.JobFinished {
		t.Errorf("job %s after the drain (%v), want FINISHED", st, err)
	}
	checkSavepoint(t, f, sum.Drain.Savepoint)
	// Every record produced is in the sink's topic, exactly once.
	var inSink int
	realtest.Eventually(ctx, t, "the sink topic to hold every record produced", time.Minute, func() (bool, error) {
		var err error
		inSink, err = realstack.CountTestRecords(ctx, k, out)
		return err == nil && int64(inSink) >= total, err
	})
	if int64(inSink) != total {
		t.Errorf("records produced %d, in the sink topic %d (read-committed)", total, inSink)
	}
	t.Logf("records: %d produced, %d in %s (read-committed); the real tier took %s", total, inSink, out, time.Since(began).Round(time.Second))
}

// costTarget is a decision's target for the Cost vertex (whatever the
// chain's name), 0 when it has none.
func costTarget(d report.Decision) int {
	for name, p := range d.Targets {
		if strings.HasPrefix(name, "Cost 0") {
			return p
		}
	}
	return 0
}

// checkRecovered checks that the spike made records wait and that the
// job caught up again before the producer stopped: in the autopilot's
// figures (Kafka's time lag; Flink's pendingRecords miss what the source
// has read but the job not yet processed, see logRun) and in the group's
// lag the monitor read.
func checkRecovered(t *testing.T, ticks []report.Sample, mon []monPoint) {
	t.Helper()
	spikeEnd, over := stackWarm+stackSpikeLen, stackWarm+stackSpikeLen+stackCool
	var before, peak time.Duration
	var peakAt, backAt time.Duration = -1, -1
	for _, s := range ticks {
		for _, p := range s.Pipelines {
			switch {
			case !p.LagKnown:
			case s.Elapsed < stackWarm:
				before = max(before, p.Lag)
			case s.Elapsed < spikeEnd && p.Lag > peak:
				peak, peakAt, backAt = p.Lag, s.Elapsed, -1
			case s.Elapsed < over && p.Running && p.Lag <= max(before, stackInterval) && backAt < 0:
				backAt = s.Elapsed
			}
		}
	}
	if peak < before+stackInterval || backAt < 0 {
		t.Errorf("time lag: at most %s before the spike, peak %s at %s during it, back to %s or less at %s (-1: not before the producer stopped); "+
			"want the spike to raise it by more than %s and the job to catch up", before, peak, peakAt, max(before, stackInterval), backAt, stackInterval)
	} else {
		t.Logf("time lag: at most %s before the spike, peak %s at %s, back to %s or less at %s", before.Round(100*time.Millisecond),
			peak.Round(100*time.Millisecond), peakAt.Round(100*time.Millisecond), max(before, stackInterval), backAt.Round(100*time.Millisecond))
	}
	var mpeak int64
	var mpeakAt, mbackAt time.Duration = -1, -1
	for _, p := range mon {
		switch {
		case p.lag < 0:
		case p.at >= stackWarm && p.at < spikeEnd && p.lag > mpeak:
			mpeak, mpeakAt, mbackAt = p.lag, p.at, -1
		case p.at >= stackWarm && p.at < over && p.lag <= 3*stackSteady && mbackAt < 0:
			mbackAt = p.at
		}
	}
	if mpeak < 5*stackSteady || mbackAt < 0 {
		t.Errorf("group lag: peak %d records at %s during the spike, back to %d or less at %s (-1: not before the producer stopped); want a peak above %d",
			mpeak, mpeakAt, 3*stackSteady, mbackAt, 5*stackSteady)
	} else {
		t.Logf("group lag: peak %d records at %s, back to %d or less at %s", mpeak, mpeakAt.Round(time.Second), 3*stackSteady, mbackAt.Round(time.Second))
	}
}

// checkSavepoint checks that loc ("file:/...") is a savepoint directory
// with its _metadata, under the cluster's savepoint directory.
func checkSavepoint(t *testing.T, f *realstack.Flink, loc string) {
	t.Helper()
	p := strings.TrimPrefix(strings.TrimPrefix(loc, "file:"), "//")
	if rel, err := filepath.Rel(f.SavepointDir(), p); err != nil || strings.HasPrefix(rel, "..") {
		t.Errorf("savepoint %s is not under %s", loc, f.SavepointDir())
	}
	if _, err := os.Stat(filepath.Join(p, "_metadata")); err != nil {
		t.Errorf("savepoint %s: %v", loc, err)
	}
}

// groupReader reads the test job's group lag on one topic from Kafka.
type groupReader struct {
	offsets *realtest.Offsets
	topic   string
}

func newGroupReader(t *testing.T, k *realstack.Kafka, topic string) *groupReader {
	return &groupReader{offsets: realtest.NewOffsets(t, k), topic: topic}
}

// lag is the group's lag (end offsets minus committed offsets, a
// partition never committed counting from 0) and the sum of the end
// offsets.
func (g *groupReader) lag() (lag, end int64, err error) { return g.offsets.Lag(stackGroup, g.topic) }

// point is one second of what the monitor saw.
type monPoint struct {
	at    time.Duration
	state flinkapi.JobState
	cost  int   // the Cost vertex's parallelism, 0 when unknown
	lag   int64 // the group's lag, -1 when unknown
}

// monitor watches the job and the group every second, independently of
// the autopilot.
type monitor struct {
	stop func()

	mu  sync.Mutex
	pts []monPoint
}

func startMonitor(ctx context.Context, c *flinkapi.Client, id flinkapi.JobID, group *groupReader, start time.Time) *monitor {
	ctx, cancel := context.WithCancel(ctx)
	m := &monitor{}
	var wg sync.WaitGroup
	m.stop = func() { cancel(); wg.Wait() }
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			p := monPoint{at: time.Since(start), lag: -1}
			if d, err := c.JobDetails(ctx, id); err == nil {
				p.state = d.State
				for _, v := range d.Vertices {
					if strings.HasPrefix(v.Name, "Cost 0") {
						p.cost = v.Parallelism
					}
				}
			}
			if lag, _, err := group.lag(); err == nil {
				p.lag = lag
			}
			if ctx.Err() != nil {
				return
			}
			m.mu.Lock()
			m.pts = append(m.pts, p)
			m.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return m
}

func (m *monitor) trace() []monPoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]monPoint(nil), m.pts...)
}

func (m *monitor) peakCost() int {
	peak := 0
	for _, p := range m.trace() {
		peak = max(peak, p.cost)
	}
	return peak
}

func readDecisions(t *testing.T, dir string) []report.Decision {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "decisions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []report.Decision
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var d report.Decision
		if err := json.Unmarshal(line, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// logRun logs what the run did: each tick's figures, the decisions that
// changed something, the parallelism and lag the monitor saw, and the
// summary's timings.
func logRun(t *testing.T, decisions []report.Decision, ticks []report.Sample, mon []monPoint, sum report.Summary, caughtUp time.Duration) {
	t.Helper()
	var b strings.Builder
	b.WriteString("ticks (elapsed: parallelism, backlog, lag, in/out rec/s, decision):\n")
	for _, s := range ticks {
		for _, p := range s.Pipelines {
			fmt.Fprintf(&b, "  %6.1fs p=%d backlog=%s lag=%s rates=%s %s %s\n", s.Elapsed.Seconds(), p.Parallelism,
				known(p.BacklogKnown, fmt.Sprintf("%.0f", p.Backlog)), known(p.LagKnown, p.Lag.Round(100*time.Millisecond).String()),
				known(p.RatesKnown, fmt.Sprintf("%.0f/%.0f", p.InRate, p.OutRate)), s.Decision, s.Changes)
		}
		if len(s.Pipelines) == 0 {
			fmt.Fprintf(&b, "  %6.1fs %s %s %s\n", s.Elapsed.Seconds(), s.State, s.Decision, s.Err)
		}
	}
	b.WriteString("decisions that change something:\n")
	for _, d := range decisions {
		if d.Changes != "" || d.Err != "" {
			fmt.Fprintf(&b, "  %6.1fs applied=%v %s: %s%s\n", d.Elapsed.Seconds(), d.Applied, d.Changes, d.Summary, d.Err)
			for name, r := range d.Reasons {
				if strings.HasPrefix(name, "Cost 0") {
					fmt.Fprintf(&b, "      %s\n", r)
				}
			}
		}
	}
	b.WriteString("monitor (elapsed: state, Cost parallelism, group lag), on change:\n")
	var prev monPoint
	for i, p := range mon {
		if i == 0 || p.state != prev.state || p.cost != prev.cost || i%5 == 0 {
			fmt.Fprintf(&b, "  %6.1fs %s p=%d lag=%d\n", p.at.Seconds(), p.state, p.cost, p.lag)
		}
		prev = p
	}
	var backlog float64
	var group int64
	for _, s := range ticks {
		for _, p := range s.Pipelines {
			backlog = max(backlog, p.Backlog)
		}
	}
	for _, p := range mon {
		group = max(group, p.lag)
	}
	fmt.Fprintf(&b, "backlog: the autopilot's (Flink's pendingRecords) peaked at %.0f records, the group's committed lag at %d\n", backlog, group)
	for _, f := range sum.Findings {
		fmt.Fprintf(&b, "finding: %s\n", f)
	}
	fmt.Fprintf(&b, "summary: %d ticks, %d rescales, peak slots %d, max lag %s, caught up at %s, drain %s in %s (%s)",
		sum.Ticks, sum.Rescales, sum.PeakSlots, sum.MaxLag.Round(100*time.Millisecond), caughtUp.Round(time.Second),
		sum.Drain.State, sum.Drain.Took.Round(100*time.Millisecond), sum.Drain.Savepoint)
	t.Log(b.String())
}

func known(ok bool, s string) string {
	if !ok {
		return "?"
	}
	return s
}
