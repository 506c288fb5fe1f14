package flinkdeployment

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/flinkscale/flinkscale/clock/clocktest"
	"github.com/flinkscale/flinkscale/drain"
)

// TestRBAC runs every operation of the package against the fake API
// server and checks that testdata/rbac.yaml, the documented Role, grants
// each request it made, and nothing it did not use.
func TestRBAC(t *testing.T) {
	raw, err := os.ReadFile("testdata/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.Role
	if err := yaml.UnmarshalStrict(raw, &role); err != nil {
		t.Fatal(err)
	}
	s := newAPIServer(t, deployment(nil))
	op := &operator{s: s, savepoint: "ok"}
	d := newDeployment(t, s, Config{Clock: operatorClock{clocktest.New(clocktest.Start), op}, Drain: DrainConfig{Store: &drain.MemoryStore{}}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := d.Read(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	seen := make(chan struct{}, 8)
	go func() { _ = d.Watch(wctx, func(Status, error) { seen <- struct{}{} }) }()
	<-seen
	dec, obs := decision(3, 2)
	if err := d.Actuator().Apply(ctx, dec, obs); err != nil {
		t.Fatal(err)
	}
	op.reconcile()
	if _, err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	stop()
	used := map[string]bool{}
	for _, a := range s.client.Actions() {
		res := a.GetResource()
		if a.GetSubresource() != "" {
			t.Errorf("the package used the %s subresource", a.GetSubresource())
		}
		used[a.GetVerb()] = true
		granted := slices.ContainsFunc(role.Rules, func(r rbacv1.PolicyRule) bool {
			return slices.Contains(r.APIGroups, res.Group) && slices.Contains(r.Resources, res.Resource) && slices.Contains(r.Verbs, a.GetVerb())
		})
		if !granted {
			t.Errorf("the Role does not grant %s on %s", a.GetVerb(), res)
		}
	}
	for _, r := range role.Rules {
		for _, v := range r.Verbs {
			if !used[v] {
				t.Errorf("the Role grants %s, which the package never uses", v)
			}
		}
	}
}
