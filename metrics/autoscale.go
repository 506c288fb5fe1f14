package metrics

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/clock"
)

// Outcomes of a controller step, the outcome label of
// flinkscale_autoscale_decisions_total and (but keep)
// flinkscale_autoscale_rescales_total.
const (
	// OutcomeKeep: the decision changed no parallelism.
	OutcomeKeep = "keep"
	// OutcomeApplied: the actuator carried the changes out.
	OutcomeApplied = "applied"
	// OutcomeDryRun: a dry-run actuator recorded the changes; they would
	// have been applied.
	OutcomeDryRun = "dry_run"
	// OutcomeRefused: the actuator declined the changes without trying
	// them (its error wraps autoscale.ErrRefused).
	OutcomeRefused = "refused"
	// OutcomeFailed: observing, deciding or applying failed.
	OutcomeFailed = "failed"
)

// Reason codes, the reason label of flinkscale_autoscale_decisions_total:
// a small fixed set derived from the step's record, never the decision's
// free text (which a program logs).
const (
	// ReasonObserveError: the observer returned no observation.
	ReasonObserveError = "observe_error"
	// ReasonDecideError: the policy refused the observation.
	ReasonDecideError = "decide_error"
	// ReasonNotRunning: the job was not running, so nothing was decided.
	ReasonNotRunning = "not_running"
	// ReasonScaleUp: every changed vertex goes up.
	ReasonScaleUp = "scale_up"
	// ReasonScaleDown: every changed vertex goes down.
	ReasonScaleDown = "scale_down"
	// ReasonRebalance: some changed vertices go up, others down.
	ReasonRebalance = "rebalance"
	// ReasonMissingFigures: nothing changes, and some vertices could not
	// be sized (Decision.Unsized): figures are missing or a capacity is
	// not measured yet.
	ReasonMissingFigures = "missing_figures"
	// ReasonSteady: nothing changes, every vertex sized.
	ReasonSteady = "steady"
)

// AutoscaleConfig configures an Autoscale collector. The zero
// AutoscaleConfig means the documented defaults.
type AutoscaleConfig struct {
	// Clock tells the time flinkscale_autoscale_seconds_since_restart is
	// computed at, when scraped. Default: the system clock.
	Clock clock.Clock
}

// Autoscale exports what an autoscale.Controller does: feed it every step
// (use Step as ControllerConfig.OnStep) and register it on your own
// registry. The per-vertex and per-job gauges are the latest observation's
// (a step whose observation failed keeps the previous one's, and
// flinkscale_autoscale_last_observation_timestamp_seconds shows its age);
// the counters count every step. Labels: job and vertex are the IDs of the
// job and vertices the controller manages (bounded by its job); outcome and
// reason take the constants above. Use one Autoscale per controller, and
// prometheus.WrapRegistererWith to tell several controllers apart. Safe for
// concurrent use.
type Autoscale struct {
	clk clock.Clock

	mu   sync.Mutex
	last autoscale.Record // the latest step with an observation
	have bool

	parallelism, target, capacity, info, busy, backlogDesc, timeLag               *prometheus.Desc
	slots, targetSlots, cluster, running, sinceRestart, unsized, obsStamp, health *prometheus.Desc

	decisions *prometheus.CounterVec
	rescales  *prometheus.CounterVec
	obsErrors prometheus.Counter
	steps     prometheus.Counter
}

var _ prometheus.Collector = (*Autoscale)(nil)

