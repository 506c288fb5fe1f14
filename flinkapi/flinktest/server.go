package flinktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/flinkapi"
)

// ErrInvalidConfig is wrapped by every error about a bad Config, JobSpec,
// Fault or checkpoint the test supplies. It wraps
// flinkscale.ErrInvalidConfig.
var ErrInvalidConfig = fmt.Errorf("flinktest: %w", flinkscale.ErrInvalidConfig)

// ErrUnknownJob is returned by the Server's test-side methods for a job ID
// the server does not hold.
var ErrUnknownJob = errors.New("flinktest: unknown job")

// Config configures a Server. The zero Config is a ready cluster: 4
// TaskManagers with 8 slots each, Flink 1.20.0, the adaptive scheduler, the
// system clock, and the server's own metric store.
type Config struct {
	// TaskManagers is how many TaskManagers are registered. Default: 4.
	TaskManagers int
	// SlotsPerTaskManager is each TaskManager's slot count. Default: 8.
	SlotsPerTaskManager int
	// FlinkVersion is reported by /overview. Default: "1.20.0".
	FlinkVersion string
	// Clock tells the current time: timestamps, operation delays and state
	// transitions are all read from its Now, so a virtual clock
	// (clocktest.Virtual) makes the server deterministic; the server never
	// sleeps on it. Default: the system clock (clock.System).
	Clock clock.Clock
	// Metrics supplies metric values. Default: the server's own store, set
	// with SetVertexMetrics and SetJobMetric.
	Metrics MetricsProvider
	// RestartDelay is how long a job stays RESTARTING after a rescale or a
	// failover before it is RUNNING again. Default: 0 (RUNNING at the next
	// request, with fresh timestamps).
	RestartDelay time.Duration
	// CancelDelay is how long a cancelled job stays CANCELLING. Default: 0.
	CancelDelay time.Duration
	// AsyncStoreDuration is how long a completed savepoint or stop result
	// is kept (Flink's rest.async.store-duration); after it, the trigger ID
	// is unknown (404) and may be used again. Default: 5 minutes.
	AsyncStoreDuration time.Duration
	// JobManagerConfig entries are added to (and override) the defaults
	// served by /jobmanager/config, which include
	// jobmanager.scheduler=adaptive.
	JobManagerConfig map[string]string
	// Logger receives one debug line per request. Default: discard.
	Logger *slog.Logger
}

