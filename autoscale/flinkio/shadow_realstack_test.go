//go:build realstack

package flinkio_test

// Shadow mode, side by side: the Flink operator's own autoscaler (its
// library, org.apache.flink:flink-autoscaler, run by realstack beside the
// cluster, recommending only) and OperatorCompatible fed by an Observer,
// on the same live job under the same load, with the same configuration
// values, each every 5 s. Both must observe the job and decide (the smoke
// .ci/run relies on); the figures each evaluated for each vertex (true
// processing rate, target rate, lag, load) and the parallelism each
// recommended are logged decision by decision, and the share of the real
// autoscaler's evaluations that OperatorCompatible matched is reported
// (with REPORT=path, written as Markdown):
//
//	flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -timeout 15m -run TestRealOperatorShadow -v ./autoscale/flinkio

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/internal/realtest"
	"github.com/flinkscale/flinkscale/realstack"
)

const (
	shIn, shOut   = "shadow-in", "shadow-out"
	shParts       = 8
	shCost        = 4 * time.Millisecond // per record: about 245 records/s per subtask
	shRate        = 400                  // records/s: two subtasks' worth at utilization 0.7 would need 3
	shInterval    = 5 * time.Second
	shWindow      = time.Minute
	shStabilize   = 5 * time.Second
	shRestart     = 10 * time.Second
	shCatchUp     = time.Minute
	shEvaluations = 4 // the real autoscaler's evaluations to compare
	// shPreload records wait when the job starts: the source reads flat
	// out, the buffers before the Cost vertex fill, and the backlog shows
	// in pendingRecords, so both controllers have a scale-up to decide.
	// Without it the records the Cost vertex cannot take pile up in
	// network buffers (tens of thousands of small records) while
	// pendingRecords stays 0, and both keep the job as it is.
	shPreload = 30000
)

// shDecision is one of OperatorCompatible's decisions, with the group's
// lag Kafka gave right after it (committed offsets: what the job has not
// yet read and checkpointed), -1 when unread.
type shDecision struct {
	t   time.Time
	d   autoscale.Decision
	lag int64
}

