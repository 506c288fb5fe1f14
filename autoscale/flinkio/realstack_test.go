//go:build realstack

package flinkio_test

// The real tier: an Observer over the real test job on Apache Kafka and
// Flink 1.20 (realstack), wired as the README wires it (one Shared client,
// flinkbacklog merged with kafkalag), and Rescale applied in place several
// times, each in-place rescale's cost measured: from the request to the
// job RUNNING with every task RUNNING at the new parallelism, and until
// the throughput (the output topic's end offsets, sampled every 150 ms)
// reaches 90% of the new steady rate. Only correctness is asserted (the
// observations, the parallelism reached, no record lost or doubled); the
// timings are logged and, with REPORT=path, written as a report
// (docs/rescale-cost.md):
//
//	REPORT=$PWD/docs/rescale-cost.md flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -timeout 15m -run TestRealRescaleCost -v ./autoscale/flinkio

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

const (
	rcIn, rcOut = "rescale-in", "rescale-out"
	rcGroup     = "testjob-0" // the test job's group for pipeline 0
	rcParts     = 8
	rcCost      = 4 * time.Millisecond // per record: about 245 records/s per subtask
	rcValue     = 100                  // bytes per record, about
	rcInterval  = 2 * time.Second      // checkpoint interval
	rcSettle    = 12 * time.Second     // measured after every task runs at the new parallelism
	rcPoll      = 150 * time.Millisecond
)

// rcChanges are the parallelism changes of the cost vertex, in order.
var rcChanges = []int{2, 4, 8, 2}

// rcRun is the scenario's state.
type rcRun struct {
	k          *realstack.Kafka
	f          *realstack.Flink
	c          *flinkapi.Client
	kv         *realtest.Offsets
	id         flinkapi.JobID
	obs        *flinkio.Observer
	src, cost  flinkapi.VertexID
	began      time.Time
	load       []string // the load average at the start and the end
	produced   int
	batches    int
	changes    []rcResult
	backlogLog []string
	lastCheck  rcCheck // what the latest backlog check saw
}

// rcCheck is what a backlog check saw besides the backlog.
type rcCheck struct {
	flight   float64       // records between the source and the cost vertex
	ckptTook time.Duration // the latest completed checkpoint's duration
}

