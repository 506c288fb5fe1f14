package flinkdeployment

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/autoscale"
)

// Errors. Those of the API server are wrapped together with the API
// server's own error, so apierrors' predicates work on them too.
var (
	// ErrInvalidConfig wraps every configuration error; it wraps
	// flinkscale.ErrInvalidConfig.
	ErrInvalidConfig = fmt.Errorf("flinkdeployment: %w", flinkscale.ErrInvalidConfig)
	// ErrNotFound: the FlinkDeployment does not exist.
	ErrNotFound = errors.New("flinkdeployment: no such FlinkDeployment")
	// ErrForbidden: RBAC forbids the call (see the package doc's Role).
	ErrForbidden = errors.New("flinkdeployment: forbidden by RBAC")
	// ErrConflict: the object changed between every read and write, the
	// retries spent.
	ErrConflict = errors.New("flinkdeployment: the FlinkDeployment kept changing under the update")
	// ErrReconciling: the operator is applying a spec change, or has not
	// seen the latest one; nothing was written. It wraps
	// autoscale.ErrRefused: a controller counts it as refused and tries
	// again at its next step.
	ErrReconciling = fmt.Errorf("flinkdeployment: the operator is reconciling the FlinkDeployment: %w", autoscale.ErrRefused)
	// ErrNotRunning: the deployment's job is not running, so its
	// parallelism is not changed; it wraps autoscale.ErrRefused.
	ErrNotRunning = fmt.Errorf("flinkdeployment: the job is not running: %w", autoscale.ErrRefused)
	// ErrInvalidSpec: the object's spec cannot be acted on, e.g. a key
	// written both flat and nested in spec.flinkConfiguration, or no
	// spec.job (a session cluster).
	ErrInvalidSpec = errors.New("flinkdeployment: the FlinkDeployment's spec cannot be acted on")
	// ErrNotDrained: the drain ended without a confirmed savepoint and a
	// finished job, and nothing was cancelled (no fallback configured, or
	// the fallback failed). The operation record says why.
	ErrNotDrained = errors.New("flinkdeployment: drain failed; the job was not cancelled")
	// ErrCancelled: the drain could not finish and the configured
	// fallback suspended the job without a savepoint (or someone else
	// cancelled it).
	ErrCancelled = errors.New("flinkdeployment: drain failed; job suspended without a savepoint")
)

// apiError wraps an API server error with the sentinel it matches, and
// what was being done.
func apiError(doing string, err error) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s: %w: %w", doing, ErrNotFound, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s: %w: %w", doing, ErrForbidden, err)
	case apierrors.IsConflict(err):
		return fmt.Errorf("%s: %w: %w", doing, ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}