// NewAutoscale returns an Autoscale collector configured by cfg.
func NewAutoscale(cfg AutoscaleConfig) (*Autoscale, error) {
	job, vertex := []string{"job"}, []string{"job", "vertex"}
	a := &Autoscale{
		clk: clock.Or(cfg.Clock),
		parallelism: prometheus.NewDesc("flinkscale_autoscale_parallelism",
			"A vertex's parallelism at the latest observation.", vertex, nil),
		target: prometheus.NewDesc("flinkscale_autoscale_target_parallelism",
			"A vertex's target parallelism in the latest decision.", vertex, nil),
		capacity: prometheus.NewDesc("flinkscale_autoscale_capacity_records_per_second",
			"Records per second a vertex processes at its current parallelism when fully busy, as the policy measured it; absent until measured.", vertex, nil),
		info: prometheus.NewDesc("flinkscale_autoscale_vertex_info",
			"A vertex's name (the chain of its operators), always 1.", []string{"job", "vertex", "name"}, nil),
		busy: prometheus.NewDesc("flinkscale_autoscale_busy_ratio",
			"The busiest subtask's busy time as a fraction of wall time, at the latest observation; absent when missing.", vertex, nil),
		backlogDesc: prometheus.NewDesc("flinkscale_autoscale_source_backlog_records",
			"Records waiting in Kafka for a source vertex, at the latest observation; absent when missing.", vertex, nil),
		timeLag: prometheus.NewDesc("flinkscale_autoscale_source_time_lag_seconds",
			"Age of a source vertex's oldest unread record, at the latest observation; absent when missing.", vertex, nil),
		health: prometheus.NewDesc("flinkscale_autoscale_source_health_partitions",
			"A source vertex's Kafka partitions per lag health status (OK, WARN, STALL, STOP, REWIND, UNKNOWN), when the observer evaluates health.", []string{"job", "vertex", "status"}, nil),
		slots: prometheus.NewDesc("flinkscale_autoscale_slots",
			"Slots the current parallelism needs (per slot-sharing group the largest parallelism, summed).", job, nil),
		targetSlots: prometheus.NewDesc("flinkscale_autoscale_target_slots",
			"Slots the latest decision's targets need.", job, nil),
		cluster: prometheus.NewDesc("flinkscale_autoscale_cluster_slots",
			"The cluster's slots at the latest observation, total and available; absent when unknown.", []string{"job", "state"}, nil),
		running: prometheus.NewDesc("flinkscale_autoscale_job_running",
			"1 when the job was running at the latest observation, else 0.", job, nil),
		sinceRestart: prometheus.NewDesc("flinkscale_autoscale_seconds_since_restart",
			"Seconds since the job last switched to RUNNING, at scrape time; absent when unknown.", job, nil),
		unsized: prometheus.NewDesc("flinkscale_autoscale_unsized_vertices",
			"Vertices the latest decision could not size (figures missing, capacity not measured).", job, nil),
		obsStamp: prometheus.NewDesc("flinkscale_autoscale_last_observation_timestamp_seconds",
			"When the latest observation was taken, as a Unix time.", job, nil),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flinkscale_autoscale_decisions_total",
			Help: "Controller steps by outcome (keep, applied, dry_run, refused, failed) and reason code."}, []string{"outcome", "reason"}),
		rescales: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flinkscale_autoscale_rescales_total",
			Help: "Decisions that change parallelism, by outcome (applied, dry_run, refused, failed)."}, []string{"outcome"}),
		obsErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "flinkscale_autoscale_observation_errors_total",
			Help: "Controller steps whose observer returned no observation."}),
		steps: prometheus.NewCounter(prometheus.CounterOpts{Name: "flinkscale_autoscale_steps_total",
			Help: "Controller steps."}),
	}
	for _, o := range []string{OutcomeApplied, OutcomeDryRun, OutcomeRefused, OutcomeFailed} {
		a.rescales.WithLabelValues(o)
	}
	return a, nil
}

// Classify returns a step's outcome and reason code, as the counters
// label it.
func Classify(r autoscale.Record) (outcome, reason string) {
	observed := !r.Observation.Time.IsZero()
	decided := !r.Decision.Time.IsZero()
	switch {
	case !observed:
		return OutcomeFailed, ReasonObserveError
	case !decided && r.Err != nil:
		return OutcomeFailed, ReasonDecideError
	case !r.Observation.Running:
		reason = ReasonNotRunning
	case len(r.Changes) > 0:
		reason = direction(r)
	case len(r.Decision.Unsized) > 0:
		reason = ReasonMissingFigures
	default:
		reason = ReasonSteady
	}
	switch {
	case errors.Is(r.Err, autoscale.ErrRefused):
		return OutcomeRefused, reason
	case r.Err != nil:
		return OutcomeFailed, reason
	case r.Applied:
		return OutcomeApplied, reason
	case r.DryRun:
		return OutcomeDryRun, reason
	}
	return OutcomeKeep, reason
}

// direction tells scale_up, scale_down or rebalance from a record's
// changes.
func direction(r autoscale.Record) string {
	up, down := false, false
	for _, id := range r.Changes {
		v, ok := r.Observation.Vertex(id)
		if !ok {
			continue
		}
		t := r.Decision.Targets[id]
		up, down = up || t > v.Parallelism, down || t < v.Parallelism
	}
	switch {
	case up && down:
		return ReasonRebalance
	case down:
		return ReasonScaleDown
	}
	return ReasonScaleUp
}

