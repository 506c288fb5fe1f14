//go:build realstack

package flinkbacklog_test

// The real tier on the seed's own stack: a Beam KafkaIO pipeline
// (realstack.BeamJob: Beam 2.70.0's classic FlinkRunner on Flink 1.19.3,
// Kafka 4.4) drains a backlog while this test reads what reaches Flink's
// REST API: the metric names and scopes of Beam's backlog gauges, their
// values against Kafka's, the source's busy time and record counters, and
// what flinkbacklog and autoscale/flinkio make of them.
//
//	flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -timeout 15m -run TestRealBeamSource -v ./backlog/flinkbacklog

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

const (
	bsHot     = "beam-hot"
	bsParts   = 4
	bsRecords = 20000
	bsWarm    = 1000
	bsBlind   = 3 * time.Second // see bsCheck
	bsLoose   = 1000            // records: a second's reading at about 940 records/s
	bsCost    = time.Millisecond
	bsGroup   = "beamjob"
)

// bsSample is one look at the Beam job and Kafka.
type bsSample struct {
	at                 time.Time
	truth              int64   // Kafka's end offsets less the records the source emitted, after the snapshot
	truthBefore        int64   // the same, read before it
	committed          int64   // Kafka's end offsets less the group's committed offsets
	elements, bytes    float64 // the split gauges (NaN: not listed)
	pendingBytes       float64 // the source operator's pendingBytes (NaN: not listed)
	busy, backpressure float64 // the source vertex's, ms/s (MAX)
	entry              backlog.Partition
	obs                autoscale.Vertex // the source vertex as flinkio observed it
	decision           string
}

