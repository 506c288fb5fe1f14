package flinkdeployment

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/drain"
)

func newDeployment(t *testing.T, s *apiServer, cfg Config) *Deployment {
	t.Helper()
	cfg.Client, cfg.Namespace, cfg.Name = s.client, testNS, testName
	if cfg.Clock == nil {
		cfg.Clock = clocktest.New(clocktest.Start)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

const v0, v1 = "0a448493b4782967b150582570326227", "bc764cd8ddf7a0cff126f51c16239658"

// decision is a Decision for the test job with v0 and v1's targets.
func decision(p0, p1 int) (autoscale.Decision, autoscale.Observation) {
	obs := autoscale.Observation{Job: jobID, Running: true, Vertices: []autoscale.Vertex{{ID: v0, Parallelism: 2}, {ID: v1, Parallelism: 2}}}
	return autoscale.Decision{Targets: map[string]int{v0: p0, v1: p1}}, obs
}

func TestReadStatus(t *testing.T) {
	obj := deployment(map[string]any{"rest.port": "8443", "security.ssl.rest.enabled": "true", "pipeline.jobvertex-parallelism-overrides": v0 + ":3"})
	s := newAPIServer(t, obj)
	st, err := newDeployment(t, s, Config{}).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Status{ResourceVersion: "1", Generation: 1, ObservedGeneration: 1, LifecycleState: "STABLE", ReconciliationState: "DEPLOYED",
		JobState: "RUNNING", JobID: jobID, JobManager: "READY", Savepoint: "s3://sp/savepoint-old", DesiredState: "running",
		UpgradeMode: "last-state", FlinkVersion: "v1_20", Overrides: v0 + ":3", Form: Flat, RESTURL: "https://orders-rest.streaming:8443"}
	if st != want {
		t.Errorf("Read =\n%+v\nwant\n%+v", st, want)
	}
	if why := st.Reconciling(); why != "" {
		t.Errorf("settled deployment reconciling: %s", why)
	}
	d := newDeployment(t, s, Config{RESTURL: "http://localhost:8081"})
	if st, _ := d.Read(context.Background()); st.RESTURL != "http://localhost:8081" {
		t.Errorf("RESTURL override: %s", st.RESTURL)
	}
	if st, _ := newDeployment(t, newAPIServer(t, deployment(nil)), Config{}).Read(context.Background()); st.RESTURL != "http://orders-rest.streaming:8081" {
		t.Errorf("default RESTURL: %s", st.RESTURL)
	}
}

func TestReconciling(t *testing.T) {
	for _, tt := range []struct {
		name string
		st   Status
		want string
	}{
		{"settled", Status{Generation: 3, ObservedGeneration: 3, ReconciliationState: "DEPLOYED", LifecycleState: "STABLE"}, ""},
		{"suspended is settled", Status{Generation: 3, ObservedGeneration: 3, ReconciliationState: "DEPLOYED", LifecycleState: "SUSPENDED"}, ""},
		{"spec not observed", Status{Generation: 4, ObservedGeneration: 3, ReconciliationState: "DEPLOYED", LifecycleState: "STABLE"}, "not reconciled generation 4"},
		{"upgrading", Status{Generation: 3, ObservedGeneration: 3, ReconciliationState: "UPGRADING", LifecycleState: "UPGRADING"}, "reconciliation is UPGRADING"},
		{"rolling back", Status{Generation: 3, ObservedGeneration: 3, ReconciliationState: "ROLLING_BACK"}, "ROLLING_BACK"},
		{"never deployed", Status{Generation: 1, ObservedGeneration: 1, LifecycleState: "CREATED"}, "lifecycle state is CREATED"},
		{"overrides not reconciled", Status{Generation: 3, ObservedGeneration: 3, LifecycleState: "STABLE", Overrides: "a:2",
			LastReconciled: &Reconciled{DesiredState: "running", Overrides: "a:1"}}, "not the last reconciled ones"},
		{"job state not reconciled", Status{Generation: 3, ObservedGeneration: 3, LifecycleState: "STABLE", DesiredState: "suspended",
			LastReconciled: &Reconciled{DesiredState: "running"}}, "job state suspended is not the last reconciled one"},
		{"reconciled", Status{Generation: 3, ObservedGeneration: 3, LifecycleState: "STABLE", DesiredState: "running", Overrides: "a:2",
			LastReconciled: &Reconciled{DesiredState: "running", Overrides: "a:2"}}, ""},
	} {
		if got := tt.st.Reconciling(); (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: Reconciling() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestActuator applies decisions through the fake API server, which
// validates every object written against the CRD.
func TestActuator(t *testing.T) {
	nested := map[string]any{"pipeline": map[string]any{"jobvertex-parallelism-overrides": v0 + ":2," + v1 + ":2", "name": "orders"}, "taskmanager.numberOfTaskSlots": "4"}
	for _, tt := range []struct {
		name      string
		conf      map[string]any
		edit      func(s *apiServer)
		p0, p1    int
		wantErr   error
		wantWrite bool
		wantConf  map[string]any
	}{
		{name: "no configuration: flat", p0: 3, p1: 2, wantWrite: true,
			wantConf: map[string]any{overridesKey: v0 + ":3," + v1 + ":2"}},
		{name: "flat stays flat, other vertices kept", conf: map[string]any{overridesKey: "ffffffffffffffffffffffffffffffff:5," + v0 + ":2", "parallelism.default": "2"}, p0: 4, p1: 1, wantWrite: true,
			wantConf: map[string]any{overridesKey: v0 + ":4," + v1 + ":1,ffffffffffffffffffffffffffffffff:5", "parallelism.default": "2"}},
		{name: "nested stays nested", conf: nested, p0: 2, p1: 6, wantWrite: true,
			wantConf: map[string]any{"pipeline": map[string]any{"jobvertex-parallelism-overrides": v0 + ":2," + v1 + ":6", "name": "orders"}, "taskmanager.numberOfTaskSlots": "4"}},
		{name: "a structured configuration gets it nested", conf: map[string]any{"state": map[string]any{"backend": map[string]any{"type": "rocksdb"}}}, p0: 3, p1: 3, wantWrite: true,
			wantConf: map[string]any{"state": map[string]any{"backend": map[string]any{"type": "rocksdb"}}, "pipeline": map[string]any{"jobvertex-parallelism-overrides": v0 + ":3," + v1 + ":3"}}},
		{name: "unchanged: nothing written", conf: map[string]any{overridesKey: v0 + ":2," + v1 + ":2"}, p0: 2, p1: 2},
		{name: "both forms refused", conf: map[string]any{overridesKey: v0 + ":2", "pipeline": map[string]any{"jobvertex-parallelism-overrides": v0 + ":3"}}, p0: 4, p1: 4, wantErr: ErrInvalidSpec},
		{name: "one conflict: read again, retried", edit: func(s *apiServer) { s.conflicts = 1 }, p0: 3, p1: 2, wantWrite: true,
			wantConf: map[string]any{overridesKey: v0 + ":3," + v1 + ":2"}},
		{name: "conflicts every time", edit: func(s *apiServer) { s.conflicts = 100 }, p0: 3, p1: 2, wantErr: ErrConflict},
		{name: "forbidden to update", edit: func(s *apiServer) { s.forbidden["update"] = true }, p0: 3, p1: 2, wantErr: ErrForbidden},
		{name: "forbidden to get", edit: func(s *apiServer) { s.forbidden["get"] = true }, p0: 3, p1: 2, wantErr: ErrForbidden},
		{name: "reconcile in progress", edit: func(s *apiServer) {
			s.writeStatus(func(o *unstructured.Unstructured) {
				_ = unstructured.SetNestedField(o.Object, "UPGRADING", "status", "reconciliationStatus", "state")
			})
		}, p0: 3, p1: 2, wantErr: ErrReconciling},
		{name: "spec not yet observed", edit: func(s *apiServer) {
			s.writeStatus(func(o *unstructured.Unstructured) {
				_ = unstructured.SetNestedField(o.Object, int64(0), "status", "observedGeneration")
			})
		}, p0: 3, p1: 2, wantErr: ErrReconciling},
		{name: "job restarting", edit: func(s *apiServer) {
			s.writeStatus(func(o *unstructured.Unstructured) {
				_ = unstructured.SetNestedField(o.Object, "RESTARTING", "status", "jobStatus", "state")
			})
		}, p0: 3, p1: 2, wantErr: ErrNotRunning},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newAPIServer(t, deployment(tt.conf))
			if tt.edit != nil {
				tt.edit(s)
			}
			dec, obs := decision(tt.p0, tt.p1)
			err := newDeployment(t, s, Config{}).Actuator().Apply(context.Background(), dec, obs)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Apply: %v, want %v", err, tt.wantErr)
			}
			if (s.writes > 0) != tt.wantWrite {
				t.Errorf("%d writes, want a write: %t", s.writes, tt.wantWrite)
			}
			if tt.wantConf != nil {
				got, _, _ := unstructured.NestedMap(s.object().Object, "spec", "flinkConfiguration")
				if !equalJSON(got, tt.wantConf) {
					t.Errorf("flinkConfiguration = %v, want %v", got, tt.wantConf)
				}
				if g := s.object().GetGeneration(); g != 2 {
					t.Errorf("generation %d after the write, want 2", g)
				}
			}
		})
	}
}

func TestActuatorRefusals(t *testing.T) {
	s := newAPIServer(t, deployment(nil))
	d := newDeployment(t, s, Config{})
	dec, obs := decision(3, 2)
	if err := d.Actuator().Apply(context.Background(), dec, obs); err != nil {
		t.Fatal(err)
	}
	// The operator has not seen that change yet: the next is refused.
	dec, obs = decision(4, 2)
	err := d.Actuator().Apply(context.Background(), dec, obs)
	if !errors.Is(err, autoscale.ErrRefused) || !errors.Is(err, ErrReconciling) {
		t.Fatalf("second Apply before the operator reconciled: %v", err)
	}
	(&operator{s: s}).reconcile()
	obs.Job = "00000000000000000000000000000001"
	if err := d.Actuator().Apply(context.Background(), dec, obs); !errors.Is(err, autoscale.ErrRefused) {
		t.Fatalf("a decision for another job: %v", err)
	}
	if err := newDeployment(t, newAPIServer(t), Config{}).Actuator().Apply(context.Background(), dec, obs); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no FlinkDeployment: %v", err)
	}
}

func equalJSON(a, b map[string]any) bool {
	return strings.EqualFold(fmtJSON(a), fmtJSON(b))
}

func fmtJSON(m map[string]any) string {
	u := unstructured.Unstructured{Object: map[string]any{"x": m}}
	b, _ := u.MarshalJSON()
	return string(b)
}

func TestWatch(t *testing.T) {
	s := newAPIServer(t, deployment(nil))
	d := newDeployment(t, s, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seen := make(chan Status, 16)
	done := make(chan error, 1)
	go func() {
		done <- d.Watch(ctx, func(st Status, err error) {
			if err == nil {
				seen <- st
			}
		})
	}()
	if st := <-seen; st.LifecycleState != "STABLE" {
		t.Fatalf("first status %+v", st)
	}
	s.writeStatus(func(o *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(o.Object, "RESTARTING", "status", "jobStatus", "state")
	})
	for changed := false; !changed; { // a watch may replay the state it started from
		select {
		case st := <-seen:
			changed = st.JobState == "RESTARTING"
		case <-ctx.Done():
			t.Fatal("the change was not seen")
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Watch returned %v", err)
	}
}

// TestDrain runs drains against the fake operator.
func TestDrain(t *testing.T) {
	for _, tt := range []struct {
		name      string
		savepoint string
		fallback  Fallback
		conf      map[string]any
		wantState drain.State
		wantErr   error
		wantJob   string
	}{
		{"drained", "ok", FallbackNone, nil, drain.Drained, nil, "FINISHED"},
		{"drained, nested configuration", "ok", FallbackNone, map[string]any{"kubernetes": map[string]any{"operator": map[string]any{"job": map[string]any{"upgrade": map[string]any{"last-state-fallback": map[string]any{"enabled": "true"}}}}}}, drain.Drained, nil, "FINISHED"},
		{"savepoints fail: not drained, nothing cancelled", "fail", FallbackNone, nil, drain.Failed, ErrNotDrained, "RUNNING"},
		{"savepoints fail, cancel asked for", "fail", FallbackCancel, nil, drain.Cancelled, ErrCancelled, "CANCELED"},
		{"the operator never answers", "hang", FallbackNone, nil, drain.Failed, ErrNotDrained, "RUNNING"},
		{"suspended without a savepoint (last-state marker)", "marker", FallbackNone, nil, drain.Failed, ErrNotDrained, "FINISHED"},
		{"suspended, the savepoint path the old one", "stale", FallbackNone, nil, drain.Failed, ErrNotDrained, "FINISHED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newAPIServer(t, deployment(tt.conf))
			op := &operator{s: s, savepoint: tt.savepoint}
			store := &drain.MemoryStore{}
			var steps []string
			d := newDeployment(t, s, Config{Clock: operatorClock{clocktest.New(clocktest.Start), op},
				Drain: DrainConfig{Store: store, Fallback: tt.fallback, Timeout: time.Minute, OnTransition: func(_ drain.Operation, st drain.Step) {
					steps = append(steps, st.To.String())
				}}})
			res, err := d.Drain(context.Background())
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) || res.State != tt.wantState {
				t.Fatalf("Drain = %s, %v; want %s, %v (steps %v)", res.State, err, tt.wantState, tt.wantErr, steps)
			}
			kept, found, _ := store.Load(context.Background(), jobID)
			if !found || kept.State != res.State {
				t.Errorf("the store holds %v (found %t), want the operation in %s", kept.State, found, res.State)
			}
			obj := s.object()
			if js, _, _ := unstructured.NestedString(obj.Object, "status", "jobStatus", "state"); js != tt.wantJob {
				t.Errorf("job %s, want %s", js, tt.wantJob)
			}
			if tt.wantState == drain.Drained && (res.Location != "s3://sp/savepoint-drained-1" || op.n != 1) {
				t.Errorf("drained at %q after %d savepoints", res.Location, op.n)
			}
			// What the drain added is gone; the job stays suspended; the
			// user's upgradeMode is back.
			conf, _, _ := unstructured.NestedMap(obj.Object, "spec", "flinkConfiguration")
			if !equalJSON(conf, tt.conf) && !(tt.conf == nil && len(conf) == 0) {
				t.Errorf("flinkConfiguration after the drain %v, want %v as before", conf, tt.conf)
			}
			wantDesired := "suspended"
			if tt.wantJob == "RUNNING" {
				wantDesired = "running" // a failed drain leaves a running job running
			}
			if desired, _, _ := unstructured.NestedString(obj.Object, "spec", "job", "state"); desired != wantDesired {
				t.Errorf("spec.job.state %q after the drain, want %q", desired, wantDesired)
			}
			if mode, _, _ := unstructured.NestedString(obj.Object, "spec", "job", "upgradeMode"); mode != "last-state" {
				t.Errorf("upgradeMode %q after the drain, want last-state back", mode)
			}
			for k := range obj.GetAnnotations() {
				if strings.HasPrefix(k, "flinkscale.io/") {
					t.Errorf("annotation %s left behind", k)
				}
			}
			// Called again, it reports the same outcome without a second suspend.
			again, err2 := d.Drain(context.Background())
			if again.State != res.State || (err2 == nil) != (err == nil) || op.n > 1 {
				t.Errorf("Drain again: %s %v after %d savepoints", again.State, err2, op.n)
			}
		})
	}
}

// TestDrainResumes: a controller that stopped after writing the suspend
// resumes the drain from its record, and writes no second suspend.
func TestDrainResumes(t *testing.T) {
	s := newAPIServer(t, deployment(nil))
	op := &operator{s: s, savepoint: "hang"}
	store := &drain.MemoryStore{}
	clk := operatorClock{clocktest.New(clocktest.Start), op}
	ctx, cancel := context.WithCancel(context.Background())
	d := newDeployment(t, s, Config{Clock: clk, Drain: DrainConfig{Store: store, OnTransition: func(o drain.Operation, _ drain.Step) {
		if o.State == drain.Waiting {
			cancel() // the controller dies once the suspend is written
		}
	}}})
	if _, err := d.Drain(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted drain: %v", err)
	}
	writes := s.writes
	op.savepoint = "ok"
	res, err := newDeployment(t, s, Config{Clock: clk, Drain: DrainConfig{Store: store}}).Drain(context.Background())
	if err != nil || res.State != drain.Drained || res.Attempts() != 1 {
		t.Fatalf("resumed drain: %s %v, %d attempts", res.State, err, res.Attempts())
	}
	if s.writes != writes+1 { // only the restore
		t.Errorf("%d writes after resuming, want 1 (the restore)", s.writes-writes)
	}
}

func TestLastReconciled(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		want *Reconciled
	}{
		{`{"spec":{"job":{"state":"running"},"flinkConfiguration":{"pipeline.jobvertex-parallelism-overrides":"a:2"}},"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","firstDeployment":false}}`,
			&Reconciled{DesiredState: "running", Overrides: "a:2"}},
		{`{"spec":{"job":{"state":"suspended"},"flinkConfiguration":{"pipeline":{"jobvertex-parallelism-overrides":"a:3"}}}}`,
			&Reconciled{DesiredState: "suspended", Overrides: "a:3"}},
		{`{"job":{"state":"running"},"apiVersion":"flink.apache.org/v1beta1"}`, &Reconciled{DesiredState: "running"}}, // the format before 1.10
		{"", nil},
		{"not json", nil},
	} {
		got := lastReconciled(tt.raw)
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("lastReconciled(%q) = %+v, want %+v", tt.raw, got, tt.want)
		}
	}
}

