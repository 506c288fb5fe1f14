//go:build realstack

package flinkbacklog_test

// The real tier: flinkbacklog on the real KafkaSource of the test job
// (Flink 1.20 with flink-connector-kafka, Kafka 4.4, started by realstack).
// It lists the metric names the source really publishes, checks the
// Source's figures against the job's own gauges and against Kafka's lag
// read independently with sarama, and measures what the job's read
// positions and its committed offsets say about time lag:
//
//	flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -timeout 15m -run TestRealFlinkBacklog -v ./backlog/flinkbacklog

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

const (
	fbParts    = 4
	fbBatches  = 8    // produced one a second before the job starts
	fbBatch    = 2500 // records per batch
	fbValue    = 200  // bytes per record, about
	fbCost     = 2 * time.Millisecond
	fbP        = 2 // every operator's parallelism: about 950 records/s
	fbInterval = 2 * time.Second
	fbGroup    = "testjob-0"
	// fbAhead bounds the records a source subtask's Kafka consumer has
	// returned beyond those it emitted: the batch being emitted, the split
	// fetcher's queue of 2 and the one it waits to enqueue, each at most
	// max.poll.records (500).
	fbAhead = 4 * 500 * fbP
)

// fbSample is one look at the job and Kafka while the source drains.
type fbSample struct {
	at                time.Time
	pendingA, pending float64 // the job's pendingRecords just before and after the Source's snapshot
	entry             backlog.Partition
	position          []int64 // next offset the source emits per partition (currentOffset + 1)
	gaugeCommitted    []int64 // the source's committedOffset gauges
	committed         []int64 // Kafka's committed offsets of the job's group
	emitLag, idleTime float64 // currentEmitEventTimeLag and sourceIdleTime, ms (MAX over subtasks); NaN when absent
	flight            int64   // records out of the source not yet into the cost vertex
}

