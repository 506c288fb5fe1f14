package flinkapi_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// connServer counts the connections a client opens and has open.
type connServer struct {
	*httptest.Server
	opened, open, peak atomic.Int32
}

func newConnServer(t *testing.T, h http.HandlerFunc) *connServer {
	t.Helper()
	s := &connServer{}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.opened.Add(1)
			n := s.open.Add(1)
			for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
			}
		case http.StateClosed, http.StateHijacked:
			s.open.Add(-1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}

const statusAnswer = `{"status":"RUNNING"}`

// Close closes the idle connections, makes calls in flight return at once
// with ErrClosed, and refuses later calls.
func TestClose(t *testing.T) {
	var listing, details atomic.Int32
	srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "/vertices/"):
			listing.Add(1)
		case strings.HasSuffix(r.URL.Path, string(exampleJob)):
			details.Add(1)
		default:
			fmt.Fprint(w, statusAnswer)
			return
		}
		<-r.Context().Done() // answers only when the client gives up
	})
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	inFlight := make(chan error, 2)
	go func() {
		_, err := c.VertexMetricNames(ctx, exampleJob, "0a448493b4782967b150582570326227")
		inFlight <- err
	}()
	go func() {
		_, err := c.JobDetails(ctx, exampleJob)
		inFlight <- err
	}()
	waitFor(t, "the listing and the details to arrive", func() bool { return listing.Load() == 1 && details.Load() == 1 })
	if _, err := c.JobStatus(ctx, exampleJob); err != nil { // a third connection, idle after
		t.Fatal(err)
	}
	waitFor(t, "three connections", func() bool { return srv.open.Load() == 3 })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case err := <-inFlight:
			if !errors.Is(err, flinkapi.ErrClosed) {
				t.Errorf("call in flight: err = %v, want ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a call in flight did not return after Close")
		}
	}
	waitFor(t, "every connection closed", func() bool { return srv.open.Load() == 0 })
	if _, err := c.JobStatus(ctx, exampleJob); !errors.Is(err, flinkapi.ErrClosed) || flinkapi.IsTransient(err) {
		t.Errorf("call after Close: err = %v, want ErrClosed, not transient", err)
	}
	if _, err := c.VertexMetricNames(ctx, exampleJob, "0a448493b4782967b150582570326227"); !errors.Is(err, flinkapi.ErrClosed) {
		t.Errorf("listing after Close: err = %v, want ErrClosed", err)
	}
	if listing.Load() != 1 || details.Load() != 1 {
		t.Errorf("%d listing and %d details attempts, want 1 each: Close must stop the retries", listing.Load(), details.Load())
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// Many concurrent calls share at most MaxConnsPerHost connections (500
// calls once opened 496).
func TestMaxConnsPerHost(t *testing.T) {
	tests := []struct {
		name string
		cap  int // Config.MaxConnsPerHost; 0: the default
		want int32
	}{
		{"default", 0, 16},
		{"set", 4, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newConnServer(t, func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(5 * time.Millisecond)
				fmt.Fprint(w, statusAnswer)
			})
			c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, MaxConnsPerHost: tt.cap})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			const calls = 200
			var wg sync.WaitGroup
			var failed atomic.Int32
			for range calls {
				wg.Go(func() {
					if _, err := c.JobStatus(context.Background(), exampleJob); err != nil {
						failed.Add(1)
					}
				})
			}
			wg.Wait()
			if failed.Load() != 0 {
				t.Errorf("%d calls failed", failed.Load())
			}
			if got := srv.peak.Load(); got > tt.want || srv.opened.Load() > tt.want {
				t.Errorf("%d calls had up to %d connections open (%d opened), want at most %d", calls, got, srv.opened.Load(), tt.want)
			}
		})
	}
}

// The shared metric-name listing lives as long as some caller waits for
// it: when the only caller's ctx ends, the caller returns at once and the
// listing is cancelled (it once ran on for up to a minute: five attempts
// of RequestTimeout); while another caller still waits it goes on.
func TestNameListingStopsWithItsCallers(t *testing.T) {
	const vertex = flinkapi.VertexID("0a448493b4782967b150582570326227")
	release := make(chan struct{})
	abandoned := make(chan struct{}, 10)
	var listings atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		listings.Add(1)
		select {
		case <-release:
			fmt.Fprint(w, `[{"id":"busyTimeMsPerSecond"}]`)
		case <-r.Context().Done():
			abandoned <- struct{}{}
		}
	}))
	defer srv.Close()
	c, err := flinkapi.New(flinkapi.Config{BaseURL: srv.URL, RequestTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	list := func(ctx context.Context) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := c.VertexMetricNames(ctx, exampleJob, vertex)
			done <- err
		}()
		return done
	}

	// The only caller gives up: it returns, and so does the listing.
	ctx, cancel := context.WithCancel(context.Background())
	done := list(ctx)
	waitFor(t, "the listing to start", func() bool { return listings.Load() == 1 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the caller did not return when its ctx ended")
	}
	select {
	case <-abandoned:
	case <-time.After(5 * time.Second):
		t.Fatal("the listing ran on after its only caller left")
	}

	// Two callers share a listing; the first gives up, the second gets it.
	ctx1, cancel1 := context.WithCancel(context.Background())
	first, second := list(ctx1), list(context.Background())
	waitFor(t, "the shared listing to start", func() bool { return listings.Load() == 2 })
	cancel1()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("first caller: err = %v, want context.Canceled", err)
	}
	select {
	case <-abandoned:
		t.Fatal("the listing was cancelled while a caller still waited")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-second; err != nil {
		t.Errorf("second caller: err = %v", err)
	}
	if n := listings.Load(); n != 2 {
		t.Errorf("%d listings, want 2 (one per round, shared)", n)
	}
}