func TestDrainAlreadySuspended(t *testing.T) {
	obj := deployment(nil)
	_ = unstructured.SetNestedField(obj.Object, "suspended", "spec", "job", "state")
	s := newAPIServer(t, obj)
	op, err := newDeployment(t, s, Config{}).Drain(context.Background())
	if !errors.Is(err, ErrNotDrained) || op.State != drain.Failed || !strings.Contains(op.Reason, "already suspended") || s.writes != 0 {
		t.Errorf("Drain of a suspended deployment: %s %v (%q), %d writes", op.State, err, op.Reason, s.writes)
	}
}

// TestDrainReadFailures: reads of the status that fail for a while (the
// API server unavailable) are waited out a poll apart, never retried in a
// busy loop, and the drain then completes.
func TestDrainReadFailures(t *testing.T) {
	s := newAPIServer(t, deployment(nil))
	s.failGet = func(n int) bool { return n >= 2 && n <= 6 } // the first read (Drain's own) passes
	op := &operator{s: s, savepoint: "ok"}
	clk := operatorClock{clocktest.New(clocktest.Start), op}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := newDeployment(t, s, Config{Clock: clk}).Drain(ctx)
	if err != nil || res.State != drain.Drained {
		t.Fatalf("Drain: %s %v", res.State, err)
	}
	if _, sleeps := clk.Slept(); sleeps < 5 {
		t.Errorf("%d pauses for 5 failed reads", sleeps)
	}
}
