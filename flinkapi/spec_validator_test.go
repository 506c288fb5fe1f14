package flinkapi_test

// The validating transport: loads the patched specs (spec_test.go) and
// checks every exchange against them.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// specDoc is one loaded, patched spec with its router.
type specDoc struct {
	name   string
	doc    *openapi3.T
	router routers.Router
}

var loadSpecsOnce = sync.OnceValues(buildSpecs)

// loadSpecs loads the vendored specs once per test binary, with the wire
// deviations and the adaptations applied and the result validated.
func loadSpecs(t testing.TB) []*specDoc {
	t.Helper()
	specs, err := loadSpecsOnce()
	if err != nil {
		t.Fatalf("loading the Flink OpenAPI specs: %v", err)
	}
	return specs
}

func readSpec(path string) (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromFile(path)
}

func buildSpecs() ([]*specDoc, error) { return buildSpecsWith(wireDeviations) }

// buildSpecsWith is buildSpecs with the given deviations instead of the
// table's.
func buildSpecsWith(deviations []specPatch) ([]*specDoc, error) {
	docs := make([]*openapi3.T, len(specFiles))
	for i, f := range specFiles {
		doc, err := readSpec(f.path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		for _, d := range deviations {
			if err := d.patch(doc); err != nil {
				return nil, fmt.Errorf("%s: deviation %s: %w", f.name, d.name, err)
			}
		}
		docs[i] = doc
	}
	for _, a := range specAdaptations {
		for i, doc := range docs {
			peers := slices.Delete(slices.Clone(docs), i, i+1)
			if err := a.apply(doc, peers); err != nil {
				return nil, fmt.Errorf("%s: adaptation %s: %w", specFiles[i].name, a.name, err)
			}
		}
	}
	specs := make([]*specDoc, len(docs))
	for i, doc := range docs {
		if err := doc.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("%s: patched spec is invalid: %w", specFiles[i].name, err)
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", specFiles[i].name, err)
		}
		specs[i] = &specDoc{name: specFiles[i].name, doc: doc, router: router}
	}
	return specs, nil
}

// ---- validation ----

// specValidator validates every HTTP exchange it sees against every loaded
// spec and records which operations it validated, and the route each
// exchange matched. Safe for concurrent use.
type specValidator struct {
	t     testing.TB
	specs []*specDoc

	mu      sync.Mutex
	covered map[string]bool
	routes  [][]string // per spec, "METHOD /path/{template}" of each exchange; made by validate
}

func newSpecValidator(t testing.TB) *specValidator {
	t.Helper()
	return &specValidator{t: t, specs: loadSpecs(t), covered: map[string]bool{}}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// Transport wraps next (http.DefaultTransport if nil). Each exchange's
// request and response are validated against every spec and each failure is
// reported with t.Errorf; the bodies reach the caller unchanged. A transport
// error (no response) is passed through without validation.
func (v *specValidator) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		reqBody, out, err := bufferRequest(req)
		if err != nil {
			return nil, err
		}
		resp, err := next.RoundTrip(out)
		if err != nil {
			return resp, err
		}
		respBody, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("spec validator: reading the response body: %w", err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
		for _, e := range v.validate(req, reqBody, resp, respBody) {
			v.t.Errorf("%v", e)
		}
		return resp, nil
	})
}

// bufferRequest reads the request body and returns it with the request to
// send on, which still carries the whole body. req itself is not modified.
func bufferRequest(req *http.Request) ([]byte, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, nil, err
		}
		defer rc.Close()
		body, err := io.ReadAll(rc)
		return body, req, err
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return body, out, nil
}