// Validate reports whether c is usable. Its errors wrap ErrInvalidConfig.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		n    int64
	}{
		{"TaskManagers", int64(c.TaskManagers)}, {"SlotsPerTaskManager", int64(c.SlotsPerTaskManager)},
		{"RestartDelay", int64(c.RestartDelay)}, {"CancelDelay", int64(c.CancelDelay)},
		{"AsyncStoreDuration", int64(c.AsyncStoreDuration)},
	} {
		if f.n < 0 {
			return fmt.Errorf("%w: %s is negative", ErrInvalidConfig, f.name)
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.TaskManagers == 0 {
		c.TaskManagers = 4
	}
	if c.SlotsPerTaskManager == 0 {
		c.SlotsPerTaskManager = 8
	}
	if c.FlinkVersion == "" {
		c.FlinkVersion = "1.20.0"
	}
	c.Clock = clock.Or(c.Clock)
	if c.AsyncStoreDuration == 0 {
		c.AsyncStoreDuration = 5 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Server is an in-process fake Flink JobManager serving the REST API over
// HTTP on loopback, with Flink's wire format and quirks. Its methods are
// safe for concurrent use, also while requests are being served.
type Server struct {
	// URL is the base URL of the REST API, for flinkapi.Config.BaseURL.
	URL string

	cfg    Config
	srv    *httptest.Server
	routes map[string]bool // patterns served, for fault validation

	mu      sync.Mutex // guards the cluster state below
	jobs    map[flinkapi.JobID]*job
	order   []flinkapi.JobID // jobs in submission order
	store   *MetricStore
	metrics MetricsProvider

	// orphans are savepoint and stop operations triggered on jobs the
	// server does not hold: accepted, then failed (unknownJob).
	orphans map[flinkapi.JobID]map[flinkapi.TriggerID]*operation

	faults faultTable
	log    requestLog
}

// NewServer starts a Server on a loopback port, or returns an error
// wrapping ErrInvalidConfig. Call Close when done.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:     cfg,
		jobs:    map[flinkapi.JobID]*job{},
		orphans: map[flinkapi.JobID]map[flinkapi.TriggerID]*operation{},
		store:   NewMetricStore(),
		routes:  map[string]bool{},
	}
	s.metrics = cfg.Metrics
	if s.metrics == nil {
		s.metrics = s.store
	}
	mux := http.NewServeMux()
	for pattern, h := range s.handlers() {
		s.routes[pattern] = true
		mux.HandleFunc(pattern, h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not found: "+r.URL.Path)
	})
	s.srv = httptest.NewServer(s.middleware(mux))
	s.URL = s.srv.URL
	return s, nil
}

// Start is NewServer for tests: it fails t on a bad Config and closes the
// server when the test ends.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down and waits for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Routes returns the route patterns the server serves, such as
// "GET /jobs/{jobid}": the names InjectFault and CountRequests take.
func (s *Server) Routes() []string {
	out := make([]string, 0, len(s.routes))
	for r := range maps.Keys(s.routes) {
		out = append(out, r)
	}
	return sortStrings(out)
}

// handlers maps each route pattern (Go ServeMux syntax) to its handler.
func (s *Server) handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /overview":                                          s.getOverview,
		"GET /taskmanagers":                                      s.getTaskManagers,
		"GET /jobmanager/config":                                 s.getJobManagerConfig,
		"GET /jobmanager/metrics":                                s.getJobManagerMetrics,
		"GET /jobs/overview":                                     s.getJobsOverview,
		"GET /jobs/{jobid}":                                      s.withJob(s.getJobDetails),
		"PATCH /jobs/{jobid}":                                    s.withJob(s.patchJob),
		"GET /jobs/{jobid}/status":                               s.withJob(s.getJobStatus),
		"GET /jobs/{jobid}/metrics":                              s.withJob(s.getJobMetrics),
		"GET /jobs/{jobid}/vertices/{vertexid}":                  s.withJob(s.getVertexDetails),
		"GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics": s.withJob(s.getAggregatedMetrics),
		"GET /jobs/{jobid}/checkpoints":                          s.withJob(s.getCheckpoints),
		"GET /jobs/{jobid}/checkpoints/config":                   s.withJob(s.getCheckpointConfig),
		"POST /jobs/{jobid}/savepoints":                          s.withJob(s.postSavepoint),
		"POST /jobs/{jobid}/stop":                                s.withJob(s.postStop),
		"GET /jobs/{jobid}/savepoints/{triggerid}":               s.withJob(s.getOperation),
		"GET /jobs/{jobid}/resource-requirements":                s.withJob(s.getResourceRequirements),
		"PUT /jobs/{jobid}/resource-requirements":                s.withJob(s.putResourceRequirements),
		"PATCH /jobs/{jobid}/rescaling":                          s.withJob(s.patchRescaling),
	}
}

// jobHandler serves a request about one job, with the server lock held and
// the job's lazy transitions applied.
type jobHandler func(w http.ResponseWriter, r *http.Request, j *job, now time.Time)

// withJob resolves {jobid}: 400 when malformed; when unknown, what Flink
// answers on that route (unknownJob).
func (s *Server) withJob(h jobHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := flinkapi.JobID(r.PathValue("jobid"))
		if err := id.Validate(); err != nil {
			writeError(w, http.StatusBadRequest, badParams+err.Error())
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		j, ok := s.jobs[id]
		if !ok {
			s.unknownJob(w, r, id)
			return
		}
		now := s.cfg.Clock.Now()
		s.advance(j, now)
		h(w, r, j, now)
	}
}

// badParams starts Flink's message for a request whose parameters do not parse.
const badParams = "Bad request, could not parse parameters: "

// writeJSON answers v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "flinktest: encode answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers Flink's error body: {"errors": [...]}.
func writeError(w http.ResponseWriter, status int, messages ...string) {
	b, _ := json.Marshal(struct {
		Errors []string `json:"errors"`
	}{messages})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decodeBody reads a JSON request body into v, answering 400 as Flink does
// when it does not fit.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Request did not match expected format "+fmt.Sprintf("%T", v)+": "+err.Error())
		return false
	}
	return true
}
