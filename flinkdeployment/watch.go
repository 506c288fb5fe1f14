package flinkdeployment

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
)

// Watch calls fn with the FlinkDeployment's status now and at every
// change, until ctx ends (it then returns ctx's error). A failed read or
// a deleted object is passed to fn as an error (wrapping ErrNotFound,
// ErrForbidden, ...), and the watch is established again after a pause
// that doubles from 1 s to 30 s; a watch the API server ends is resumed
// from the last version seen. fn runs on Watch's goroutine.
func (d *Deployment) Watch(ctx context.Context, fn func(Status, error)) error {
	pause := time.Second
	for {
		st, err := d.Read(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fn(st, err)
		if err == nil {
			if d.follow(ctx, st.ResourceVersion, fn) {
				pause = time.Second
			}
		}
		if err := d.cfg.Clock.Sleep(ctx, pause); err != nil {
			return err
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// follow watches from resourceVersion until the watch ends, passing each
// change to fn; it reports whether it saw any.
func (d *Deployment) follow(ctx context.Context, resourceVersion string, fn func(Status, error)) bool {
	w, err := d.api.Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", d.cfg.Name).String(),
		ResourceVersion: resourceVersion,
	})
	if err != nil {
		if ctx.Err() == nil {
			fn(Status{}, apiError(fmt.Sprintf("watch FlinkDeployment %s/%s", d.cfg.Namespace, d.cfg.Name), err))
		}
		return false
	}
	defer w.Stop()
	saw := false
	for {
		select {
		case <-ctx.Done():
			return saw
		case ev, ok := <-w.ResultChan():
			if !ok {
				return saw
			}
			obj, isObj := ev.Object.(*unstructured.Unstructured)
			switch {
			case ev.Type == watch.Deleted:
				fn(Status{}, fmt.Errorf("FlinkDeployment %s/%s deleted: %w", d.cfg.Namespace, d.cfg.Name, ErrNotFound))
				return saw
			case ev.Type == watch.Error || !isObj:
				return saw // re-read, then watch again
			case ev.Type == watch.Added || ev.Type == watch.Modified:
				saw = true
				fn(d.status(obj))
			}
		}
	}
}