// validate checks one exchange against every spec and returns one error per
// failed check, each naming the spec, the method, path and query, and status.
func (v *specValidator) validate(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []error {
	var errs []error
	for i, s := range v.specs {
		route, failures := s.check(req, reqBody, resp, respBody)
		v.mu.Lock()
		if v.routes == nil {
			v.routes = make([][]string, len(v.specs))
		}
		if i == 0 && route != nil {
			v.covered[route.Operation.OperationID] = true
		}
		matched := "(no route)"
		if route != nil {
			matched = req.Method + " " + route.Path
		}
		v.routes[i] = append(v.routes[i], matched)
		v.mu.Unlock()
		for _, f := range failures {
			errs = append(errs, fmt.Errorf("OpenAPI %s: %s %s → %d: %w", s.name, req.Method, req.URL.RequestURI(), resp.StatusCode, f))
		}
	}
	return errs
}

// check validates one exchange against one spec. It returns the route the
// request matched (nil when none does) and the failures.
func (s *specDoc) check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) (*routers.Route, []error) {
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	vreq.ContentLength = int64(len(reqBody))
	route, params, err := s.router.FindRoute(vreq)
	if err != nil {
		return nil, []error{fmt.Errorf("no operation matches: %w", err)}
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus:             true,
		RejectWhenRequestBodyNotSpecified: true,
		SkipSettingDefaults:               true,
	}
	opts.WithCustomSchemaErrorFunc(schemaErrorMessage)
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	var errs []error
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		errs = append(errs, fmt.Errorf("request: %w", err))
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		errs = append(errs, fmt.Errorf("response: %w", err))
	}
	return route, append(errs, extraChecks(route, req, resp.StatusCode, respBody)...)
}

// extraChecks adds what kin-openapi leaves out: it ignores query parameters
// the operation does not declare (so a misnamed one would pass), and does not
// look at the body of an answer the spec documents without content (Flink
// sends nothing or {} there).
func extraChecks(route *routers.Route, req *http.Request, status int, body []byte) []error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(req.URL.Query())) {
		if route.Operation.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil &&
			route.PathItem.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
			errs = append(errs, fmt.Errorf("request: query parameter %q is not declared", name))
		}
	}
	if doc := route.Operation.Responses.Status(status); doc != nil && len(doc.Value.Content) == 0 {
		var compact bytes.Buffer
		if len(bytes.TrimSpace(body)) != 0 && (json.Compact(&compact, body) != nil || compact.String() != "{}") {
			errs = append(errs, fmt.Errorf("response: status %d is documented without content, but the body is %.80q", status, body))
		}
	}
	return errs
}

// Covered returns the sorted IDs of the operations validated so far, as the
// first spec names them.
func (v *specValidator) Covered() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Sorted(maps.Keys(v.covered))
}

// Routes returns, for each spec in specFiles' order, the route each
// validated exchange matched, as "METHOD /path/{template}" in the spec's
// spelling ("(no route)" when none did), in the order the exchanges
// happened.
func (v *specValidator) Routes() [][]string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([][]string, len(v.routes))
	for i, r := range v.routes {
		out[i] = slices.Clone(r)
	}
	return out
}

// schemaErrorMessage replaces kin-openapi's default message, which dumps the
// whole schema and value, with the JSON pointer, the reason and a short
// value; for an anyOf it adds why each candidate failed.
func schemaErrorMessage(e *openapi3.SchemaError) string {
	reason := e.Reason
	if reason == "" {
		reason = fmt.Sprintf("does not match %q", e.SchemaField)
	}
	msg := fmt.Sprintf("at %q: %s", "/"+strings.Join(e.JSONPointer(), "/"), reason)
	if e.Origin != nil {
		msg += ": " + e.Origin.Error()
	}
	if e.SchemaField == "anyOf" && e.Schema != nil {
		msg += anyOfFailures(e.Schema, e.Value)
	}
	value, _ := json.Marshal(e.Value)
	if len(value) > 120 {
		value = append(value[:117], "..."...)
	}
	return fmt.Sprintf("%s (value %s)", msg, value)
}

// anyOfFailures explains an anyOf failure: why each candidate (only the one
// the discriminator selects, if any) rejected value.
func anyOfFailures(s *openapi3.Schema, value any) string {
	var selected string
	if d, obj := s.Discriminator, asObject(value); d != nil && obj != nil {
		if key, ok := obj[d.PropertyName].(string); ok {
			selected = d.Mapping[key].Ref
		}
	}
	var why []string
	for i, c := range s.AnyOf {
		if selected != "" && c.Ref != selected {
			continue
		}
		if err := c.Value.VisitJSON(value, openapi3.SetSchemaErrorMessageCustomizer(schemaErrorMessage)); err != nil {
			name := cmp.Or(c.Ref, fmt.Sprintf("#%d", i))
			why = append(why, fmt.Sprintf("%s: %v", strings.TrimPrefix(name, schemaPrefix), err))
		}
	}
	return " [" + strings.Join(why, "; ") + "]"
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
