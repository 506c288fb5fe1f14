package autoscale

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/flinkscale/flinkscale/clock"
)

// ControllerConfig configures a Controller.
type ControllerConfig struct {
	// Observer reads the job. Required.
	Observer Observer
	// Policy decides. Required.
	Policy Policy
	// Actuator carries out decisions that change parallelism. An Actuator
	// that implements Recorder and reports RecordsOnly is a dry run: its
	// steps are recorded and logged as such. Default: a *DryRun (with its
	// default MaxDecisions), which only records them.
	Actuator Actuator
	// Interval is the time between steps. Default: 60 s, as the operator
	// samples.
	Interval time.Duration
	// HistorySize bounds the kept records. Default: 100.
	HistorySize int
	// Clock tells the time and waits between steps. Default: the system
	// clock (clock.System).
	Clock clock.Clock
	// Logger receives one line per step. Default: discard.
	Logger *slog.Logger
	// OnStep, if set, is called after every step with its record.
	OnStep func(Record)
}

// Validate reports whether c is usable. Its errors wrap ErrInvalidConfig.
func (c ControllerConfig) Validate() error {
	switch {
	case c.Observer == nil || c.Policy == nil:
		return fmt.Errorf("%w: Observer and Policy are required", ErrInvalidConfig)
	case c.Interval < 0:
		return fmt.Errorf("%w: Interval %v is negative", ErrInvalidConfig, c.Interval)
	case c.HistorySize < 0:
		return fmt.Errorf("%w: HistorySize %d is negative", ErrInvalidConfig, c.HistorySize)
	}
	return nil
}

// Record is what one controller step did, and what it decided on.
type Record struct {
	// Time is when the step began (the Clock's time, given to Decide).
	Time time.Time
	// Observation is what the Observer returned, the figures the decision
	// rests on (missing ones with their reasons); zero when observing
	// failed.
	Observation Observation
	// Decision is the policy's decision; zero when the step failed before.
	Decision Decision
	// Changes lists the vertices whose parallelism the decision changes.
	Changes []string
	// Applied is true when the actuator carried the changes out.
	Applied bool
	// DryRun is true when the actuator only recorded the changes (it
	// implements Recorder and reports RecordsOnly): the job would have
	// been rescaled, but nothing was carried out, and Applied is false.
	DryRun bool
	// Err is what failed: observing, deciding or applying.
	Err error
}

// Controller runs observe -> decide -> act in a loop. Safe for concurrent
// use: History may be read while Run runs; Run and Step must not run
// concurrently with each other.
type Controller struct {
	cfg ControllerConfig

	mu      sync.Mutex
	history []Record
}

// NewController returns a Controller, or an error wrapping
// ErrInvalidConfig.
func NewController(cfg ControllerConfig) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Actuator == nil {
		cfg.Actuator = &DryRun{}
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Minute
	}
	if cfg.HistorySize == 0 {
		cfg.HistorySize = 100
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Controller{cfg: cfg}, nil
}

// Run steps every Interval until ctx ends, and returns ctx's error. A
// failed step is recorded and logged; the loop goes on.
func (c *Controller) Run(ctx context.Context) error {
	for {
		c.Step(ctx)
		if err := c.cfg.Clock.Sleep(ctx, c.cfg.Interval); err != nil {
			return err
		}
	}
}

// Step observes, decides and, when the decision changes parallelism,
// applies it; it records and returns what it did. A dry-run actuator's
// step has DryRun set and Applied false.
func (c *Controller) Step(ctx context.Context) Record {
	r := c.step(ctx)
	c.mu.Lock()
	c.history = append(c.history, r)
	if over := len(c.history) - c.cfg.HistorySize; over > 0 {
		c.history = slices.Delete(c.history, 0, over)
	}
	c.mu.Unlock()
	c.log(ctx, r)
	if c.cfg.OnStep != nil {
		c.cfg.OnStep(r)
	}
	return r
}

func (c *Controller) step(ctx context.Context) Record {
	now := c.cfg.Clock.Now()
	r := Record{Time: now}
	obs, err := c.cfg.Observer.Observe(ctx)
	if err != nil {
		r.Err = fmt.Errorf("observe: %w", err)
		return r
	}
	r.Observation = obs
	d, err := c.cfg.Policy.Decide(now, obs)
	if err != nil {
		r.Err = fmt.Errorf("decide: %w", err)
		return r
	}
	r.Decision, r.Changes = d, d.Changes(obs)
	if len(r.Changes) == 0 {
		return r
	}
	if err := c.cfg.Actuator.Apply(ctx, d, obs); err != nil {
		r.Err = fmt.Errorf("apply: %w", err)
		return r
	}
	if rec, ok := c.cfg.Actuator.(Recorder); ok && rec.RecordsOnly() {
		r.DryRun = true
		return r
	}
	r.Applied = true
	return r
}

func (c *Controller) log(ctx context.Context, r Record) {
	switch {
	case errors.Is(r.Err, ErrRefused):
		c.cfg.Logger.InfoContext(ctx, "autoscale: the actuator refused the rescale", "changes", r.Changes, "err", r.Err)
	case r.Err != nil:
		c.cfg.Logger.WarnContext(ctx, "autoscale: step failed", "err", r.Err)
	case r.Applied:
		c.cfg.Logger.InfoContext(ctx, "autoscale: rescaled", "changes", r.Changes, "slots", r.Decision.Slots, "decision", r.Decision.String())
	case r.DryRun:
		c.cfg.Logger.InfoContext(ctx, "autoscale: would rescale (dry run)", "changes", r.Changes, "slots", r.Decision.Slots, "decision", r.Decision.String())
	default:
		c.cfg.Logger.DebugContext(ctx, "autoscale: no change", "summary", r.Decision.Summary)
	}
}

// History returns the kept records, oldest first.
func (c *Controller) History() []Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.history)
}
