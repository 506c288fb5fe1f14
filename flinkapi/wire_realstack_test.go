//go:build realstack

package flinkapi_test

// Which entries of the wire-deviation table (spec_test.go) the real wire
// needs: every exchange recorded against a real cluster is checked again
// against specs patched with every deviation but one. An entry whose
// removal makes some real exchange fail is confirmed by that exchange; an
// entry whose removal changes nothing was not needed by anything the
// scenario saw.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// realWireDeviations are differences between the spec and the wire that
// only the real tier found and that are not yet in spec_test.go's table;
// the real tier's validator applies them after the table's. Once an entry
// is confirmed on every measured version it moves to the table (patches
// refuse to apply twice), as subtask-legacy-fields and
// resource-id-any-string did.
var realWireDeviations = []specPatch{}

// exchange is one recorded HTTP exchange.
type exchange struct {
	method, url string
	header      http.Header
	reqBody     []byte
	status      int
	respHeader  http.Header
	respBody    []byte
}

// exchangeRecorder records every exchange through its Transport. Safe for
// concurrent use.
type exchangeRecorder struct {
	mu  sync.Mutex
	got []exchange
}

func (r *exchangeRecorder) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		reqBody, out, err := bufferRequest(req)
		if err != nil {
			return nil, err
		}
		resp, err := next.RoundTrip(out)
		if err != nil {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		r.mu.Lock()
		r.got = append(r.got, exchange{req.Method, req.URL.String(), req.Header.Clone(), reqBody, resp.StatusCode, resp.Header.Clone(), body})
		r.mu.Unlock()
		return resp, nil
	})
}

func (r *exchangeRecorder) all() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// allDeviations are the table's entries and the real tier's.
func allDeviations() []specPatch { return slices.Concat(wireDeviations, realWireDeviations) }

var realSpecsOnce = sync.OnceValues(func() ([]*specDoc, error) { return buildSpecsWith(allDeviations()) })

// realSpecs are the vendored specs patched with allDeviations.
func realSpecs(t testing.TB) []*specDoc {
	t.Helper()
	specs, err := realSpecsOnce()
	if err != nil {
		t.Fatalf("loading the Flink OpenAPI specs: %v", err)
	}
	return specs
}

// failures checks the exchanges against specs and returns one line per
// failure.
func failures(specs []*specDoc, exs []exchange) []string {
	var out []string
	for _, e := range exs {
		req, err := http.NewRequest(e.method, e.url, bytes.NewReader(e.reqBody))
		if err != nil {
			out = append(out, err.Error())
			continue
		}
		req.Header = e.header.Clone()
		resp := &http.Response{StatusCode: e.status, Header: e.respHeader}
		for _, s := range specs {
			_, fs := s.check(req, e.reqBody, resp, e.respBody)
			for _, f := range fs {
				out = append(out, fmt.Sprintf("%s: %s %s → %d: %v", s.name, e.method, req.URL.RequestURI(), e.status, f))
			}
		}
	}
	return out
}

// deviationFinding is what one run found for one deviation.
type deviationFinding struct {
	name    string
	needed  bool
	example string
}

// checkDeviations re-checks the exchanges recorded against Flink version
// with each deviation left out in turn, and logs which ones the real wire
// needs.
func checkDeviations(t *testing.T, version string, exs []exchange) []deviationFinding {
	t.Helper()
	var found []deviationFinding
	var table strings.Builder
	for _, d := range allDeviations() {
		rest := slices.DeleteFunc(allDeviations(), func(o specPatch) bool { return o.name == d.name })
		specs, err := buildSpecsWith(rest)
		if err != nil {
			t.Errorf("specs without %s: %v", d.name, err)
			continue
		}
		fs := failures(specs, exs)
		f := deviationFinding{name: d.name, needed: len(fs) > 0}
		if f.needed {
			f.example = fs[0]
		}
		found = append(found, f)
		verdict := "not needed by any exchange seen"
		if f.needed {
			verdict = fmt.Sprintf("CONFIRMED by %d failures without it, e.g. %.300s", len(fs), f.example)
		}
		fmt.Fprintf(&table, "\n  %-28s %s", d.name, verdict)
	}
	t.Logf("flink %s: wire deviations against %d recorded exchanges:%s", version, len(exs), table.String())
	return found
}
