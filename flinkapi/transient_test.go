package flinkapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/flinkscale/flinkscale/flinkapi"
)

func TestIsTransient(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("flinkapi: GET /jobs/x: %w", err) }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"unavailable", wrap(flinkapi.ErrUnavailable), true},
		{"unavailable after a cut body", fmt.Errorf("%w: %w", flinkapi.ErrUnavailable, io.ErrUnexpectedEOF), true},
		{"unavailable after per-attempt timeouts", fmt.Errorf("%w: %w", flinkapi.ErrUnavailable, context.DeadlineExceeded), true},
		{"not JSON", fmt.Errorf("%w: %w", flinkapi.ErrDecode, flinkapi.ErrNotJSON), true},
		{"500", &flinkapi.Error{Method: "GET", Path: "/jobs/x", Status: 500, Errors: []string{"Internal server error."}}, true},
		{"500, wrapped", wrap(&flinkapi.Error{Status: 500}), true},
		{"cancelled ctx", wrap(context.Canceled), false},
		{"expired ctx", wrap(context.DeadlineExceeded), false},
		{"not found", wrap(flinkapi.ErrNotFound), false},
		{"conflict", wrap(flinkapi.ErrConflict), false},
		{"checkpointing disabled", wrap(flinkapi.ErrCheckpointingDisabled), false},
		{"invalid request", wrap(flinkapi.ErrInvalidRequest), false},
		{"too large", wrap(flinkapi.ErrResponseTooLarge), false},
		{"decode, well-formed JSON", wrap(flinkapi.ErrDecode), false},
		{"400", &flinkapi.Error{Status: 400}, false},
		{"501", &flinkapi.Error{Status: 501}, false},
		{"operation failed", &flinkapi.OperationError{Cause: flinkapi.FailureCause{Class: "java.lang.Exception"}}, false},
		{"some other error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := flinkapi.IsTransient(tt.err); got != tt.want {
				t.Errorf("IsTransient(%v) = %t, want %t", tt.err, got, tt.want)
			}
		})
	}
}