// TestRealRescaleCost observes the real job through flinkio, rescales its
// cost vertex in place through flinkio.Rescale (1->2->4->8->2), measures
// each rescale, and checks that every record came out exactly once.
func TestRealRescaleCost(t *testing.T) {
	r := &rcRun{began: time.Now(), load: []string{loadAverage()}}
	k, f, c := startStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	r.k, r.f, r.c, r.kv = k, f, c, realtest.NewOffsets(t, k)
	job := realstack.TestJob{
		BootstrapServers: strings.Join(k.Addrs(), ","), Name: "rescalecost", MaxParallelism: rcParts,
		CheckpointInterval: rcInterval, Pipelines: []realstack.TestPipeline{{In: rcIn, Out: rcOut, Cost: rcCost}},
	}
	if err := realstack.CreateTestJobTopics(ctx, k, job, rcParts); err != nil {
		t.Fatal(err)
	}
	r.produce(ctx, t, 6000)
	s, err := f.Submit(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	r.id = flinkapi.JobID(s)
	r.wire(ctx, t)
	t.Logf("job running at %.0f s", time.Since(r.began).Seconds())
	before := r.observeChecked(ctx, t, 1)
	t.Logf("first observation checked at %.0f s", time.Since(r.began).Seconds())
	for _, to := range rcChanges {
		before = r.change(ctx, t, before, to)
	}
	r.drained(ctx, t)
	r.load = append(r.load, loadAverage())
	t.Logf("took %.0f s (Kafka, Flink, the job and %d rescales)", time.Since(r.began).Seconds(), len(r.changes))
	if path := os.Getenv("REPORT"); path != "" && !t.Failed() {
		if err := os.WriteFile(path, []byte(r.report()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("report written to %s", path)
	}
}

// startStack starts Kafka and a Flink 1.20 cluster (one TaskManager of 8
// slots, the adaptive scheduler rescaling at once, metrics fetched every
// 500 ms) and a client of it, all ended by the test's cleanups.
func startStack(t *testing.T) (*realstack.Kafka, *realstack.Flink, *flinkapi.Client) {
	t.Helper()
	k := realstack.StartKafka(t, realstack.KafkaConfig{})
	f := realstack.StartFlink(t, realstack.FlinkConfig{
		Version: "1.20", TaskManagers: 1, Slots: 8, MetricsFetchInterval: 500 * time.Millisecond,
		Config: realtest.RescaleAtOnce(),
	})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return k, f, c
}

// wire waits for the job to run and builds the Observer as the README
// does: one Shared client for it and flinkbacklog, merged with kafkalag.
func (r *rcRun) wire(ctx context.Context, t *testing.T) {
	t.Helper()
	d := realtest.WaitRunning(ctx, t, r.c, r.id, nil)
	for _, v := range d.Vertices {
		switch {
		case len(d.Inputs(v.ID)) == 0:
			r.src = v.ID
		default:
			r.cost = v.ID
		}
	}
	if len(d.Vertices) != 2 || r.src == "" || r.cost == "" {
		t.Fatalf("job vertices %+v: want a source and the cost chain", d.Vertices)
	}
	shared, err := flinkio.NewShared(flinkio.SharedConfig{Client: r.c})
	if err != nil {
		t.Fatal(err)
	}
	fromFlink, err := flinkbacklog.New(flinkbacklog.Config{Client: shared, Job: r.id})
	if err != nil {
		t.Fatal(err)
	}
	lag, err := kafkalag.New(kafkalag.Config{Brokers: r.k.Addrs(), Sarama: r.k.SaramaConfig(),
		Groups: []kafkalag.Group{{Name: rcGroup, Topics: []string{rcIn}, Reset: backlog.ResetEarliest}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lag.Close() })
	merged, err := backlog.Merge(backlog.CombineConfig{}, backlog.Named("flink", fromFlink), backlog.Named("kafka", lag))
	if err != nil {
		t.Fatal(err)
	}
	r.obs, err = flinkio.NewObserver(flinkio.ObserverConfig{Client: shared, Job: r.id, Backlog: merged,
		TopicsByName: map[string][]string{"Source: in-0": {rcIn}}})
	if err != nil {
		t.Fatal(err)
	}
}

// produce writes n more records to the input topic.
func (r *rcRun) produce(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	if n <= 0 {
		return
	}
	r.batches++
	prefix := fmt.Sprintf("b%d-%s", r.batches, strings.Repeat("x", rcValue-12))
	if err := realstack.ProduceTestRecords(ctx, r.k, rcIn, prefix, n); err != nil {
		t.Fatal(err)
	}
	r.produced += n
}

// observeChecked waits for an observation whose figures are all there at
// parallelism p, checks it against the job and Kafka, and returns it.
func (r *rcRun) observeChecked(ctx context.Context, t *testing.T, p int) autoscale.Observation {
	t.Helper()
	var obs autoscale.Observation
	realtest.Until(ctx, t, fmt.Sprintf("an observation with every figure at parallelism %d", p), 3*time.Minute, func() error {
		var err error
		if obs, err = r.obs.Observe(ctx); err != nil {
			return err
		}
		return complete(obs, r.src, r.cost, p)
	})
	r.checkBacklog(ctx, t)
	return obs
}

// complete says what an observation of the job at parallelism p lacks.
func complete(obs autoscale.Observation, src, cost flinkapi.VertexID, p int) error {
	if !obs.Running || len(obs.Vertices) != 2 || len(obs.Edges) != 1 {
		return fmt.Errorf("running %v, %d vertices, %d edges", obs.Running, len(obs.Vertices), len(obs.Edges))
	}
	s, c := obs.Vertices[0], obs.Vertices[1] // topological: the source first
	switch {
	case s.ID != string(src) || c.ID != string(cost):
		return fmt.Errorf("vertices %s, %s: want source %s, then %s", s.ID, c.ID, src, cost)
	case obs.Edges[0] != autoscale.Edge{From: s.ID, To: c.ID, Keyed: true}:
		return fmt.Errorf("edge %+v: want a keyed edge from the source", obs.Edges[0])
	case s.Parallelism != 1 || c.Parallelism != p || s.MaxParallelism != rcParts || c.MaxParallelism != rcParts:
		return fmt.Errorf("parallelism %d/%d (max %d/%d), want 1/%d (max %d)", s.Parallelism, c.Parallelism, s.MaxParallelism, c.MaxParallelism, p, rcParts)
	case s.Source == nil || s.Source.Partitions != rcParts:
		return fmt.Errorf("source %+v: want %d partitions", s.Source, rcParts)
	}
	for what, x := range map[string]autoscale.Value{
		"source busy": s.Busy, "source records in": s.RecordsIn, "source backlog": s.Source.Backlog,
		"source time lag": s.Source.TimeLag, "cost busy": c.Busy, "cost backpressured": c.Backpressured,
		"cost records in": c.RecordsIn,
	} {
		if v, ok := x.Get(); !ok || v < 0 {
			return fmt.Errorf("%s %v", what, x)
		}
	}
	if b, _ := c.Busy.Get(); b > 1 {
		return fmt.Errorf("cost busy %v above 1", c.Busy)
	}
	return nil
}

// checkBacklog compares the observed backlog (the job's pendingRecords,
// read by flinkbacklog through the Observer) with Kafka's lag of the job's
// consumer group, read with sarama just before and after. pendingRecords
// counts what the source has not read; Kafka's lag counts from the
// offsets committed when a checkpoint completed, so it also holds what
// the source read since: the records in flight to the cost vertex (the
// source's records out less the cost vertex's records in, both in the
// observation), the records fetched ahead of those emitted (up to 3 polls
// of max.poll.records 500), and what the cost vertex processed since the
// committed checkpoint's barrier (at most its rate times the age of the
// latest completed checkpoint plus one interval, its commit being
// possibly still on its way); the metric cache's age (0.5 s) adds a
// second's rate either way. That upper bound holds only while the source
// is not backpressured: measured after the 8->2 rescale, with the source
// backpressured throughout, the group's committed offsets did not move
// for 15 s across two completed checkpoints (KafkaSource commits through
// its fetcher, which does not poll while its queue is full), so there the
// lag is only bounded below.
func (r *rcRun) checkBacklog(ctx context.Context, t *testing.T) {
	t.Helper()
	lagBefore := r.lag(t)
	obs, err := r.obs.Observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lagAfter := r.lag(t)
	s, c := obs.Vertices[0], obs.Vertices[1]
	pending, okP := s.Source.Backlog.Get()
	out, okO := s.RecordsOut.Get()
	in, okI := c.RecordsIn.Get()
	if !okP || !okO || !okI {
		t.Fatalf("backlog %v, source records out %v, cost records in %v", s.Source.Backlog, s.RecordsOut, c.RecordsIn)
	}
	st, err := r.c.Checkpoints(ctx, r.id)
	if err != nil || st.Latest.Completed == nil {
		t.Fatalf("checkpoints: %+v, %v", st.Latest, err)
	}
	age := time.Since(time.UnixMilli(int64(st.Latest.Completed.TriggerTimestamp)))
	rate := float64(c.Parallelism) / rcCost.Seconds()
	flight := out - in
	low := pending + flight - rate
	high := pending + flight + 3*500 + rate*(age+rcInterval+time.Second).Seconds()
	line := fmt.Sprintf("p=%d: pendingRecords %.0f + in flight %.0f (%.1f s of work) vs Kafka lag %d..%d (allowed %.0f..%.0f; latest checkpoint %d triggered %.1f s ago, took %v); time lag %v s; cost busy %v, source backpressured %v",
		c.Parallelism, pending, flight, flight/rate, lagBefore, lagAfter, low, high, st.Latest.Completed.ID, age.Seconds(),
		time.Duration(st.Latest.Completed.EndToEndDuration)*time.Millisecond, s.Source.TimeLag, c.Busy, s.Backpressured)
	t.Log(line)
	r.backlogLog = append(r.backlogLog, line)
	r.lastCheck = rcCheck{flight: flight, ckptTook: time.Duration(st.Latest.Completed.EndToEndDuration) * time.Millisecond}
	direct, err := r.c.VertexMetrics(ctx, r.id, r.src, flinkapi.MetricsQuery{
		Names: []string{flinkapi.OperatorMetric(flinkapi.OperatorScope(s.Name), flinkapi.MetricPendingRecords)}, Aggregations: []flinkapi.Aggregation{flinkapi.AggSum}})
	if err != nil || len(direct.Metrics) != 1 {
		t.Fatalf("the source's pendingRecords: %+v, %v", direct, err)
	}
	for _, m := range direct.Metrics {
		if v, _ := m.Value(flinkapi.AggSum); math.Abs(v-pending) > 2*rate+500 {
			t.Errorf("observed backlog %.0f, the source's pendingRecords %.0f: not the job's own figure", pending, v)
		}
	}
	if src := s.Source; src.Origin != "merge(flink,kafka)" {
		t.Errorf("backlog origin %q: want the merged view, flinkbacklog's figure first", src.Origin)
	}
	bp, _ := s.Backpressured.Get()
	if float64(max(lagBefore, lagAfter)) < low || (bp < 0.5 && float64(min(lagBefore, lagAfter)) > high) {
		t.Errorf("pendingRecords %.0f + in flight %.0f does not account for Kafka's lag %d..%d (allowed %.0f..%.0f)",
			pending, flight, lagBefore, lagAfter, low, high)
	}
}

// drained waits until the job has read and committed every record, then
// checks that the output topic holds each exactly once (read-committed).
func (r *rcRun) drained(ctx context.Context, t *testing.T) {
	t.Helper()
	realtest.Until(ctx, t, "the job's committed offsets at the input's end", 3*time.Minute, func() error {
		if lag := r.lag(t); lag != 0 {
			return fmt.Errorf("lag %d", lag)
		}
		return nil
	})
	var n int
	realtest.Until(ctx, t, "every record in the output topic", 3*time.Minute, func() error {
		var err error
		if n, err = realstack.CountTestRecords(ctx, r.k, rcOut); err != nil {
			return err
		}
		if n < r.produced {
			return fmt.Errorf("%d of %d records", n, r.produced)
		}
		return nil
	})
	if n != r.produced {
		t.Errorf("output holds %d records, %d were produced: exactly once broken", n, r.produced)
	}
	t.Logf("every one of %d records came out once", n)
}

// lag is the job's group lag on the input topic.
func (r *rcRun) lag(t *testing.T) int64 {
	t.Helper()
	n, _, err := r.kv.Lag(rcGroup, rcIn)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}

// rcSample is one poll during a rescale.
type rcSample struct {
	at     time.Time
	out    int64 // the output topic's end offsets, summed
	state  flinkapi.JobState
	target bool // the job and every task RUNNING, the cost vertex at the target
}

// rcResult is one in-place rescale's measured cost; durations are since
// the request, -1 when not seen.
type rcResult struct {
	from, to  int
	states    []string // the job states polled, in order, repeats folded
	graph     []string // the new execution graph's state timestamps
	tasks     time.Duration
	output    time.Duration // the first record out after every task runs
	recovered time.Duration // the trailing second's rate at 90% of the new steady rate
	before    float64       // records/s: the steady rate before
	steady    float64       // records/s: over the second half of the settling time
	first     float64       // records/s in the first second after the output resumed
	ckptID    int64         // the latest completed checkpoint at the request
	restored  int64         // the checkpoint restored
	stateSize int64         // the latest completed checkpoint's state size, bytes
	ckptAge   time.Duration // its age (since its trigger) at the request
	after     rcCheck       // the backlog check at the end of the change
}

// change rescales the cost vertex to p through flinkio.Rescale, measures
// it, checks the observation at p and returns it.
func (r *rcRun) change(ctx context.Context, t *testing.T, cur autoscale.Observation, to int) autoscale.Observation {
	t.Helper()
	res := rcResult{from: cur.Vertices[1].Parallelism, to: to}
	// Keep the job saturated throughout: after the restart it reads again
	// from the committed offsets, so Kafka's lag is what it has to do.
	need := float64(to) / rcCost.Seconds() * (rcSettle + 6*time.Second).Seconds()
	r.produce(ctx, t, int(need)-int(r.lag(t)))
	if n := len(r.changes); n > 0 {
		res.before = r.changes[n-1].steady
	} else {
		res.before = r.rate(ctx, t, 4*time.Second)
	}
	if st, err := r.c.Checkpoints(ctx, r.id); err == nil && st.Latest.Completed != nil {
		res.ckptID, res.stateSize = st.Latest.Completed.ID, st.Latest.Completed.StateSize
		res.ckptAge = time.Since(time.UnixMilli(int64(st.Latest.Completed.TriggerTimestamp)))
	}
	t0 := time.Now()
	dec := autoscale.Decision{Time: t0, Targets: map[string]int{string(r.src): 1, string(r.cost): to}}
	if err := (flinkio.Rescale{Client: r.c, Job: r.id}).Apply(ctx, dec, cur); err != nil {
		t.Fatal(err)
	}
	samples, d := r.watch(ctx, t, t0, to)
	res.analyse(t0, samples, d)
	if st, err := r.c.Checkpoints(ctx, r.id); err == nil && st.Latest.Restored != nil {
		res.restored = st.Latest.Restored.ID
	}
	obs := r.observeChecked(ctx, t, to)
	res.after = r.lastCheck
	if !obs.LastRestart.After(t0) {
		t.Errorf("%d->%d: the observation's LastRestart %v is not after the request at %v", res.from, to, obs.LastRestart, t0)
	}
	if res.tasks < 0 || res.output < 0 {
		t.Errorf("%d->%d: no output after the restart", res.from, to)
	}
	t.Logf("%d->%d at %.0f s: %s", res.from, to, time.Since(r.began).Seconds(), res)
	r.changes = append(r.changes, res)
	return obs
}

// rate measures the output's rate over d.
func (r *rcRun) rate(ctx context.Context, t *testing.T, d time.Duration) float64 {
	t.Helper()
	start, a := time.Now(), r.outEnd(t)
	select {
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	case <-time.After(d):
	}
	return float64(r.outEnd(t)-a) / time.Since(start).Seconds()
}

// outEnd is the output topic's end offsets, summed: records written, with
// those of aborted transactions and the transaction markers.
func (r *rcRun) outEnd(t *testing.T) int64 {
	t.Helper()
	ends, err := r.kv.Ends(rcOut)
	if err != nil {
		t.Fatal(err)
	}
	return sum(ends)
}

// watch polls the job and the output every rcPoll from t0 until every task
// has run at parallelism to for rcSettle (at most 2 minutes for them to).
func (r *rcRun) watch(ctx context.Context, t *testing.T, t0 time.Time, to int) ([]rcSample, flinkapi.JobDetails) {
	t.Helper()
	var samples []rcSample
	var d flinkapi.JobDetails
	var up time.Time
	tick := time.NewTicker(rcPoll)
	defer tick.Stop()
	for {
		s := rcSample{at: time.Now(), out: r.outEnd(t)}
		if cur, err := r.c.JobDetails(ctx, r.id); err == nil {
			d, s.state = cur, cur.State
			v, _ := d.Vertex(r.cost)
			s.target = realtest.Running(d, nil) == nil && v.Parallelism == to
		}
		samples = append(samples, s)
		switch {
		case s.target && up.IsZero():
			up = s.at
		case !up.IsZero() && s.at.Sub(up) >= rcSettle:
			return samples, d
		case up.IsZero() && s.at.Sub(t0) > 2*time.Minute:
			t.Fatalf("rescale to %d: not running at it after 2 min: %+v", to, d.Vertices)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-tick.C:
		}
	}
}

// analyse derives the result's figures from the samples and the job's
// details at the end.
func (res *rcResult) analyse(t0 time.Time, ss []rcSample, d flinkapi.JobDetails) {
	res.tasks, res.output, res.recovered = -1, -1, -1
	for _, s := range ss {
		if n := len(res.states); n == 0 || res.states[n-1] != string(s.state) {
			res.states = append(res.states, string(s.state))
		}
	}
	for _, st := range slices.Sorted(maps.Keys(d.Timestamps)) {
		if at := time.UnixMilli(int64(d.Timestamps[st])); d.Timestamps[st] > 0 && at.After(t0) {
			res.graph = append(res.graph, fmt.Sprintf("%s +%.2f s", st, at.Sub(t0).Seconds()))
		}
	}
	up := indexOf(ss, 0, func(s rcSample) bool { return s.target })
	if up < 1 {
		return
	}
	res.tasks = ss[up].at.Sub(t0)
	mid := indexOf(ss, up, func(s rcSample) bool { return s.at.Sub(ss[up].at) >= rcSettle/2 })
	if last := ss[len(ss)-1]; mid >= 0 && last.at.After(ss[mid].at) {
		res.steady = float64(last.out-ss[mid].out) / last.at.Sub(ss[mid].at).Seconds()
	}
	// No record comes out before every task runs: the first increase
	// from there (a poll sees the tasks running up to rcPoll late).
	out := indexOf(ss, up, func(s rcSample) bool { return s.out > ss[up-1].out })
	if out < 0 {
		return
	}
	res.output = ss[out].at.Sub(t0)
	res.first = trailing(ss, indexOf(ss, out, func(s rcSample) bool { return s.at.Sub(ss[out-1].at) >= time.Second }))
	for i := out; i < len(ss); i++ {
		if ss[i].at.Sub(ss[out-1].at) >= time.Second && trailing(ss, i) >= 0.9*res.steady {
			res.recovered = ss[i].at.Sub(t0)
			break
		}
	}
}

// indexOf is the first index from i whose sample satisfies f, or -1.
func indexOf(ss []rcSample, i int, f func(rcSample) bool) int {
	for ; i >= 0 && i < len(ss); i++ {
		if f(ss[i]) {
			return i
		}
	}
	return -1
}

// trailing is the output's rate over the second before sample i.
func trailing(ss []rcSample, i int) float64 {
	if i < 1 {
		return math.NaN()
	}
	j := i - 1
	for j > 0 && ss[i].at.Sub(ss[j].at) < time.Second {
		j--
	}
	return float64(ss[i].out-ss[j].out) / ss[i].at.Sub(ss[j].at).Seconds()
}

func (res rcResult) String() string {
	return fmt.Sprintf("states polled %v, new graph %v; every task RUNNING at %s; first output at %s; 90%% throughput at %s; "+
		"rate %.0f -> %.0f records/s (first second %.0f); checkpoint %d (%d bytes, triggered %s before) at the request, restored %d",
		res.states, res.graph, secs(res.tasks), secs(res.output), secs(res.recovered),
		res.before, res.steady, res.first, res.ckptID, res.stateSize, secs(res.ckptAge), res.restored)
}

// secs renders a duration in seconds to the 10 ms, "-" when not seen.
func secs(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// loadAverage is the machine's load average (1, 5, 15 min).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// median of xs (NaN for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(xs))
	return (s[(len(s)-1)/2] + s[len(s)/2]) / 2
}

// report renders the measurements as docs/rescale-cost.md.
func (r *rcRun) report() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# The cost of an in-place rescale, measured\n\n")
	w("Written by `TestRealRescaleCost` (`autoscale/flinkio/realstack_test.go`) on %s from one run; regenerate with\n\n", time.Now().UTC().Format("2006-01-02"))
	w("    REPORT=$PWD/docs/rescale-cost.md flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -timeout 15m -run TestRealRescaleCost -v ./autoscale/flinkio\n\n")
	w("## Setup\n\n")
	w("- Apache Flink %s as a standalone session started by `realstack`: one TaskManager with 8 slots, the adaptive scheduler "+
		"(`jobmanager.adaptive-scheduler.scaling-interval.min: 0 s`, `...executing.resource-stabilization-timeout: 1 s`), REST metrics "+
		"refreshed every 500 ms, and otherwise Flink's defaults: the HashMap state backend, checkpoints on the local disk, no local recovery, "+
		"32 KiB network buffers without buffer debloating. flink-connector-kafka %s; Apache Kafka %s, one KRaft node. All on 127.0.0.1.\n",
		r.f.Version(), r.f.ConnectorVersion(), r.k.Version())
	w("- The job: `realstack`'s test job with one pipeline, KafkaSource (%d partitions, parallelism 1) -> keyBy -> Cost (%v parked per "+
		"record, a per-key count in keyed state, every record its own key) -> exactly-once KafkaSink chained behind it; max parallelism %d; "+
		"aligned exactly-once checkpoints every %v.\n", rcParts, rcCost, rcParts, rcInterval)
	w("- Each change rescales the Cost vertex in place through `flinkio.Rescale` (`PUT /jobs/{id}/resource-requirements`); the source " +
		"stays at 1. Before each change the input is topped up so that the job stays saturated (a backlog of its new capacity for 6 s " +
		"more than the settling time): the output rate is its capacity.\n")
	w("- Polled every %v: the job details (flinkapi) and the output topic's end offsets (sarama, one ListOffsets request). A change "+
		"is followed for %v after every task runs at the new parallelism; the new steady rate is the output's over the last %v of that.\n",
		rcPoll, rcSettle, rcSettle/2)
	w("- Machine: %d cores shared with other work; load average (1, 5, 15 min) %s at the start, %s at the end. The test took %.0f s.\n\n",
		runtime.NumCPU(), r.load[0], r.load[len(r.load)-1], time.Since(r.began).Seconds())
	r.reportTable(w)
	r.reportCalibration(w)
	w("\n## The backlog the Observer saw, against Kafka\n\n")
	w("After the job started and after each change (a check of `flinkio`'s observation against Kafka's lag of the job's group, read with sarama):\n\n")
	for _, l := range r.backlogLog {
		w("- %s\n", l)
	}
	return b.String()
}

// reportTable writes the measurements, one row per change.
func (r *rcRun) reportTable(w func(string, ...any)) {
	w("## Results\n\n")
	w("| change | tasks | the new graph's states | every task RUNNING | first record out | 90%% of the new rate | rate before -> after | first second | latest checkpoint at the request | restored |\n")
	w("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.changes {
		w("| %d -> %d | %d -> %d | %s | %s | %s | %s | %.0f -> %.0f /s | %.0f%% | #%d, %.0f KB, %s old | #%d |\n",
			c.from, c.to, 1+c.from, 1+c.to, strings.Join(c.graph, ", "), secs(c.tasks), secs(c.output), secs(c.recovered),
			c.before, c.steady, 100*c.first/c.steady, c.ckptID, float64(c.stateSize)/1e3, secs(c.ckptAge), c.restored)
	}
	w("\nTimes are from the request (`PUT resource-requirements` sent). *The new graph's states*: the timestamps the job details " +
		"give after the restart (`timestamps`), those of the new execution graph; the job's own RESTARTING is not among them and is over " +
		"too fast for the poll to see it. *Every task RUNNING*: the first poll that saw the job and every task RUNNING at the new " +
		"parallelism (state restored). *First record out*: the first poll from there at which the output had grown. *90%% of the new " +
		"rate*: the first poll at least a second after the output resumed whose trailing second reached 90%% of the new steady rate " +
		"(so never below a second after the first record). *First second*: the output's rate in the first second after it resumed, " +
		"as a share of the new steady rate. *Latest checkpoint*: the latest completed checkpoint when the request was sent, its state " +
		"size and the time since it was triggered; the job restores it and reads again what the source had read since its barrier.\n")
}

// reportCalibration maps the figures onto autoscale/sim's restart knobs.
func (r *rcRun) reportCalibration(w func(string, ...any)) {
	var out, warm, first, ages, jitter []float64
	for _, c := range r.changes {
		out = append(out, c.output.Seconds())
		if c.recovered >= 0 {
			warm = append(warm, (c.recovered - c.output).Seconds())
		}
		first = append(first, c.first/c.steady)
		ages = append(ages, c.ckptAge.Seconds())
	}
	med := median(out)
	for _, o := range out {
		jitter = append(jitter, math.Abs(o-med)/med)
	}
	w("\n## For autoscale/sim's restart model\n\n")
	w("`sim.Config.InPlaceDowntime` plus `Restarts.PerChangedVertex` per changed vertex (jittered by `Restarts.Jitter`) is the time "+
		"the job processes nothing; here that is the request to the first record out: %.1f s median, %.1f-%.1f s over the %d changes "+
		"(one vertex changed each time; the adaptive scheduler cancels and redeploys every task of the job whatever changes, and "+
		"between 3 and 9 tasks the time did not grow with them either). Proposed: `InPlaceDowntime` %.0f s, `PerChangedVertex` negative "+
		"(none: not separable from the base here), `Jitter` %.2f (the largest deviation from the median, %.0f%%).\n\n",
		med, slices.Min(out), slices.Max(out), len(out), math.Max(1, math.Round(med)), math.Ceil(100*slices.Max(jitter))/100, 100*slices.Max(jitter))
	w("`Restarts.WarmUp` and `WarmUpFrom`: the output came back at %.0f%% (median) of the new steady rate in its first second and "+
		"reached 90%% %.1f s (median) after the first record, the shortest this measurement can show; this job's cost is a park, "+
		"so there is no JIT or cache warm-up to see, only the pipeline filling again. Proposed for a job like this one: `WarmUp` "+
		"about 1 s from `WarmUpFrom` %.1f; keep a longer warm-up only for CPU-bound operators, measured on such a job.\n\n",
		100*median(first), median(warm), math.Min(1, math.Round(10*median(first))/10))
	w("`Restarts.RestoreRate`: the state restored was %s; its restore is inside the %.1f s above and too small to separate, "+
		"so this run does not calibrate the rate (keep the default, or measure a job with hundreds of MB of state).\n\n",
		r.stateRange(), med)
	w("Replay: each restart restores the latest completed checkpoint and the source reads again what it had read since that "+
		"checkpoint's barrier. At the requests here the latest checkpoint had been triggered %.1f-%.1f s before (median %.1f s) "+
		"with a %v interval: under backpressure an aligned checkpoint's barrier waits behind the records in flight in the network "+
		"buffers, which with 32 KiB buffers and records of some 10 bytes are seconds to minutes of the bottleneck's work. The "+
		"simulator models this since: a checkpoint completes once its barrier has passed the records buffered ahead of it.\n",
		slices.Min(ages), slices.Max(ages), median(ages), rcInterval)
	w("\nWhat `autoscale/sim` took from this (see `realism.go`): nothing changed yet. These figures are the floor, a job of a few MB " +
		"of state whose cost is a park, on one local TaskManager; the simulator's defaults (30 s in place, 1 s per changed vertex, " +
		"a 30 s warm-up from half capacity) stand for production jobs on Kubernetes and stay, being no kinder than this floor. The " +
		"measurement does question the model's shape: the downtime did not depend on the vertices changed (the adaptive " +
		"scheduler redeploys every task; not modelled yet), and checkpoints under backpressure complete late, so a restart replays more than one interval " +
		"(modelled since: the simulator's checkpoints wait for their barrier).\n")
}

// stateRange is the range of checkpoint state sizes at the requests.
func (r *rcRun) stateRange() string {
	var sizes []float64
	for _, c := range r.changes {
		sizes = append(sizes, float64(c.stateSize)/1e3)
	}
	return fmt.Sprintf("%.0f-%.0f KB", slices.Min(sizes), slices.Max(sizes))
}
