package flinktest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// AnyRoute makes a Fault apply to every route.
const AnyRoute = "*"

// Fault is injected into the next calls of a route. Latency is added first;
// then the call is answered with Status (and Flink's error body), or its
// connection is dropped without an answer, or it is served normally when
// neither is set.
type Fault struct {
	// Status answers the call with this HTTP status and {"errors": [Message]}.
	Status int
	// Message is the error text with Status. Default: the status text.
	Message string
	// Drop closes the connection without answering.
	Drop bool
	// Latency delays the call (in real time, whatever the Clock).
	Latency time.Duration
	// Times is how many calls the fault affects. 0 means 1; a negative
	// value means every call until ClearFaults.
	Times int
}

func (f Fault) validate() error {
	switch {
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("%w: Fault.Status %d is not an HTTP status", ErrInvalidConfig, f.Status)
	case f.Status != 0 && f.Drop:
		return fmt.Errorf("%w: Fault sets both Status and Drop", ErrInvalidConfig)
	case f.Latency < 0:
		return fmt.Errorf("%w: Fault.Latency is negative", ErrInvalidConfig)
	}
	return nil
}

// faultTable holds pending faults per route, oldest first.
type faultTable struct {
	mu sync.Mutex
	m  map[string][]*Fault
}

// InjectFault queues f for route, a pattern from Routes (for example
// "POST /jobs/{jobid}/stop") or AnyRoute. Faults on a route apply in the
// order they were injected; a route's own faults go before AnyRoute's.
func (s *Server) InjectFault(route string, f Fault) error {
	if route != AnyRoute && !s.routes[route] {
		return fmt.Errorf("%w: unknown route %q (see Routes)", ErrInvalidConfig, route)
	}
	if err := f.validate(); err != nil {
		return err
	}
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.m == nil {
		s.faults.m = map[string][]*Fault{}
	}
	s.faults.m[route] = append(s.faults.m[route], &f)
	return nil
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.m = nil
}

// take consumes one charge of the first fault pending for route.
func (t *faultTable) take(route string) (Fault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, key := range []string{route, AnyRoute} {
		q := t.m[key]
		if len(q) == 0 {
			continue
		}
		f := q[0]
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				t.m[key] = q[1:]
			}
		}
		return *f, true
	}
	return Fault{}, false
}

// Request is one request the server received, as a test asserts on it.
type Request struct {
	Time    time.Time // real time of arrival
	Method  string
	Path    string
	Query   string // raw query
	Route   string // the matched pattern, "" when none matched
	Header  http.Header
	Body    []byte
	Status  int  // status answered; 0 when the connection was dropped
	Faulted bool // answered by an injected fault
}

type requestLog struct {
	mu   sync.Mutex
	reqs []Request
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return slices.Clone(s.log.reqs)
}

// CountRequests returns how many logged requests matched route (a pattern
// from Routes).
func (s *Server) CountRequests(route string) int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	n := 0
	for _, r := range s.log.reqs {
		if r.Route == route {
			n++
		}
	}
	return n
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	s.log.reqs = nil
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// middleware logs each request and applies injected faults.
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		_, route := mux.Handler(r)
		if !s.routes[route] {
			route = ""
		}
		entry := Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Route: route, Header: r.Header.Clone(), Body: body}
		rec := &statusRecorder{ResponseWriter: w}
		var drop bool
		entry.Faulted, drop = s.applyFault(rec, r, route)
		if !entry.Faulted {
			mux.ServeHTTP(rec, r)
		}
		entry.Status = rec.status
		s.cfg.Logger.Debug("flinktest: request", "method", r.Method, "path", r.URL.Path, "status", rec.status)
		// Log before a drop closes the connection: the client sees the
		// drop at once, and a test counting requests must see it logged.
		s.log.mu.Lock()
		s.log.reqs = append(s.log.reqs, entry)
		s.log.mu.Unlock()
		if drop {
			dropConn(rec)
		}
	})
}

// applyFault runs a pending fault for route; it reports whether the fault
// answered the request, and whether the connection is to be dropped
// without an answer (the caller drops it once the request is logged).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, route string) (faulted, drop bool) {
	if route == "" {
		return false, false
	}
	f, ok := s.faults.take(route)
	if !ok {
		return false, false
	}
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return true, false
		}
	}
	switch {
	case f.Drop:
		return true, true
	case f.Status != 0:
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		writeError(w, f.Status, msg)
		return true, false
	}
	return false, false
}

// dropConn closes the request's connection without an answer.
func dropConn(rec *statusRecorder) {
	if hj, ok := rec.ResponseWriter.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not reachable with httptest's HTTP/1.1 server; ErrAbortHandler is
	// net/http's documented way to abort a response without an answer.
	panic(http.ErrAbortHandler)
}