func TestRealOperatorShadow(t *testing.T) {
	began := time.Now()
	k, f, c := startStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	job := realstack.TestJob{
		BootstrapServers: strings.Join(k.Addrs(), ","), Name: "shadow", MaxParallelism: shParts,
		CheckpointInterval: 2 * time.Second, Pipelines: []realstack.TestPipeline{{In: shIn, Out: shOut, Cost: shCost}},
	}
	if err := realstack.CreateTestJobTopics(ctx, k, job, shParts); err != nil {
		t.Fatal(err)
	}
	if err := realstack.ProduceTestRecords(ctx, k, shIn, "pre", shPreload); err != nil {
		t.Fatal(err)
	}
	var produced atomic.Int64
	prodCtx, stopProducing := context.WithCancel(ctx)
	defer stopProducing()
	go func() {
		_ = realstack.ProduceAtRate(prodCtx, k, shIn, func(time.Time) (float64, bool) { return shRate, false }, &produced)
	}()
	id := realtest.Submit(ctx, t, f, c, job)
	realtest.WaitRunning(ctx, t, c, id, nil)
	t.Logf("stack up and job %s running in %s", id, time.Since(began).Round(time.Second))

	// Both controllers, with the same values: the real one through its
	// options, ours through its config.
	opts := realstack.AutoscalerShortWindows()
	opts["job.autoscaler.stabilization.interval"] = realstack.FlinkDuration(shStabilize)
	opts["job.autoscaler.metrics.window"] = realstack.FlinkDuration(shWindow)
	opts["job.autoscaler.restart.time"] = realstack.FlinkDuration(shRestart)
	opts["job.autoscaler.catch-up.duration"] = realstack.FlinkDuration(shCatchUp)
	real := realstack.StartAutoscaler(t, realstack.AutoscalerConfig{RESTURL: f.URL(), Interval: shInterval, Options: opts})
	pol, err := autoscale.NewOperatorCompatible(autoscale.OperatorCompatibleConfig{
		MetricsWindow: shWindow, Stabilization: shStabilize, RestartTime: shRestart, CatchUpDuration: shCatchUp,
	})
	if err != nil {
		t.Fatal(err)
	}
	obs, err := flinkio.NewObserver(flinkio.ObserverConfig{Client: c, Job: id})
	if err != nil {
		t.Fatal(err)
	}
	kv := realtest.NewOffsets(t, k)
	var mu sync.Mutex
	var ours []shDecision
	var obsErrs int
	loopDone := make(chan struct{})
	loopCtx, stopLoop := context.WithCancel(ctx)
	go func() {
		defer close(loopDone)
		tick := time.NewTicker(shInterval)
		defer tick.Stop()
		for {
			o, err := obs.Observe(loopCtx)
			if err == nil {
				var d autoscale.Decision
				if d, err = pol.Decide(o.Time, o); err == nil {
					lag, _, lerr := kv.Lag("testjob-0", shIn)
					if lerr != nil {
						lag = -1
					}
					mu.Lock()
					ours = append(ours, shDecision{o.Time, d, lag})
					mu.Unlock()
				}
			}
			if err != nil && loopCtx.Err() == nil {
				mu.Lock()
				obsErrs++
				mu.Unlock()
				t.Logf("OperatorCompatible: %v", err)
			}
			select {
			case <-loopCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()

	// Until the real autoscaler evaluated shEvaluations times.
	realtest.Eventually(ctx, t, "the real autoscaler to evaluate the job", 5*time.Minute, func() (bool, error) {
		rs, err := real.Records()
		n := len(kindOf(rs, "evaluation"))
		return err == nil && n >= shEvaluations, fmt.Errorf("%d evaluations (%v); its calls: %s", n, err, lastCalls(rs))
	})
	stopLoop()
	<-loopDone
	stopProducing()
	rs, err := real.Records()
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	rep := shadowReport(rs, ours, id)
	t.Logf("\n%s", rep.text)
	if rep.compared == 0 {
		t.Errorf("OperatorCompatible made no decision at the real autoscaler's %d evaluations", len(kindOf(rs, "evaluation")))
	}
	if !rep.oursDecided {
		t.Errorf("OperatorCompatible never got past its gates (%d decisions, %d observation errors)", len(ours), obsErrs)
	}
	t.Logf("produced %d records; took %s", produced.Load(), time.Since(began).Round(time.Second))
	if path := os.Getenv("REPORT"); path != "" && !t.Failed() {
		var version string
		if st := kindOf(rs, "start"); len(st) > 0 {
			version = st[0].Autoscaler
		}
		head := fmt.Sprintf(`# OperatorCompatible beside the Flink operator's autoscaler, in shadow mode

Written by TestRealOperatorShadow (autoscale/flinkio/shadow_realstack_test.go) on %s:

    REPORT=$PWD/docs/operator-shadow.md flock /tmp/realstack.lock go test -tags realstack -count=1 -p 1 -timeout 15m -run TestRealOperatorShadow -v ./autoscale/flinkio

The job: the realstack test job on Flink %s (one TaskManager, 8 slots, adaptive scheduler), one pipeline
KafkaSource (8 partitions) -> keyBy -> Cost (%v per record, about 240 rec/s a subtask) -> KafkaSink, %d records
waiting at the start and %d rec/s arriving. The operator's autoscaler: org.apache.flink:flink-autoscaler %s
(realstack.StartAutoscaler, recommending only); OperatorCompatible fed by flinkio.Observer (Flink's metrics
only, as the operator reads them). Both every %v, with stabilization %v, metrics window %v, restart time %v,
catch-up %v, and the defaults otherwise (target utilization 0.7, boundary 0.3). Each of the real
autoscaler's evaluations is paired with OperatorCompatible's decision nearest in time (they run on their
own clocks, up to %v apart); "Kafka: group lag" is the job's group lag read right after that decision
(committed offsets: records not yet read and checkpointed), the truth that pendingRecords should show.

`, time.Now().UTC().Format("2006-01-02"), f.Version(), shCost, shPreload, shRate, version, shInterval, shStabilize, shWindow, shRestart, shCatchUp, shInterval)
		if err := os.WriteFile(path, []byte(head+rep.text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func kindOf(rs []realstack.AutoscalerRecord, kind string) []realstack.AutoscalerRecord {
	var out []realstack.AutoscalerRecord
	for _, r := range rs {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// lastCalls describes the real autoscaler's last calls, for a timeout.
func lastCalls(rs []realstack.AutoscalerRecord) string {
	calls := kindOf(rs, "call")
	var parts []string
	for _, r := range calls[max(0, len(calls)-3):] {
		parts = append(parts, fmt.Sprintf("%s %s %s", r.Time.Format(time.TimeOnly), r.State, r.Error))
	}
	for _, r := range kindOf(rs, "event") {
		parts = append(parts, fmt.Sprintf("event %s: %s", r.Reason, r.Message))
	}
	return strings.Join(parts, "; ")
}

// shReport is the side-by-side.
type shReport struct {
	text                 string
	compared, agreements int
	oursDecided          bool
}

// shadowReport pairs each of the real autoscaler's evaluations with
// OperatorCompatible's decision nearest in time (within one interval)
// and compares their figures and recommended parallelism per vertex.
func shadowReport(rs []realstack.AutoscalerRecord, ours []shDecision, job flinkapi.JobID) shReport {
	var rep shReport
	for _, o := range ours {
		for _, c := range o.d.Capacity {
			rep.oursDecided = rep.oursDecided || c.Valid()
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| time | vertex | real: TPR / target rate / lag (records) / load | real: parallelism -> recommended | OperatorCompatible: TPR | OperatorCompatible: parallelism -> target | agree | Kafka: group lag (records) |\n")
	fmt.Fprintf(&b, "| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	scalings := kindOf(rs, "scaling")
	var why []string // each disagreement, with both sides' reasons
	for _, ev := range kindOf(rs, "evaluation") {
		if ev.Job != string(job) {
			continue
		}
		near := nearest(ours, ev.Time)
		rec := recommended(scalings, ev.Time)
		ids := make([]string, 0, len(ev.Vertices))
		for id := range ev.Vertices {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			m := ev.Vertices[id].Metrics
			cur := int(m["PARALLELISM"].Current)
			to := cur
			if p, ok := rec[id]; ok {
				to = p
			}
			ourTPR, ourTo, agree, kafkaLag := "-", "-", "-", "-"
			if near != nil {
				if near.lag >= 0 {
					kafkaLag = fmt.Sprint(near.lag)
				}
				if c, ok := near.d.Capacity[id].Get(); ok {
					ourTPR = num(c)
				}
				if p, ok := near.d.Targets[id]; ok {
					ourTo = fmt.Sprint(p)
					rep.compared++
					agree = "no"
					if p == to {
						rep.agreements++
						agree = "yes"
					} else {
						why = append(why, fmt.Sprintf("- %s, vertex %s: the real autoscaler %d -> %d (%s); OperatorCompatible at %s: %s",
							ev.Time.Format("15:04:05"), id[:8], cur, to, realFigures(m), near.t.Format("15:04:05"), near.d.Reasons[id]))
					}
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s / %s / %s / %s | %d -> %d | %s | %s | %s | %s |\n", ev.Time.Format("15:04:05"), id[:8],
				num(m["TRUE_PROCESSING_RATE"].Average), num(m["TARGET_DATA_RATE"].Average), num(m["LAG"].Current), num(m["LOAD"].Average),
				cur, to, ourTPR, ourTo, agree, kafkaLag)
		}
	}
	if rep.compared > 0 {
		fmt.Fprintf(&b, "\nagreement: %d of %d vertex decisions (%.0f%%)\n", rep.agreements, rep.compared, 100*float64(rep.agreements)/float64(rep.compared))
	}
	if len(why) > 0 {
		fmt.Fprintf(&b, "\nDisagreements:\n%s\n", strings.Join(why, "\n"))
	}
	if len(ours) > 0 {
		last := ours[len(ours)-1]
		fmt.Fprintf(&b, "\nOperatorCompatible's last decision (%s): %s\n", last.t.Format("15:04:05"), last.d.Summary)
		for id, why := range last.d.Reasons {
			fmt.Fprintf(&b, "  %s: %s\n", id[:min(8, len(id))], why)
		}
	}
	for _, r := range kindOf(rs, "event") {
		fmt.Fprintf(&b, "real autoscaler event at %s: %s: %s\n", r.Time.Format("15:04:05"), r.Reason, strings.ReplaceAll(r.Message, "\n", " "))
	}
	rep.text = b.String()
	return rep
}

// realFigures are the figures the real autoscaler's decision rests on.
func realFigures(m map[string]realstack.AutoscalerMetric) string {
	return fmt.Sprintf("TPR %s, target rate %s + catch-up %s, lag %s records, scale-up below %s, scale-down above %s",
		num(m["TRUE_PROCESSING_RATE"].Average), num(m["TARGET_DATA_RATE"].Average), num(m["CATCH_UP_DATA_RATE"].Current),
		num(m["LAG"].Current), num(m["SCALE_UP_RATE_THRESHOLD"].Current), num(m["SCALE_DOWN_RATE_THRESHOLD"].Current))
}

// nearest is OperatorCompatible's decision nearest to t, within one
// interval, or nil.
func nearest(ours []shDecision, t time.Time) *shDecision {
	var best *shDecision
	for i := range ours {
		d := ours[i].t.Sub(t).Abs()
		if d <= shInterval && (best == nil || d < best.t.Sub(t).Abs()) {
			best = &ours[i]
		}
	}
	return best
}

// recommended is the parallelism the real autoscaler's scaling report
// written with an evaluation (within a second of it) recommends per
// vertex, empty when it reported none.
func recommended(scalings []realstack.AutoscalerRecord, t time.Time) map[string]int {
	out := map[string]int{}
	for _, s := range scalings {
		if s.Time.Sub(t).Abs() <= time.Second {
			for id, v := range s.Vertices {
				out[id] = v.New
			}
		}
	}
	return out
}

func num(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.4g", x)
}
