package flinkio_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale/flinkio"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/backlog/flinkbacklog"
	"github.com/flinkscale/flinkscale/backlog/kafkalag"
	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// wiring is the documented composition: an Observer whose Backlog merges
// flinkbacklog (Flink's records) and kafkalag (Kafka's, and the time lag),
// flinkbacklog reading through the Observer's client when shared is set,
// or through a client of its own (the wiring before Shared).
func wiring(t testing.TB, e env, shared bool) *flinkio.Observer {
	t.Helper()
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	lag, err := kafkalag.New(kafkalag.Config{
		Brokers: kc.ListenAddrs(), Timeout: 5 * time.Second,
		Groups: []kafkalag.Group{{Name: "orders-job", Topics: []string{"orders"}, Reset: backlog.ResetEarliest}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lag.Close() })
	var client flinkio.Flink = e.c
	fbClient := flinkbacklog.Flink(e.c)
	if shared {
		sh, err := flinkio.NewShared(flinkio.SharedConfig{Client: e.c})
		if err != nil {
			t.Fatal(err)
		}
		client, fbClient = sh, sh
	}
	fromFlink, err := flinkbacklog.New(flinkbacklog.Config{Client: fbClient, Job: e.job})
	if err != nil {
		t.Fatal(err)
	}
	merged, err := backlog.Merge(backlog.CombineConfig{}, backlog.Named("flink", fromFlink), backlog.Named("kafka", lag))
	if err != nil {
		t.Fatal(err)
	}
	o, err := flinkio.NewObserver(flinkio.ObserverConfig{Client: client, Job: e.job, Backlog: merged,
		TopicsByName: map[string][]string{"Source: orders": {"orders"}}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// requests observes once and returns the REST requests the JobManager
// served, by route.
func requests(t testing.TB, e env, o *flinkio.Observer) (int, map[string]int) {
	t.Helper()
	e.srv.ResetRequests()
	if _, err := o.Observe(context.Background()); err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	reqs := e.srv.Requests()
	for _, r := range reqs {
		by[r.Route]++
	}
	return len(reqs), by
}

// One observation of a job of V vertices, with the Flink and Kafka backlog
// sources configured and sharing the Observer's client, reads each REST
// resource once: V+3 requests (job details, one metrics call per vertex,
// overview, TaskManagers) once the metric-name cache is warm, where a
// flinkbacklog Source with a client of its own adds a job-details call and
// a metrics call per source vertex.
func TestObservationRequests(t *testing.T) {
	for _, tt := range []struct {
		name   string
		shared bool
		want   int
	}{
		{"shared", true, 3 + 3},
		{"separate clients", false, 3 + 3 + 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			o := wiring(t, e, tt.shared)
			if _, err := o.Observe(context.Background()); err != nil { // warms the metric-name cache
				t.Fatal(err)
			}
			n, by := requests(t, e, o)
			if n != tt.want {
				t.Errorf("%d REST requests per observation, want %d: %v", n, tt.want, by)
			}
			if tt.shared && (by["GET /jobs/{jobid}"] != 1 || by["GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics"] != 3) {
				t.Errorf("requests %v, want job details once and one metrics call per vertex", by)
			}
		})
	}
}

// Sharing changes what is read, not what is seen: the same observation,
// Flink's records for the backlog and Kafka's time lag.
func TestSharedObservesTheSame(t *testing.T) {
	e := newEnv(t)
	a, err := wiring(t, e, true).Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := wiring(t, e, false).Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sa, _ := a.Vertex(string(src))
	sb, _ := b.Vertex(string(src))
	if fmt.Sprint(*sa.Source) != fmt.Sprint(*sb.Source) || sa.Source.Backlog.String() != "100" || sa.Source.TimeLag.String() != "0" ||
		sa.Source.Origin != "merge(flink,kafka)" || sa.Source.Partitions != 4 {
		t.Errorf("shared: %+v\nseparate: %+v\nwant Flink's 100 records, Kafka's time lag 0 over 4 partitions", *sa.Source, *sb.Source)
	}
}

// Outside an observation, and for what the observation did not read, a
// Shared passes calls through; a failed read is shared as it failed.
func TestSharedPassesThrough(t *testing.T) {
	e := newEnv(t)
	sh, err := flinkio.NewShared(flinkio.SharedConfig{Client: e.c})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e.srv.ResetRequests()
	for range 2 {
		if _, err := sh.JobDetails(ctx, e.job); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.srv.CountRequests("GET /jobs/{jobid}"); n != 2 {
		t.Errorf("outside an observation: %d job-details requests for 2 calls", n)
	}
	// Within an observation (a Backlog that reads through the Shared), a
	// query the Observer did not make is asked of Flink; one it covered
	// is not.
	var covered, other flinkapi.VertexMetricsResult
	var coveredErr, otherErr error
	o, err := flinkio.NewObserver(flinkio.ObserverConfig{Client: sh, Job: e.job,
		Backlog: backlog.SourceFunc(func(ctx context.Context) (backlog.Snapshot, error) {
			covered, coveredErr = sh.VertexMetrics(ctx, e.job, src, flinkapi.MetricsQuery{
				Names: []string{flinkapi.MetricBusyTime}, Aggregations: []flinkapi.Aggregation{flinkapi.AggMax}})
			other, otherErr = sh.VertexMetrics(ctx, e.job, src, flinkapi.MetricsQuery{
				Names: []string{flinkapi.MetricBusyTime}, Aggregations: []flinkapi.Aggregation{flinkapi.AggAvg}})
			return backlog.Snapshot{}, errors.New("no backlog")
		})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Observe(ctx); err != nil { // warm the name cache
		t.Fatal(err)
	}
	n, by := requests(t, e, o)
	if coveredErr != nil || otherErr != nil || covered.Metrics[flinkapi.MetricBusyTime].Max != 500 || other.Metrics[flinkapi.MetricBusyTime].Avg != 400 {
		t.Errorf("covered %+v (%v), other %+v (%v)", covered, coveredErr, other, otherErr)
	}
	if n != 3+3+1 {
		t.Errorf("%d requests, want V+3 and one for the query not covered: %v", n, by)
	}
	// A failed read is the observation's answer for every reader.
	if err := e.srv.InjectFault("GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics", flinktest.Fault{Status: 500, Times: -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Observe(ctx); err != nil {
		t.Fatal(err)
	}
	e.srv.ClearFaults()
	if coveredErr == nil {
		t.Error("a read that failed for the Observer succeeded for the Backlog")
	}
}

func TestSharedConfigValidate(t *testing.T) {
	err := flinkio.SharedConfig{}.Validate()
	if !errors.Is(err, flinkio.ErrInvalidConfig) || !errors.Is(err, flinkscale.ErrInvalidConfig) {
		t.Errorf("Validate() = %v, want ErrInvalidConfig", err)
	}
	if _, err := flinkio.NewShared(flinkio.SharedConfig{}); !errors.Is(err, flinkscale.ErrInvalidConfig) {
		t.Errorf("NewShared: %v", err)
	}
}
