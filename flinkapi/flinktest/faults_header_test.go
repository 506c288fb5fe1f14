package flinktest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
	"github.com/flinkscale/flinkscale/flinkapi/flinktest"
)

// Fault.Header adds fields to an injected answer: a Retry-After to a 503,
// a Location to a redirect, which the client then refuses to follow.
func TestFaultHeader(t *testing.T) {
	srv := flinktest.Start(t, flinktest.Config{})
	tests := []struct {
		name  string
		fault flinktest.Fault
		field string
		want  string
	}{
		{"Retry-After with a 503", flinktest.Fault{Status: 503, Header: http.Header{"Retry-After": {"7"}}}, "Retry-After", "7"},
		{"Location with a 307 and a raw body", flinktest.Fault{Status: 307, Body: "moved", Header: http.Header{"Location": {"http://elsewhere:8081/overview"}}}, "Location", "http://elsewhere:8081/overview"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := srv.InjectFault("GET /overview", tt.fault); err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/overview", nil)
			resp, err := http.DefaultTransport.RoundTrip(req) // no redirect followed
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.fault.Status || resp.Header.Get(tt.field) != tt.want {
				t.Errorf("answer %d with %s %q, want %d with %q", resp.StatusCode, tt.field, resp.Header.Get(tt.field), tt.fault.Status, tt.want)
			}
		})
	}
	t.Run("the client does not follow the injected redirect", func(t *testing.T) {
		if err := srv.InjectFault("GET /overview", flinktest.Fault{Status: 302, Header: http.Header{"Location": {"/elsewhere"}}}); err != nil {
			t.Fatal(err)
		}
		c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.Overview(context.Background())
		var apiErr *flinkapi.Error
		if !errors.Is(err, flinkapi.ErrRedirect) || !errors.As(err, &apiErr) || apiErr.Location != srv.URL+"/elsewhere" {
			t.Errorf("err = %v, want ErrRedirect naming %s/elsewhere", err, srv.URL)
		}
	})
	for _, f := range []flinktest.Fault{{Drop: true, Header: http.Header{"X": {"1"}}}, {Truncate: true, Header: http.Header{"X": {"1"}}}} {
		if err := srv.InjectFault("GET /overview", f); !errors.Is(err, flinktest.ErrInvalidConfig) {
			t.Errorf("InjectFault(%+v) = %v, want ErrInvalidConfig", f, err)
		}
	}
}