func TestRealBeamSource(t *testing.T) {
	began := time.Now()
	k := realstack.StartKafka(t, realstack.KafkaConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	topics := []string{bsHot, "beam-idle-0", "beam-idle-1"}
	if err := realstack.CreateTopics(ctx, k, bsParts, append(topics, "beam-out")...); err != nil {
		t.Fatal(err)
	}
	kv := realtest.NewOffsets(t, k)
	f := realstack.StartFlink(t, realstack.FlinkConfig{Version: "1.19", TaskManagers: 1, Slots: 2, MetricsFetchInterval: 500 * time.Millisecond})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := f.SubmitBeam(ctx, realstack.BeamJob{BootstrapServers: strings.Join(k.Addrs(), ","), Topics: topics, Out: "beam-out",
		Group: bsGroup, Cost: bsCost, CheckpointInterval: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	id := flinkapi.JobID(s)
	d := realtest.WaitRunning(ctx, t, c, id, nil)
	var srcV flinkapi.VertexID
	var srcName string
	for _, v := range d.Vertices {
		t.Logf("vertex %s %q parallelism %d", v.ID, v.Name, v.Parallelism)
		if strings.HasPrefix(v.Name, "Source: ReadKafka") {
			srcV, srcName = v.ID, v.Name
		}
	}
	if srcV == "" {
		t.Fatal("no vertex named Source: ReadKafka...")
	}
	shared, err := flinkio.NewShared(flinkio.SharedConfig{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	src, err := flinkbacklog.New(flinkbacklog.Config{Client: shared, Job: id})
	if err != nil {
		t.Fatal(err)
	}
	rec := &bsRecorder{Source: src}
	obs, err := flinkio.NewObserver(flinkio.ObserverConfig{Client: shared, Job: id, Backlog: rec})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := autoscale.NewDefault(autoscale.DefaultConfig{})
	if err != nil {
		t.Fatal(err)
	}

	// A first batch registers Beam's gauges (they are listed once a
	// checkpoint has set them); the backlog measured is the burst after it.
	if err := realstack.ProduceTestRecords(ctx, k, bsHot, "warm", bsWarm); err != nil {
		t.Fatal(err)
	}
	names := bsNames(ctx, t, c, id, srcV, srcName)
	var warm bsSample
	realtest.Until(ctx, t, "the first batch read and committed", 3*time.Minute, func() error {
		var err error
		if warm, err = bsTake(ctx, c, kv, id, srcV, names, obs, rec, pol); err != nil {
			return err
		}
		if warm.truth > 0 || warm.committed > 0 {
			return fmt.Errorf("%d records not emitted, %d not committed", warm.truth, warm.committed)
		}
		return nil
	})
	t.Logf("after the first batch: split gauges %.0f records, %.0f bytes; pendingBytes %.0f", warm.elements, warm.bytes, warm.pendingBytes)
	if err := realstack.ProduceTestRecords(ctx, k, bsHot, "r", bsRecords); err != nil {
		t.Fatal(err)
	}
	burst := time.Now()
	var samples []bsSample
	caughtUpAt := time.Time{}
	realtest.Until(ctx, t, "the source caught up and 10 s more", 5*time.Minute, func() error {
		smp, err := bsTake(ctx, c, kv, id, srcV, names, obs, rec, pol)
		if err != nil {
			return err
		}
		samples = append(samples, smp)
		if smp.truth > 0 || smp.committed > 0 {
			caughtUpAt = time.Time{}
			return fmt.Errorf("%d records not emitted, %d not committed", smp.truth, smp.committed)
		}
		if caughtUpAt.IsZero() {
			caughtUpAt = smp.at
		}
		if smp.at.Sub(caughtUpAt) < 10*time.Second {
			return fmt.Errorf("caught up %v ago", smp.at.Sub(caughtUpAt).Round(time.Second))
		}
		return nil
	})
	t.Logf("%6s %6s %6s | %8s %8s %8s | %12s | %5s %5s | %s", "t (s)", "truth", "comm", "elements", "bytes", "pendBy", "flinkbacklog", "busy", "bp", "flinkio source: busy / records in / backlog; Default")
	for _, smp := range samples {
		t.Logf("%6.1f %6d %6d | %8.0f %8.0f %8.0f | %12s | %5.0f %5.0f | %v / %v / %v; %s", smp.at.Sub(samples[0].at).Seconds(), smp.truth, smp.committed,
			smp.elements, smp.bytes, smp.pendingBytes, smp.entry.Records, smp.busy, smp.backpressure,
			smp.obs.Busy, smp.obs.RecordsIn, smp.obs.Source.Backlog, smp.decision)
	}
	bsCheck(t, samples, burst)
	t.Logf("took %.0f s in all", time.Since(began).Seconds())
}

// bsCheck checks the samples: while the source drains, flinkbacklog's
// records (the split gauges brought up to date by pendingBytes) are
// Kafka's lag at the emitted position, within what the source reads
// between the reads of one sample; once caught up they are 0 while the
// split gauge keeps its last value; flinkio sees the source's busy time
// and records in, and its backlog from flinkbacklog's entry.
func bsCheck(t *testing.T, samples []bsSample, burst time.Time) {
	t.Helper()
	// Beam's reader learns the partitions' end offsets every second or so
	// (its offset fetcher), and until then pendingBytes and every figure
	// from it miss the burst just written: the first seconds after it are
	// measured, not checked.
	seen := time.Duration(-1)
	var draining, gaugeOff, fbOff, caught int
	var worstFB, worstGauge float64
	busyIdle := [2]float64{math.Inf(1), math.Inf(-1)}
	for i, smp := range samples {
		rec, known := smp.entry.Records.Value()
		fio, fioKnown := smp.obs.Source.Backlog.Get()
		if fioKnown != known || (known && int64(fio) != rec) {
			t.Errorf("sample %d: flinkio's source backlog %v, from flinkbacklog's entry %v", i, smp.obs.Source.Backlog, smp.entry.Records)
		}
		if _, ok := smp.obs.Busy.Get(); !ok {
			t.Errorf("sample %d: flinkio has no busy time for the Beam source: %v", i, smp.obs.Busy)
		}
		if in, ok := smp.obs.RecordsIn.Get(); !ok || in < bsWarm {
			t.Errorf("sample %d: flinkio's records in of the source %v, want at least the first batch's %d", i, smp.obs.RecordsIn, bsWarm)
		}
		if seen < 0 && known && rec > 0 {
			seen = smp.at.Sub(burst)
		}
		switch {
		case smp.at.Sub(burst) < bsBlind:
		case smp.truth >= 1000 && known && !math.IsNaN(smp.elements) && smp.elements >= 0:
			draining++
			// The counters may move between the reads: the truth is
			// bracketed by the reads before and after the snapshot.
			// The counters themselves step once a metrics fetch: a sample
			// may see them a fetch apart (0.5 s, seen once in some runs),
			// so every sample is held to a second's reading (bsLoose) and
			// all but a tenth to the tight tolerance.
			lo, hi := min(smp.truthBefore, smp.truth), max(smp.truthBefore, smp.truth)
			tol := 200 + 0.03*float64(hi)
			errFB := max(float64(lo-rec), float64(rec-hi), 0)
			if !known || errFB > tol+bsLoose {
				t.Errorf("sample %d: flinkbacklog %v records, Kafka's lag at the emitted position %d-%d (tolerance %.0f)", i, smp.entry.Records, lo, hi, tol+bsLoose)
			}
			if errFB > tol {
				fbOff++
			}
			worstFB = max(worstFB, errFB)

			errGauge := max(float64(lo)-smp.elements, smp.elements-float64(hi), 0)
			worstGauge = max(worstGauge, errGauge)
			if errGauge > tol {
				gaugeOff++
			}
		case smp.truth == 0 && smp.committed == 0:
			caught++
			if !known || rec != 0 || !fioKnown || fio != 0 {
				t.Errorf("sample %d, caught up: flinkbacklog %v records, flinkio %v; want 0 (split gauge %.0f, pendingBytes %.0f)", i, smp.entry.Records, smp.obs.Source.Backlog, smp.elements, smp.pendingBytes)
			}
			busyIdle[0], busyIdle[1] = min(busyIdle[0], smp.busy), max(busyIdle[1], smp.busy)
		}
	}
	last := samples[len(samples)-1]
	t.Logf("MEASURE beam source: the burst first seen by flinkbacklog %v after it was written", seen.Round(10*time.Millisecond))
	t.Logf("MEASURE beam source: %d samples while draining: flinkbacklog within %.0f records of Kafka's lag (%d samples off by more than the tolerance), the split gauge alone within %.0f (%d samples); %d samples caught up: flinkbacklog 0, the split gauge %.0f records and %.0f bytes, pendingBytes %.0f; the source's busy time while caught up %.0f-%.0f ms/s",
		draining, worstFB, fbOff, worstGauge, gaugeOff, caught, last.elements, last.bytes, last.pendingBytes, busyIdle[0], busyIdle[1])
	if fbOff > draining/10 || fbOff >= max(gaugeOff, 1) {
		t.Errorf("flinkbacklog off by more than the tolerance in %d of %d samples while draining (the split gauge alone in %d)", fbOff, draining, gaugeOff)
	}
	if draining < 5 || caught < 5 {
		t.Errorf("%d samples while draining, %d caught up: too few to check", draining, caught)
	}
}

// bsRecorder keeps the last snapshot of the flinkbacklog Source the
// Observer reads, so that a sample holds the entry behind the observation.
type bsRecorder struct {
	*flinkbacklog.Source
	last backlog.Snapshot
}

func (r *bsRecorder) Backlog(ctx context.Context) (backlog.Snapshot, error) {
	s, err := r.Source.Backlog(ctx)
	r.last = s
	return s, err
}

// bsNameSet are the source vertex's metric names read here.
type bsNameSet struct {
	elements, bytes, pendingBytes string
	all                           []string
}

// bsNames waits until the source lists its split gauges, logs every
// operator-scoped name of the source operator, and returns those read.
func bsNames(ctx context.Context, t *testing.T, c *flinkapi.Client, id flinkapi.JobID, v flinkapi.VertexID, vertexName string) bsNameSet {
	t.Helper()
	scope := flinkapi.OperatorScope(vertexName)
	n := bsNameSet{elements: flinkapi.OperatorMetric(scope, flinkapi.BeamSplitMetric("0", flinkapi.BeamBacklogElements)),
		bytes:        flinkapi.OperatorMetric(scope, flinkapi.BeamSplitMetric("0", flinkapi.BeamBacklogBytes)),
		pendingBytes: flinkapi.OperatorMetric(scope, "pendingBytes")}
	realtest.Until(ctx, t, "the source listing "+n.elements, 3*time.Minute, func() error {
		var err error
		if n.all, err = c.VertexMetricNames(ctx, id, v); err != nil {
			return err
		}
		if !slices.Contains(n.all, n.elements) {
			return fmt.Errorf("%d names, no %s", len(n.all), n.elements)
		}
		return nil
	})
	var op []string
	for _, name := range n.all {
		if rest, ok := strings.CutPrefix(name, scope+"."); ok {
			op = append(op, rest)
		}
	}
	slices.Sort(op)
	t.Logf("source operator scope %q (%d names of %d): %s", scope, len(op), len(n.all), strings.Join(op, " "))
	for _, want := range []string{n.bytes, n.pendingBytes} {
		if !slices.Contains(n.all, want) {
			t.Errorf("%s not listed", want)
		}
	}
	for _, name := range n.all {
		g, split := flinkapi.ParseBacklogMetric(name)
		switch {
		case g == flinkapi.PendingRecords || g == flinkapi.BeamElements || g == flinkapi.BeamBytes:
			t.Errorf("%s listed: Beam's classic runner was seen to list no pendingRecords and no vertex totals", name)
		case (g == flinkapi.BeamSplitElements || g == flinkapi.BeamSplitBytes) && split != "0":
			t.Errorf("%s: split %q, want the only reader's index 0", name, split)
		case strings.Contains(name, "source.splits") || strings.Contains(name, "source.backlog"):
			t.Errorf("%s: a Beam gauge listed with dots in its name", name)
		}
	}
	return n
}

// bsTake takes one sample.
func bsTake(ctx context.Context, c *flinkapi.Client, kv *realtest.Offsets, id flinkapi.JobID, v flinkapi.VertexID, n bsNameSet,
	obs *flinkio.Observer, rec *bsRecorder, pol autoscale.Policy) (bsSample, error) {
	smp := bsSample{at: time.Now()}
	var err error
	if smp.truthBefore, _, err = bsTruth(ctx, c, kv, id, v); err != nil {
		return smp, err
	}
	o, err := obs.Observe(ctx)
	if err != nil {
		return smp, err
	}
	for _, ov := range o.Vertices {
		if ov.ID == string(v) {
			smp.obs = ov
		}
	}
	if smp.obs.Source == nil {
		return smp, fmt.Errorf("flinkio observed no source vertex %s", v)
	}
	dec, err := pol.Decide(o.Time, o)
	if err != nil {
		return smp, err
	}
	smp.decision = fmt.Sprintf("%s %v", dec.Summary, dec.Targets)
	for _, p := range rec.last.Partitions {
		if p.Key.Vertex == string(v) {
			smp.entry = p
		}
	}
	want := []string{n.elements, n.bytes, flinkapi.MetricBusyTime, flinkapi.MetricBackPressuredTime}
	if slices.Contains(n.all, n.pendingBytes) {
		want = append(want, n.pendingBytes)
	}
	res, err := c.VertexMetrics(ctx, id, v, flinkapi.MetricsQuery{Names: want, Aggregations: []flinkapi.Aggregation{flinkapi.AggSum, flinkapi.AggMax}})
	if err != nil {
		return smp, err
	}
	get := func(name string, a flinkapi.Aggregation) float64 {
		m, ok := res.Metrics[name]
		if !ok {
			return math.NaN()
		}
		x, ok := m.Value(a)
		if !ok {
			return math.NaN()
		}
		return x
	}
	smp.elements, smp.bytes, smp.pendingBytes = get(n.elements, flinkapi.AggSum), get(n.bytes, flinkapi.AggSum), get(n.pendingBytes, flinkapi.AggSum)
	smp.busy, smp.backpressure = get(flinkapi.MetricBusyTime, flinkapi.AggMax), get(flinkapi.MetricBackPressuredTime, flinkapi.AggMax)
	smp.truth, smp.committed, err = bsTruth(ctx, c, kv, id, v)
	return smp, err
}

// bsTruth reads Kafka's end offsets less the records the source vertex
// emitted (its subtasks' numRecordsOut, as fresh as the JobManager's last
// metrics fetch, read as flinkbacklog reads its gauges: the job details'
// vertex counters were seen frozen for a whole run on Flink 1.19.3), and
// less the group's committed offsets.
func bsTruth(ctx context.Context, c *flinkapi.Client, kv *realtest.Offsets, id flinkapi.JobID, v flinkapi.VertexID) (emitted, committed int64, err error) {
	res, err := c.VertexMetrics(ctx, id, v, flinkapi.MetricsQuery{Names: []string{flinkapi.MetricNumRecordsOut}, Aggregations: []flinkapi.Aggregation{flinkapi.AggSum}})
	if err != nil {
		return 0, 0, err
	}
	m, ok := res.Metrics[flinkapi.MetricNumRecordsOut]
	out, okV := m.Value(flinkapi.AggSum)
	if !ok || !okV {
		return 0, 0, fmt.Errorf("the source's %s not reported", flinkapi.MetricNumRecordsOut)
	}
	ends, err := kv.Ends(bsHot)
	if err != nil {
		return 0, 0, err
	}
	comm, err := kv.Committed(bsGroup, bsHot)
	if err != nil {
		return 0, 0, err
	}
	var end, done int64
	for p := range ends {
		end += ends[p]
		done += max(comm[p], 0)
	}
	return end - int64(out), end - done, nil
}
