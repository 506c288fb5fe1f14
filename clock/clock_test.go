package clock_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/clock"
	"github.com/flinkscale/flinkscale/clock/clocktest"
)

func TestSystemSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (clock.System{}).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on an ended ctx = %v, want context.Canceled", err)
	}
	if err := (clock.System{}).Sleep(context.Background(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v, want nil", err)
	}
	if err := (clock.System{}).Sleep(context.Background(), time.Microsecond); err != nil {
		t.Fatalf("Sleep(1µs) = %v, want nil", err)
	}
}

func TestOr(t *testing.T) {
	if _, ok := clock.Or(nil).(clock.System); !ok {
		t.Fatalf("Or(nil) = %T, want clock.System", clock.Or(nil))
	}
	v := clocktest.New(time.Time{})
	if clock.Or(v) != clock.Clock(v) {
		t.Fatal("Or(v) did not return v")
	}
}

func TestVirtual(t *testing.T) {
	v := clocktest.New(time.Time{})
	if !v.Now().Equal(clocktest.Start) {
		t.Fatalf("New(zero).Now() = %v, want %v", v.Now(), clocktest.Start)
	}
	if err := v.Sleep(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	v.Advance(time.Second)
	if got, want := v.Now(), clocktest.Start.Add(time.Minute+time.Second); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := v.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on an ended ctx = %v", err)
	}
	if total, calls := v.Slept(); total != time.Minute || calls != 1 {
		t.Fatalf("Slept() = %v, %d; want 1m, 1 (a Sleep that failed moves nothing)", total, calls)
	}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v.Set(at)
	if !v.Now().Equal(at) {
		t.Fatalf("Set: Now() = %v", v.Now())
	}
}

// A controller loop waits on whatever Clock its Config was given; in a test
// that is a Virtual, so an hour of ticks passes at once.
func ExampleVirtual() {
	v := clocktest.New(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	var c clock.Clock = v
	for range 60 {
		_ = c.Sleep(context.Background(), time.Minute)
	}
	fmt.Println(c.Now().Format(time.Kitchen))
	// Output: 10:00AM
}
