package flinktest

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// AnyRoute makes a Fault apply to every route.
const AnyRoute = "*"

// Fault is injected into the next calls of a route. Latency is added
// first; then the call is answered with Status (and Flink's error body), or
// with a raw Body, either with extra Header fields, or its connection is
// dropped without an answer, or it is served normally but its answer is
// cut off (Truncate), or it is served normally when none of these is set.
type Fault struct {
	// Status answers the call with this HTTP status and {"errors": [Message]},
	// or with Body when Body or ContentType is set.
	Status int
	// Message is the error text with Status. Default: the status text.
	Message string
	// Body answers the call with exactly these bytes instead of Flink's
	// {"errors": [...]} JSON: a proxy's page, an empty or garbage body. The
	// status is Status, or 200 when Status is 0. The call's handler does not
	// run. Setting ContentType alone answers an empty body.
	Body string
	// ContentType is the Content-Type sent with Body. Default:
	// "text/html; charset=utf-8".
	ContentType string
	// Header is added to the answer of Status or Body: a Retry-After with a
	// 503, a Location with a 3xx. It cannot be combined with Drop or
	// Truncate.
	Header http.Header
	// Drop closes the connection without answering.
	Drop bool
	// Truncate lets the call's handler run and produce its answer, with all
	// its side effects (a stop is registered, a rescale starts), then sends
	// the status and headers with the full Content-Length but only the
	// first half of the body (an empty body is declared one byte long), and
	// closes the connection: the client sees the answer cut off mid-read, as
	// if it were lost on the way. It cannot be combined with Status, Body,
	// ContentType or Drop.
	Truncate bool
	// Latency delays the call (in real time, whatever the Clock).
	Latency time.Duration
	// Times is how many calls the fault affects. 0 means 1; a negative
	// value means every call until ClearFaults.
	Times int
}

// raw reports whether f answers with a raw Body rather than Flink's JSON.
func (f Fault) raw() bool { return f.Body != "" || f.ContentType != "" }

func (f Fault) validate() error {
	switch {
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("%w: Fault.Status %d is not an HTTP status", ErrInvalidConfig, f.Status)
	case f.Status != 0 && f.Drop:
		return fmt.Errorf("%w: Fault sets both Status and Drop", ErrInvalidConfig)
	case f.raw() && f.Drop:
		return fmt.Errorf("%w: Fault sets both Body (or ContentType) and Drop", ErrInvalidConfig)
	case f.raw() && f.Message != "":
		return fmt.Errorf("%w: Fault sets both Body (or ContentType) and Message", ErrInvalidConfig)
	case f.Truncate && (f.Status != 0 || f.Drop || f.raw()):
		return fmt.Errorf("%w: Fault.Truncate is set with Status, Drop, Body or ContentType", ErrInvalidConfig)
	case len(f.Header) > 0 && (f.Drop || f.Truncate):
		return fmt.Errorf("%w: Fault.Header is set with Drop or Truncate", ErrInvalidConfig)
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
	Time    time.Time   // real time of arrival
	Method  string      // the HTTP method
	Path    string      // the URL path
	Query   string      // raw query
	Route   string      // the matched pattern, "" when none matched
	Header  http.Header // the request's header
	Body    []byte      // the request's body
	Status  int         // status answered (or sent with a truncated body); 0 when the connection was dropped
	Faulted bool        // answered, dropped or truncated by an injected fault
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

// faultAction is what applyFault left for the middleware to do.
type faultAction int

const (
	serve    faultAction = iota // no fault: serve the request normally
	answered                    // the fault answered (or abandoned) the request
	drop                        // close the connection without an answer
	truncate                    // serve into a buffer, then send half the body
)

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
		action := s.applyFault(rec, r, route)
		var buf *httptest.ResponseRecorder
		switch action {
		case serve:
			mux.ServeHTTP(rec, r)
		case truncate:
			buf = httptest.NewRecorder()
			mux.ServeHTTP(buf, r)
			rec.status = buf.Code
		}
		entry.Faulted, entry.Status = action != serve, rec.status
		s.cfg.Logger.Debug("flinktest: request", "method", r.Method, "path", r.URL.Path, "status", rec.status)
		// Log before a drop or a truncation closes the connection: the
		// client sees the failure at once, and a test counting requests
		// must see it logged.
		s.log.mu.Lock()
		s.log.reqs = append(s.log.reqs, entry)
		s.log.mu.Unlock()
		switch action {
		case drop:
			dropConn(rec)
		case truncate:
			sendTruncated(rec, buf)
		}
	})
}

// applyFault runs a pending fault for route and reports what is left to do:
// serve the request, nothing (the fault answered it), drop the connection
// or truncate the answer (both done by the caller once the request is
// logged).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, route string) faultAction {
	if route == "" {
		return serve
	}
	f, ok := s.faults.take(route)
	if !ok {
		return serve
	}
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return answered
		}
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	switch {
	case f.Drop:
		return drop
	case f.Truncate:
		return truncate
	case f.raw():
		writeRaw(w, f)
		return answered
	case f.Status != 0:
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		writeError(w, f.Status, msg)
		return answered
	}
	return serve
}

// writeRaw answers f.Body as it is, with f.Status (default 200) and
// f.ContentType (default an HTML page's).
func writeRaw(w http.ResponseWriter, f Fault) {
	w.Header().Set("Content-Type", cmp.Or(f.ContentType, "text/html; charset=utf-8"))
	w.WriteHeader(cmp.Or(f.Status, http.StatusOK))
	_, _ = io.WriteString(w, f.Body)
}

// hijack takes the request's connection over from net/http. httptest's
// HTTP/1.1 server always allows it; should it ever fail, hijack panics with
// http.ErrAbortHandler, net/http's documented way to abort a response
// without an answer.
func hijack(rec *statusRecorder) (net.Conn, *bufio.ReadWriter) {
	if hj, ok := rec.ResponseWriter.(http.Hijacker); ok {
		if conn, rw, err := hj.Hijack(); err == nil {
			return conn, rw
		}
	}
	panic(http.ErrAbortHandler)
}

// dropConn closes the request's connection without an answer.
func dropConn(rec *statusRecorder) {
	conn, _ := hijack(rec)
	_ = conn.Close()
}

// sendTruncated writes the answer buf holds as a raw HTTP/1.1 response that
// declares the full Content-Length but carries only the first half of the
// body (at least one byte fewer than declared), then closes the connection.
func sendTruncated(rec *statusRecorder, buf *httptest.ResponseRecorder) {
	conn, rw := hijack(rec)
	defer conn.Close()
	res := buf.Result() // the headers as they were when the status was written
	body := buf.Body.Bytes()
	declared := max(len(body), 1)
	for _, k := range []string{"Content-Length", "Transfer-Encoding", "Connection"} {
		res.Header.Del(k)
	}
	fmt.Fprintf(rw, "HTTP/1.1 %d %s\r\n", res.StatusCode, http.StatusText(res.StatusCode))
	_ = res.Header.Write(rw)
	fmt.Fprintf(rw, "Content-Length: %d\r\nConnection: close\r\n\r\n", declared)
	_, _ = rw.Write(body[:len(body)/2])
	if rw.Flush() != nil {
		return
	}
	// Half-close first so the client reads the bytes sent, then end of
	// stream, rather than a reset.
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
}
