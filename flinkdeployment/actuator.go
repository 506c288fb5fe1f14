package flinkdeployment

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flinkscale/flinkscale/autoscale"
)

// overridesKey is the option the operator rescales on.
const overridesKey = autoscale.OverridesKey

// Actuator returns an autoscale.Actuator that applies decisions to the
// FlinkDeployment: it sets pipeline.jobvertex-parallelism-overrides in
// spec.flinkConfiguration, in the form the object uses (where the key is
// already written, flat or nested; else flat, or nested when the
// configuration is), never both. Overrides of vertices the decision does
// not name are kept: the operator takes a removed override for a change
// that needs a full upgrade.
//
// It reads the object, refuses (an error wrapping ErrReconciling or
// ErrNotRunning, both autoscale.ErrRefused) while the operator reconciles
// or the job does not run, writes nothing when the value would not change,
// and updates with the resourceVersion it read: on a conflict it reads
// again and retries, Config.Retries times. A decision made for another job
// than the deployment runs now is refused too.
func (d *Deployment) Actuator() autoscale.Actuator { return actuator{d} }

type actuator struct{ d *Deployment }

// Apply implements autoscale.Actuator.
func (a actuator) Apply(ctx context.Context, dec autoscale.Decision, obs autoscale.Observation) error {
	if len(dec.Targets) == 0 {
		return nil
	}
	if err := autoscale.CheckTargets(dec.Targets); err != nil {
		return err
	}
	return a.d.update(ctx, "set "+overridesKey, func(obj *unstructured.Unstructured, st Status) (bool, error) {
		if why := st.Reconciling(); why != "" {
			return false, fmt.Errorf("%w: %s", ErrReconciling, why)
		}
		if st.JobState != "RUNNING" {
			return false, fmt.Errorf("%w (%s)", ErrNotRunning, orUnknown(st.JobState))
		}
		if obs.Job != "" && st.JobID != "" && obs.Job != st.JobID {
			return false, fmt.Errorf("%w: the decision is for job %s, the deployment runs %s", autoscale.ErrRefused, obs.Job, st.JobID)
		}
		merged := parseOverrides(st.Overrides)
		maps.Copy(merged, dec.Targets)
		value := autoscale.OverridesValue(merged)
		if value == st.Overrides {
			return false, nil
		}
		c := confOf(obj)
		if err := c.set(overridesKey, value); err != nil {
			return false, err
		}
		if err := unstructured.SetNestedField(obj.Object, map[string]any(c), "spec", "flinkConfiguration"); err != nil {
			return false, err
		}
		a.d.cfg.Logger.InfoContext(ctx, "flinkdeployment: parallelism overrides set", "deployment", a.d.cfg.Namespace+"/"+a.d.cfg.Name,
			"from", st.Overrides, "to", value, "form", c.form().String())
		return true, nil
	})
}

func orUnknown(s string) string {
	if s == "" {
		return "no job status"
	}
	return s
}

// parseOverrides reads "vertex:parallelism,..." leniently: entries it
// cannot read are dropped.
func parseOverrides(s string) map[string]int {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		id, p, ok := strings.Cut(strings.TrimSpace(part), ":")
		if n, err := strconv.Atoi(strings.TrimSpace(p)); ok && err == nil && n > 0 && id != "" {
			out[strings.TrimSpace(id)] = n
		}
	}
	return out
}

// update reads the object, lets change edit it (it reports whether it
// did), and writes it back with the resourceVersion read; on a conflict
// it reads again and retries, Config.Retries times, 100 ms apart.
func (d *Deployment) update(ctx context.Context, doing string, change func(*unstructured.Unstructured, Status) (bool, error)) error {
	for attempt := 0; ; attempt++ {
		obj, err := d.get(ctx)
		if err != nil {
			return err
		}
		st, err := d.status(obj)
		if err != nil {
			return err
		}
		changed, err := change(obj, st)
		if err != nil || !changed {
			return err
		}
		_, err = d.api.Update(ctx, obj, metav1.UpdateOptions{FieldManager: "flinkscale"})
		err = apiError(fmt.Sprintf("%s on FlinkDeployment %s/%s", doing, d.cfg.Namespace, d.cfg.Name), err)
		if !errors.Is(err, ErrConflict) || attempt >= d.cfg.Retries {
			return err
		}
		d.cfg.Logger.DebugContext(ctx, "flinkdeployment: conflict, reading again", "attempt", attempt+1)
		if err := d.cfg.Clock.Sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}