// Step records one controller step: use it as ControllerConfig.OnStep.
func (a *Autoscale) Step(r autoscale.Record) {
	a.steps.Inc()
	outcome, reason := Classify(r)
	a.decisions.WithLabelValues(outcome, reason).Inc()
	if reason == ReasonObserveError {
		a.obsErrors.Inc()
	}
	if len(r.Changes) > 0 && outcome != OutcomeKeep {
		a.rescales.WithLabelValues(outcome).Inc()
	}
	if r.Observation.Time.IsZero() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.last, a.have = r, true
}

// Describe implements prometheus.Collector.
func (a *Autoscale) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{a.parallelism, a.target, a.capacity, a.info, a.busy, a.backlogDesc, a.timeLag,
		a.slots, a.targetSlots, a.cluster, a.running, a.sinceRestart, a.unsized, a.obsStamp, a.health} {
		ch <- d
	}
	a.decisions.Describe(ch)
	a.rescales.Describe(ch)
	a.obsErrors.Describe(ch)
	a.steps.Describe(ch)
}

// Collect implements prometheus.Collector.
func (a *Autoscale) Collect(ch chan<- prometheus.Metric) {
	a.mu.Lock()
	r, have := a.last, a.have
	a.mu.Unlock()
	if have {
		a.collectLast(ch, r)
	}
	a.decisions.Collect(ch)
	a.rescales.Collect(ch)
	a.obsErrors.Collect(ch)
	a.steps.Collect(ch)
}

func (a *Autoscale) collectLast(ch chan<- prometheus.Metric, r autoscale.Record) {
	obs, d := r.Observation, r.Decision
	job := obs.Job
	gauge := func(desc *prometheus.Desc, x autoscale.Value, labels ...string) {
		if v, ok := x.NonNegative().Get(); ok {
			constMetric(ch, desc, prometheus.GaugeValue, v, labels...)
		}
	}
	current := map[string]int{}
	for _, v := range obs.Vertices {
		current[v.ID] = v.Parallelism
		constMetric(ch, a.parallelism, prometheus.GaugeValue, float64(v.Parallelism), job, v.ID)
		constMetric(ch, a.info, prometheus.GaugeValue, 1, job, v.ID, v.Name)
		gauge(a.busy, v.Busy, job, v.ID)
		if v.Source != nil {
			gauge(a.backlogDesc, v.Source.Backlog, job, v.ID)
			gauge(a.timeLag, v.Source.TimeLag, job, v.ID)
			if h := v.Source.Health; h.Evaluated > 0 {
				for _, st := range healthStatuses {
					constMetric(ch, a.health, prometheus.GaugeValue, float64(h.Statuses[st.String()]), job, v.ID, st.String())
				}
			}
		}
		if t, ok := d.Targets[v.ID]; ok {
			constMetric(ch, a.target, prometheus.GaugeValue, float64(t), job, v.ID)
		}
		if c, ok := d.Capacity[v.ID]; ok {
			gauge(a.capacity, c, job, v.ID)
		}
	}
	now := slotsOf(obs, current)
	constMetric(ch, a.slots, prometheus.GaugeValue, float64(now), job)
	if len(d.Targets) > 0 {
		constMetric(ch, a.targetSlots, prometheus.GaugeValue, float64(d.Slots), job)
	}
	if res := obs.Resources; res.SlotsTotal > 0 {
		constMetric(ch, a.cluster, prometheus.GaugeValue, float64(res.SlotsTotal), job, "total")
		constMetric(ch, a.cluster, prometheus.GaugeValue, float64(res.SlotsAvailable), job, "available")
	}
	running := 0.0
	if obs.Running {
		running = 1
	}
	constMetric(ch, a.running, prometheus.GaugeValue, running, job)
	if !obs.LastRestart.IsZero() {
		constMetric(ch, a.sinceRestart, prometheus.GaugeValue, max(0, a.clk.Now().Sub(obs.LastRestart).Seconds()), job)
	}
	constMetric(ch, a.unsized, prometheus.GaugeValue, float64(len(d.Unsized)), job)
	constMetric(ch, a.obsStamp, prometheus.GaugeValue, float64(obs.Time.UnixNano())/1e9, job)
}

// slotsOf returns the slots parallelism p needs on obs's slot-sharing
// groups: per group the largest parallelism, summed.
func slotsOf(obs autoscale.Observation, p map[string]int) int {
	d := autoscale.Decision{Targets: p}
	d.Size(obs)
	return d.Slots
}