// TestRealFlinkBacklog: the backlog a real KafkaSource reports, through
// flinkbacklog, against Kafka; and the names it really publishes.
func TestRealFlinkBacklog(t *testing.T) {
	began := time.Now()
	k := realstack.StartKafka(t, realstack.KafkaConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	job := realstack.TestJob{BootstrapServers: strings.Join(k.Addrs(), ","), Name: "fbl", Parallelism: fbP,
		CheckpointInterval: fbInterval, Pipelines: []realstack.TestPipeline{
			{In: "fbl-in-0", Out: "fbl-out-0", Cost: fbCost}, // with a backlog
			{In: "fbl-in-1", Out: "fbl-out-1", Cost: fbCost}, // never written: an idle source
		}}
	if err := realstack.CreateTestJobTopics(ctx, k, job, fbParts); err != nil {
		t.Fatal(err)
	}
	kv := realtest.NewOffsets(t, k)
	// The input is written while Flink starts, a batch a second, and the
	// end offsets after each batch are kept: the truth for time lag.
	var produced sync.WaitGroup
	var history []fbEnds
	var prodErr error
	produced.Go(func() { history, prodErr = produceBatches(ctx, k, kv, "fbl-in-0") })
	f := realstack.StartFlink(t, realstack.FlinkConfig{Version: "1.20", TaskManagers: 1, Slots: fbP, MetricsFetchInterval: 500 * time.Millisecond})
	produced.Wait()
	if prodErr != nil {
		t.Fatal(prodErr)
	}
	c, err := flinkapi.New(flinkapi.Config{BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := f.Submit(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	id := flinkapi.JobID(s)
	d := realtest.WaitRunning(ctx, t, c, id, nil)
	rj := &fbRun{c: c, kv: kv, id: id, history: history}
	rj.vertices(t, d)
	src, err := flinkbacklog.New(flinkbacklog.Config{Client: c, Job: id})
	if err != nil {
		t.Fatal(err)
	}
	rj.src = src
	names := rj.names(ctx, t)
	samples := rj.drain(ctx, t, names)
	rj.checkSamples(t, samples)
	rj.caughtUp(ctx, t, names)
	rj.idle(ctx, t)
	t.Logf("took %.0f s in all", time.Since(began).Seconds())
}

// fbRun is the scenario's state.
type fbRun struct {
	c          *flinkapi.Client
	kv         *realtest.Offsets
	id         flinkapi.JobID
	src        *flinkbacklog.Source
	history    []fbEnds // the input's end offsets after each batch
	src0, src1 flinkapi.VertexID
	cost0      flinkapi.VertexID
	name0      string // source 0's vertex name
}

// fbEnds are a topic's end offsets at a time.
type fbEnds struct {
	at   time.Time
	ends []int64
}

// produceBatches writes fbBatches batches of fbBatch records to topic, one
// a second, and returns the end offsets after each.
func produceBatches(ctx context.Context, k *realstack.Kafka, kv *realtest.Offsets, topic string) ([]fbEnds, error) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var out []fbEnds
	for i := range fbBatches {
		prefix := fmt.Sprintf("b%d-%s", i, strings.Repeat("v", fbValue-10))
		if err := realstack.ProduceTestRecords(ctx, k, topic, prefix, fbBatch); err != nil {
			return nil, err
		}
		ends, err := kv.Ends(topic)
		if err != nil {
			return nil, err
		}
		out = append(out, fbEnds{at: time.Now(), ends: ends})
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
	return out, nil
}

// vertices finds the job's vertices by name.
func (r *fbRun) vertices(t *testing.T, d flinkapi.JobDetails) {
	t.Helper()
	for _, v := range d.Vertices {
		switch {
		case v.Name == "Source: in-0":
			r.src0, r.name0 = v.ID, v.Name
		case v.Name == "Source: in-1":
			r.src1 = v.ID
		case strings.HasPrefix(v.Name, "Cost 0"):
			r.cost0 = v.ID
		}
	}
	if r.src0 == "" || r.src1 == "" || r.cost0 == "" {
		t.Fatalf("vertices %+v: want Source: in-0, Source: in-1, Cost 0", d.Vertices)
	}
}

// fbNames are source 0's metric names that matter here.
type fbNames struct {
	pending, emitLag, idle string
	current, comm          []string // per partition
	all                    []string
}

// names waits until source 0 lists pendingRecords (registered once its
// consumer has fetched), logs what it publishes, and checks the names
// flinkbacklog and flinkapi rely on.
func (r *fbRun) names(ctx context.Context, t *testing.T) fbNames {
	t.Helper()
	scope := flinkapi.OperatorScope(r.name0)
	n := fbNames{pending: flinkapi.OperatorMetric(scope, flinkapi.MetricPendingRecords),
		emitLag: flinkapi.OperatorMetric(scope, "currentEmitEventTimeLag"), idle: flinkapi.OperatorMetric(scope, "sourceIdleTime")}
	realtest.Until(ctx, t, "source 0 listing "+n.pending, 3*time.Minute, func() error {
		var err error
		if n.all, err = r.c.VertexMetricNames(ctx, r.id, r.src0); err != nil {
			return err
		}
		if !slices.Contains(n.all, n.pending) {
			return fmt.Errorf("%d names, no %s", len(n.all), n.pending)
		}
		return nil
	})
	logNames(t, scope, n.all)
	for _, name := range n.all {
		switch g, _ := flinkapi.ParseBacklogMetric(name); {
		case g == flinkapi.PendingRecords && name != n.pending:
			t.Errorf("another pendingRecords: %s", name)
		case g != flinkapi.NotBacklog && g != flinkapi.PendingRecords:
			t.Errorf("a Beam backlog gauge on a KafkaSource: %s", name)
		}
	}
	topic := flinkapi.FilterMetricName("fbl-in-0")
	for p := range int32(fbParts) {
		for _, m := range []string{flinkapi.MetricKafkaCurrentOffset, flinkapi.MetricKafkaCommittedOffset} {
			name := flinkapi.KafkaPartitionMetric(scope, topic, p, m)
			kp, ok := flinkapi.ParseKafkaPartitionMetric(name)
			if !slices.Contains(n.all, name) || !ok || kp.Partition != p || kp.Topic != topic {
				t.Errorf("%s: listed %v, parsed %+v %v", name, slices.Contains(n.all, name), kp, ok)
			}
		}
		n.current = append(n.current, flinkapi.KafkaPartitionMetric(scope, topic, p, flinkapi.MetricKafkaCurrentOffset))
		n.comm = append(n.comm, flinkapi.KafkaPartitionMetric(scope, topic, p, flinkapi.MetricKafkaCommittedOffset))
	}
	if in := flinkapi.OperatorMetric(scope, flinkapi.MetricNumRecordsIn); !slices.Contains(n.all, in) {
		t.Errorf("%s not listed: flinkio reads a source's records in from it", in)
	}
	return n
}

// logNames logs a source vertex's metric names: the task's own, the
// source operator's (the Kafka consumer's own metrics counted, with a few
// shown) and the per-partition gauges.
func logNames(t *testing.T, scope string, names []string) {
	t.Helper()
	var task, op, part, consumer []string
	for _, n := range names {
		rest, scoped := strings.CutPrefix(n, scope+".")
		switch {
		case !scoped:
			task = append(task, n)
		case strings.HasPrefix(rest, "KafkaSourceReader.KafkaConsumer."):
			consumer = append(consumer, strings.TrimPrefix(rest, "KafkaSourceReader.KafkaConsumer."))
		case strings.HasPrefix(rest, "KafkaSourceReader."):
			part = append(part, rest)
		default:
			op = append(op, rest)
		}
	}
	for _, l := range [][]string{task, op, part, consumer} {
		slices.Sort(l)
	}
	t.Logf("source vertex: %d metric names", len(names))
	t.Logf("task scope (%d): %s", len(task), strings.Join(task, " "))
	t.Logf("operator scope %s. (%d): %s", scope, len(op), strings.Join(op, " "))
	t.Logf("%s.KafkaSourceReader. (%d): %s", scope, len(part), strings.Join(part, " "))
	t.Logf("%s.KafkaSourceReader.KafkaConsumer. (%d), e.g.: %s", scope, len(consumer), strings.Join(consumer[:min(len(consumer), 12)], " "))
}

// fbRead is one aggregated read of source 0's gauges.
type fbRead struct {
	pending           float64 // pendingRecords, summed over subtasks
	pos, comm         []int64 // per partition: currentOffset + 1, committedOffset
	emitLag, idleTime float64 // MAX over subtasks, NaN when not listed
}

// read reads source 0's gauges in one aggregated call. currentOffset is
// the offset of the last record emitted (-1 before the first), so the
// next to emit is one more; the one subtask reading a partition has its
// gauges, so their SUM is its value.
func (r *fbRun) read(ctx context.Context, n fbNames) (fbRead, error) {
	names := slices.Concat([]string{n.pending}, n.current, n.comm)
	for _, o := range []string{n.emitLag, n.idle} {
		if slices.Contains(n.all, o) {
			names = append(names, o)
		}
	}
	res, err := r.c.VertexMetrics(ctx, r.id, r.src0, flinkapi.MetricsQuery{Names: names, Aggregations: []flinkapi.Aggregation{flinkapi.AggSum, flinkapi.AggMax}})
	if err != nil {
		return fbRead{}, err
	}
	get := func(name string, a flinkapi.Aggregation) (float64, error) {
		m, ok := res.Metrics[name]
		v, okV := m.Value(a)
		if !ok || !okV {
			return math.NaN(), fmt.Errorf("%s not reported (missing %v)", name, res.Missing)
		}
		return v, nil
	}
	var out fbRead
	if out.pending, err = get(n.pending, flinkapi.AggSum); err != nil {
		return out, err
	}
	for p := range fbParts {
		cur, err := get(n.current[p], flinkapi.AggSum)
		if err != nil {
			return out, err
		}
		c, err := get(n.comm[p], flinkapi.AggSum)
		if err != nil {
			return out, err
		}
		out.pos, out.comm = append(out.pos, int64(cur)+1), append(out.comm, int64(c))
	}
	out.emitLag, _ = get(n.emitLag, flinkapi.AggMax)
	out.idleTime, _ = get(n.idle, flinkapi.AggMax)
	return out, nil
}

// sample reads the job's gauges, the Source's snapshot, the gauges again,
// Kafka's committed offsets and the records in flight.
func (r *fbRun) sample(ctx context.Context, n fbNames) (fbSample, error) {
	var s fbSample
	a, err := r.read(ctx, n)
	if err != nil {
		return s, err
	}
	s.at = time.Now()
	s.pendingA, s.position, s.gaugeCommitted, s.emitLag, s.idleTime = a.pending, a.pos, a.comm, a.emitLag, a.idleTime
	snap, err := r.src.Backlog(ctx)
	if err != nil {
		return s, err
	}
	for _, p := range snap.Partitions {
		if p.Key.Vertex == string(r.src0) {
			s.entry = p
		}
	}
	c, err := r.read(ctx, n)
	if err != nil {
		return s, err
	}
	s.pending = c.pending
	if s.committed, err = r.kv.Committed(fbGroup, "fbl-in-0"); err != nil {
		return s, err
	}
	d, err := r.c.JobDetails(ctx, r.id)
	if err != nil {
		return s, err
	}
	sv, _ := d.Vertex(r.src0)
	cv, _ := d.Vertex(r.cost0)
	s.flight = sv.Metrics.WriteRecords - cv.Metrics.ReadRecords
	return s, nil
}

// drain samples every 700 ms until the source has read every record.
func (r *fbRun) drain(ctx context.Context, t *testing.T, n fbNames) []fbSample {
	t.Helper()
	end := r.history[len(r.history)-1].ends
	var out []fbSample
	realtest.Until(ctx, t, "source 0 at the input's end", 3*time.Minute, func() error {
		s, err := r.sample(ctx, n)
		if err != nil {
			return err
		}
		out = append(out, s)
		if left := lagOf(end, s.position); s.pendingA > 0 || left > 0 {
			return fmt.Errorf("pendingRecords %.0f, %d records after the position", s.pendingA, left)
		}
		return nil
	})
	return out
}

// lagOf is end minus pos, summed over partitions.
func lagOf(end, pos []int64) int64 {
	var n int64
	for p := range end {
		n += end[p] - pos[p]
	}
	return n
}

// checkSamples checks each sample taken while the source drained, and
// logs them with what they say about time lag.
//
// pendingRecords is the Kafka consumer's records-lag (its partition's
// high watermark at the last fetch less its position after the last poll)
// summed over the partitions a poll has returned records for since the
// reader started: a partition not polled yet counts nothing. So it is
// never above the backlog at the emitted position, and, once every
// partition has emitted a record (all are tracked), below it by at most
// what the consumer returned and the source has not emitted yet (fbAhead).
func (r *fbRun) checkSamples(t *testing.T, ss []fbSample) {
	t.Helper()
	end := r.history[len(r.history)-1].ends
	tracker := r.tracker(t)
	rate := float64(fbP) / fbCost.Seconds()
	tracked, partial, worst := 0, 0, 1.0
	t.Logf("%6s %7s %7s %6s %9s %6s %6s | time lag (s): %5s %8s %9s %10s", "t (s)", "pending", "at pos", "ahead", "committed", "flight", "polled", "emit", "true pos", "true comm", "tracker co")
	for _, s := range ss {
		atPos, atComm := lagOf(end, s.position), lagOf(end, s.committed)
		r.checkEntry(t, s)
		all := emitted(s.position) == fbParts
		switch ahead := float64(atPos) - s.pendingA; {
		case ahead < -50:
			t.Errorf("pendingRecords %.0f above the %d records after the emitted position", s.pendingA, atPos)
		case all && ahead > fbAhead:
			t.Errorf("pendingRecords %.0f, %d records after the emitted position with every partition polled: %.0f apart, want at most %d", s.pendingA, atPos, ahead, fbAhead)
		case all && s.pendingA > 0:
			tracked++
		case !all && atPos > 0:
			partial++
			worst = min(worst, s.pendingA/float64(atPos))
		}
		// The job commits what it read, the commits reach Kafka first.
		for p := range fbParts {
			if g, k := max(s.gaugeCommitted[p], 0), s.committed[p]; float64(g-k) > rate || k > s.position[p]+int64(rate) {
				t.Errorf("partition %d: committedOffset gauge %d, Kafka's committed offset %d, position %d", p, s.gaugeCommitted[p], k, s.position[p])
			}
		}
		t.Logf("%6.1f %7.0f %7d %6.0f %9d %6d %6d | %18.1f %8.1f %9.1f %10s", s.at.Sub(r.history[0].at).Seconds(), s.pendingA, atPos,
			float64(atPos)-s.pendingA, atComm, s.flight, emitted(s.position), s.emitLag/1000,
			r.ageAt(s.at, s.position).Seconds(), r.ageAt(s.at, s.committed).Seconds(), tracker(s.at, end, s.committed))
	}
	t.Logf("%d samples with every partition polled and a backlog; %d with some partition not polled yet, where pendingRecords held as little as %.0f%% of the records after the emitted position",
		tracked, partial, 100*worst)
	if tracked < 3 {
		t.Errorf("only %d of %d samples saw a backlog with every partition polled: nothing was checked", tracked, len(ss))
	}
}

// emitted counts the partitions the source has emitted a record of.
func emitted(pos []int64) int {
	n := 0
	for _, p := range pos {
		if p > 0 {
			n++
		}
	}
	return n
}

// checkEntry checks the Source's entry for source 0 against the job's
// pendingRecords read just before and after the snapshot.
func (r *fbRun) checkEntry(t *testing.T, s fbSample) {
	t.Helper()
	rec, ok := s.entry.Records.Value()
	switch {
	case s.entry.Key != backlog.VertexSplit(string(r.src0), "") || s.entry.Source != flinkbacklog.SourceName:
		t.Errorf("entry %+v: want source 0's vertex entry from %q", s.entry.Key, flinkbacklog.SourceName)
	case !ok || float64(rec) > max(s.pendingA, s.pending) || float64(rec) < min(s.pendingA, s.pending):
		t.Errorf("flinkbacklog's records %v: the job's pendingRecords read around it were %.0f and %.0f", s.entry.Records, s.pendingA, s.pending)
	case s.entry.Bytes.Reason() != backlog.MetricMissing || s.entry.TimeLag.Reason() != backlog.MetricMissing:
		t.Errorf("bytes %v, time lag %v: want both unknown, %s", s.entry.Bytes, s.entry.TimeLag, backlog.MetricMissing)
	}
}

// tracker returns what a backlog.Tracker (kafkalag's time lag) makes of
// offsets, fed the input's end offsets after each batch.
func (r *fbRun) tracker(t *testing.T) func(now time.Time, end, committed []int64) string {
	t.Helper()
	tr, err := backlog.NewTracker(backlog.TrackerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range r.history {
		for p, e := range h.ends {
			tr.ObserveEnd(h.at, backlog.TopicPartition("fbl-in-0", int32(p)), e)
		}
	}
	return func(now time.Time, end, committed []int64) string {
		var lag time.Duration
		for p := range end {
			est := tr.Estimate(now, backlog.TopicPartition("fbl-in-0", int32(p)),
				backlog.Offsets{End: backlog.Known(end[p]), Committed: backlog.Known(committed[p])}, backlog.ResetEarliest)
			v, ok := est.TimeLag.Value()
			if !ok {
				return string(est.TimeLag.Reason())
			}
			lag = max(lag, v)
		}
		return fmt.Sprintf("%.1f", lag.Seconds())
	}
}

// ageAt is the true time lag at positions pos: the age at now of the
// oldest record not yet read, over partitions (0 when every one is read),
// from the time its batch was acknowledged.
func (r *fbRun) ageAt(now time.Time, pos []int64) time.Duration {
	var lag time.Duration
	for p, o := range pos {
		for _, h := range r.history {
			if o < h.ends[p] {
				lag = max(lag, now.Sub(h.at))
				break
			}
		}
	}
	return lag
}

// caughtUp checks the figures once the source has read everything and a
// checkpoint has committed it: 0 records, known.
func (r *fbRun) caughtUp(ctx context.Context, t *testing.T, n fbNames) {
	t.Helper()
	end := r.history[len(r.history)-1].ends
	realtest.Until(ctx, t, "the job's offsets committed at the input's end", 3*time.Minute, func() error {
		comm, err := r.kv.Committed(fbGroup, "fbl-in-0")
		if err != nil {
			return err
		}
		if left := lagOf(end, comm); left != 0 {
			return fmt.Errorf("%d records after the committed offsets", left)
		}
		return nil
	})
	for range 2 {
		s, err := r.sample(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		rec, ok := s.entry.Records.Value()
		if !ok || rec != 0 || s.pendingA != 0 || lagOf(end, s.position) != 0 {
			t.Errorf("caught up: flinkbacklog %v, pendingRecords %.0f, %d after the position; want 0 known", s.entry.Records, s.pendingA, lagOf(end, s.position))
		}
		t.Logf("caught up: flinkbacklog %v records; committedOffset gauges %v; currentEmitEventTimeLag %.1f s, sourceIdleTime %.1f s",
			s.entry.Records, s.gaugeCommitted, s.emitLag/1000, s.idleTime/1000)
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(1500 * time.Millisecond): // a second reading, further from the last record
		}
	}
}

// idle checks the source that never read a record.
func (r *fbRun) idle(ctx context.Context, t *testing.T) {
	t.Helper()
	names, err := r.c.VertexMetricNames(ctx, r.id, r.src1)
	if err != nil {
		t.Fatal(err)
	}
	listed := slices.Contains(names, flinkapi.OperatorMetric("Source__in-1", flinkapi.MetricPendingRecords))
	snap, err := r.src.Backlog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(snap.Partitions, func(p backlog.Partition) bool { return p.Key.Vertex == string(r.src1) })
	if i < 0 {
		t.Fatalf("no entry for the idle source in %+v", snap.Partitions)
	}
	e := snap.Partitions[i]
	var parts int
	for _, n := range names {
		if kp, ok := flinkapi.ParseKafkaPartitionMetric(n); ok && kp.Metric == flinkapi.MetricKafkaCurrentOffset {
			parts++
		}
	}
	t.Logf("idle source (never read a record): pendingRecords listed %v, %d currentOffset gauges, flinkbacklog %v", listed, parts, e.Records)
	switch v, ok := e.Records.Value(); {
	case listed && (!ok || v != 0):
		t.Errorf("idle source lists pendingRecords, flinkbacklog says %v: want 0", e.Records)
	case !listed && e.Records.Reason() != backlog.MetricMissing:
		t.Errorf("idle source lists no pendingRecords, flinkbacklog says %v: want unknown, %s", e.Records, backlog.MetricMissing)
	}
}
