package figure_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/adaptivetimeout"
	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/checkpointing"
	"github.com/flinkscale/flinkscale/figure"
)

// The packages' Figures and Reasons are aliases of this package's: a figure
// or a reason passes between them without conversion, its reason intact.
// That this file compiles is most of the test.
func TestPackagesShareTheType(t *testing.T) {
	lag := backlog.Unknown[time.Duration](backlog.TooFewPoints)
	var (
		f  figure.Figure[time.Duration]          = lag
		cp checkpointing.Figure[time.Duration]   = lag
		at adaptivetimeout.Figure[time.Duration] = cp
		r  checkpointing.Reason                  = backlog.NoLeader
		r2 adaptivetimeout.Reason                = r
	)
	if f != lag || cp != lag || at != lag || at.Reason() != backlog.TooFewPoints {
		t.Errorf("figures differ across packages: %s %s %s %s", f, cp, at, lag)
	}
	if checkpointing.Unknown[int64](r2) != backlog.Unknown[int64](backlog.NoLeader) {
		t.Error("a reason changed on its way between packages")
	}
	if checkpointing.NotGiven != figure.NotGiven || (backlog.Figure[int64]{}).Reason() != checkpointing.NotGiven ||
		(adaptivetimeout.Figure[int64]{}).Reason() != figure.NotGiven {
		t.Error("the zero Figure's reason differs between packages")
	}
}
