package flinkdeployment

import (
	"fmt"
	"log/slog"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"

	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/drain"
)

// Config configures a Deployment. Client, Namespace and Name are required;
// every other zero field means its documented default.
type Config struct {
	// Client talks to the Kubernetes API server: client-go's dynamic
	// client (dynamic.NewForConfig), or its fake in tests. Required.
	Client dynamic.Interface
	// Namespace and Name name the FlinkDeployment. Required.
	Namespace, Name string
	// RESTURL is the JobManager's REST address. Default: the operator's
	// service, http://<name>-rest.<namespace>:8081, with the port of the
	// deployment's rest.port and https when security.ssl.rest.enabled is
	// true (read at every Read).
	RESTURL string
	// Retries is how many times an update that met a conflict (another
	// writer changed the object since it was read) is read again and
	// retried. Default: 5.
	Retries int
	// Clock tells the time and paces the waits (retries, watch
	// re-establishment, the drain's polls). Default: the system clock.
	Clock clock.Clock
	// Logger receives a line per write and per drain transition. Default:
	// discard.
	Logger *slog.Logger
	// Drain configures Drain.
	Drain DrainConfig
}

// Fallback is what Drain does when the drain cannot finish.
type Fallback int

const (
	// FallbackNone leaves the job as the operator has it and reports the
	// drain failed (ErrNotDrained): nothing is cancelled.
	FallbackNone Fallback = iota
	// FallbackCancel suspends the job without a savepoint (upgradeMode
	// stateless: the operator cancels it) and reports ErrCancelled.
	FallbackCancel
)

// DrainConfig configures Drain.
type DrainConfig struct {
	// Store persists the drain's operation record, so that a restarted
	// controller resumes the same drain. Default: a drain.MemoryStore.
	Store drain.Store
	// Timeout bounds the drain from its first request (kept across
	// restarts) until the fallback. Default: 10 min.
	Timeout time.Duration
	// CancelTimeout bounds the fallback, from when it is asked for.
	// Default: 2 min.
	CancelTimeout time.Duration
	// Poll is the pause between reads of the status while waiting.
	// Default: 2 s.
	Poll time.Duration
	// Fallback is what to do when the drain cannot finish. Default:
	// FallbackNone: cancelling is never done unless asked for.
	Fallback Fallback
	// OnTransition, if set, is called after every transition has been
	// persisted.
	OnTransition func(drain.Operation, drain.Step)
}

// Validate reports whether the config is usable, wrapping
// ErrInvalidConfig if not.
func (c Config) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, a...)...)
	}
	switch {
	case c.Client == nil:
		return bad("Client is required")
	case c.Name == "" || c.Namespace == "":
		return bad("Namespace and Name are required")
	case c.Retries < 0:
		return bad("Retries %d is negative", c.Retries)
	case c.Drain.Timeout < 0 || c.Drain.CancelTimeout < 0 || c.Drain.Poll < 0:
		return bad("Drain durations must not be negative")
	case c.Drain.Fallback != FallbackNone && c.Drain.Fallback != FallbackCancel:
		return bad("Drain.Fallback %d is not a Fallback", c.Drain.Fallback)
	}
	if errs := validation.IsDNS1123Subdomain(c.Name); len(errs) > 0 {
		return bad("Name %q: %s", c.Name, errs[0])
	}
	if errs := validation.IsDNS1123Label(c.Namespace); len(errs) > 0 {
		return bad("Namespace %q: %s", c.Namespace, errs[0])
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Retries == 0 {
		c.Retries = 5
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Drain.Store == nil {
		c.Drain.Store = &drain.MemoryStore{}
	}
	if c.Drain.Timeout == 0 {
		c.Drain.Timeout = 10 * time.Minute
	}
	if c.Drain.CancelTimeout == 0 {
		c.Drain.CancelTimeout = 2 * time.Minute
	}
	if c.Drain.Poll == 0 {
		c.Drain.Poll = 2 * time.Second
	}
	return c
}
